package postgres_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"testing"

	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/ledger/ledgertest"
	"github.com/actkit/actkit/ledger/postgres"
	_ "github.com/jackc/pgx/v5/stdlib"
)

// serverURL is the PostgreSQL server the tests make their databases on.
func serverURL(t testing.TB) string {
	u := os.Getenv("ACTKIT_TEST_POSTGRES")
	if u == "" {
		t.Skip("no PostgreSQL server: set ACTKIT_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable to run the PostgreSQL ledger's tests")
	}
	return u
}

// newDatabase creates an empty database for one test and drops it when
// the test ends; it returns the database's URL.
func newDatabase(t testing.TB) string {
	t.Helper()
	base := serverURL(t)
	var b [6]byte
	rand.Read(b[:])
	name := "actkit_test_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		admin.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec("DROP DATABASE " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("dropping %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func exec(t testing.TB, loc string, stmts ...string) error {
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

// backend runs the conformance suite on PostgreSQL databases.
var backend = ledgertest.Backend{
	New: newDatabase,
	Open: func(loc string) (ledger.Store, error) {
		return postgres.Open(context.Background(), loc, postgres.Options{})
	},
	Exec: exec,
	// A full disk cannot be made on a shared server: not simulated.
}

func TestMain(m *testing.M) { ledgertest.Main(m, backend) }

// TestConformance runs the suite every backend passes.
func TestConformance(t *testing.T) {
	serverURL(t)
	ledgertest.Run(t, backend)
}

// TestNewerSchemaIsRefused: a ledger written by a newer actkit is refused,
// and left as it was.
func TestNewerSchemaIsRefused(t *testing.T) {
	loc := newDatabase(t)
	s, err := backend.Open(loc)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := exec(t, loc, "UPDATE actkit_schema SET version = 99"); err != nil {
		t.Fatal(err)
	}
	if _, err := backend.Open(loc); !errors.Is(err, ledger.ErrNewerSchema) {
		t.Fatalf("newer schema: %v", err)
	}
}
