package keygen_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/verify"
)

// TestDelegationFlow: the server's keystore requests, the workstation's
// delegates, the server installs; the certificate survives the
// keystore's round trip (version 3), signs under its product's key ID
// within its window and purpose only, and a code it signs verifies with
// the product's root keyring and the certificate.
func TestDelegationFlow(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	today := codec.DayOf(now)
	ws := keygen.NewKeyset()
	root, err := ws.Add(rand.Reader, "umenu", codec.Ed25519, now)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s := keygen.NewStore(filepath.Join(dir, "keystore.age"), passphrase("server"), keygen.OptionsForTest(testWorkFactor, nil))
	if err := s.Init(ctx, keygen.Protection{Passphrase: "server"}); err != nil {
		t.Fatal(err)
	}
	var req string
	if err := s.Update(ctx, func(ks *keygen.Keyset) error {
		d, err := ks.RequestDelegation(rand.Reader, now)
		req = d.Request()
		return err
	}); err != nil {
		t.Fatal(err)
	}
	pub, err := keygen.ParseDelegationRequest(req + "\n")
	if err != nil {
		t.Fatal(err)
	}
	certs, err := ws.Delegate(pub, keygen.Limits{Products: []string{"umenu"}, NotBefore: today, Days: 30, MaxCodeDays: 14,
		Purpose: codec.PurposeOnline, MaxSeats: 1, Features: codec.NoLimitFeatures, SerialMax: ^uint64(0), Serial: 7})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ws.InstallCertificate(certs[0]); !errors.Is(err, keygen.ErrNotRequested) {
		t.Fatalf("a certificate for a key the keystore did not request: %v", err)
	}
	if err := s.Update(ctx, func(ks *keygen.Keyset) error {
		if _, err := ks.InstallCertificate(certs[0]); err != nil {
			return err
		}
		_, err := ks.InstallCertificate(certs[0]) // twice: no change
		return err
	}); err != nil {
		t.Fatal(err)
	}
	ks, err := s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ks.Keys()) != 0 || len(ks.Delegated()) != 1 || len(ks.Delegated()[0].Certificates) != 1 || ks.HasRoots("") {
		t.Fatalf("the server keystore after the round trip: %d roots, %+v", len(ks.Keys()), ks.Delegated())
	}
	for _, c := range []struct {
		what    string
		product string
		purpose codec.Purpose
		day     codec.Day
	}{
		{"another product", "other", codec.PurposeOnline, today},
		{"the portal", "umenu", codec.PurposePortal, today},
		{"before the window", "umenu", codec.PurposeOnline, today - 1},
		{"after the window", "umenu", codec.PurposeOnline, today + 30},
	} {
		if _, _, err := ks.Delegation(c.product, c.purpose, c.day, nil); !errors.Is(err, keygen.ErrNoDelegation) {
			t.Errorf("%s: %v", c.what, err)
		}
	}
	sg, cert, err := ks.Delegation("umenu", codec.PurposeOnline, today+29, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := cert.For("umenu"); sg.KeyID() != p.KeyID || p.Issuer != root.ID {
		t.Fatalf("signer %s, certificate %+v", sg.KeyID(), p)
	}
	again, err := ks.Signer(sg.KeyID())
	if err != nil || again.KeyID() != sg.KeyID() {
		t.Fatalf("Signer of the delegated ID: %v", err)
	}
	kr, _ := ws.Export("umenu", false)
	vk, err := verify.NewKeyring(kr)
	if err != nil {
		t.Fatal(err)
	}
	b := codec.Binding{Product: "umenu", LicenceKey: "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM", MachineUID: "19DSX-5JRR5-00000-0000E"}
	code, err := codec.Sign(sg, b, codec.Payload{Issued: today, Expires: today + 14, Seats: 1, Serial: 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vk.VerifyDelegated(code, cert.String(), b, now); err != nil {
		t.Fatalf("the delegated code with its certificate: %v", err)
	}
	if _, err := vk.Verify(code, b, now); err == nil {
		t.Fatal("the delegated code without its certificate verified")
	}
}

func TestParseDelegationRequestRefuses(t *testing.T) {
	good := keygen.FormatDelegationRequest(bytes.Repeat([]byte{0x42}, 32))
	for _, bad := range []string{"", "actkit-delegation-request v1", "actkit-delegation-request v2 " + good[29:], good + "0",
		strings.Replace(good, "v1 ", "v1  ", 1), good + strings.Repeat("1", 300)} {
		if _, err := keygen.ParseDelegationRequest(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

// FuzzParseDelegationRequest: a parsed request re-formats to its input.
func FuzzParseDelegationRequest(f *testing.F) {
	f.Add(keygen.FormatDelegationRequest(bytes.Repeat([]byte{0x42}, 32)))
	f.Add("actkit-delegation-request v1 1111")
	f.Add("")
	f.Fuzz(func(t *testing.T, text string) {
		pub, err := keygen.ParseDelegationRequest(text)
		if err != nil {
			return
		}
		if got := keygen.FormatDelegationRequest(pub); got != strings.TrimSpace(text) {
			t.Fatalf("%q re-formats as %q", text, got)
		}
	})
}

// TestNewestDelegationWinsTies: two delegations whose windows end on the
// same day (a fresh key delegated the day the old one is replaced, with
// the same --days) sign with the newer one, the key the vendor just
// brought over, never the one it replaces.
func TestNewestDelegationWinsTies(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	today := codec.DayOf(now)
	ws := keygen.NewKeyset()
	if _, err := ws.Add(rand.Reader, "umenu", codec.Ed25519, now); err != nil {
		t.Fatal(err)
	}
	srv := keygen.NewKeyset()
	limits := keygen.Limits{Products: []string{"umenu"}, NotBefore: today, Days: 30, MaxCodeDays: 14,
		Purpose: codec.PurposeOnline, MaxSeats: 100, Features: codec.NoLimitFeatures, SerialMax: ^uint64(0)}
	var ids []codec.KeyID
	for i := range 2 {
		d, err := srv.RequestDelegation(rand.Reader, now)
		if err != nil {
			t.Fatal(err)
		}
		limits.Serial = uint64(i + 1)
		certs, err := ws.Delegate(d.PublicKey(), limits)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := srv.InstallCertificate(certs[0]); err != nil {
			t.Fatal(err)
		}
		p, _ := certs[0].For("umenu")
		ids = append(ids, p.KeyID)
	}
	sg, cert, err := srv.Delegation("umenu", codec.PurposeOnline, today, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sg.KeyID() != ids[1] || cert.Serial != 2 {
		t.Fatalf("signs with %s (certificate %d), want the newer delegation's %s (2); the older is %s", sg.KeyID(), cert.Serial, ids[1], ids[0])
	}
	if c, ok := srv.Certificate(ids[1], nil); !ok || c.Serial != 2 {
		t.Fatalf("certificate of the newer key: %v %v", c, ok)
	}
}

// TestRootRotation: a product whose version 1 keyring trusts only the
// old root installs the rotation and then trusts the new root alone to
// sign keyrings; the old root's codes stay honoured while it is retired
// and are refused once it is revoked, and a rotation still reaches the
// old keyring after the revocation (the revoked root signs that one
// update). A plain signed keyring after the revocation does not: it is
// what --rotate-root is for.
func TestRootRotation(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	today := codec.DayOf(now)
	ws := keygen.NewKeyset()
	old, _ := ws.Add(rand.Reader, "umenu", codec.Ed25519, now)
	ws.Add(rand.Reader, "other", codec.Ed25519, now)
	shipped, _ := ws.Export("umenu", false)
	oldKR, err := verify.NewKeyring(shipped)
	if err != nil {
		t.Fatal(err)
	}
	nu, _ := ws.Add(rand.Reader, "umenu", codec.Ed25519, now)
	u, err := ws.RootRotation("umenu", 1, today+30, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Roots) != 1 || u.Roots[0].ID != nu.ID || len(u.Keys) != 1 || u.Keys[0].ID != old.ID || len(u.Signatures) != 2 {
		t.Fatalf("rotation: roots %v, keys %v, %d signatures", u.Roots, u.Keys, len(u.Signatures))
	}
	installed, err := oldKR.Update(u.String(), now)
	if err != nil {
		t.Fatalf("the old keyring refuses the rotation: %v", err)
	}
	b := codec.Binding{Product: "umenu", LicenceKey: "UMENU-00000-00000-00000-00000", MachineUID: "19DSX-5JRR5-00000-0000E"}
	vb := verify.Binding(b)
	p := codec.Payload{Issued: today, Expires: codec.NoExpiry, Seats: 1}
	oldCode, err := codec.Sign(old, b, p)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []*keygen.SigningKey{old, nu} {
		c, err := codec.Sign(k, b, p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := installed.Verify(c, vb, now); err != nil {
			t.Errorf("after the rotation, a code by %s: %v", k.ID, err)
		}
	}
	// The old root signs no keyring any more: an update by it alone is
	// refused by the rotated keyring.
	forged := &codec.Keyring{Product: "umenu", Version: 2, Expires: today + 30, Threshold: 1, Roots: []codec.Key{old.VerificationKey()}}
	if err := codec.SignKeyring(forged, old); err != nil {
		t.Fatal(err)
	}
	if _, err := installed.Update(forged.String(), now); !errors.Is(err, verify.ErrInsufficientSignatures) {
		t.Fatalf("an update by the rotated-out root: %v", err)
	}

	// The old root leaks and is revoked: a rotation still reaches the
	// shipped keyring, and its codes are refused.
	if err := ws.Revoke(old.ID); err != nil {
		t.Fatal(err)
	}
	plain, err := ws.SignedKeyring("umenu", 2, today+30, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := oldKR.Update(plain.String(), now); !errors.Is(err, verify.ErrInsufficientSignatures) {
		t.Fatalf("a plain update after the revocation, on the shipped keyring: %v", err)
	}
	u2, err := ws.RootRotation("umenu", 2, today+30, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(u2.Keys) != 0 || len(u2.Revoked) != 1 || u2.Revoked[0] != old.ID {
		t.Fatalf("rotation after the revocation: keys %v, revoked %v", u2.Keys, u2.Revoked)
	}
	for _, from := range []*verify.Keyring{oldKR, installed} {
		kr, err := from.Update(u2.String(), now)
		if err != nil {
			t.Fatalf("the rotation after the revocation: %v", err)
		}
		if _, err := kr.Verify(oldCode, vb, now); !errors.Is(err, verify.ErrRevokedKey) {
			t.Errorf("the revoked root's code after the rotation: %v", err)
		}
	}
	if _, err := old.SignMessage([]byte("x")); err == nil {
		t.Fatal("the revoked root signs")
	}
}
