package postgres_test

import (
	"crypto/rand"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/internal/pgtest"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/ledger/ledgertest"
	"github.com/actkit/actkit/ledger/postgres"
	"github.com/actkit/actkit/ledger/sqlite"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"
)

// busyLedger fills a ledger with every kind of row: products, plans,
// licences, live, released and superseded activations, a release line,
// a token, the keystore's state and a checkpoint.
func busyLedger(t *testing.T, s ledger.Store) *signer.Service {
	t.Helper()
	ks := ledgertest.Keys()
	svc := signer.New(s, ks, signer.Options{Now: func() time.Time { return ledgertest.Now }})
	if _, err := svc.AddProduct(ctx, "umenu", "", []string{"export", "cloud"}); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		li, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 4, Expires: codec.NoExpiry, Customer: "ACME Plant " + string(rune('1'+i))})
		if err != nil {
			t.Fatal(err)
		}
		for m := range 3 {
			if _, err := svc.Issue(ctx, licensing.IssueRequest{Licence: li.Display, Machine: ledgertest.UID(10*i + m)}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := svc.Release(ctx, li.Display, ledgertest.UID(10*i)); err != nil {
			t.Fatal(err)
		}
		// New terms: the old activation is superseded.
		if _, err := svc.Issue(ctx, licensing.IssueRequest{Licence: li.Display, Machine: ledgertest.UID(10*i + 1), LeaseDays: 30}); err != nil {
			t.Fatal(err)
		}
	}
	// The keystore's state and a token, as home and signer record them:
	// each with its audit entry.
	if err := s.Update(ctx, func(tx ledger.Tx) error {
		if err := tx.RecordKeystore(ledger.KeystoreState{Generation: 7}); err != nil {
			return err
		}
		ks, _ := ledger.Detail(ledger.KeystoreEvent{Generation: 7, Revoked: []string{}})
		return tx.Append(ledgertest.Now, ledger.KeystoreChain(), ledger.ActionKeystoreState, "keystore", ks)
	}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.NewToken(ctx, rand.Reader, "ci", "read", time.Hour); err != nil {
		t.Fatal(err)
	}
	return svc
}

func export(t *testing.T, s ledger.Store) map[string][][]any {
	t.Helper()
	out := map[string][][]any{}
	if err := s.(ledger.Copier).Export(ctx, func(tb ledger.Table, row []any) error {
		out[tb.Name] = append(out[tb.Name], row)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCopyFileToPostgresAndBack: a SQLite ledger copied to PostgreSQL and
// back to a new file holds the same rows, verifies to the same chain
// heads, and the copies go on issuing with fresh serials.
func TestCopyFileToPostgresAndBack(t *testing.T) {
	dir := t.TempDir()
	file, err := sqlite.Open(ctx, filepath.Join(dir, "ledger.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	busyLedger(t, file)
	pg, err := postgres.Open(ctx, pgtest.NewDatabase(t), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	res, err := ledger.Copy(ctx, file, pg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows["activations"] != 20 || res.Rows["audit"] == 0 || res.Rows["tokens"] != 1 {
		t.Fatalf("copied %v", res.Rows)
	}
	back, err := sqlite.Open(ctx, filepath.Join(dir, "back.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	res2, err := ledger.Copy(ctx, pg, back)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.Root, res2.Root) || res.Entries != res2.Entries {
		t.Fatal("the copy back ends at other chain heads")
	}
	want := export(t, file)
	for _, s := range []ledger.Store{pg, back} {
		if got := export(t, s); !reflect.DeepEqual(got, want) {
			t.Fatalf("%T: the rows differ from the source's", s)
		}
	}
	// Both copies go on: a new activation gets a serial past the copied
	// ones, and a copy onto a ledger that holds something is refused.
	for _, s := range []ledger.Store{pg, back} {
		svc := signer.New(s, ledgertest.Keys(), signer.Options{Now: func() time.Time { return ledgertest.Now }})
		lics, err := svc.Licences(ctx, "umenu")
		if err != nil {
			t.Fatal(err)
		}
		is, err := svc.Issue(ctx, licensing.IssueRequest{Licence: lics[0].Display, Machine: ledgertest.UID(999)})
		if err != nil {
			t.Fatal(err)
		}
		if is.Serial != 21 {
			t.Fatalf("%T: serial %d after 20 copied activations", s, is.Serial)
		}
		if err := svc.VerifyState(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := ledger.Copy(ctx, file, s); !errors.Is(err, ledger.ErrNotEmpty) {
			t.Fatalf("copy onto a ledger in use: %v", err)
		}
	}
}

// TestInterruptedCopyLeavesTheTargetEmpty: a copy that fails half-way
// (the source gone, the process stopped) leaves nothing behind, and the
// next copy starts again.
func TestInterruptedCopyLeavesTheTargetEmpty(t *testing.T) {
	file, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ledger.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	busyLedger(t, file)
	pg, err := postgres.Open(ctx, pgtest.NewDatabase(t), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	gone := errors.New("the source went away")
	err = pg.Import(ctx, func(put ledger.Put) error {
		n := 0
		return file.Export(ctx, func(tb ledger.Table, row []any) error {
			if n++; n == 60 {
				return gone
			}
			return put(tb, row)
		})
	})
	if !errors.Is(err, gone) {
		t.Fatal(err)
	}
	if rows := export(t, pg); len(rows) != 0 {
		t.Fatalf("an interrupted copy left rows: %d tables", len(rows))
	}
	if _, err := ledger.Copy(ctx, file, pg); err != nil {
		t.Fatalf("the copy after an interrupted one: %v", err)
	}
}
