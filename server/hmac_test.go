package server_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/ledger/sqlite"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/server"
	"github.com/actkit/actkit/verify"
)

// servedKeyrings are the keyrings `actkit serve` publishes
// (cmd/actkit/serve.go, publicKeyrings): each product's public export,
// never one that would carry an HMAC secret.
func servedKeyrings(ks *keygen.Keyset) []*codec.Keyring {
	var out []*codec.Keyring
	for _, p := range ks.Products() {
		if kr, err := ks.Export(p, false); err == nil {
			out = append(out, kr)
		}
	}
	return out
}

// TestHMACProductGetsShortCode: a product whose key is HMAC-SHA256 (a
// closed deployment) gets the short HMAC-signed code online (43 symbols
// for a typical licence, docs/format.md 5.3, against 115 for Ed25519),
// which verifies with the product's keyring exported with its secret and
// with nothing else; /.well-known/actkit/keys.json publishes the Ed25519
// product's keyring and never the HMAC secret.
func TestHMACProductGetsShortCode(t *testing.T) {
	var f *apiFixture
	var hmacKey *keygen.SigningKey
	f = newAPIFixture(t, sqlite.Options{}, server.Config{
		Keyrings: func(context.Context) ([]*codec.Keyring, error) { return servedKeyrings(f.ks), nil },
	}, func(fx *apiFixture) {
		var err error
		if hmacKey, err = fx.ks.Add(rand.Reader, "closed", codec.HMACSHA256, fx.clk.now()); err != nil {
			t.Fatal(err)
		}
		if _, err := fx.svc.AddProduct(fx.ctx, "closed", "", []string{"a", "b", "c", "d"}); err != nil {
			t.Fatal(err)
		}
	})
	// Typical: one seat, a dated expiry, four features.
	spec := licensing.LicenceSpec{Seats: 1, Expires: codec.DayOf(f.clk.now()) + 365, Features: []string{"a", "b", "c", "d"}}
	spec.Product = "closed"
	closed := f.licence(t, spec)
	spec.Product, spec.Features = "umenu", []string{"export", "api"}
	open := f.licence(t, spec)
	machine := machineN(1)

	activate := func(li licensing.Licence) server.Activation {
		t.Helper()
		r := send(t, f.srv.URL, productCall("activate", li.Display, machine))
		if r.Status != http.StatusOK {
			t.Fatalf("activate %s: %d %s", li.Product, r.Status, r.Body)
		}
		var a server.Activation
		if err := json.Unmarshal(r.Body, &a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	short, long := activate(closed), activate(open)
	symbols := func(code string) int { return len(strings.ReplaceAll(code, "-", "")) }
	t.Logf("HMAC code: %d symbols (%d characters); Ed25519 code: %d symbols", symbols(short.Code), len(short.Code), symbols(long.Code))
	if n := symbols(short.Code); n < 37 || n > 48 {
		t.Errorf("HMAC code %q has %d symbols; docs/format.md gives 43 for a typical licence", short.Code, n)
	}
	if symbols(long.Code) < 100 || symbols(short.Code) > symbols(long.Code)/2 {
		t.Errorf("HMAC code %d symbols, Ed25519 code %d", symbols(short.Code), symbols(long.Code))
	}
	if short.KeyID != hmacKey.ID || short.Product != "closed" {
		t.Errorf("HMAC activation signed with %s for %s, want key %s", short.KeyID, short.Product, hmacKey.ID)
	}

	// It verifies with the keyring that carries the secret, and only
	// with that: a public keyring cannot even be made of it.
	secret, err := f.ks.Export("closed", true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.ks.Export("closed", false); !errors.Is(err, keygen.ErrHMACExport) {
		t.Fatalf("public export of an HMAC keyring: %v", err)
	}
	if _, err := verify.ParseKeyring(secret.String()); !errors.Is(err, verify.ErrHMACKeyNotAllowed) {
		t.Fatalf("verify.ParseKeyring of the HMAC keyring: %v", err)
	}
	vk, err := verify.ParseKeyringWithHMACSecrets(secret.String())
	if err != nil {
		t.Fatal(err)
	}
	b := verify.Binding{Product: "closed", LicenceKey: closed.Display, MachineUID: short.MachineUID}
	terms, err := vk.Verify(short.Code, b, f.clk.now())
	if err != nil {
		t.Fatalf("the HMAC code does not verify: %v", err)
	}
	if terms.Algorithm != codec.HMACSHA256 || terms.Serial != short.Serial || terms.Features != 0b1111 || terms.Seats != 1 || terms.Expires != spec.Expires {
		t.Errorf("HMAC code terms %+v", terms)
	}
	other := b
	other.MachineUID = machineN(2)
	if _, err := vk.Verify(short.Code, other, f.clk.now()); err == nil {
		t.Error("the HMAC code verifies for another machine")
	}
	// Validation hands back the same short code.
	r := send(t, f.srv.URL, productCall("validate", closed.Display, machine))
	var v struct {
		Valid bool   `json:"valid"`
		Code  string `json:"activationCode"`
	}
	if json.Unmarshal(r.Body, &v); r.Status != http.StatusOK || !v.Valid || v.Code != short.Code {
		t.Errorf("validate the HMAC activation: %d %s", r.Status, r.Body)
	}

	// keys.json: the Ed25519 keyring, which verifies its product's code;
	// nothing of the HMAC product, least of all its secret.
	r = send(t, f.srv.URL, apiRequest{Method: "GET", Path: "/.well-known/actkit/keys.json"})
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("keys.json: %d %s %s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	var doc server.KeysDocument
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatal(err)
	}
	secretText := hmacKey.VerificationKey().String()
	secretBody := secretText[strings.LastIndex(secretText, ":")+1:]
	for _, leak := range []string{secretText, secretBody, "hmac-sha256", "product closed"} {
		if strings.Contains(string(r.Body), leak) {
			t.Errorf("keys.json publishes %q: %s", leak, r.Body)
		}
	}
	if _, ok := doc.Keyrings["closed"]; ok {
		t.Errorf("keys.json has a keyring for the HMAC product: %s", r.Body)
	}
	pub, err := verify.ParseKeyring(doc.Keyrings["umenu"])
	if err != nil {
		t.Fatalf("keys.json's umenu keyring: %v (%s)", err, r.Body)
	}
	if _, err := pub.Verify(long.Code, verify.Binding{Product: "umenu", LicenceKey: open.Display, MachineUID: long.MachineUID}, f.clk.now()); err != nil {
		t.Errorf("the Ed25519 code does not verify with keys.json: %v", err)
	}
}
