package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/ledger/sqlite"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"
)

// copyV1 copies the ledger written before chains were split into a
// temporary folder and returns its path.
func copyV1(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"ledger.db", "keystore.age"} {
		in, err := os.Open(filepath.Join("testdata", "v1", f))
		if err != nil {
			t.Fatal(err)
		}
		out, _ := os.Create(filepath.Join(dir, f))
		io.Copy(out, in)
		in.Close()
		out.Close()
	}
	return dir
}

func v1Keys(t *testing.T, dir string) *keygen.Keyset {
	t.Helper()
	data, _ := os.ReadFile(filepath.Join("testdata", "v1", "identity.txt"))
	ids, err := keygen.ParseIdentityFile(data)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := keygen.NewStore(filepath.Join(dir, "keystore.age"), keygen.Unlock{Identities: []age.Identity(ids)}, keygen.StoreOptions{}).Inspect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

func readTestdata(t *testing.T, name string) string {
	b, err := os.ReadFile(filepath.Join("testdata", "v1", name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// TestLedgerFromBeforeChainsMigrates: a ledger with one global audit chain
// opens, keeps verifying (chain, state, and the checkpoint taken then),
// and takes new entries in per-licence chains.
func TestLedgerFromBeforeChainsMigrates(t *testing.T) {
	ctx := context.Background()
	dir := copyV1(t)
	s, err := sqlite.Open(ctx, filepath.Join(dir, "ledger.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n, heads, err := ledger.VerifyChain(ctx, s)
	if err != nil || n != 9 || len(heads) != 1 || heads[0].Chain != ledger.LegacyChain {
		t.Fatalf("migrated chain: %d entries, %v, %v", n, heads, err)
	}
	if err := ledger.VerifyState(ctx, s); err != nil {
		t.Fatalf("state of the migrated ledger: %v", err)
	}
	ks := v1Keys(t, dir)
	old, err := ledger.ParseCheckpoint(readTestdata(t, "checkpoint.txt"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := ks.Key(old.KeyID)
	if err != nil {
		t.Fatal(err)
	}
	if err := ledger.VerifyCheckpoint(ctx, s, old, key.VerificationKey()); err != nil {
		t.Fatalf("the checkpoint taken before the migration: %v", err)
	}

	// New work goes into the licence's own chain.
	svc := signer.New(s, ks, signer.Options{Now: func() time.Time { return time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC) }})
	lic := readTestdata(t, "licence.txt")
	if _, err := svc.Issue(ctx, licensing.IssueRequest{Licence: lic, Machine: "1BA0X-5JRR5-00000-0000G"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Release(ctx, lic, "18J8C-GJRR5-00000-0000R"); err != nil {
		t.Fatal(err)
	}
	n, heads, err = ledger.VerifyChain(ctx, s)
	if err != nil || n != 11 || len(heads) != 2 {
		t.Fatalf("after new work: %d entries, %v, %v", n, heads, err)
	}
	if err := ledger.VerifyState(ctx, s); err != nil {
		t.Fatalf("state after new work: %v", err)
	}
	active, _ := ks.Active("umenu")
	cp, err := ledger.SignCheckpoint(ctx, s, active, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []ledger.Checkpoint{old, cp} {
		if err := ledger.VerifyCheckpoint(ctx, s, c, active.VerificationKey()); err != nil {
			t.Fatalf("checkpoint %s: %v", c, err)
		}
	}
}

// TestStateEditsAreNamed: direct edits of the tables, which the chains
// alone never saw, are named by VerifyState (ledger verify).
func TestStateEditsAreNamed(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		edit, want string
	}{
		{"UPDATE licences SET seats = 10", "seats is 10 in the table, the audit trail says 3"},
		{"UPDATE licences SET in_use = 0", "the seats in use is 0 in the table, the audit trail says 2"},
		{"UPDATE activations SET released = '2026-11-21T00:00:00Z' WHERE serial = 3", "activation 3 holds a seat in the audit trail but not in the table"},
		{"DELETE FROM activations WHERE serial = 3", "activation 3 holds a seat in the audit trail but not in the table"},
		{"INSERT INTO activations(licence, machine, seats, key_id, issued, expires, features, created) SELECT licence, '1BA0X-5JRR5-00000-0000G', 1, key_id, issued, expires, features, created FROM activations WHERE serial = 3",
			"activation 4 (machine 1BA0X-5JRR5-00000-0000G) holds a seat the audit trail never gave or already freed"},
		{"UPDATE activations SET expires = NULL WHERE serial = 2", "activation 2's terms in the table differ"},
		{"UPDATE licences SET expires = NULL", "expiry is never in the table, the audit trail says 2027-11-23"},
		{"UPDATE licences SET status = 'suspended'", "status is suspended in the table"},
		{"UPDATE licences SET customer = 'Someone else'", "customer is Someone else in the table"},
	} {
		dir := copyV1(t)
		path := filepath.Join(dir, "ledger.db")
		s, err := sqlite.Open(ctx, path, sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		db, err := sql.Open("sqlite", "file:"+path)
		if err != nil {
			t.Fatal(err)
		}
		db.Exec("PRAGMA foreign_keys = OFF")
		// The seat trigger and CHECK keep the counter honest for
		// statements on activations; the edits below go around them the
		// way a hand edit can.
		db.Exec("DROP TRIGGER activations_free_seat")
		db.Exec("DROP TRIGGER activations_take_seat")
		if _, err := db.Exec(c.edit); err != nil {
			t.Fatalf("%s: %v", c.edit, err)
		}
		db.Close()
		s, err = sqlite.Open(ctx, path, sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := ledger.VerifyChain(ctx, s); err != nil {
			t.Fatalf("%s: the chains themselves are intact: %v", c.edit, err)
		}
		err = ledger.VerifyState(ctx, s)
		s.Close()
		if !errors.Is(err, ledger.ErrStateMismatch) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.edit, err, c.want)
		}
	}
}

// TestCheckpointCatchesATruncatedLicenceChain: deleting the newest entry
// of one licence's chain leaves every chain internally intact; the
// checkpoint taken before names the chain that was cut; deleting the
// checkpoint's record of heads is caught too.
func TestCheckpointCatchesATruncatedLicenceChain(t *testing.T) {
	ctx := context.Background()
	dir := copyV1(t)
	path := filepath.Join(dir, "ledger.db")
	s, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ks := v1Keys(t, dir)
	svc := signer.New(s, ks, signer.Options{})
	lic := readTestdata(t, "licence.txt")
	if _, err := svc.Issue(ctx, licensing.IssueRequest{Licence: lic, Machine: "1BA0X-5JRR5-00000-0000G"}); err != nil {
		t.Fatal(err)
	}
	active, _ := ks.Active("umenu")
	cp, err := ledger.SignCheckpoint(ctx, s, active, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, _ := sql.Open("sqlite", "file:"+path)
	if _, err := db.Exec("DELETE FROM audit WHERE id = (SELECT max(id) FROM audit WHERE chain != '')"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, _ = sqlite.Open(ctx, path, sqlite.Options{})
	if _, _, err := ledger.VerifyChain(ctx, s); err != nil {
		t.Fatalf("a cut chain is still internally intact: %v", err)
	}
	var ce *ledger.ChainError
	if err := ledger.VerifyCheckpoint(ctx, s, cp, active.VerificationKey()); !errors.As(err, &ce) || !strings.HasPrefix(ce.Chain, "licence/") {
		t.Fatalf("truncation: %v", err)
	}
	s.Close()
	db, _ = sql.Open("sqlite", "file:"+path)
	db.Exec("DELETE FROM checkpoints")
	db.Close()
	s, _ = sqlite.Open(ctx, path, sqlite.Options{})
	defer s.Close()
	// With its record of heads gone, the checkpoint is read as one from
	// before the migration, which this ledger's single chain does not
	// match either: refused all the same.
	if err := ledger.VerifyCheckpoint(ctx, s, cp, active.VerificationKey()); err == nil {
		t.Fatal("a checkpoint whose record of heads was deleted still verifies")
	}
}
