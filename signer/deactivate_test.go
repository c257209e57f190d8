package signer_test

import (
	"crypto/rand"
	"errors"
	"path/filepath"
	"testing"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/ledger/ledgertest"
	"github.com/actkit/actkit/licensing"
)

// deactivationCode is what a product shows when it gives up the code of
// is offline.
func deactivationCode(t *testing.T, licence, machine string, serial uint64) string {
	t.Helper()
	uid, err := codec.ParseMachineUID(machine)
	if err != nil {
		t.Fatal(err)
	}
	norm, err := codec.NormalizeLicenceKey(licence)
	if err != nil {
		t.Fatal(err)
	}
	text, err := codec.DeactivationCode{Product: "umenu", LicenceKey: norm, MachineUID: uid, Serial: serial, Day: 1100}.Text()
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// TestReleaseCode: a deactivation code frees the seat of the activation
// whose serial it names, once; it frees nothing when that machine took a
// seat again after the code was made, nothing for another licence's
// caller, and a damaged code is an invalid request. The ledger's state
// still matches its trail.
func TestReleaseCode(t *testing.T) {
	svc, _ := service(t, filepath.Join(t.TempDir(), "ledger.db"))
	svc.AddProduct(ctx, "umenu", "", nil)
	li, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 1, Expires: codec.NoExpiry})
	if err != nil {
		t.Fatal(err)
	}
	other, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 1, Expires: codec.NoExpiry})
	if err != nil {
		t.Fatal(err)
	}
	m1, m2 := ledgertest.UID(1), ledgertest.UID(2)
	first, err := svc.Issue(ctx, licensing.IssueRequest{Licence: li.Display, Machine: m1})
	if err != nil {
		t.Fatal(err)
	}
	code := deactivationCode(t, li.Display, m1, first.Serial)

	// The customer's way checks that the code is the caller's licence's.
	if _, err := svc.DeactivateCode(ctx, other.Display, code); !errors.Is(err, licensing.ErrInvalidDeactivation) {
		t.Fatalf("another licence's caller: %v", err)
	}
	if got, err := svc.Licence(ctx, li.Display); err != nil || got.InUse != 1 {
		t.Fatalf("after a refused code: %d in use, %v", got.InUse, err)
	}
	// A code naming another serial of that machine frees nothing.
	if _, err := svc.ReleaseCode(ctx, deactivationCode(t, li.Display, m1, first.Serial+100)); !errors.Is(err, licensing.ErrNotActivated) {
		t.Fatalf("another serial: %v", err)
	}
	d, err := svc.DeactivateCode(ctx, li.Display, code)
	if err != nil || d.Serial != first.Serial || d.Machine != m1 || d.Licence != li.Display || d.Day != 1100 {
		t.Fatalf("deactivate by code: %+v %v", d, err)
	}
	if got, _ := svc.Licence(ctx, li.Display); got.InUse != 0 {
		t.Fatalf("the seat was not freed: %d in use", got.InUse)
	}
	// Used twice, it frees nothing, and says what it named.
	if d, err := svc.ReleaseCode(ctx, code); !errors.Is(err, licensing.ErrNotActivated) || d.Machine != m1 {
		t.Fatalf("the same code again: %+v %v", d, err)
	}
	// The seat moved to another machine, which is not freed by the old
	// machine's code; nor is the old machine's new activation.
	if _, err := svc.Issue(ctx, licensing.IssueRequest{Licence: li.Display, Machine: m2}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Release(ctx, li.Display, m2); err != nil {
		t.Fatal(err)
	}
	again, err := svc.Issue(ctx, licensing.IssueRequest{Licence: li.Display, Machine: m1})
	if err != nil || again.Serial == first.Serial {
		t.Fatalf("reactivation: %+v %v", again, err)
	}
	if _, err := svc.ReleaseCode(ctx, code); !errors.Is(err, licensing.ErrNotActivated) {
		t.Fatalf("an old code freed the machine's new seat: %v", err)
	}
	if got, _ := svc.Licence(ctx, li.Display); got.InUse != 1 {
		t.Fatalf("%d in use, want the new activation's seat", got.InUse)
	}
	// A damaged code: one symbol changed.
	b := []byte(code)
	b[3] ^= 1
	if _, err := svc.ReleaseCode(ctx, string(b)); !errors.Is(err, licensing.ErrInvalidDeactivation) || !errors.Is(err, codec.ErrTypo) {
		t.Fatalf("a damaged code: %v", err)
	}
	if err := svc.VerifyState(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestDeactivateCodeWithinBudget: the customer's deactivation codes count
// against the plan's release budget like any deactivation; the vendor's
// ReleaseCode does not.
func TestDeactivateCodeWithinBudget(t *testing.T) {
	svc, _ := service(t, filepath.Join(t.TempDir(), "ledger.db"))
	svc.AddProduct(ctx, "umenu", "", nil)
	li, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Plan: "pro-annual"})
	if err != nil {
		t.Fatal(err)
	}
	codes := map[int]string{}
	for i := range 7 {
		is, err := svc.Issue(ctx, licensing.IssueRequest{Licence: li.Display, Machine: ledgertest.UID(10 + i)})
		if err != nil {
			t.Fatal(err)
		}
		codes[i] = deactivationCode(t, li.Display, ledgertest.UID(10+i), is.Serial)
		if i < 6 {
			if _, err := svc.DeactivateCode(ctx, li.Display, codes[i]); err != nil {
				t.Fatalf("deactivation %d: %v", i, err)
			}
		}
	}
	if _, err := svc.DeactivateCode(ctx, li.Display, codes[6]); !errors.Is(err, licensing.ErrReleaseBudget) {
		t.Fatalf("past the budget: %v", err)
	}
	if _, err := svc.ReleaseCode(ctx, codes[6]); err != nil {
		t.Fatalf("the vendor's release: %v", err)
	}
}
