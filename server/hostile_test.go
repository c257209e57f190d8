package server_test

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/ledger/sqlite"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/server"
	"github.com/actkit/actkit/signer"
	"github.com/actkit/actkit/verify"
)

// Which POST endpoints a hostile body is sent to.
const (
	toAll     = iota // every POST endpoint, admin actions included
	toMachine        // the endpoints taking a machineId: activate, validate, deactivate, release
	toProduct        // the product's endpoints: activate, validate, deactivate
)

// hostileBody is a body no endpoint may take: want is the code every
// endpoint it is sent to must answer, or "" for any 4xx problem.
type hostileBody struct {
	name, contentType, encoding, body string
	to                                int
	want                              string
}

func gzipped(s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

// hostileBodies are bodies of every shape a client (or an attacker) may
// send instead of the JSON object an endpoint takes, within the body cap.
func hostileBodies(machine string) []hostileBody {
	long := strings.Repeat("A", server.DefaultMaxBody-64)
	deepObject := strings.Repeat(`{"a":`, 2000) + "1" + strings.Repeat("}", 2000)
	deepArray := strings.Repeat("[", server.DefaultMaxBody/2-8) + strings.Repeat("]", server.DefaultMaxBody/2-8)
	return []hostileBody{
		{name: "empty", to: toAll, want: server.CodeInvalid},
		{name: "white space", body: " \r\n\t ", to: toAll, want: server.CodeInvalid},
		{name: "null", body: "null", to: toAll, want: server.CodeInvalid},
		{name: "empty array", body: "[]", to: toAll, want: server.CodeInvalid},
		{name: "array of the object", body: "[" + machineBody(machine) + "]", to: toAll, want: server.CodeInvalid},
		{name: "string", body: `"` + machine + `"`, to: toAll, want: server.CodeInvalid},
		{name: "number", body: "42", to: toAll, want: server.CodeInvalid},
		{name: "true", body: "true", to: toAll, want: server.CodeInvalid},
		{name: "deeply nested object", body: `{"machineId":` + deepObject + `}`, to: toAll, want: server.CodeInvalid},
		{name: "deeply nested arrays", body: deepArray, to: toAll, want: server.CodeInvalid},
		{name: "unclosed nesting", body: strings.Repeat(`{"machineId":[`, 1000), to: toAll, want: server.CodeInvalid},
		{name: "truncated", body: `{"machineId":"` + machine, to: toAll, want: server.CodeInvalid},
		{name: "unquoted names", body: `{machineId: "` + machine + `"}`, to: toAll, want: server.CodeInvalid},
		{name: "single quotes", body: `{'machineId':'` + machine + `'}`, to: toAll, want: server.CodeInvalid},
		{name: "trailing comma", body: `{"machineId":"` + machine + `",}`, to: toAll, want: server.CodeInvalid},
		{name: "trailing data", body: machineBody(machine) + `{"machineId":"x"}`, to: toAll, want: server.CodeInvalid},
		{name: "trailing garbage", body: machineBody(machine) + "garbage", to: toAll, want: server.CodeInvalid},
		{name: "byte order mark", body: "\xef\xbb\xbf" + machineBody(machine), to: toAll, want: server.CodeInvalid},
		{name: "raw NUL", body: "{\x00}", to: toAll, want: server.CodeInvalid},
		{name: "raw NUL in a string", body: "{\"machineId\":\"" + machine + "\x00\"}", to: toAll, want: server.CodeInvalid},
		{name: "invalid UTF-8 outside strings", body: "\xff\xfe{}", to: toAll, want: server.CodeInvalid},
		{name: "number for machineId", body: `{"machineId":12345}`, to: toMachine, want: server.CodeInvalid},
		{name: "float for machineId", body: `{"machineId":1e400}`, to: toMachine, want: server.CodeInvalid},
		{name: "array for machineId", body: `{"machineId":["` + machine + `"]}`, to: toMachine, want: server.CodeInvalid},
		{name: "object for machineId", body: `{"machineId":{"id":"` + machine + `"}}`, to: toMachine, want: server.CodeInvalid},
		{name: "bool for reason", body: `{"reason":false}`, to: toAll, want: server.CodeInvalid},
		{name: "number for licenceKey", body: `{"licenceKey":7,"machineId":"` + machine + `"}`, to: toProduct, want: server.CodeInvalid},
		{name: "number for machineName", body: `{"machineId":"` + machine + `","machineName":1}`, to: toProduct, want: server.CodeInvalid},
		{name: "unknown field", body: `{"machineId":"` + machine + `","seats":1000}`, to: toAll, want: server.CodeInvalid},
		{name: "a field name in another case", body: `{"machineID":"` + machine + `"}`, to: toMachine, want: server.CodeInvalid},
		{name: "a field name in capitals", body: `{"MACHINEID":"` + machine + `"}`, to: toMachine, want: server.CodeInvalid},
		{name: "prototype pollution", body: `{"__proto__":{"admin":true},"machineId":"` + machine + `"}`, to: toAll, want: server.CodeInvalid},
		{name: "duplicate key, second of another type", body: `{"machineId":"` + machine + `","machineId":7}`, to: toMachine, want: server.CodeInvalid},
		{name: "gzip Content-Encoding", encoding: "gzip", contentType: "application/json", body: gzipped(machineBody(machine)), to: toAll, want: server.CodeInvalid},
		{name: "text/plain", contentType: "text/plain", body: machineBody(machine), to: toAll, want: server.CodeUnsupportedType},
		{name: "form", contentType: "application/x-www-form-urlencoded", body: "machineId=" + machine, to: toAll, want: server.CodeUnsupportedType},
		{name: "multipart", contentType: "multipart/form-data; boundary=x", body: "--x\r\n\r\n--x--", to: toAll, want: server.CodeUnsupportedType},
		{name: "XML", contentType: "application/xml", body: "<machineId>" + machine + "</machineId>", to: toAll, want: server.CodeUnsupportedType},
		{name: "malformed Content-Type", contentType: "application/json; charset", body: machineBody(machine), to: toAll, want: server.CodeUnsupportedType},
		{name: "over the cap by one", body: `{"machineId":"` + strings.Repeat("A", server.DefaultMaxBody-15) + `"}`, to: toAll, want: server.CodeBodyTooLarge},
		{name: "a megabyte", body: strings.Repeat(" ", 1<<20), to: toAll, want: server.CodeBodyTooLarge},
		// Values that are JSON of the right shape but no machine.
		{name: "empty machineId", body: `{"machineId":""}`, to: toMachine, want: server.CodeInvalidMachine},
		{name: "null machineId", body: `{"machineId":null}`, to: toMachine, want: server.CodeInvalidMachine},
		{name: "long machineId", body: `{"machineId":"` + long + `"}`, to: toMachine, want: server.CodeInvalidMachine},
		{name: "NUL machineId", body: `{"machineId":"\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000"}`, to: toMachine, want: server.CodeInvalidMachine},
		{name: "invalid UTF-8 machineId", body: "{\"machineId\":\"\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\"}", to: toMachine, want: server.CodeInvalidMachine},
		{name: "control characters machineId", body: `{"machineId":"\u001b[2J\u001b[H\r\n\t"}`, to: toMachine, want: server.CodeInvalidMachine},
		{name: "duplicate key, last empty", body: `{"machineId":"` + machine + `","machineId":""}`, to: toMachine, want: server.CodeInvalidMachine},
		{name: "another licence key in the body", body: `{"licenceKey":"UMENU-00000-00000-00000-00000","machineId":"` + machine + `"}`, to: toProduct, want: server.CodeUnauthorized},
		{name: "long licence key in the body", body: `{"licenceKey":"` + long + `","machineId":"` + machine + `"}`, to: toProduct, want: server.CodeUnauthorized},
	}
}

// hostileFixture serves the API over a real ledger with a licence whose
// seats every hostile request is aimed at, and the POST endpoints.
func hostileFixture(t testing.TB) (*apiFixture, licensing.Licence, []struct {
	path string
	to   int
}) {
	f := newAPIFixture(t, sqlite.Options{}, server.Config{}, nil)
	li := f.licence(t, licensing.LicenceSpec{Seats: 3})
	return f, li, []struct {
		path string
		to   int
	}{
		{"/api/licence/activate", toProduct},
		{"/api/licence/validate", toProduct},
		{"/api/licence/deactivate", toProduct},
		{"/api/admin/licences/" + li.Display + "/release", toMachine},
		{"/api/admin/licences/" + li.Display + "/suspend", toAll},
		{"/api/admin/licences/" + li.Display + "/resume", toAll},
		{"/api/admin/licences/" + li.Display + "/revoke", toAll},
	}
}

// TestHostileBodiesAreRefused: every POST endpoint answers every hostile
// body (empty, null, arrays, deep nesting, long strings within the cap,
// invalid UTF-8, NUL bytes, wrong types, unknown fields, duplicate keys,
// other media types, gzip, over the cap, chunked) with the documented 4xx
// problem, never a 5xx; the licence is unchanged after all of them.
func TestHostileBodiesAreRefused(t *testing.T) {
	book := newProblemBook(t)
	f, li, endpoints := hostileFixture(t)
	machine := machineN(1)
	for _, h := range hostileBodies(machine) {
		for _, ep := range endpoints {
			if ep.to < h.to {
				continue
			}
			auth := bearer(li.Display)
			if strings.HasPrefix(ep.path, "/api/admin/") {
				auth = bearer(f.adminToken)
			}
			ctype := h.contentType
			if ctype == "" {
				ctype = "application/json"
			}
			rq := apiRequest{Label: h.name, Method: "POST", Path: ep.path, Auth: auth, ContentType: ctype, Body: h.body}
			if h.encoding != "" {
				rq.Header = map[string]string{"Content-Encoding": h.encoding}
			}
			r := send(t, f.srv.URL, rq)
			if r.Status < 400 || r.Status >= 500 {
				t.Errorf("%s: %d %.300s, want a 4xx problem", rq, r.Status, r.Body)
				continue
			}
			if h.want != "" {
				book.expect(t, rq, r, h.want)
			} else {
				book.problem(t, rq, r)
			}
		}
	}
	// Chunked, with no Content-Length: capped as it is read.
	for _, ep := range endpoints {
		req, _ := http.NewRequest("POST", f.srv.URL+ep.path, io.MultiReader(strings.NewReader(`{"machineId":"`), strings.NewReader(strings.Repeat("A", 1<<20))))
		req.Header.Set("Authorization", bearer(f.adminToken))
		if !strings.HasPrefix(ep.path, "/api/admin/") {
			req.Header.Set("Authorization", bearer(li.Display))
		}
		resp, err := apiClient.Do(req)
		if err != nil {
			t.Fatalf("chunked %s: %v", ep.path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		rq := apiRequest{Label: "chunked megabyte", Method: "POST", Path: ep.path}
		book.expect(t, rq, apiReply{Status: resp.StatusCode, Header: resp.Header, Body: b}, server.CodeBodyTooLarge)
	}
	// Hostile credentials.
	for _, auth := range []string{"Bearer", "Bearer ", "bearer  \t ", "Basic " + li.Display, "Token " + li.Display, li.Display, "Bearer " + strings.Repeat("Z", 8<<10)} {
		rq := productCall("activate", li.Display, machine)
		rq.Label, rq.Auth = fmt.Sprintf("Authorization %.20q", auth), auth
		r := send(t, f.srv.URL, rq)
		if r.Status < 400 || r.Status >= 500 {
			t.Errorf("%s: %d %.300s, want a 4xx problem", rq, r.Status, r.Body)
			continue
		}
		book.problem(t, rq, r)
	}
	got, err := f.svc.Licence(f.ctx, li.Display)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != licensing.Active || got.InUse != 0 {
		t.Errorf("after the hostile bodies the licence is %s with %d seats in use", got.Status, got.InUse)
	}
	if err := f.svc.VerifyState(f.ctx); err != nil {
		t.Fatal(err)
	}
}

// TestValidateAfterKeyRevocationIsNot500: the vendor rotates the
// product's key and revokes the old one (it leaked); a machine whose
// activation was signed with the old key validates. A product that says
// which keys its keyring holds gets a code signed with the new key, on its
// seat; one that says nothing (built before trustedKeys) is told
// NO_TRUSTED_KEY, since nothing says its keyring holds the new key, and
// keeps its grace. Never a 500.
func TestValidateAfterKeyRevocationIsNot500(t *testing.T) {
	book := newProblemBook(t)
	f := newAPIFixture(t, sqlite.Options{}, server.Config{}, nil)
	li := f.licence(t, licensing.LicenceSpec{Seats: 2})
	machine := machineN(1)
	if r := send(t, f.srv.URL, productCall("activate", li.Display, machine)); r.Status != http.StatusOK {
		t.Fatalf("activate: %d %s", r.Status, r.Body)
	}
	// The keystore after the rotation, as the server loads it on restart.
	old, err := f.ks.Active("umenu")
	if err != nil {
		t.Fatal(err)
	}
	ks := keygen.NewKeyset(f.ks.Keys()...)
	nk, err := ks.Add(rand.Reader, "umenu", codec.Ed25519, f.clk.now())
	if err != nil {
		t.Fatal(err)
	}
	if err := ks.Revoke(old.ID); err != nil {
		t.Fatal(err)
	}
	svc := signer.New(f.store, ks, signer.Options{Now: f.clk.now})
	srv := httptest.NewServer(server.New(server.Config{Service: svc, Now: f.clk.now, Rate: 1e9, Burst: 1 << 30}))
	defer srv.Close()
	kr, err := ks.Export("umenu", false)
	if err != nil {
		t.Fatal(err)
	}
	vk, err := verify.NewKeyring(kr)
	if err != nil {
		t.Fatal(err)
	}
	trusting := `{"machineId":"` + machine + `","trustedKeys":["` + nk.ID.String() + `"]}`
	for _, rq := range []apiRequest{
		productCall("validate", li.Display, machine),
		productJSON(li.Display, "/api/licence/validate", trusting),
		productCall("activate", li.Display, machine),
		productJSON(li.Display, "/api/licence/activate", trusting),
		productJSON(li.Display, "/api/licence/validate", trusting),
	} {
		r := send(t, srv.URL, rq)
		if r.Status >= 500 {
			t.Errorf("%s after the key %s was revoked: %d %s", rq, old.ID, r.Status, r.Body)
			continue
		}
		saysKeys := strings.Contains(rq.Body, "trustedKeys")
		if r.Status != http.StatusOK {
			book.problem(t, rq, r)
			if saysKeys || r.json()["code"] != server.CodeNoTrustedKey {
				t.Errorf("%s: %d %s", rq, r.Status, r.Body)
			}
			continue
		}
		var a struct {
			Valid *bool  `json:"valid"`
			Code  string `json:"code"`
			Act   string `json:"activationCode"`
			KeyID string `json:"keyId"`
		}
		json.Unmarshal(r.Body, &a)
		if a.Valid != nil && !*a.Valid {
			if saysKeys || a.Code != server.CodeNoTrustedKey {
				t.Errorf("%s after the key was revoked: %s", rq, r.Body)
			}
			continue
		}
		if !saysKeys {
			t.Errorf("%s: a product that said nothing got a code of key %s", rq, a.KeyID)
		}
		if _, err := vk.Verify(a.Act, verify.Binding{Product: "umenu", LicenceKey: li.Display, MachineUID: machine}, f.clk.now()); err != nil {
			t.Errorf("%s after the key was revoked: the code (key %s) does not verify with the new keyring: %v", rq, a.KeyID, err)
		}
	}
	if got, err := svc.Licence(f.ctx, li.Display); err != nil || got.InUse != 1 {
		t.Errorf("after the rotation the licence has %d seats in use, want 1 (%v)", got.InUse, err)
	}
}

// FuzzActivateBody: no body makes activation answer a 5xx; every refusal
// is a problem with one of the server's codes, and every activation code
// handed out verifies for the machine it names.
func FuzzActivateBody(f *testing.F) {
	fx, li, _ := hostileFixture(f)
	machine := machineN(1)
	for _, h := range hostileBodies(machine) {
		f.Add([]byte(h.body))
	}
	f.Add([]byte(machineBody(machine)))
	f.Add([]byte(`{"machineId":"550e8400-e29b-41d4-a716-446655440000","machineName":"PLANT-PC"}`))
	f.Add([]byte(`{"licenceKey":"` + li.Display + `","machineId":"` + machineN(2) + `"}`))
	kr, err := fx.ks.Export("umenu", false)
	if err != nil {
		f.Fatal(err)
	}
	vk, err := verify.NewKeyring(kr)
	if err != nil {
		f.Fatal(err)
	}
	codes := server.ProblemCodes()
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest("POST", "/api/licence/activate", bytes.NewReader(body))
		req.Header.Set("Authorization", bearer(li.Display))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		fx.api.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%q: %d %s", body, rec.Code, rec.Body)
		}
		if rec.Code != http.StatusOK {
			var p server.Problem
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || !slices.Contains(codes, p.Code) || p.Status != rec.Code ||
				rec.Header().Get("Content-Type") != "application/problem+json" {
				t.Fatalf("%q: %d %s is not a problem", body, rec.Code, rec.Body)
			}
			return
		}
		var a server.Activation
		if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
			t.Fatalf("%q: %s", body, rec.Body)
		}
		if _, err := vk.Verify(a.Code, verify.Binding{Product: "umenu", LicenceKey: li.Display, MachineUID: a.MachineUID}, fx.clk.now()); err != nil {
			t.Fatalf("%q: the code does not verify for %s: %v", body, a.MachineUID, err)
		}
	})
}
