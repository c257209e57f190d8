package server_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/ledger/sqlite"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/server"
	"github.com/actkit/actkit/signer"
)

// apiFixture is the API over a real signer.Service: a SQLite ledger in a
// temporary folder, keys in memory, a clock the test moves, and API
// tokens of both scopes, served on 127.0.0.1 by httptest.
type apiFixture struct {
	ctx                   context.Context
	path                  string
	clk                   *clock
	store                 *sqlite.Store
	ks                    *keygen.Keyset
	svc                   *signer.Service
	api                   *server.Server
	srv                   *httptest.Server
	readToken, adminToken string
}

// newAPIFixture opens the ledger with opts and serves cfg over it (its
// Service and, unless set, Now and a rate limit no test reaches).
// prepare, if set, runs on the keyset and service before the server
// starts (keysets are not changed while in use).
func newAPIFixture(t testing.TB, opts sqlite.Options, cfg server.Config, prepare func(*apiFixture)) *apiFixture {
	t.Helper()
	ctx := context.Background()
	f := &apiFixture{ctx: ctx, path: filepath.Join(t.TempDir(), "ledger.db"), clk: &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}}
	var err error
	if f.store, err = sqlite.Open(ctx, f.path, opts); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.store.Close() })
	f.ks = keygen.NewKeyset()
	if _, err := f.ks.Add(rand.Reader, "umenu", codec.Ed25519, f.clk.now()); err != nil {
		t.Fatal(err)
	}
	f.svc = signer.New(f.store, f.ks, signer.Options{Now: f.clk.now})
	if _, err := f.svc.AddProduct(ctx, "umenu", "", []string{"export", "api"}); err != nil {
		t.Fatal(err)
	}
	if _, f.readToken, err = f.svc.NewToken(ctx, rand.Reader, "dashboard", licensing.ScopeRead, 4*365*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, f.adminToken, err = f.svc.NewToken(ctx, rand.Reader, "ops", licensing.ScopeAdmin, 4*365*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if prepare != nil {
		prepare(f)
	}
	cfg.Service = f.svc
	if cfg.Now == nil {
		cfg.Now = f.clk.now
	}
	if cfg.Rate == 0 {
		cfg.Rate, cfg.Burst = 1e9, 1<<30
	}
	f.api = server.New(cfg)
	f.srv = httptest.NewServer(f.api)
	t.Cleanup(f.srv.Close)
	return f
}

// licence makes a licence: product umenu, one seat, perpetual, unless
// spec says otherwise (or names a plan).
func (f *apiFixture) licence(t testing.TB, spec licensing.LicenceSpec) licensing.Licence {
	t.Helper()
	if spec.Product == "" {
		spec.Product = "umenu"
	}
	if spec.Plan == "" {
		if spec.Seats == 0 {
			spec.Seats = 1
		}
		if spec.Expires == 0 {
			spec.Expires = codec.NoExpiry
		}
	}
	li, err := f.svc.NewLicence(f.ctx, rand.Reader, spec)
	if err != nil {
		t.Fatal(err)
	}
	return li
}

// apiRequest is one request to the API.
type apiRequest struct {
	// Label, if set, names the request in failures.
	Label        string
	Method, Path string
	// Auth is the Authorization header, ContentType the Content-Type;
	// both left out when empty.
	Auth, ContentType string
	Header            map[string]string
	Body              string
}

func (r apiRequest) String() string {
	if r.Label != "" {
		return r.Label + ": " + r.Method + " " + r.Path
	}
	return r.Method + " " + r.Path
}

// apiReply is an answer, read in full.
type apiReply struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r apiReply) json() map[string]any {
	var m map[string]any
	json.Unmarshal(r.Body, &m)
	return m
}

var apiClient = &http.Client{Timeout: 30 * time.Second}

func send(t testing.TB, base string, rq apiRequest) apiReply {
	t.Helper()
	req, err := http.NewRequest(rq.Method, base+rq.Path, strings.NewReader(rq.Body))
	if err != nil {
		t.Fatal(err)
	}
	if rq.Auth != "" {
		req.Header.Set("Authorization", rq.Auth)
	}
	if rq.ContentType != "" {
		req.Header.Set("Content-Type", rq.ContentType)
	}
	for k, v := range rq.Header {
		req.Header.Set(k, v)
	}
	resp, err := apiClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", rq, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s: reading the answer: %v", rq, err)
	}
	return apiReply{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

func bearer(s string) string { return "Bearer " + s }

func machineBody(machine string) string {
	b, _ := json.Marshal(map[string]string{"machineId": machine})
	return string(b)
}

// productCall is a product's call (activate, validate, deactivate) with
// the licence key as bearer.
func productJSON(key, path, body string) apiRequest {
	return apiRequest{Method: "POST", Path: path, Auth: bearer(key), ContentType: "application/json", Body: body}
}

func productCall(action, key, machine string) apiRequest {
	return apiRequest{Method: "POST", Path: "/api/licence/" + action, Auth: bearer(key), ContentType: "application/json", Body: machineBody(machine)}
}

func adminCall(token, key, action, body string) apiRequest {
	return apiRequest{Method: "POST", Path: "/api/admin/licences/" + key + "/" + action, Auth: bearer(token), ContentType: "application/json", Body: body}
}

// typo changes a licence key's last symbol: its check symbol no longer
// matches.
func typo(key string) string {
	last := key[len(key)-1]
	if last == '0' {
		return key[:len(key)-1] + "1"
	}
	return key[:len(key)-1] + "0"
}

// problemBook checks problems against the documentation (the error-code
// table of docs/api.md, the responses of api/openapi.yaml) and records
// the codes produced.
type problemBook struct {
	docs    map[string][]int
	openapi map[string]map[string]map[int]bool
	seen    map[string][]string
	// gaps are the operations and statuses reported missing from
	// api/openapi.yaml, each reported once.
	gaps map[string]bool
}

func newProblemBook(t testing.TB) *problemBook {
	return &problemBook{docs: documentedStatuses(t), openapi: openAPIResponses(t), seen: map[string][]string{}, gaps: map[string]bool{}}
}

// expect checks that r is the problem code, with a status docs/api.md
// gives it and that api/openapi.yaml lists for the route, as
// application/problem+json with every field the schema requires.
func (b *problemBook) expect(t testing.TB, rq apiRequest, r apiReply, code string) {
	t.Helper()
	if got, _ := r.json()["code"].(string); got != code {
		t.Errorf("%s: %d %s, want problem %s", rq, r.Status, r.Body, code)
		return
	}
	b.problem(t, rq, r)
}

// problem checks that r is a problem, whatever its code, as expect
// does, and returns its code ("" if it is not one).
func (b *problemBook) problem(t testing.TB, rq apiRequest, r apiReply) string {
	t.Helper()
	var p struct {
		Type, Title, Error, Code, Instance, Detail string
		Status                                     int
		RequestID                                  string `json:"requestId"`
	}
	if err := json.Unmarshal(r.Body, &p); err != nil || p.Code == "" {
		t.Errorf("%s: %d %q is not a problem", rq, r.Status, r.Body)
		return ""
	}
	code := p.Code
	b.seen[code] = append(b.seen[code], rq.String())
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s (%s): Content-Type %q", rq, code, ct)
	}
	want, known := b.docs[code]
	if !known {
		t.Errorf("%s: problem code %s is not in docs/api.md", rq, code)
	} else if !slices.Contains(want, r.Status) {
		t.Errorf("%s: %s with status %d; docs/api.md gives it %v", rq, code, r.Status, want)
	}
	if p.Status != r.Status || p.Title != http.StatusText(r.Status) || p.Error == "" || p.Type != "https://actkit.dev/problems/"+code {
		t.Errorf("%s: problem %+v for status %d", rq, p, r.Status)
	}
	if id := r.Header.Get("X-Request-ID"); id == "" || p.RequestID != id {
		t.Errorf("%s: requestId %q, X-Request-ID %q", rq, p.RequestID, id)
	}
	if path, _, _ := strings.Cut(rq.Path, "?"); p.Instance != path {
		t.Errorf("%s: instance %q", rq, p.Instance)
	}
	if r.Status == http.StatusTooManyRequests {
		if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 {
			t.Errorf("%s: 429 with Retry-After %q", rq, r.Header.Get("Retry-After"))
		}
	}
	if tmpl, statuses, ok := b.operation(rq); ok && !statuses[r.Status] && !statuses[0] {
		if gap := rq.Method + " " + tmpl + " " + strconv.Itoa(r.Status); !b.gaps[gap] {
			b.gaps[gap] = true
			t.Errorf("%s: answered %d %s; api/openapi.yaml lists no %d for %s %s", rq, r.Status, code, r.Status, rq.Method, tmpl)
		}
	}
	return code
}

// operation finds the path template and the responses api/openapi.yaml
// documents for a request's method and path (status 0 for a default
// response); false for a path or method it does not have (those are the
// NOT_FOUND and METHOD_NOT_ALLOWED answers).
func (b *problemBook) operation(rq apiRequest) (string, map[int]bool, bool) {
	path, _, _ := strings.Cut(rq.Path, "?")
	segs := strings.Split(path, "/")
	for tmpl, ops := range b.openapi {
		ts := strings.Split(tmpl, "/")
		if len(ts) != len(segs) {
			continue
		}
		match := true
		for i := range ts {
			if strings.HasPrefix(ts[i], "{") {
				match = match && segs[i] != ""
			} else {
				match = match && ts[i] == segs[i]
			}
		}
		if match {
			st, ok := ops[strings.ToLower(rq.Method)]
			return tmpl, st, ok
		}
	}
	return "", nil, false
}

// documentedStatuses reads the error-code table of docs/api.md: each
// code's statuses (a row naming as many codes as statuses pairs them).
func documentedStatuses(t testing.TB) map[string][]int {
	t.Helper()
	doc, err := os.ReadFile("../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(doc), "\n## Error codes\n")
	if !ok {
		t.Fatal("docs/api.md has no Error codes section")
	}
	table, _, _ = strings.Cut(table, "\n## ")
	out := map[string][]int{}
	codeRE, statusRE := regexp.MustCompile("`([A-Z_]+)`"), regexp.MustCompile(`\b[1-5][0-9][0-9]\b`)
	for _, line := range strings.Split(table, "\n") {
		cols := strings.Split(line, "|")
		if len(cols) < 4 || !strings.HasPrefix(strings.TrimSpace(cols[1]), "`") {
			continue
		}
		codes, statuses := codeRE.FindAllStringSubmatch(cols[1], -1), statusRE.FindAllString(cols[2], -1)
		for i, c := range codes {
			for j, s := range statuses {
				if len(codes) > 1 && len(codes) == len(statuses) && i != j {
					continue
				}
				n, _ := strconv.Atoi(s)
				out[c[1]] = append(out[c[1]], n)
			}
		}
	}
	if len(out) < 20 {
		t.Fatalf("read %d codes from docs/api.md", len(out))
	}
	return out
}

// openAPIResponses reads api/openapi.yaml's paths: path, method, the
// statuses of its responses.
func openAPIResponses(t testing.TB) map[string]map[string]map[int]bool {
	t.Helper()
	doc, err := os.ReadFile("../api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	pathRE := regexp.MustCompile(`^  (/\S*):$`)
	methodRE := regexp.MustCompile(`^    (get|post|put|patch|delete):$`)
	statusRE := regexp.MustCompile(`^        "([1-5][0-9][0-9])":|^        default:`)
	out := map[string]map[string]map[int]bool{}
	var path, method string
	inPaths := false
	for _, line := range strings.Split(string(doc), "\n") {
		switch {
		case line == "paths:":
			inPaths = true
		case line != "" && line[0] != ' ' && line[0] != '#':
			inPaths = false
		case !inPaths:
		case pathRE.MatchString(line):
			path = pathRE.FindStringSubmatch(line)[1]
			out[path] = map[string]map[int]bool{}
		case methodRE.MatchString(line) && path != "":
			method = methodRE.FindStringSubmatch(line)[1]
			out[path][method] = map[int]bool{}
		case statusRE.MatchString(line) && method != "":
			n, _ := strconv.Atoi(statusRE.FindStringSubmatch(line)[1]) // default: 0
			out[path][method][n] = true
		}
	}
	if len(out) < 10 {
		t.Fatalf("read %d paths from api/openapi.yaml", len(out))
	}
	return out
}

// TestEveryProblemCodeIsProduced: over HTTP, against a real service and
// ledger, every problem code the server has words for is produced, each
// with the status docs/api.md gives it and that api/openapi.yaml lists for
// the operation, as application/problem+json. A code added to the server
// without a request that produces it fails this test, as does a code
// the API cannot reach (it is dead, or a bug). Every path of
// api/openapi.yaml is served.
func TestEveryProblemCodeIsProduced(t *testing.T) {
	book := newProblemBook(t)
	f := newAPIFixture(t, sqlite.Options{BusyTimeout: 300 * time.Millisecond}, server.Config{}, func(f *apiFixture) {
		// A product with no signing key at all.
		if _, err := f.svc.AddProduct(f.ctx, "bare", "", nil); err != nil {
			t.Fatal(err)
		}
	})
	ctx := f.ctx
	call := func(rq apiRequest) apiReply { t.Helper(); return send(t, f.srv.URL, rq) }
	ok := func(rq apiRequest) apiReply {
		t.Helper()
		r := call(rq)
		if r.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", rq, r.Status, r.Body)
		}
		return r
	}
	expect := func(rq apiRequest, code string) apiReply {
		t.Helper()
		r := call(rq)
		book.expect(t, rq, r, code)
		return r
	}

	one := f.licence(t, licensing.LicenceSpec{Seats: 1})
	three := f.licence(t, licensing.LicenceSpec{Seats: 3})
	expiring := f.licence(t, licensing.LicenceSpec{Seats: 1, Expires: codec.DayOf(f.clk.now())})
	suspended := f.licence(t, licensing.LicenceSpec{})
	revoked := f.licence(t, licensing.LicenceSpec{})
	annual := f.licence(t, licensing.LicenceSpec{Plan: "pro-annual"})
	bare := f.licence(t, licensing.LicenceSpec{Product: "bare"})
	unknown, err := codec.NewLicenceKey(rand.Reader, "UMENU")
	if err != nil {
		t.Fatal(err)
	}
	held := machineN(1)
	ok(productCall("activate", one.Display, held))

	// The seats.
	r := expect(productCall("activate", one.Display, machineN(2)), server.CodeSeatLimit)
	if !strings.Contains(string(r.Body), held) {
		t.Errorf("SEAT_LIMIT_EXCEEDED does not name the holder %s: %s", held, r.Body)
	}
	// The licence key.
	expect(apiRequest{Method: "GET", Path: "/api/licence", Auth: bearer(unknown)}, server.CodeNotFound)
	expect(productCall("activate", unknown, machineN(3)), server.CodeNotFound)
	expect(apiRequest{Method: "GET", Path: "/api/licence", Auth: bearer(typo(one.Display))}, server.CodeKeyTypo)
	expect(productCall("activate", typo(one.Display), held), server.CodeKeyTypo)
	expect(apiRequest{Method: "POST", Path: "/api/licence/activate", ContentType: "application/json", Body: machineBody(held)}, server.CodeUnauthorized)
	expect(apiRequest{Method: "GET", Path: "/api/licence", Auth: "Basic dXNlcjpwYXNz"}, server.CodeUnauthorized)
	expect(apiRequest{Method: "POST", Path: "/api/licence/validate", Auth: bearer(one.Display), ContentType: "application/json",
		Body: `{"licenceKey":"` + three.Display + `","machineId":"` + held + `"}`}, server.CodeUnauthorized)
	// Each 401 says what was wrong with the key it was given, never the key.
	for _, c := range []struct {
		rq   apiRequest
		says string
	}{
		{apiRequest{Method: "POST", Path: "/api/licence/activate", ContentType: "application/json", Body: machineBody(held)}, "no licence key"},
		{apiRequest{Method: "GET", Path: "/api/licence", Auth: "Basic dXNlcjpwYXNz"}, "must be 'Bearer <licence key>'"},
		{apiRequest{Method: "POST", Path: "/api/licence/validate", Auth: bearer(one.Display), ContentType: "application/json",
			Body: `{"licenceKey":"` + three.Display + `","machineId":"` + held + `"}`}, "not the licence key in the Authorization header"},
	} {
		rep := send(t, f.srv.URL, c.rq)
		if d, _ := rep.json()["detail"].(string); rep.Status != 401 || !strings.Contains(d, c.says) || strings.Contains(string(rep.Body), one.Display) || strings.Contains(string(rep.Body), three.Display) {
			t.Errorf("%s %s: %d %s, want a detail saying %q", c.rq.Method, c.rq.Path, rep.Status, rep.Body, c.says)
		}
	}

	// Customer API tokens: a licence the token does not act for, a token
	// for several licences without the key, and a machine on two of them.
	acmeA := f.licence(t, licensing.LicenceSpec{Seats: 2, Customer: "Acme Ltd"})
	acmeB := f.licence(t, licensing.LicenceSpec{Seats: 2, Customer: "Acme Ltd"})
	_, oneTok, err := f.svc.NewClientToken(ctx, rand.Reader, "add-in", licensing.ScopeLicence, one.Display, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	_, acmeTok, err := f.svc.NewClientToken(ctx, rand.Reader, "add-in", licensing.ScopeCustomer, "Acme Ltd", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	r = expect(apiRequest{Method: "POST", Path: "/api/licence/activate", Auth: bearer(oneTok), ContentType: "application/json",
		Body: `{"licenceKey":"` + three.Display + `","machineId":"` + held + `"}`}, server.CodeNotCovered)
	if r.Status != http.StatusForbidden {
		t.Errorf("LICENCE_NOT_COVERED with %d", r.Status)
	}
	expect(apiRequest{Method: "POST", Path: "/api/licence/activate", Auth: bearer(acmeTok), ContentType: "application/json",
		Body: machineBody(held)}, server.CodeKeyRequired)
	twice := machineN(7)
	for _, li := range []licensing.Licence{acmeA, acmeB} {
		ok(apiRequest{Method: "POST", Path: "/api/licence/activate", Auth: bearer(acmeTok), ContentType: "application/json",
			Body: `{"licenceKey":"` + strings.ToLower(li.Display) + `","machineId":"` + twice + `"}`})
	}
	r = expect(apiRequest{Method: "POST", Path: "/api/licence/deactivate", Auth: bearer(acmeTok), ContentType: "application/json",
		Body: machineBody(twice)}, server.CodeMachineAmbiguous)
	var amb struct{ Licences []string }
	json.Unmarshal(r.Body, &amb)
	if len(amb.Licences) != 2 || strings.Contains(string(r.Body), acmeA.Display) || strings.Contains(string(r.Body), acmeB.Display) ||
		!slices.Contains(amb.Licences, acmeA.Display[:6]+"…"+acmeA.Display[len(acmeA.Display)-6:]) {
		t.Errorf("MACHINE_ON_SEVERAL_LICENCES names %v (%s), want both licences masked", amb.Licences, r.Body)
	}

	// The machine.
	expect(productCall("activate", three.Display, ""), server.CodeInvalidMachine)
	noMachine := codec.MachineUID{Version: codec.UIDVersion}
	noMachine.Slots[codec.SlotCPU] = 5
	expect(productCall("activate", three.Display, noMachine.String()), server.CodeInvalidMachine)
	expect(productCall("validate", three.Display, "short"), server.CodeInvalidMachine)

	// Request codes: for another licence key, damaged, from another
	// product.
	requestCode := func(product, key, version string, m string) string {
		t.Helper()
		norm, err := codec.NormalizeLicenceKey(key)
		if err != nil {
			t.Fatal(err)
		}
		u, err := codec.ParseMachineUID(m)
		if err != nil {
			t.Fatal(err)
		}
		text, err := codec.RequestCode{Product: product, LicenceKey: norm, MachineUID: u, ProductVersion: version}.Text()
		if err != nil {
			t.Fatal(err)
		}
		return text
	}
	expect(productCall("activate", three.Display, requestCode("umenu", one.Display, "4.2.17", machineN(4))), server.CodeInvalidRequest)
	good := requestCode("umenu", three.Display, "4.2.17", machineN(5))
	damaged := []byte(good)
	if damaged[0] == '2' {
		damaged[0] = '3'
	} else {
		damaged[0] = '2'
	}
	expect(productCall("activate", three.Display, string(damaged)), server.CodeInvalidRequest)
	// A symbol dropped, doubled, or typed outside base58 is still a
	// damaged request code, never a fingerprint of another machine.
	for _, bad := range []string{good[:3] + good[4:], good[:3] + good[3:4] + good[3:], good[:2] + "0" + good[3:], good[:2] + "l" + good[3:]} {
		expect(productCall("activate", three.Display, bad), server.CodeInvalidRequest)
	}
	expect(productCall("activate", three.Display, requestCode("other", three.Display, "4.2.17", machineN(6))), server.CodeWrongProduct)

	// Signing keys.
	expect(productCall("activate", bare.Display, machineN(7)), server.CodeNoKey)
	// A product whose keyring holds no key the server can sign with is
	// refused before any seat is taken (TestRotationOnline checks the seat).
	expect(productJSON(three.Display, "/api/licence/activate", `{"machineId":"`+machineN(8)+`","trustedKeys":["0000"]}`), server.CodeNoTrustedKey)
	expect(productJSON(three.Display, "/api/licence/activate", `{"machineId":"`+machineN(8)+`","trustedKeys":["b7"]}`), server.CodeInvalid)
	expect(productJSON(three.Display, "/api/licence/activate", `{"machineId":"`+machineN(8)+`","productVersion":"`+strings.Repeat("4", 33)+`"}`), server.CodeInvalid)

	// The body.
	jsonCall := func(path, ctype, body string) apiRequest {
		return apiRequest{Method: "POST", Path: path, Auth: bearer(three.Display), ContentType: ctype, Body: body}
	}
	expect(jsonCall("/api/licence/activate", "application/json", `{"machineId":7}`), server.CodeInvalid)
	expect(jsonCall("/api/licence/validate", "application/json", `{"machineId":"`+held+`","seats":9}`), server.CodeInvalid)
	expect(jsonCall("/api/licence/deactivate", "application/json", `{"machineId":"`+held+`"}{}`), server.CodeInvalid)
	expect(jsonCall("/api/licence/activate", "application/json", `{"machineId":"`+strings.Repeat("A", server.DefaultMaxBody)+`"}`), server.CodeBodyTooLarge)
	expect(jsonCall("/api/licence/activate", "text/plain", machineBody(held)), server.CodeUnsupportedType)
	expect(jsonCall("/api/licence/validate", "application/x-www-form-urlencoded", "machineId="+held), server.CodeUnsupportedType)

	// Routes and methods.
	expect(apiRequest{Method: "GET", Path: "/api/licence/activate"}, server.CodeMethod)
	expect(apiRequest{Method: "DELETE", Path: "/api/licence", Auth: bearer(one.Display)}, server.CodeMethod)
	expect(apiRequest{Method: "POST", Path: "/healthz"}, server.CodeMethod)
	expect(apiRequest{Method: "GET", Path: "/api/licences"}, server.CodeRoute)
	expect(apiRequest{Method: "GET", Path: "/"}, server.CodeRoute)
	expect(adminCall(f.adminToken, one.Display, "frobnicate", `{}`), server.CodeRoute)

	// The admin API: tokens, states of a licence, releases.
	expect(apiRequest{Method: "GET", Path: "/api/admin/licences"}, server.CodeToken)
	expect(apiRequest{Method: "GET", Path: "/api/admin/audit", Auth: bearer(one.Display)}, server.CodeToken)
	expect(adminCall(f.readToken, suspended.Display, "suspend", `{"reason":"read scope"}`), server.CodeToken)
	expect(apiRequest{Method: "GET", Path: "/api/admin/licences/" + unknown, Auth: bearer(f.readToken)}, server.CodeNotFound)
	expect(apiRequest{Method: "GET", Path: "/api/admin/licences/" + typo(one.Display), Auth: bearer(f.readToken)}, server.CodeKeyTypo)
	expect(adminCall(f.adminToken, unknown, "suspend", `{"reason":"x"}`), server.CodeNotFound)
	expect(adminCall(f.adminToken, one.Display, "release", `{"machineId":"`+machineN(9)+`"}`), server.CodeNotActivated)
	expect(adminCall(f.adminToken, one.Display, "release", `{}`), server.CodeInvalidMachine)
	expect(adminCall(f.adminToken, one.Display, "suspend", `{"reason":1}`), server.CodeInvalid)
	ok(adminCall(f.adminToken, suspended.Display, "suspend", `{"reason":"unpaid"}`))
	expect(productCall("activate", suspended.Display, machineN(10)), server.CodeSuspended)
	ok(adminCall(f.adminToken, revoked.Display, "revoke", `{"reason":"refund"}`))
	expect(productCall("activate", revoked.Display, machineN(11)), server.CodeRevoked)
	expect(adminCall(f.adminToken, revoked.Display, "resume", `{}`), server.CodeRevoked)

	// The release budget of a plan: six deactivations in 30 days.
	for i := range 6 {
		ok(productCall("activate", annual.Display, machineN(20+i)))
		if r := ok(productCall("deactivate", annual.Display, machineN(20+i))); r.json()["deactivated"] != true {
			t.Fatalf("deactivation %d: %s", i, r.Body)
		}
	}
	ok(productCall("activate", annual.Display, machineN(30)))
	expect(productCall("deactivate", annual.Display, machineN(30)), server.CodeReleaseBudget)

	// A busy ledger: another process holds its write lock longer than the
	// server waits.
	holder, err := sqlite.Open(ctx, f.path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	inside, release, held2 := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		held2 <- holder.Update(ctx, func(ledger.Tx) error {
			close(inside)
			<-release
			return errors.New("rolled back on purpose")
		})
	}()
	<-inside
	expect(productCall("activate", three.Display, machineN(40)), server.CodeUnavailable)
	expect(adminCall(f.adminToken, three.Display, "suspend", `{}`), server.CodeUnavailable)
	close(release)
	<-held2
	holder.Close()
	ok(productCall("activate", three.Display, machineN(40)))

	// Transfers, plans and new licences through the admin API.
	ok(productCall("activate", three.Display, machineN(60)))
	ok(productCall("activate", three.Display, machineN(61)))
	expect(adminCall(f.adminToken, three.Display, "transfer", `{"from":"`+machineN(60)+`","to":"`+machineN(61)+`"}`), server.CodeActivated)
	if r := ok(adminCall(f.adminToken, three.Display, "transfer", `{"from":"`+machineN(60)+`","to":"`+machineN(62)+`"}`)); !strings.Contains(string(r.Body), `"activationCode"`) {
		t.Errorf("transfer answer without the new code: %s", r.Body)
	}
	expect(adminCall(f.adminToken, three.Display, "change", `{"plan":"no-such-plan"}`), server.CodePlan)
	expect(adminCall(f.adminToken, three.Display, "suspend", `{"plan":"core"}`), server.CodeInvalid)
	expect(apiRequest{Method: "POST", Path: "/api/admin/licences", Auth: bearer(f.adminToken), ContentType: "application/json", Body: `{"product":"umenu","plan":"no-such-plan"}`}, server.CodePlan)
	if r := call(apiRequest{Method: "POST", Path: "/api/admin/licences", Auth: bearer(f.adminToken), ContentType: "application/json", Body: `{"product":"umenu","seats":2,"customer":"ACME"}`}); r.Status != http.StatusCreated {
		t.Errorf("new licence: %d %s", r.Status, r.Body)
	}
	// A damaged deactivation code.
	dc, err := codec.DeactivationCode{Product: "umenu", LicenceKey: three.Key, MachineUID: mustUID(t, machineN(61)), Serial: 1, Day: codec.DayOf(f.clk.now())}.Text()
	if err != nil {
		t.Fatal(err)
	}
	damagedDC := []byte(dc)
	if damagedDC[2] == 'x' {
		damagedDC[2] = 'y'
	} else {
		damagedDC[2] = 'x'
	}
	expect(apiRequest{Method: "POST", Path: "/api/licence/deactivate", Auth: bearer(three.Display), ContentType: "application/json", Body: `{"deactivationCode":"` + string(damagedDC) + `"}`}, server.CodeInvalidDeact)

	// A body sent slower than the server's read timeout: 408.
	slow := httptest.NewUnstartedServer(server.New(server.Config{Service: f.svc}))
	slow.Config.ReadTimeout = 300 * time.Millisecond
	slow.Start()
	defer slow.Close()
	book.expect(t, apiRequest{Label: "a body slower than the read timeout", Method: "POST", Path: "/api/licence/activate"}, slowBody(t, slow.URL, one.Display), server.CodeTimeout)

	// Rate limits: a server allowing one request, on a clock that stands
	// still.
	still := f.clk.now()
	limited := httptest.NewServer(server.New(server.Config{Service: f.svc, Rate: 1, Burst: 1, Now: func() time.Time { return still }}))
	defer limited.Close()
	if r := send(t, limited.URL, apiRequest{Method: "GET", Path: "/api/licence", Auth: bearer(one.Display)}); r.Status != http.StatusOK {
		t.Fatalf("first request: %d %s", r.Status, r.Body)
	}
	for _, rq := range []apiRequest{
		{Method: "GET", Path: "/api/licence", Auth: bearer(one.Display)},
		productCall("activate", one.Display, held),
		{Method: "GET", Path: "/api/admin/licences", Auth: bearer(f.readToken)},
	} {
		book.expect(t, rq, send(t, limited.URL, rq), server.CodeRateLimited)
	}

	// Expiry: the last day of the licence passes.
	ok(productCall("activate", expiring.Display, machineN(50)))
	f.clk.advance(48 * time.Hour)
	expect(productCall("activate", expiring.Display, machineN(51)), server.CodeExpired)
	expect(productCall("activate", expiring.Display, machineN(50)), server.CodeExpired)

	// Every path of api/openapi.yaml is served (answered by its handler,
	// not the catch-all).
	for tmpl, ops := range book.openapi {
		path := strings.NewReplacer("{key}", one.Display, "{action}", "resume").Replace(tmpl)
		for method := range ops {
			rq := apiRequest{Method: strings.ToUpper(method), Path: path, Auth: bearer(f.adminToken), ContentType: "application/json", Body: `{}`}
			if !strings.HasPrefix(tmpl, "/api/admin") {
				rq.Auth = bearer(one.Display)
			}
			if r := call(rq); r.json()["code"] == server.CodeRoute || r.json()["code"] == server.CodeMethod {
				t.Errorf("%s (api/openapi.yaml %s): %d %s", rq, tmpl, r.Status, r.Body)
			}
		}
	}

	// A ledger that is gone: not ready, and an internal failure.
	gone := newAPIFixture(t, sqlite.Options{}, server.Config{}, nil)
	goneKey := gone.licence(t, licensing.LicenceSpec{})
	gone.store.Close()
	goneReady := httptest.NewServer(server.New(server.Config{Service: gone.svc, Ready: gone.store.Ready}))
	defer goneReady.Close()
	rq := apiRequest{Method: "GET", Path: "/readyz"}
	book.expect(t, rq, send(t, goneReady.URL, rq), server.CodeUnavailable)
	rq = apiRequest{Method: "GET", Path: "/api/licence", Auth: bearer(goneKey.Display)}
	book.expect(t, rq, send(t, gone.srv.URL, rq), server.CodeInternal)

	// Every code, and only the server's codes.
	for _, code := range server.ProblemCodes() {
		if len(book.seen[code]) == 0 {
			t.Errorf("problem code %s (docs/api.md: %v) was produced by no request: dead, or a bug", code, book.docs[code])
		}
	}
	for code := range book.docs {
		if !slices.Contains(server.ProblemCodes(), code) {
			t.Errorf("docs/api.md documents %s, which the server does not have", code)
		}
	}
}

func mustUID(t *testing.T, s string) codec.MachineUID {
	t.Helper()
	u, err := codec.ParseMachineUID(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// slowBody sends an activation whose body trickles in after the headers,
// slower than the server's read timeout.
func slowBody(t *testing.T, base, key string) apiReply {
	t.Helper()
	pr, pw := io.Pipe()
	go func() {
		pw.Write([]byte(`{"machineId":`))
		time.Sleep(time.Second)
		pw.Write([]byte(`"x"}`))
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", base+"/api/licence/activate", pr)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return apiReply{Status: resp.StatusCode, Header: resp.Header, Body: body}
}
