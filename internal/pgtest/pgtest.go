// Package pgtest gives tests a fresh PostgreSQL database of their own on
// a real server, never a mock. The server is named by
// ACTKIT_TEST_POSTGRES (for example
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable); without
// it the tests skip, saying how to run them, except under CI (CI set),
// where a skipped PostgreSQL test would hide a missing server and fails
// instead.
package pgtest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx driver for database/sql
)

// Env names the server's URL.
const Env = "ACTKIT_TEST_POSTGRES"

// ServerURL returns the server's URL, or skips (fails under CI).
func ServerURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(Env)
	if u == "" {
		msg := "no PostgreSQL server: set " + Env + "=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable to run the PostgreSQL tests"
		if os.Getenv("CI") != "" {
			t.Fatal(msg + " (CI must run them)")
		}
		t.Skip(msg)
	}
	return u
}

// NewDatabase creates an empty database for one test, dropped when the
// test ends, and returns its URL.
func NewDatabase(t testing.TB) string {
	t.Helper()
	loc, drop, err := Create(ServerURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Errorf("dropping the test database: %v", err)
		}
	})
	return loc
}

// Create makes an empty database on the server at base and returns its
// URL and the function that drops it, for setups that have no
// testing.TB (testscript's).
func Create(base string) (string, func() error, error) {
	var b [6]byte
	rand.Read(b[:])
	name := "actkit_test_" + hex.EncodeToString(b[:])
	loc, err := WithDatabase(base, name)
	if err != nil {
		return "", nil, err
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, err
	}
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		admin.Close()
		return "", nil, err
	}
	drop := func() error {
		defer admin.Close()
		_, err := admin.Exec("DROP DATABASE " + name + " WITH (FORCE)")
		return err
	}
	return loc, drop, nil
}

// WithDatabase returns the server URL base naming database name instead,
// its user, password and parameters (if any) kept. URLs are built with
// net/url, never by editing the text: a base with no "?" is as valid as
// one with parameters.
func WithDatabase(base, name string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	u.Path, u.RawPath = "/"+name, ""
	return u.String(), nil
}

// WithPassword returns base with password set for its user (which must
// be named), for tests that check a password never leaks.
func WithPassword(base, password string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	if u.User == nil || u.User.Username() == "" {
		return "", fmt.Errorf("%s names no user to give a password", Env)
	}
	u.User = url.UserPassword(u.User.Username(), password)
	return u.String(), nil
}

// Exec runs statements on the database at loc directly, as someone with
// a client and the database's password could.
func Exec(loc string, stmts ...string) error {
	db, err := sql.Open("pgx", loc)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			return err
		}
	}
	return nil
}
