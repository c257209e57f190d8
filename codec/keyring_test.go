package codec

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func testKey(t *testing.T, product string, seed byte) Key {
	t.Helper()
	pub := ed25519.NewKeyFromSeed(make32(seed)).Public().(ed25519.PublicKey)
	return Key{Alg: Ed25519, ID: DeriveKeyID(product, Ed25519, pub), Bytes: pub}
}

func make32(b byte) []byte {
	s := make([]byte, 32)
	for i := range s {
		s[i] = b
	}
	return s
}

func TestKeyTextRoundTrip(t *testing.T) {
	k := testKey(t, "umenu", 1)
	back, err := ParseKey(k.String())
	if err != nil {
		t.Fatal(err)
	}
	if back.String() != k.String() {
		t.Fatal("round trip changed the key")
	}
	// A damaged character fails the checksum (or base58/length).
	s := []byte(k.String())
	s[len(s)-3] ^= 1
	if _, err := ParseKey(string(s)); err == nil {
		t.Fatal("damaged key accepted")
	}
	// An edited key ID fails the checksum.
	edited := strings.Replace(k.String(), k.ID.String(), "0000", 1)
	if _, err := ParseKey(edited); !errors.Is(err, ErrChecksum) {
		t.Fatalf("edited key ID: %v", err)
	}
}

func TestKeyringRoundTripAndRejects(t *testing.T) {
	a, b := testKey(t, "umenu", 1), testKey(t, "umenu", 2)
	kr := &Keyring{Product: "umenu", Keys: []Key{a, b}, Revoked: []KeyID{{0xab, 0xcd}}}
	text := "# exported by actkit\n" + kr.String()
	back, err := ParseKeyring(text)
	if err != nil {
		t.Fatal(err)
	}
	if back.String() != kr.String() {
		t.Fatalf("round trip:\n%s\nvs\n%s", back, kr)
	}
	foreign := testKey(t, "other", 3)
	cases := map[string]struct {
		text string
		want error
	}{
		"empty":           {"", ErrMalformed},
		"no header":       {"product umenu\n", ErrMalformed},
		"future version":  {"actkit-keyring v3\nproduct umenu\n", ErrUnsupportedVersion},
		"no product":      {"actkit-keyring v1\n", ErrMalformed},
		"two products":    {"actkit-keyring v1\nproduct umenu\nproduct umenu\n", ErrMalformed},
		"bad product":     {"actkit-keyring v1\nproduct UMENU\n", ErrInvalidBinding},
		"unknown entry":   {"actkit-keyring v1\nproduct umenu\nsecret x\n", ErrMalformed},
		"duplicate key":   {"actkit-keyring v1\nproduct umenu\nkey " + a.String() + "\nkey " + a.String() + "\n", ErrMalformed},
		"key and revoked": {"actkit-keyring v1\nproduct umenu\nkey " + a.String() + "\nrevoked " + a.ID.String() + "\n", ErrMalformed},
		"foreign key":     {"actkit-keyring v1\nproduct umenu\nkey " + foreign.String() + "\n", ErrInvalidKey},
		"bad key id":      {"actkit-keyring v1\nproduct umenu\nrevoked 12x4\n", ErrMalformed},
		"too long":        {strings.Repeat("#", MaxKeyringText+1), ErrMalformed},
	}
	for name, c := range cases {
		if _, err := ParseKeyring(c.text); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", name, err, c.want)
		}
	}
}

// TestSmallOrderAndNonCanonicalKeysRejected uses the CCTV list of
// low-order point encodings, canonical and not.
func TestSmallOrderAndNonCanonicalKeysRejected(t *testing.T) {
	encodings := append(smallOrder[:], // canonical
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
		"0100000000000000000000000000000000000000000000000000000000000080",
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
		// y = p+2..2^255-1 are non-canonical too, whatever point they name.
		"efffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	)
	for _, h := range encodings {
		b, _ := hex.DecodeString(h)
		k := Key{Alg: Ed25519, Bytes: b}
		if err := k.Validate(); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("%s accepted: %v", h, err)
		}
	}
	// A point not on the curve: y = 2 gives a non-square x².
	b, _ := hex.DecodeString("0200000000000000000000000000000000000000000000000000000000000000")
	if err := (Key{Alg: Ed25519, Bytes: b}).Validate(); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("off-curve point accepted: %v", err)
	}
	for i := range 50 {
		if err := testKey(t, "umenu", byte(i)).Validate(); err != nil {
			t.Fatalf("real key %d rejected: %v", i, err)
		}
	}
	if err := (Key{Alg: Ed25519, Bytes: make([]byte, 31)}).Validate(); !errors.Is(err, ErrInvalidKey) {
		t.Error("31-byte key accepted")
	}
	if err := (Key{Alg: 9, Bytes: make([]byte, 32)}).Validate(); !errors.Is(err, ErrInvalidKey) {
		t.Error("unknown algorithm accepted")
	}
}

func TestKeyIDDerivation(t *testing.T) {
	k := testKey(t, "umenu", 1)
	if k.ID[0] != ProductTag("umenu") {
		t.Fatal("key ID does not start with the product tag")
	}
	if DeriveKeyID("other", Ed25519, k.Bytes) == k.ID && ProductTag("other") != ProductTag("umenu") {
		t.Fatal("key ID does not depend on the product")
	}
	h1 := DeriveKeyID("umenu", HMACSHA256, make32(1))
	h2 := DeriveKeyID("umenu", HMACSHA256, make32(2))
	if h1[0] != h2[0] {
		t.Fatal("product tag differs between keys of one product")
	}
	id, err := ParseKeyID(k.ID.String())
	if err != nil || id != k.ID {
		t.Fatalf("ParseKeyID: %v %v", id, err)
	}
	if _, err := ParseKeyID("12345"); !errors.Is(err, ErrMalformed) {
		t.Fatal("5-digit key ID accepted")
	}
}

func TestNormalize(t *testing.T) {
	// One normal form each, whatever the spelling: case, separators and
	// Crockford look-alikes (O for 0, I and L for 1) in the key's body.
	for _, typed := range []string{"UMENU-7KQ2X-M4RTA-9VWCE-H3NPM", "umenu 7kq2x m4rta 9vwce h3npm", "UMENU7KQ2XM4RTA9VWCEH3NPM"} {
		got, err := NormalizeLicenceKey(typed)
		if err != nil || got != "UMENU7KQ2XM4RTA9VWCEH3NPM" {
			t.Fatalf("%q: got %q %v", typed, got, err)
		}
	}
	for _, bad := range []string{"", " - ", "abc_def", "ÄBC", "UMENU-7KQ2X-M4RTA-9VWCE-H3NPD", "UMENU-7KQ2X", strings.Repeat("A", MaxLicenceLen+1), strings.Repeat("-", 300)} {
		if _, err := NormalizeLicenceKey(bad); err == nil {
			t.Errorf("%.20q accepted", bad)
		}
		if _, err := (Binding{Product: "umenu", LicenceKey: bad, MachineUID: "18J8D-22RR5-50W00-0000C"}).Normalize(); !errors.Is(err, ErrInvalidBinding) {
			t.Errorf("%.20q bound: %v", bad, err)
		}
	}
	for _, typed := range []string{"18J8D-22RR5-50W00-0000C", "18j8d22rr550wOO0oooc", " 18J8D 22RR5\n50W00 0000C "} {
		got, err := NormalizeMachineUID(strings.ReplaceAll(typed, "\\n", "\n"))
		if err != nil || got != "18J8D22RR550W000000C" {
			t.Fatalf("%q: got %q %v", typed, got, err)
		}
	}
	for _, bad := range []string{"a1b2c-d3e4f", "18J8D-22RR5-50W00-0000D", "18J8D-22RR5-50W00-0000"} {
		if _, err := NormalizeMachineUID(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	for _, p := range []string{"umenu", "a", "x.y_z-1"} {
		if err := ValidateProduct(p); err != nil {
			t.Errorf("%q rejected: %v", p, err)
		}
	}
	for _, p := range []string{"", "Umenu", "-x", "a b", strings.Repeat("a", 65)} {
		if err := ValidateProduct(p); err == nil {
			t.Errorf("%q accepted", p)
		}
	}
}

// nb0 is scratch space for TestMessageIsInjective.
var nb0 NormalizedBinding

func TestMessageIsInjective(t *testing.T) {
	// Moving bytes between adjacent fields must change the message.
	// Normal forms have fixed shapes today, so the fields are set
	// directly: the message must not rely on that.
	mk := func(lic, uid string, payload []byte) string {
		nb := NormalizedBinding{product: "umenu", licenceLen: copy(nb0.licence[:], lic), machineLen: copy(nb0.machine[:], uid)}
		nb.licence, nb.machine = nb0.licence, nb0.machine
		return string(AppendMessage(nil, &nb, payload))
	}
	if mk("AB", "C", nil) == mk("A", "BC", nil) {
		t.Fatal("licence/machine boundary not encoded")
	}
	if mk("A", "BC", []byte("D")) == mk("A", "B", []byte("CD")) {
		t.Fatal("machine/payload boundary not encoded")
	}
	if !strings.Contains(mk("A", "B", nil), LabelActivationCode) {
		t.Fatal("label missing")
	}
}

func TestDay(t *testing.T) {
	d, err := ParseDay("2026-11-23")
	if err != nil || d.String() != "2026-11-23" {
		t.Fatalf("%v %v", d, err)
	}
	if d.End().Sub(d.Start()).Hours() != 24 {
		t.Fatal("a day is not 24 hours")
	}
	for _, bad := range []string{"2023-12-31", "2203-06-07", "23-11-2026", ""} {
		if _, err := ParseDay(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if DayOf(epoch().AddDate(-1, 0, 0)) != 0 || DayOf(epoch().AddDate(500, 0, 0)) != NoExpiry-1 || Day(0).String() != "2024-01-01" {
		t.Fatal("DayOf does not clamp")
	}
	if NoExpiry.String() != "never" {
		t.Fatal("NoExpiry string")
	}
}

// TestKeyringErrorsNeverEchoSecrets: a mangled line that holds an HMAC
// secret is refused without quoting it.
func TestKeyringErrorsNeverEchoSecrets(t *testing.T) {
	secret := "SECRETsecretSECRETsecret"
	for _, line := range []string{
		"hmac:ab12:" + secret,
		"hmac-sha256:b7fd:" + secret,
		"key hmac-sha256:b7fd:" + secret,
		"key hmac:b7fd:" + secret,
		"key " + secret,
		secret,
		"key hmac-sha256:" + secret,
	} {
		_, err := ParseKeyring("actkit-keyring v1\nproduct umenu\n" + line + "\n")
		if err == nil {
			t.Fatalf("%q accepted", line)
		}
		for i := 0; i+6 <= len(secret); i++ {
			if strings.Contains(err.Error(), secret[i:i+6]) {
				t.Fatalf("error for %q quotes the secret: %v", line, err)
			}
		}
	}
}
