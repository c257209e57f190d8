package sqlite_test

import (
	"context"
	"crypto/rand"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/ledger/sqlite"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"
	"github.com/actkit/actkit/verify"
)

// TestRotationKeepsOldReleasesWorking: after a key rotation, a release
// whose keyring holds only the old key still gets codes it verifies; a
// release with the new keyring gets the new key; a key named with --key
// wins; a release that trusts only revoked keys is refused clearly.
func TestRotationKeepsOldReleasesWorking(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ledger.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ks := keygen.NewKeyset()
	k1, err := ks.Add(rand.Reader, "umenu", codec.Ed25519, now)
	if err != nil {
		t.Fatal(err)
	}
	svc := signer.New(s, ks, signer.Options{Now: func() time.Time { return now }})
	if _, err := svc.AddProduct(ctx, "umenu", "", nil); err != nil {
		t.Fatal(err)
	}
	li, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 10, Expires: codec.NoExpiry})
	if err != nil {
		t.Fatal(err)
	}
	old, _ := ks.Export("umenu", false) // the keyring release 4.2 ships
	if err := svc.RecordRelease(ctx, "umenu", "4.2", []codec.KeyID{k1.ID}); err != nil {
		t.Fatal(err)
	}
	k2, err := ks.Add(rand.Reader, "umenu", codec.Ed25519, now) // rotation: k1 retired
	if err != nil {
		t.Fatal(err)
	}
	cur, _ := ks.Export("umenu", false)
	if err := svc.RecordRelease(ctx, "umenu", "4.3.0", []codec.KeyID{k1.ID, k2.ID}); err != nil {
		t.Fatal(err)
	}
	oldKR, _ := verify.NewKeyring(old)
	curKR, _ := verify.NewKeyring(cur)

	request := func(n int, version string) string {
		u := codec.MachineUID{Version: codec.UIDVersion}
		u.Slots[codec.SlotNetwork], u.Slots[codec.SlotCPU] = uint16(100+n), 7
		r, err := codec.RequestCode{Product: "umenu", LicenceKey: li.Key, MachineUID: u, ProductVersion: version}.Text()
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	check := func(is signer.Issued, kr *verify.Keyring, want codec.KeyID) {
		t.Helper()
		if is.KeyID != want {
			t.Fatalf("signed with %s, want %s", is.KeyID, want)
		}
		if _, err := kr.Verify(is.Code, verify.Binding{Product: "umenu", LicenceKey: li.Display, MachineUID: is.Machine}, now); err != nil {
			t.Fatalf("the release's keyring refuses its code: %v", err)
		}
	}
	is, err := svc.Issue(ctx, licensing.IssueRequest{Request: request(1, "4.2.17")})
	if err != nil {
		t.Fatal(err)
	}
	check(is, oldKR, k1.ID)
	is, err = svc.Issue(ctx, licensing.IssueRequest{Request: request(2, "4.3.1")})
	if err != nil {
		t.Fatal(err)
	}
	check(is, curKR, k2.ID)
	m2 := is.Machine
	// A line not recorded: nothing says which keyring it holds, so the
	// oldest key, which every keyring exported since holds, the old
	// release's as well as the new one's.
	is, err = svc.Issue(ctx, licensing.IssueRequest{Request: request(3, "5.0.0")})
	if err != nil {
		t.Fatal(err)
	}
	check(is, oldKR, k1.ID)
	check(is, curKR, k1.ID)
	// The product says what its keyring holds (an online request): that
	// outranks the recorded line.
	is, err = svc.Issue(ctx, licensing.IssueRequest{Request: request(5, "4.3.1"), Trust: licensing.Trust{Keys: []codec.KeyID{k1.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	check(is, oldKR, k1.ID)
	is, err = svc.Issue(ctx, licensing.IssueRequest{Licence: li.Display, Machine: m2, Release: "4.2"}) // typed: the line given
	if err != nil || is.KeyID != k1.ID || is.Replaced == 0 {
		t.Fatalf("release given by the vendor: %+v %v", is, err)
	}
	is, err = svc.Issue(ctx, licensing.IssueRequest{Licence: li.Display, Machine: is.Machine, Key: k2.ID.String()})
	if err != nil || is.KeyID != k2.ID {
		t.Fatalf("--key: %+v %v", is, err)
	}
	if err := ks.Revoke(k1.ID); err != nil {
		t.Fatal(err)
	}
	_, err = svc.Issue(ctx, licensing.IssueRequest{Request: request(4, "4.2.17")})
	if !errors.Is(err, licensing.ErrNoTrustedKey) || licensing.ReasonCode(err) != "no-trusted-key" {
		t.Fatalf("a release trusting only a revoked key: %v", err)
	}
	// A line not recorded, once the key every keyring held is revoked: a
	// keyring exported before may hold nothing newer. Refused, naming the
	// way out, and no seat taken.
	before, err := svc.Licence(ctx, li.Display)
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.Issue(ctx, licensing.IssueRequest{Request: request(6, "5.1.0")})
	if !errors.Is(err, licensing.ErrNoTrustedKey) || !strings.Contains(err.Error(), "record the keyring that release embeds") {
		t.Fatalf("an unrecorded line after the revocation of the oldest key: %v", err)
	}
	_, err = svc.Issue(ctx, licensing.IssueRequest{Request: request(7, "5.1.0"), Trust: licensing.Trust{Keys: []codec.KeyID{k1.ID}}})
	if !errors.Is(err, licensing.ErrNoTrustedKey) {
		t.Fatalf("a product trusting only a revoked key: %v", err)
	}
	if after, err := svc.Licence(ctx, li.Display); err != nil || after.InUse != before.InUse {
		t.Fatalf("refusals took a seat: %d in use, was %d (%v)", after.InUse, before.InUse, err)
	}
	// The product that says it holds the new key gets it.
	is, err = svc.Issue(ctx, licensing.IssueRequest{Request: request(8, "5.1.0"), Trust: licensing.Trust{Keys: []codec.KeyID{k1.ID, k2.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	check(is, curKR, k2.ID)
	if err := ledger.VerifyState(ctx, s); err != nil {
		t.Fatal(err)
	}
}
