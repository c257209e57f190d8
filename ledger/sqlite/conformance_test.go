package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/ledger/ledgertest"
	"github.com/actkit/actkit/ledger/sqlite"
)

// backend runs the conformance suite on SQLite files.
var backend = ledgertest.Backend{
	New: func(t testing.TB) string { return filepath.Join(t.TempDir(), "ledger.db") },
	Open: func(loc string) (ledger.Store, error) {
		return sqlite.Open(context.Background(), loc, sqlite.Options{})
	},
	Exec: func(t testing.TB, loc string, stmts ...string) error {
		db, err := sql.Open("sqlite", "file:"+loc+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)")
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
	},
	// SQLite reports a page limit exactly as a full disk (SQLITE_FULL).
	Full: func(loc string) (ledger.Store, error) {
		db, err := sql.Open("sqlite", "file:"+loc)
		if err != nil {
			return nil, err
		}
		var pages int
		err = db.QueryRow("PRAGMA page_count").Scan(&pages)
		db.Close()
		if err != nil {
			return nil, err
		}
		return sqlite.Open(context.Background(), loc, sqlite.WithPragmasForTest(sqlite.Options{}, fmt.Sprintf("max_page_count(%d)", pages+3)))
	},
	Check: func(s ledger.Store) error {
		st, ok := s.(*sqlite.Store)
		if !ok {
			return errors.New("not a SQLite store")
		}
		return st.IntegrityCheck(context.Background())
	},
}

func TestMain(m *testing.M) { ledgertest.Main(m, backend) }

// TestConformance runs the suite every backend passes.
func TestConformance(t *testing.T) { ledgertest.Run(t, backend) }

// TestNewerSchemaIsRefused: a ledger written by a newer actkit is refused,
// and left as it was.
func TestNewerSchemaIsRefused(t *testing.T) {
	path := backend.New(t)
	s, err := backend.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := backend.Exec(t, path, "PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	if _, err := backend.Open(path); !errors.Is(err, ledger.ErrNewerSchema) {
		t.Fatalf("newer schema: %v", err)
	}
}
