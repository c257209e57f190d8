package server_test

import (
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/ledger/sqlite"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/server"
)

// TestAnswersNeverCarryALicenceKey sends licence keys (unknown ones,
// mistyped ones, imported ones in the wrong spelling, and real ones whose
// licence refuses: suspended, revoked, expired, full, not activated, a
// request code or deactivation code of another key) to every product
// endpoint, in both spellings, as bearer and in the body, and checks that
// no answer carries any key in full, in any case or with its separators
// left out: answers go through proxies and client logs, and a key is a
// secret (the detail names a licence masked, UMENU-…-H3NPM).
func TestAnswersNeverCarryALicenceKey(t *testing.T) {
	f := newAPIFixture(t, sqlite.Options{}, server.Config{}, nil)
	ctx := f.ctx
	if _, err := f.svc.ChangeProductKeys(ctx, "umenu", "UMENU-XXXX-XXXX-XXXX", false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ImportLicences(ctx, "umenu", strings.NewReader("key,seats,expires,customer\nUMENU-4R0B-1KQ2-M9TU,1,never,Acme\n")); err != nil {
		t.Fatal(err)
	}
	today := codec.DayOf(f.clk.now())
	full := f.licence(t, licensing.LicenceSpec{})
	suspended := f.licence(t, licensing.LicenceSpec{})
	revoked := f.licence(t, licensing.LicenceSpec{})
	expired := f.licence(t, licensing.LicenceSpec{Expires: today})
	idle := f.licence(t, licensing.LicenceSpec{})
	if _, err := f.svc.Suspend(ctx, suspended.Display, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Revoke(ctx, revoked.Display, "test"); err != nil {
		t.Fatal(err)
	}
	unknown, err := codec.NewLicenceKey(rand.Reader, "UMENU")
	if err != nil {
		t.Fatal(err)
	}
	const guid = "550e8400-e29b-41d4-a716-446655440000"
	// The first machine takes full's one seat; expired's too, before its day.
	for _, key := range []string{full.Display, expired.Display, "UMENU-4R0B-1KQ2-M9TU"} {
		if r := send(t, f.srv.URL, productCall("activate", key, guid)); r.Status != 200 {
			t.Fatalf("activate %s: %d %s", key, r.Status, r.Body)
		}
	}
	f.clk.advance(48 * time.Hour)

	keys := []string{
		full.Display, suspended.Display, revoked.Display, expired.Display, idle.Display, unknown, typo(unknown),
		"UMENU-4R0B-1KQ2-M9TU", "UMENU-4ROB-1KQ2-M9TU", "umenu 4r0b 1kq2 m9tu", "UMENU-QQQQ-WWWW-ZZZZ", "UMENU-QQQQ-WWWW",
		strings.ToLower(full.Display), strings.ReplaceAll(suspended.Display, "-", ""), "NOT-A-LICENCE-KEY-AT-ALL-0123456789",
	}
	// Another key's request and deactivation codes, sent with each key.
	uid, _ := codec.ParseMachineUID("19DSX-5JRR5-00000-0000E")
	norm, _ := codec.NormalizeLicenceKey(idle.Display)
	rc, err := codec.RequestCode{Product: "umenu", LicenceKey: norm, MachineUID: uid, ProductVersion: "4.2.17"}.Text()
	if err != nil {
		t.Fatal(err)
	}
	dc, err := codec.DeactivationCode{Product: "umenu", LicenceKey: norm, MachineUID: uid, Serial: 7}.Text()
	if err != nil {
		t.Fatal(err)
	}
	machines := []string{guid, "660e8400-e29b-41d4-a716-446655440000", "19DSX-5JRR5-00000-0000E", "19DSX-5JRR5-00000-0000F", rc}

	// leaks reports the key texts an answer carries: each key as sent, in
	// its normal forms, with or without separators, in any case.
	leaks := func(body []byte, sent ...string) []string {
		text := strings.ToUpper(string(body))
		var out []string
		for _, k := range sent {
			forms := []string{k}
			if n, _, err := codec.LicenceKeyBinding(k); err == nil {
				forms = append(forms, n)
			}
			if n, err := codec.NormalizeLicenceKey(k); err == nil {
				forms = append(forms, n)
			}
			for _, form := range forms {
				for _, v := range []string{form, strings.NewReplacer("-", "", " ", "").Replace(form)} {
					if v = strings.ToUpper(v); len(v) >= 12 && strings.Contains(text, v) {
						out = append(out, v)
					}
				}
			}
		}
		return out
	}
	check := func(rq apiRequest, sent ...string) {
		t.Helper()
		r := send(t, f.srv.URL, rq)
		if r.Status >= 500 {
			t.Errorf("%s: %d %s", rq, r.Status, r.Body)
		}
		if l := leaks(r.Body, sent...); len(l) > 0 {
			t.Errorf("%s %s: the answer (%d) carries the licence key %v: %s", rq, rq.Auth, r.Status, l, r.Body)
		}
	}
	body := func(fields ...string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(fields); i += 2 {
			m[fields[i]] = fields[i+1]
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	for _, key := range keys {
		for _, base := range []string{"/api/licence", "/api/license"} {
			field := "licenceKey"
			if base == "/api/license" {
				field = "licenseKey"
			}
			// Every machine activates before any deactivates: a full
			// licence's seat limit is answered too.
			for _, action := range []string{"activate", "validate", "deactivate"} {
				for _, m := range machines {
					check(productJSON(key, base+"/"+action, body("machineId", m)), key)
					check(apiRequest{Method: "POST", Path: base + "/" + action, ContentType: "application/json", Body: body(field, key, "machineId", m)}, key)
				}
			}
			check(productJSON(key, base+"/deactivate", body("deactivationCode", dc)), key)
			check(productJSON(key, base+"/deactivate", body("deactivationCode", dc[:len(dc)-3]+"zzz")), key)
			check(apiRequest{Method: "GET", Path: base, Auth: bearer(key)}, key)
			check(apiRequest{Method: "GET", Path: base, Header: map[string]string{"X-Licence-Key": key}}, key)
			// The bearer and the body disagree: neither is repeated.
			check(apiRequest{Method: "POST", Path: base + "/activate", Auth: bearer(key), ContentType: "application/json",
				Body: body(field, idle.Display, "machineId", guid)}, key, idle.Display)
		}
	}
	// Through a customer API token: the licence it acts for, others, unknown ones.
	_, tok, err := f.svc.NewClientToken(ctx, rand.Reader, "add-in", licensing.ScopeLicence, full.Display, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range keys {
		for _, action := range []string{"activate", "validate", "deactivate"} {
			check(productJSON(tok, "/api/licence/"+action, body("licenceKey", key, "machineId", "660e8400-e29b-41d4-a716-446655440000")), key, full.Display)
		}
		check(apiRequest{Method: "GET", Path: "/api/licence", Auth: bearer(tok), Header: map[string]string{"X-Licence-Key": key}}, key, full.Display)
	}
	check(productJSON(tok, "/api/licence/activate", body("machineId", "660e8400-e29b-41d4-a716-446655440000")), full.Display)
}
