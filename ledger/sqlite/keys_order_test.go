package sqlite_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/home"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/ledger"
)

// keysHome makes a home whose keystore holds two keys of product umenu,
// recorded in the ledger, and returns it with the first key's ID.
func keysHome(t *testing.T, opts home.Options) (*home.Home, codec.KeyID) {
	t.Helper()
	ctx := context.Background()
	opts.Create = true
	opts.Unlock = keygen.Unlock{Passphrase: func() (string, error) { return "correct horse", nil }}
	opts.Store = keygen.StoreOptions{ScryptWorkFactor: 10}
	h, err := home.Open(t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	if err := h.Keystore().Init(ctx, keygen.Protection{Passphrase: "correct horse"}); err != nil {
		t.Fatal(err)
	}
	if err := h.RecordKeys(ctx, 0, nil); err != nil {
		t.Fatal(err)
	}
	var first codec.KeyID
	err = h.UpdateKeys(ctx, func(ks *keygen.Keyset) error {
		k, err := ks.Add(rand.Reader, "umenu", codec.Ed25519, time.Now())
		if err != nil {
			return err
		}
		first = k.ID
		_, err = ks.Add(rand.Reader, "umenu", codec.Ed25519, time.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return h, first
}

func recordedRevoked(t *testing.T, h *home.Home) []codec.KeyID {
	t.Helper()
	l, err := h.Ledger(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var st ledger.KeystoreState
	if err := l.View(context.Background(), func(r ledger.Reader) (err error) { st, err = r.KeystoreState(); return err }); err != nil {
		t.Fatal(err)
	}
	return st.Revoked
}

func fileStatus(t *testing.T, h *home.Home, id codec.KeyID) keygen.Status {
	t.Helper()
	ks, err := h.Keystore().Inspect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	k, err := ks.Key(id)
	if err != nil {
		t.Fatal(err)
	}
	return k.Status
}

// TestRevocationIsRecordedBeforeTheKeystoreIsWritten: when the ledger
// cannot record a revocation, the keystore is not changed either. (It
// used to be written first: the file held the key revoked, the ledger did
// not know, and restoring keystore.age.bak un-revoked it silently.)
func TestRevocationIsRecordedBeforeTheKeystoreIsWritten(t *testing.T) {
	ctx := context.Background()
	h, id := keysHome(t, home.Options{})
	db, err := sql.Open("sqlite", "file:"+h.LedgerPath())
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range []string{"INSERT", "UPDATE"} {
		if _, err := db.Exec("CREATE TRIGGER fail_" + ev + " BEFORE " + ev + " ON keystore_state BEGIN SELECT RAISE(ABORT, 'injected failure'); END"); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	err = h.UpdateKeys(ctx, func(ks *keygen.Keyset) error { return ks.Revoke(id) })
	if err == nil {
		t.Fatal("the revocation succeeded although the ledger could not record it")
	}
	if fileStatus(t, h, id) == keygen.Revoked && !slices.Contains(recordedRevoked(t, h), id) {
		t.Fatalf("the keystore holds key %s revoked and the ledger does not know (%v): restoring the backup would un-revoke it silently", id, err)
	}
}

// TestFailedKeystoreWriteKeepsTheRevocation: when the keystore cannot be
// written after the ledger recorded a revocation, the revocation is not
// lost: the keystore is refused as older than the ledger, and accepting it
// revokes the key.
func TestFailedKeystoreWriteKeepsTheRevocation(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs chattr +i (root) to make the keystore's folder unwritable")
	}
	ctx := context.Background()
	h, id := keysHome(t, home.Options{Ledger: filepath.Join(t.TempDir(), "ledger.db")})
	if out, err := exec.Command("chattr", "+i", h.Dir()).CombinedOutput(); err != nil {
		t.Skipf("chattr +i: %v: %s", err, out)
	}
	defer exec.Command("chattr", "-i", h.Dir()).Run()
	err := h.UpdateKeys(ctx, func(ks *keygen.Keyset) error { return ks.Revoke(id) })
	if err == nil {
		t.Fatal("the keystore was written into an immutable folder")
	}
	exec.Command("chattr", "-i", h.Dir()).Run()
	if fileStatus(t, h, id) == keygen.Revoked {
		t.Fatal("the failed write changed the keystore")
	}
	if !slices.Contains(recordedRevoked(t, h), id) {
		t.Fatal("the revocation was not recorded before the write")
	}
	var rb *home.RollbackError
	if _, err := h.Keys(ctx); !errors.As(err, &rb) || !slices.Contains(rb.Unrevoked, id) {
		t.Fatalf("the keystore that lacks a recorded revocation is accepted: %v", err)
	}
	again, err := h.AcceptRestoredKeys(ctx)
	if err != nil || !slices.Equal(again, []codec.KeyID{id}) {
		t.Fatalf("accepting: %v %v", again, err)
	}
	if fileStatus(t, h, id) != keygen.Revoked {
		t.Fatal("the recorded revocation was not applied")
	}
}
