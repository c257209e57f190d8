package verify_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/verify"
)

// chain is a root, a server key it delegates to, and the certificate.
type chain struct {
	root, server *keygen.SigningKey
	cert         *codec.Certificate
}

// newChain delegates server (seed 20) from root (seed 10) for 30 issue
// days from the test day, codes of at most 30 days, 5 seats, features
// 0b1111 and serials 1000 to 1999.
func newChain(t testing.TB) chain {
	t.Helper()
	root, server := newKey(t, 10, codec.Ed25519), newKey(t, 20, codec.Ed25519)
	day := codec.DayOf(testNow)
	c := &codec.Certificate{
		Serial: 1, PublicKey: server.VerificationKey().Bytes,
		Products:  []codec.CertificateProduct{{Product: "umenu", KeyID: server.ID, Issuer: root.ID}},
		NotBefore: day, NotAfter: day + 29, MaxCodeDays: 30, Purpose: codec.PurposeOnline,
		MaxSeats: 5, Features: 0b1111, SerialMin: 1000, SerialMax: 1999,
	}
	if err := codec.SignCertificate(root, c); err != nil {
		t.Fatal(err)
	}
	return chain{root, server, c}
}

// signedKeyring builds and signs a version 2 keyring.
func signedKeyring(t testing.TB, kr *codec.Keyring, signers ...codec.Signer) string {
	t.Helper()
	if kr.Product == "" {
		kr.Product = "umenu"
	}
	if kr.Threshold == 0 {
		kr.Threshold = 1
	}
	if kr.Expires == 0 {
		kr.Expires = codec.DayOf(testNow) + 365
	}
	if err := codec.SignKeyring(kr, signers...); err != nil {
		t.Fatal(err)
	}
	return kr.String()
}

func (c chain) keyring(t testing.TB, embed bool, version uint32) *verify.Keyring {
	t.Helper()
	kr := &codec.Keyring{Version: version, Roots: []codec.Key{c.root.VerificationKey()}}
	if embed {
		kr.Delegations = []*codec.Certificate{c.cert}
	}
	v, err := verify.ParseKeyring(signedKeyring(t, kr, c.root))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func delegatedPayload() codec.Payload {
	day := codec.DayOf(testNow)
	return codec.Payload{Issued: day, Expires: day + 30, Seats: 5, Features: 0b1001, Serial: 1500}
}

func signWith(t testing.TB, k *keygen.SigningKey, p codec.Payload) string {
	t.Helper()
	code, err := codec.Sign(k, testBinding, p)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func wantReason(t *testing.T, what string, err error, reason string) {
	t.Helper()
	if verify.ReasonCode(err) != reason {
		t.Errorf("%s: got %v (%q), want %s", what, err, verify.ReasonCode(err), reason)
	}
}

func TestDelegatedCodes(t *testing.T) {
	c := newChain(t)
	embedded, bare := c.keyring(t, true, 1), c.keyring(t, false, 1)
	certText := c.cert.String()
	ok := signWith(t, c.server, delegatedPayload())
	if _, err := embedded.Verify(ok, testBinding, testNow); err != nil {
		t.Fatalf("embedded delegation: %v", err)
	}
	if _, err := bare.VerifyDelegated(ok, certText, testBinding, testNow); err != nil {
		t.Fatalf("supplied delegation: %v", err)
	}
	_, err := bare.Verify(ok, testBinding, testNow)
	wantReason(t, "no certificate", err, "unknown-key")
	// A root's own code needs no certificate and may be perpetual.
	rootCode := signWith(t, c.root, codec.Payload{Issued: codec.DayOf(testNow), Expires: codec.NoExpiry, Seats: 1, Serial: 1})
	if _, err := bare.VerifyDelegated(rootCode, certText, testBinding, testNow); err != nil {
		t.Fatalf("root code: %v", err)
	}

	day := codec.DayOf(testNow)
	for name, edit := range map[string]func(p *codec.Payload){
		"issued before the window": func(p *codec.Payload) { p.Issued = day - 1 },
		"issued after the window":  func(p *codec.Payload) { p.Issued, p.Expires = day+30, day+31 },
		"perpetual":                func(p *codec.Payload) { p.Expires = codec.NoExpiry },
		"longer than allowed":      func(p *codec.Payload) { p.Expires = day + 31 },
		"too many seats":           func(p *codec.Payload) { p.Seats = 6 },
		"features outside mask":    func(p *codec.Payload) { p.Features = 0b10000 },
		"serial below range":       func(p *codec.Payload) { p.Serial = 999 },
		"serial above range":       func(p *codec.Payload) { p.Serial = 2000 },
	} {
		p := delegatedPayload()
		edit(&p)
		code := signWith(t, c.server, p)
		// Judged by the code's own terms, whatever the clock says.
		_, err := embedded.Verify(code, testBinding, p.Issued.Start())
		wantReason(t, name+" (embedded)", err, "outside-delegation")
		_, err = bare.VerifyDelegated(code, certText, testBinding, p.Issued.Start())
		wantReason(t, name+" (supplied)", err, "outside-delegation")
	}

	// Certificates the keyring must not accept.
	other := newChain(t)
	other.root = newKey(t, 11, codec.Ed25519)
	forged := *c.cert
	forged.Products = []codec.CertificateProduct{{Product: "umenu", KeyID: c.server.ID, Issuer: other.root.ID}}
	if err := codec.SignCertificate(other.root, &forged); err != nil {
		t.Fatal(err)
	}
	_, err = bare.VerifyDelegated(ok, forged.String(), testBinding, testNow)
	wantReason(t, "issued by a stranger", err, "invalid-delegation")
	tampered := *c.cert
	tampered.MaxSeats = 100
	_, err = bare.VerifyDelegated(ok, tampered.String(), testBinding, testNow)
	wantReason(t, "limits edited after signing", err, "invalid-delegation")
	_, err = bare.VerifyDelegated(ok, "actkit-delegation v1 zzz", testBinding, testNow)
	wantReason(t, "unreadable", err, "invalid-delegation")
	stranger := signWith(t, newKey(t, 21, codec.Ed25519), delegatedPayload())
	_, err = bare.VerifyDelegated(stranger, certText, testBinding, testNow)
	wantReason(t, "certificate for another key", err, "invalid-delegation")
}

func TestVersion1KeyringDelegates(t *testing.T) {
	c := newChain(t)
	v1, err := verify.NewKeyring(&codec.Keyring{Product: "umenu", Keys: []codec.Key{c.root.VerificationKey()}})
	if err != nil {
		t.Fatal(err)
	}
	code := signWith(t, c.server, delegatedPayload())
	if _, err := v1.VerifyDelegated(code, c.cert.String(), testBinding, testNow); err != nil {
		t.Fatalf("a version 1 key is trusted as a root: %v", err)
	}
}

func TestKeyringUpdates(t *testing.T) {
	c := newChain(t)
	r2, r3 := newKey(t, 12, codec.Ed25519), newKey(t, 13, codec.Ed25519)
	v1text := (&codec.Keyring{Product: "umenu", Keys: []codec.Key{c.root.VerificationKey()}}).String()
	cur, err := verify.ParseKeyring(v1text)
	if err != nil {
		t.Fatal(err)
	}
	roots := func(ks ...*keygen.SigningKey) []codec.Key {
		var out []codec.Key
		for _, k := range ks {
			out = append(out, k.VerificationKey())
		}
		return out
	}
	// A version 1 keyring takes a version 2 update signed by its key.
	u1 := signedKeyring(t, &codec.Keyring{Version: 1, Roots: roots(c.root)}, c.root)
	k1, err := cur.Update(u1, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if k1.Version() != 1 {
		t.Fatalf("version %d", k1.Version())
	}
	if again, err := k1.Update(u1, testNow); err != nil || again != k1 {
		t.Fatalf("the same update again: %v", err)
	}
	// Two of three roots from now on.
	u2 := signedKeyring(t, &codec.Keyring{Version: 2, Roots: roots(c.root, r2, r3), Threshold: 2}, c.root, r2)
	k2, err := k1.Update(u2, testNow)
	if err != nil {
		t.Fatal(err)
	}
	_, err = k2.Update(u1, testNow)
	wantReason(t, "rollback", err, "rolled-back")
	below := signedKeyring(t, &codec.Keyring{Version: 3, Roots: roots(c.root, r2, r3), Threshold: 2}, c.root)
	_, err = k2.Update(below, testNow)
	wantReason(t, "one of two signatures", err, "insufficient-signatures")
	wrong := signedKeyring(t, &codec.Keyring{Version: 3, Roots: roots(c.server), Threshold: 1}, c.server)
	_, err = k2.Update(wrong, testNow)
	wantReason(t, "signed by a key that is no root", err, "insufficient-signatures")
	expired := signedKeyring(t, &codec.Keyring{Version: 3, Roots: roots(c.root, r2, r3), Threshold: 2, Expires: codec.DayOf(testNow) - 1}, c.root, r2)
	_, err = k2.Update(expired, testNow)
	wantReason(t, "expired", err, "update-expired")
	otherRoot, err := keygen.Generate(&fixedRand{seed: [32]byte{99}}, "other", codec.Ed25519, testNow, nil)
	if err != nil {
		t.Fatal(err)
	}
	other := signedKeyring(t, &codec.Keyring{Product: "other", Version: 3, Roots: roots(otherRoot)}, otherRoot)
	_, err = k2.Update(other, testNow)
	wantReason(t, "another product", err, "wrong-product")

	// Root rotation: r2 and r3 stay, c.root is revoked; signed by the old
	// threshold (root, r2) and the new (r2, r3).
	newRoot := newKey(t, 14, codec.Ed25519)
	rot := signedKeyring(t, &codec.Keyring{Version: 4, Roots: roots(r2, r3, newRoot), Threshold: 2, Revoked: []codec.KeyID{c.root.ID}}, c.root, r2, r3)
	k4, err := k2.Update(rot, testNow)
	if err != nil {
		t.Fatalf("rotation: %v", err)
	}
	// The revoked root's delegation is refused with its reason.
	code := signWith(t, c.server, delegatedPayload())
	_, err = k4.VerifyDelegated(code, c.cert.String(), testBinding, testNow)
	wantReason(t, "delegation by a revoked root", err, "revoked-delegation")
	// Revoking the delegated key itself.
	rev := signedKeyring(t, &codec.Keyring{Version: 5, Roots: roots(r2, r3, newRoot), Threshold: 2, Revoked: []codec.KeyID{c.root.ID, c.server.ID}}, r2, r3)
	k5, err := k4.Update(rev, testNow)
	if err != nil {
		t.Fatal(err)
	}
	_, err = k5.VerifyDelegated(code, c.cert.String(), testBinding, testNow)
	wantReason(t, "revoked delegated key", err, "revoked-delegation")
	_, err = k5.Verify(code, testBinding, testNow)
	wantReason(t, "revoked key without its certificate", err, "revoked-key")

	// The stored text loads again.
	back, err := verify.ParseKeyring(k5.Text())
	if err != nil || back.Version() != 5 {
		t.Fatalf("stored keyring: %v", err)
	}
	// An unsigned version 2 keyring is refused.
	unsigned := strings.Join(strings.Split(rev, "signature ")[:1], "")
	_, err = verify.ParseKeyring(unsigned)
	wantReason(t, "unsigned keyring", err, "insufficient-signatures")
	if !errors.Is(err, verify.ErrInsufficientSignatures) {
		t.Error("errors.Is")
	}
}
