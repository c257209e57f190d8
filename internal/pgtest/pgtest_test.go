package pgtest_test

import (
	"testing"

	"github.com/actkit/actkit/internal/pgtest"
)

// TestURLs: the test URLs are right whether the server URL has
// parameters or none (a base without "?" broke a test that edited the
// text).
func TestURLs(t *testing.T) {
	for _, c := range []struct{ base, db, pw string }{
		{"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
			"postgres://postgres@127.0.0.1:5432/other?sslmode=disable",
			"postgres://postgres:s3cret@127.0.0.1:5432/postgres?sslmode=disable"},
		{"postgres://postgres@127.0.0.1:5432/postgres",
			"postgres://postgres@127.0.0.1:5432/other",
			"postgres://postgres:s3cret@127.0.0.1:5432/postgres"},
		{"postgres://postgres@127.0.0.1:5432",
			"postgres://postgres@127.0.0.1:5432/other",
			"postgres://postgres:s3cret@127.0.0.1:5432"},
		{"postgres://postgres:old@db.example/postgres?sslmode=require&connect_timeout=2",
			"postgres://postgres:old@db.example/other?sslmode=require&connect_timeout=2",
			"postgres://postgres:s3cret@db.example/postgres?sslmode=require&connect_timeout=2"},
	} {
		if got, err := pgtest.WithDatabase(c.base, "other"); err != nil || got != c.db {
			t.Errorf("WithDatabase(%s) = %s, %v; want %s", c.base, got, err, c.db)
		}
		if got, err := pgtest.WithPassword(c.base, "s3cret"); err != nil || got != c.pw {
			t.Errorf("WithPassword(%s) = %s, %v; want %s", c.base, got, err, c.pw)
		}
	}
	if _, err := pgtest.WithPassword("postgres://127.0.0.1/postgres", "x"); err == nil {
		t.Error("a password was put on a URL without a user")
	}
}
