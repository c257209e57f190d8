package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/ledger/sqlite"
	"github.com/actkit/actkit/licensing"
)

// TestPathsThatLookLikeURIs: a home whose path has '?', '#', '%41' or a
// space keeps its ledger in that very file, and what is written is there
// after reopening (an unescaped '?' used to open an in-memory ledger that
// lost everything).
func TestPathsThatLookLikeURIs(t *testing.T) {
	ctx := context.Background()
	for _, name := range []string{"a?mode=memory", "b#frag", "c%41d", "with space", "semi;colon&amp"} {
		dir := filepath.Join(t.TempDir(), name)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "ledger.db")
		s, err := sqlite.Open(ctx, path, sqlite.Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		p, _ := licensing.NewProduct("umenu", "", nil, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
		if err := s.Update(ctx, func(tx ledger.Tx) error { return tx.InsertProduct(p) }); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		s.Close()
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("%s: the ledger is not at %s: %v", name, path, err)
		}
		s, err = sqlite.Open(ctx, path, sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		err = s.View(ctx, func(r ledger.Reader) error { _, err := r.Product("umenu"); return err })
		s.Close()
		if err != nil {
			t.Fatalf("%s: written data not found after reopening: %v", name, err)
		}
		entries, _ := os.ReadDir(filepath.Dir(dir))
		if len(entries) != 1 {
			t.Fatalf("%s: files beside the home: %v", name, entries)
		}
	}
}
