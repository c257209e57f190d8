package signer_test

import (
	"crypto/rand"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/ledger/ledgertest"
	"github.com/actkit/actkit/ledger/sqlite"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"
	"github.com/actkit/actkit/verify"
)

// TestDelegatedIssuing: a channel signs with the delegated key when the
// product accepts it, capped to the delegation's longest code (a
// perpetual licence included) and carrying the certificate; a product
// that accepts no delegation, a licence granting features the delegation
// lacks and a serial past its range are refused with no seat taken;
// the vendor's own commands (no channel) sign with the root.
func TestDelegatedIssuing(t *testing.T) {
	at := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	today := codec.DayOf(at)
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "l.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ks := keygen.NewKeyset()
	root, err := ks.Add(rand.Reader, "umenu", codec.Ed25519, at)
	if err != nil {
		t.Fatal(err)
	}
	d, err := ks.RequestDelegation(rand.Reader, at)
	if err != nil {
		t.Fatal(err)
	}
	certs, err := ks.Delegate(d.PublicKey(), keygen.Limits{Products: []string{"umenu"}, NotBefore: today, Days: 30, MaxCodeDays: 14,
		Purpose: codec.PurposeOnline, MaxSeats: 1, Features: 1, SerialMin: 1, SerialMax: ^uint64(0)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ks.InstallCertificate(certs[0]); err != nil {
		t.Fatal(err)
	}
	dk := certs[0].Products[0].KeyID
	svc := signer.New(store, ks, signer.Options{Now: func() time.Time { return at }})
	if _, err := svc.AddProduct(ctx, "umenu", "", []string{"export", "cloud"}); err != nil {
		t.Fatal(err)
	}
	li, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 10, Expires: codec.NoExpiry, Features: []string{"export"}})
	if err != nil {
		t.Fatal(err)
	}
	wide, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 10, Expires: codec.NoExpiry, Features: []string{"export", "cloud"}})
	if err != nil {
		t.Fatal(err)
	}
	online := licensing.Trust{Keys: []codec.KeyID{root.ID}, Certificates: true, Purpose: codec.PurposeOnline}
	kr, _ := ks.Export("umenu", false)
	vk, _ := verify.NewKeyring(kr)

	is, err := svc.Issue(ctx, licensing.IssueRequest{Licence: li.Display, Machine: ledgertest.UID(1), Trust: online})
	if err != nil {
		t.Fatal(err)
	}
	if is.KeyID != dk || is.Expires != today+14 || is.Certificate == nil {
		t.Fatalf("online under the delegation: key %s (want %s), expires %s (want %s), certificate %v", is.KeyID, dk, is.Expires, today+14, is.Certificate != nil)
	}
	if _, err := vk.VerifyDelegated(is.Code, is.Certificate.String(), verify.Binding{Product: "umenu", LicenceKey: li.Display, MachineUID: is.Machine}, at); err != nil {
		t.Fatalf("the product refuses the code: %v", err)
	}
	// The vendor's own command: the root, the licence's own terms.
	is, err = svc.Issue(ctx, licensing.IssueRequest{Licence: li.Display, Machine: ledgertest.UID(9)})
	if err != nil || is.KeyID != root.ID || is.Expires != codec.NoExpiry {
		t.Fatalf("the workstation's issue: %+v %v", is, err)
	}
	inUse := func(lic string) int {
		got, err := svc.Licence(ctx, lic)
		if err != nil {
			t.Fatal(err)
		}
		return got.InUse
	}
	before := inUse(li.Display)
	// A channel, a product that does not verify certificates, a keystore
	// that also holds the root: the root's rules, which accept the root.
	is, err = svc.Issue(ctx, licensing.IssueRequest{Licence: li.Display, Machine: ledgertest.UID(2), Trust: licensing.Trust{Keys: []codec.KeyID{root.ID}, Purpose: codec.PurposeOnline}})
	if err != nil || is.KeyID != root.ID {
		t.Fatalf("a server with its root, a product without certificates: %+v %v", is, err)
	}
	before++
	// The server without the root (a delegated home): refused.
	server := keygen.NewKeyset()
	sd, _ := server.RequestDelegation(rand.Reader, at)
	sc, err := ks.Delegate(sd.PublicKey(), keygen.Limits{Products: []string{"umenu"}, NotBefore: today, Days: 30, MaxCodeDays: 14,
		Purpose: codec.PurposeOnline, MaxSeats: 1, Features: 1, SerialMin: 1, SerialMax: 3})
	if err != nil {
		t.Fatal(err)
	}
	server.InstallCertificate(sc[0])
	ssvc := signer.New(store, server, signer.Options{Now: func() time.Time { return at }})
	for _, c := range []struct {
		what string
		lic  string
		tr   licensing.Trust
		want error
	}{
		{"a product that verifies no certificate", li.Display, licensing.Trust{Keys: []codec.KeyID{root.ID}, Purpose: codec.PurposeOnline}, licensing.ErrNoTrustedKey},
		{"a product that says nothing", li.Display, licensing.Trust{Purpose: codec.PurposeOnline}, licensing.ErrNoTrustedKey},
		{"the portal, which the delegation does not cover", li.Display, licensing.Trust{Keys: []codec.KeyID{root.ID}, Certificates: true, Purpose: codec.PurposePortal}, licensing.ErrNoActiveKey},
		{"features outside the delegation", wide.Display, online, licensing.ErrOutsideDelegation},
	} {
		_, err := ssvc.Issue(ctx, licensing.IssueRequest{Licence: c.lic, Machine: ledgertest.UID(3), Trust: c.tr})
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.what, err, c.want)
		}
	}
	// The serial range (1..3): serials 1-3 are taken (1, 9 and 2 above):
	// the next is refused and its transaction rolled back.
	_, err = ssvc.Issue(ctx, licensing.IssueRequest{Licence: li.Display, Machine: ledgertest.UID(4), Trust: online})
	if !errors.Is(err, licensing.ErrOutsideDelegation) {
		t.Fatalf("a serial past the delegation's range: %v", err)
	}
	if n := inUse(li.Display); n != before || inUse(wide.Display) != 0 {
		t.Fatalf("refusals took seats: %d in use, want %d", n, before)
	}
	// Validation renews a capped code once half of it is gone, on its seat.
	later := at.Add(8 * 24 * time.Hour)
	lsvc := signer.New(store, ks, signer.Options{Now: func() time.Time { return later }})
	v, err := lsvc.Validate(ctx, li.Display, ledgertest.UID(1), online)
	if err != nil {
		t.Fatal(err)
	}
	if v.Issued.Expires != codec.DayOf(later)+14 || !v.Issued.Reissued {
		t.Fatalf("validation of a capped code past half its length: %+v", v.Issued)
	}
}

// TestDelegationAfterRootRotation: after 'keys new' the server holds a
// certificate from the old root (for releases whose keyring holds only
// it) and one from the new; each product gets a code under the
// certificate of a root it trusts, and verifies it with its own keyring.
func TestDelegationAfterRootRotation(t *testing.T) {
	at := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	today := codec.DayOf(at)
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "l.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ws := keygen.NewKeyset()
	oldRoot, _ := ws.Add(rand.Reader, "umenu", codec.Ed25519, at)
	oldKR, _ := ws.Export("umenu", false)
	newRoot, _ := ws.Add(rand.Reader, "umenu", codec.Ed25519, at) // the rotation
	newKR, _ := ws.Export("umenu", false)
	server := keygen.NewKeyset()
	d, _ := server.RequestDelegation(rand.Reader, at)
	for _, root := range []*codec.KeyID{&oldRoot.ID, nil} {
		certs, err := ws.Delegate(d.PublicKey(), keygen.Limits{Products: []string{"umenu"}, NotBefore: today, Days: 30, MaxCodeDays: 14,
			Purpose: codec.PurposeOnline, MaxSeats: 1, Features: codec.NoLimitFeatures, SerialMax: ^uint64(0), Root: root})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := server.InstallCertificate(certs[0]); err != nil {
			t.Fatal(err)
		}
	}
	svc := signer.New(store, server, signer.Options{Now: func() time.Time { return at }})
	if _, err := svc.AddProduct(ctx, "umenu", "", nil); err != nil {
		t.Fatal(err)
	}
	li, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 10, Expires: codec.NoExpiry})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range []struct {
		kr   *codec.Keyring
		keys []codec.KeyID
		want codec.KeyID
	}{
		{oldKR, []codec.KeyID{oldRoot.ID}, oldRoot.ID},
		{newKR, []codec.KeyID{oldRoot.ID, newRoot.ID}, newRoot.ID},
		{newKR, []codec.KeyID{newRoot.ID}, newRoot.ID},
	} {
		is, err := svc.Issue(ctx, licensing.IssueRequest{Licence: li.Display, Machine: ledgertest.UID(i + 1),
			Trust: licensing.Trust{Keys: c.keys, Certificates: true, Purpose: codec.PurposeOnline}})
		if err != nil {
			t.Fatalf("product %d: %v", i, err)
		}
		vk, _ := verify.NewKeyring(c.kr)
		if _, err := vk.VerifyDelegated(is.Code, is.Certificate.String(), verify.Binding{Product: "umenu", LicenceKey: li.Display, MachineUID: is.Machine}, at); err != nil {
			t.Errorf("product %d (trusting %v) refuses its code: %v", i, c.keys, err)
		}
		if p, _ := is.Certificate.For("umenu"); p.Issuer != c.want && len(c.keys) == 1 {
			t.Errorf("product %d: certificate of %s, want %s", i, p.Issuer, c.want)
		}
	}
}

// TestFieldClientsUnderDelegation: a client already in the field
// (licensing.Trust.Field: nothing stated, a customer token or an
// imported key) gets a code under a server's delegation with its
// certificate, capped to the delegation's longest code, where a product
// that says nothing is refused; a licence outside the delegation stays
// refused with no seat taken; a server that also holds the root signs
// such a client's code with the root, as before delegations.
func TestFieldClientsUnderDelegation(t *testing.T) {
	at := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	today := codec.DayOf(at)
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "l.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ws := keygen.NewKeyset()
	root, err := ws.Add(rand.Reader, "umenu", codec.Ed25519, at)
	if err != nil {
		t.Fatal(err)
	}
	server := keygen.NewKeyset()
	req, err := server.RequestDelegation(rand.Reader, at)
	if err != nil {
		t.Fatal(err)
	}
	certs, err := ws.Delegate(req.PublicKey(), keygen.Limits{Products: []string{"umenu"}, NotBefore: today, Days: 30, MaxCodeDays: 14,
		Purpose: codec.PurposeOnline, MaxSeats: 0xFFFF, Features: 1, SerialMin: 1, SerialMax: ^uint64(0)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := server.InstallCertificate(certs[0]); err != nil {
		t.Fatal(err)
	}
	// The workstation's keystore holds a delegation of its own too: a
	// server run on it with --allow-root-keys.
	own, _ := ws.RequestDelegation(rand.Reader, at)
	owncerts, err := ws.Delegate(own.PublicKey(), keygen.Limits{Products: []string{"umenu"}, NotBefore: today, Days: 30, MaxCodeDays: 14,
		Purpose: codec.PurposeOnline, MaxSeats: 0xFFFF, Features: 1, SerialMin: 1, SerialMax: ^uint64(0)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ws.InstallCertificate(owncerts[0]); err != nil {
		t.Fatal(err)
	}
	now := signer.Options{Now: func() time.Time { return at }}
	svc := signer.New(store, server, now)
	if _, err := svc.AddProduct(ctx, "umenu", "", []string{"export", "cloud"}); err != nil {
		t.Fatal(err)
	}
	li, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 10, Expires: codec.NoExpiry, Features: []string{"export"}})
	if err != nil {
		t.Fatal(err)
	}
	wide, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 10, Expires: codec.NoExpiry, Features: []string{"export", "cloud"}})
	if err != nil {
		t.Fatal(err)
	}
	kr, _ := ws.Export("umenu", false)
	vk, _ := verify.NewKeyring(kr)
	field := licensing.Trust{Purpose: codec.PurposeOnline, Field: true}

	if _, err := svc.Issue(ctx, licensing.IssueRequest{Licence: li.Display, Machine: ledgertest.UID(1), Trust: licensing.Trust{Purpose: codec.PurposeOnline}}); !errors.Is(err, licensing.ErrNoTrustedKey) {
		t.Fatalf("a product that says nothing, not in the field: %v", err)
	}
	is, err := svc.Issue(ctx, licensing.IssueRequest{Licence: li.Display, Machine: ledgertest.UID(1), Trust: field})
	if err != nil {
		t.Fatal(err)
	}
	if is.KeyID != certs[0].Products[0].KeyID || is.Certificate == nil || is.Expires != today+14 {
		t.Fatalf("a client in the field: key %s, certificate %v, expires %s", is.KeyID, is.Certificate != nil, is.Expires)
	}
	if _, err := vk.VerifyDelegated(is.Code, is.Certificate.String(), verify.Binding{Product: "umenu", LicenceKey: li.Display, MachineUID: is.Machine}, at); err != nil {
		t.Fatalf("the root keyring and the certificate refuse the code: %v", err)
	}
	v, err := svc.Validate(ctx, li.Display, ledgertest.UID(1), field)
	if err != nil || v.Issued.Certificate == nil || v.Issued.Serial != is.Serial {
		t.Fatalf("validation in the field: %+v %v", v.Issued, err)
	}
	if _, err := svc.Issue(ctx, licensing.IssueRequest{Licence: wide.Display, Machine: ledgertest.UID(2), Trust: field}); !errors.Is(err, licensing.ErrOutsideDelegation) {
		t.Fatalf("a licence outside the delegation, in the field: %v", err)
	}
	if got, _ := svc.Licence(ctx, wide.Display); got.InUse != 0 {
		t.Fatalf("the refusal took %d seats", got.InUse)
	}
	// A server that also holds the root (serve --allow-root-keys): the
	// root signs, as it did before delegations.
	rsvc := signer.New(store, ws, now)
	is, err = rsvc.Issue(ctx, licensing.IssueRequest{Licence: li.Display, Machine: ledgertest.UID(3), Trust: field})
	if err != nil || is.KeyID != root.ID || is.Certificate != nil || is.Expires != codec.NoExpiry {
		t.Fatalf("a client in the field, a server with its root: %+v %v", is, err)
	}
}
