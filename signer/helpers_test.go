package signer_test

import (
	"crypto/rand"
	"path/filepath"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/machine"
	"github.com/actkit/actkit/signer"
)

var testNow = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func clock() time.Time { return testNow }

func openLedger(t testing.TB, dir string) *signer.Ledger {
	t.Helper()
	l, err := signer.Open(filepath.Join(dir, "ledger.db"), signer.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// keyset returns keys with an active Ed25519 key for "umenu".
func keyset(t testing.TB) *keygen.Keyset {
	t.Helper()
	ks := &keygen.Keyset{}
	if _, err := ks.Add(rand.Reader, "umenu", codec.Ed25519, testNow); err != nil {
		t.Fatal(err)
	}
	return ks
}

func setup(t testing.TB, seats int) (*signer.Ledger, *keygen.Keyset, signer.Licence) {
	t.Helper()
	l := openLedger(t, t.TempDir())
	if _, err := l.AddProduct(signer.Product{ID: "umenu", Features: []string{"export", "cloud", "api"}}); err != nil {
		t.Fatal(err)
	}
	exp, _ := codec.ParseDay("2027-11-23")
	li, err := l.NewLicence(rand.Reader, signer.LicenceSpec{Product: "umenu", Seats: seats, Expires: exp, Features: []string{"export", "api"}, Customer: "ACME Plant 3"})
	if err != nil {
		t.Fatal(err)
	}
	return l, keyset(t), li
}

// uid makes a distinct valid machine UID for machine n.
func uid(n int) string {
	u := codec.MachineUID{Version: codec.UIDVersion}
	u.Slots[codec.SlotNetwork] = machine.SlotHash("umenu", codec.SlotNetwork, []byte{byte(n >> 16), byte(n >> 8), byte(n)})
	u.Slots[codec.SlotCPU] = machine.SlotHash("umenu", codec.SlotCPU, []byte{byte(n), 1})
	u.Slots[codec.SlotVersion] = machine.SlotHash("umenu", codec.SlotVersion, []byte("4.2"))
	return u.String()
}
