package postgres_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/actkit/actkit/internal/pgtest"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/ledger/ledgertest"
	"github.com/actkit/actkit/ledger/postgres"
)

// backend runs the conformance suite on PostgreSQL databases.
var backend = ledgertest.Backend{
	New: pgtest.NewDatabase,
	Open: func(loc string) (ledger.Store, error) {
		// Some tests hold ten ledgers open at once (a round each), and the
		// test server's max_connections (100) is shared by every package
		// testing in parallel: keep fewer idle connections than a server
		// does. Nothing the suite checks depends on how many stay idle.
		return postgres.Open(context.Background(), loc, postgres.Options{MaxIdleConns: 2})
	},
	Exec: func(t testing.TB, loc string, stmts ...string) error { return pgtest.Exec(loc, stmts...) },
}

func init() { backend.Full = fullDiskBackend() }

func TestMain(m *testing.M) {
	if role := os.Getenv(roleEnv); role != "" {
		os.Exit(child(role))
	}
	if code, ok := ledgertest.Child(backend); ok {
		os.Exit(code)
	}
	code := m.Run()
	cleanupFullDisks()
	os.Exit(code)
}

// TestConformance runs the suite every backend passes.
func TestConformance(t *testing.T) {
	pgtest.ServerURL(t)
	ledgertest.Run(t, backend)
}

// TestNewerSchemaIsRefused: a ledger written by a newer actkit is refused,
// and left as it was.
func TestNewerSchemaIsRefused(t *testing.T) {
	loc := pgtest.NewDatabase(t)
	s, err := backend.Open(loc)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := pgtest.Exec(loc, "UPDATE actkit_schema SET version = 99"); err != nil {
		t.Fatal(err)
	}
	if _, err := backend.Open(loc); !errors.Is(err, ledger.ErrNewerSchema) {
		t.Fatalf("newer schema: %v", err)
	}
}
