package verify_test

import (
	"errors"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/verify"
)

// TestDependencies enforces what products embed: the standard library,
// actkit's codec and base58, nothing else.
func TestDependencies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	allowed := map[string]bool{
		"github.com/actkit/actkit/verify": true,
		"github.com/actkit/actkit/codec":  true,
		"github.com/mr-tron/base58":       true,
	}
	for _, dep := range strings.Fields(string(out)) {
		if !allowed[dep] {
			t.Errorf("verify depends on %s", dep)
		}
	}
}

func TestVerifyTerms(t *testing.T) {
	k := newKey(t, 1, codec.Ed25519)
	kr := keyringOf(t, k)
	terms, err := kr.Verify(signTypical(t, k), testBinding, testNow)
	if err != nil {
		t.Fatal(err)
	}
	p := typicalPayload()
	if terms.Serial != p.Serial || terms.Seats != 1 || terms.Features != p.Features || terms.Issued != p.Issued ||
		terms.Expires != p.Expires || terms.KeyID != k.ID || terms.Algorithm != codec.Ed25519 || terms.Product != "umenu" {
		t.Fatalf("terms %+v", terms)
	}
	if !terms.HasFeature(0) || terms.HasFeature(2) || terms.HasFeature(-1) || terms.HasFeature(99) || terms.Perpetual() {
		t.Fatalf("feature bits or perpetual wrong: %+v", terms)
	}
}

func TestKeyringRefusesHMACUnlessNamed(t *testing.T) {
	k := newKey(t, 2, codec.HMACSHA256)
	kr := &codec.Keyring{Product: "umenu", Keys: []codec.Key{k.VerificationKey()}}
	if _, err := verify.NewKeyring(kr); !errors.Is(err, verify.ErrHMACKeyNotAllowed) {
		t.Fatalf("NewKeyring: %v", err)
	}
	if _, err := verify.ParseKeyring(kr.String()); !errors.Is(err, verify.ErrHMACKeyNotAllowed) {
		t.Fatalf("ParseKeyring: %v", err)
	}
	v, err := verify.ParseKeyringWithHMACSecrets(kr.String())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(signTypical(t, k), testBinding, testNow); err != nil {
		t.Fatal(err)
	}
}

func TestKeyringConstructionErrors(t *testing.T) {
	a := newKey(t, 1, codec.Ed25519)
	dup := &codec.Keyring{Product: "umenu", Keys: []codec.Key{a.VerificationKey(), a.VerificationKey()}}
	if _, err := verify.NewKeyring(dup); !errors.Is(err, codec.ErrMalformed) {
		t.Fatalf("duplicate: %v", err)
	}
	short := a.VerificationKey()
	short.Bytes = short.Bytes[:31]
	if _, err := verify.NewKeyring(&codec.Keyring{Product: "umenu", Keys: []codec.Key{short}}); !errors.Is(err, codec.ErrInvalidKey) {
		t.Fatalf("short key: %v", err)
	}
	wrong := &codec.Keyring{Product: "other", Keys: []codec.Key{a.VerificationKey()}}
	if _, err := verify.NewKeyring(wrong); !errors.Is(err, codec.ErrInvalidKey) {
		t.Fatalf("key of another product: %v", err)
	}
	if _, err := verify.ParseKeyring("not a keyring"); !errors.Is(err, codec.ErrMalformed) {
		t.Fatalf("garbage: %v", err)
	}
}

func TestSuggestionForSingleTypo(t *testing.T) {
	k := newKey(t, 1, codec.Ed25519)
	kr := keyringOf(t, k)
	code := signTypical(t, k)
	bad := []byte(code)
	bad[30] = map[bool]byte{true: 'b', false: 'a'}[bad[30] == 'a']
	_, err := kr.Verify(string(bad), testBinding, testNow)
	var ve *verify.Error
	if !errors.As(err, &ve) || !errors.Is(err, verify.ErrTypo) {
		t.Fatalf("got %v", err)
	}
	if ve.Suggestion != code || len(ve.Groups) != 1 || ve.Groups[0] != 3 {
		t.Fatalf("suggestion %q groups %v", ve.Suggestion, ve.Groups)
	}
	if !strings.Contains(err.Error(), "group 3 of 11 has a typo") || !strings.Contains(err.Error(), "did you mean") {
		t.Fatalf("message: %v", err)
	}
	// The place of the one changed symbol: group 3 starts at offset 24
	// (groups of 11 symbols and a hyphen), so offset 30 is its 7th.
	if want := (verify.Fix{Group: 3, Symbol: 7, Given: bad[30], Want: code[30]}); ve.Fix != want {
		t.Fatalf("fix %+v, want %+v", ve.Fix, want)
	}
	// The same typo with the wrong machine: no correction verifies.
	other := testBinding
	other.MachineUID = "ZZZZZ"
	_, err = kr.Verify(string(bad), other, testNow)
	if !errors.As(err, &ve) || ve.Suggestion != "" || ve.Fix != (verify.Fix{}) {
		t.Fatalf("suggested a code that does not verify: %v (%+v)", err, ve.Fix)
	}
}

func TestKeyringProductMismatch(t *testing.T) {
	k := newKey(t, 1, codec.Ed25519)
	kr := keyringOf(t, k)
	b := testBinding
	b.Product = "other"
	_, err := kr.Verify(signTypical(t, k), b, testNow)
	if !errors.Is(err, verify.ErrWrongProduct) || !strings.Contains(err.Error(), `"umenu"`) {
		t.Fatalf("got %v", err)
	}
}

// TestConcurrentVerify is run with -race: a Keyring is shared freely.
func TestConcurrentVerify(t *testing.T) {
	ed, mac := newKey(t, 1, codec.Ed25519), newKey(t, 2, codec.HMACSHA256)
	kr := keyringOf(t, ed, mac)
	codes := []string{signTypical(t, ed), signTypical(t, mac)}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				if _, err := kr.Verify(codes[(i+j)%2], testBinding, testNow); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestErrorIsAndAs(t *testing.T) {
	k := newKey(t, 1, codec.Ed25519)
	kr := keyringOf(t, k)
	_, err := kr.Verify(signTypical(t, k), testBinding, testNow.AddDate(2, 0, 0))
	var ve *verify.Error
	if !errors.As(err, &ve) || ve.Reason != verify.ErrExpired || ve.Day != typicalPayload().Expires || ve.KeyID != k.ID {
		t.Fatalf("got %#v", err)
	}
	if errors.Is(err, verify.ErrBadSignature) {
		t.Fatal("expired error matches another reason")
	}
	_, err = kr.Verify("abc!", testBinding, testNow)
	var ce *codec.Error
	if !errors.As(err, &ce) || ce.Pos != 4 || !errors.Is(err, verify.ErrMalformed) {
		t.Fatalf("got %v", err)
	}
}
