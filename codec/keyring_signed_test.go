package codec

import (
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
)

// testKeyringV2 returns a version 2 keyring of product umenu with the root
// of seed 1, one embedded delegation and one revoked ID, signed by the root.
func testKeyringV2(t testing.TB) (*Keyring, edSigner) {
	t.Helper()
	c, root := testCert(t)
	rootKey := Key{Alg: Ed25519, ID: root.id, Bytes: root.priv.Public().(ed25519.PublicKey)}
	kr := &Keyring{Product: "umenu", Version: 3, Expires: 1100, Threshold: 1,
		Roots: []Key{rootKey}, Delegations: []*Certificate{c}, Revoked: []KeyID{{0xab, 0xcd}}}
	if err := SignKeyring(kr, root); err != nil {
		t.Fatal(err)
	}
	return kr, root
}

func TestKeyringV2RoundTrip(t *testing.T) {
	kr, root := testKeyringV2(t)
	text := kr.String()
	// Comments, blank lines, extra white space and the order of lines of
	// different kinds change neither the keyring nor its signed message.
	lines := strings.Split(strings.TrimSpace(text), "\n")
	shuffled := append([]string{lines[0], "# comment", ""}, lines[len(lines)-1])
	for _, l := range lines[1 : len(lines)-1] {
		shuffled = append(shuffled, "  "+strings.Replace(l, " ", "   ", 1)+" \r")
	}
	back, err := ParseKeyring(strings.Join(shuffled, "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if back.String() != text {
		t.Fatalf("round trip:\n%s\nvs\n%s", back, text)
	}
	if !ed25519.Verify(root.priv.Public().(ed25519.PublicKey), back.SignedMessage(), back.Signatures[0].Sig) {
		t.Fatal("signature does not verify over the re-parsed keyring's message")
	}
	// Any change to the body changes the message.
	back.Version++
	if ed25519.Verify(root.priv.Public().(ed25519.PublicKey), back.SignedMessage(), back.Signatures[0].Sig) {
		t.Fatal("signature still verifies after the version changed")
	}
}

func TestKeyringV2Rejects(t *testing.T) {
	kr, _ := testKeyringV2(t)
	text := kr.String()
	foreign := testKey(t, "other", 3)
	cases := map[string]struct {
		text string
		want error
	}{
		"no version":        {strings.Replace(text, "version 3\n", "", 1), ErrMalformed},
		"version 0":         {strings.Replace(text, "version 3\n", "version 0\n", 1), ErrMalformed},
		"leading zero":      {strings.Replace(text, "version 3\n", "version 03\n", 1), ErrMalformed},
		"version too big":   {strings.Replace(text, "version 3\n", "version 4294967296\n", 1), ErrMalformed},
		"two versions":      {strings.Replace(text, "version 3\n", "version 3\nversion 4\n", 1), ErrMalformed},
		"threshold 2":       {strings.Replace(text, "threshold 1\n", "threshold 2\n", 1), ErrMalformed},
		"no threshold":      {strings.Replace(text, "threshold 1\n", "", 1), ErrMalformed},
		"bad expires":       {strings.Replace(text, "expires 2027-01-05", "expires 2027-1-5", 1), ErrMalformed},
		"root in v1":        {"actkit-keyring v1\nproduct umenu\nroot " + kr.Roots[0].String() + "\n", ErrMalformed},
		"foreign root":      {strings.Replace(text, "root ", "root "+foreign.String()+"\nroot ", 1), ErrInvalidKey},
		"revoked delegated": {text + "revoked " + kr.Delegations[0].Products[0].KeyID.String() + "\n", ErrMalformed},
		"revoked root":      {text + "revoked " + kr.Roots[0].ID.String() + "\n", ErrMalformed},
		"two signatures":    {text + strings.TrimSpace(text[strings.Index(text, "signature "):]) + "\n", ErrMalformed},
		"bad signature":     {strings.Replace(text, "signature "+kr.Roots[0].ID.String()+" ", "signature "+kr.Roots[0].ID.String()+" 1", 1), ErrMalformed},
		"no root":           {strings.Replace(text, "root "+kr.Roots[0].String()+"\n", "", 1), ErrMalformed},
	}
	for name, tc := range cases {
		_, err := ParseKeyring(tc.text)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", name, err, tc.want)
		}
	}
	// A delegation whose issuer is not a root of the keyring.
	other := *kr
	other.Roots = []Key{testKey(t, "umenu", 5)}
	other.Signatures = nil
	if err := other.Validate(); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("delegation by a non-root: %v", err)
	}
}
