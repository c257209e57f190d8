package server_test

import (
	"crypto/rand"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/actkit/actkit/ledger/sqlite"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/server"
)

// TestCustomerTokens: a licence token acts for its licence on every
// product endpoint, under both spellings, with or without the key in the
// body; it acts for no other licence; a revoked or expired token, or an
// admin token, is INVALID_TOKEN; and no answer carries any part of a
// token's secret.
func TestCustomerTokens(t *testing.T) {
	f := newAPIFixture(t, sqlite.Options{}, server.Config{}, nil)
	ctx := f.ctx
	mine := f.licence(t, licensing.LicenceSpec{Seats: 2, Customer: "Beta GmbH"})
	other := f.licence(t, licensing.LicenceSpec{Seats: 2, Customer: "Gamma"})
	tok, text, err := f.svc.NewClientToken(ctx, rand.Reader, "add-in", licensing.ScopeLicence, strings.ToLower(mine.Display), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	_, admin, err := f.svc.NewToken(ctx, rand.Reader, "ops", licensing.ScopeAdmin, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, path, auth, body string) apiReply {
		t.Helper()
		r := send(t, f.srv.URL, apiRequest{Method: method, Path: path, Auth: auth, ContentType: "application/json", Body: body})
		for _, secret := range []string{text, admin} {
			s := secret[strings.LastIndexByte(secret, '_')+1:]
			for i := 0; i+6 <= len(s); i++ {
				if strings.Contains(string(r.Body), s[i:i+6]) {
					t.Fatalf("%s %s: the answer carries part of a token's secret: %s", method, path, r.Body)
				}
			}
		}
		return r
	}
	guid := "550e8400-e29b-41d4-a716-446655440000"
	r := call("POST", "/api/license/activate", bearer(text), `{"licenseKey":"`+strings.ToLower(mine.Display)+`","machineId":"`+guid+`","machineName":"DESKTOP-ABC123"}`)
	if r.Status != http.StatusOK || r.json()["activeCount"] != 1.0 || r.json()["maxActivations"] != 2.0 {
		t.Fatalf("activate with a licence token: %d %s", r.Status, r.Body)
	}
	if r := call("POST", "/api/licence/validate", bearer(text), `{"machineId":"`+guid+`"}`); r.Status != 200 || r.json()["valid"] != true {
		t.Fatalf("validate without a key: %d %s", r.Status, r.Body)
	}
	if r := call("GET", "/api/license", bearer(text), ""); r.Status != 200 || r.json()["activeCount"] != 1.0 {
		t.Fatalf("GET licence: %d %s", r.Status, r.Body)
	}
	for _, body := range []string{`{"licenceKey":"` + other.Display + `","machineId":"` + guid + `"}`,
		`{"licenceKey":"` + mine.Display[:len(mine.Display)-1] + `","machineId":"` + guid + `"}`} {
		if r := call("POST", "/api/licence/activate", bearer(text), body); r.Status != 403 || r.json()["code"] != server.CodeNotCovered {
			t.Errorf("another licence: %d %s", r.Status, r.Body)
		}
	}
	if r := call("POST", "/api/licence/activate", bearer(text), `{"licenceKey":"`+mine.Display+`","licenseKey":"`+other.Display+`","machineId":"`+guid+`"}`); r.Status != 401 {
		t.Errorf("licenceKey and licenseKey differ: %d %s", r.Status, r.Body)
	}
	// The bug this replaces: an API token as bearer was taken for a
	// licence key, and the 404 echoed its first 30 characters.
	for _, c := range []struct{ auth, body string }{
		{bearer(admin), `{"machineId":"` + guid + `"}`},
		{bearer(text + "x"), `{"machineId":"` + guid + `"}`},
		{"", `{"licenceKey":"` + text + `","machineId":"` + guid + `"}`},
		{bearer(strings.Replace(text, "actk_", "actq_", 1)), `{"machineId":"` + guid + `"}`},
	} {
		r := call("POST", "/api/licence/activate", c.auth, c.body)
		if r.Status/100 != 4 {
			t.Errorf("%q: %d %s", c.auth, r.Status, r.Body)
		}
	}
	if r := call("POST", "/api/licence/activate", bearer(admin), `{"machineId":"`+guid+`"}`); r.Status != 401 || r.json()["code"] != server.CodeToken {
		t.Errorf("admin token on a product endpoint: %d %s", r.Status, r.Body)
	}
	// Deactivation by machineId alone frees the machine on the token's licence.
	r = call("POST", "/api/licence/deactivate", bearer(text), `{"machineId":"`+guid+`"}`)
	if r.Status != 200 || r.json()["deactivated"] != true || r.json()["activeCount"] != 0.0 {
		t.Fatalf("deactivate by machine: %d %s", r.Status, r.Body)
	}
	if err := f.svc.RevokeToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	if r := call("GET", "/api/licence", bearer(text), ""); r.Status != 401 || r.json()["code"] != server.CodeToken {
		t.Errorf("revoked token: %d %s", r.Status, r.Body)
	}
	// The licence key as bearer works as it always did.
	if r := call("POST", "/api/licence/activate", bearer(mine.Display), `{"machineId":"`+guid+`"}`); r.Status != 200 {
		t.Errorf("licence key as bearer: %d %s", r.Status, r.Body)
	}
}
