package portal_test

import (
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/ledger/sqlite"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/portal"
	"github.com/actkit/actkit/server"
	"github.com/actkit/actkit/signer"
	"net/http/httptest"
)

// plainSite is the pages over real HTTP with the default limits.
func plainSite(t *testing.T) (*httptest.Server, *signer.Service) {
	t.Helper()
	ks := keygen.NewKeyset()
	if _, err := ks.Add(rand.Reader, "umenu", codec.Ed25519, time.Now()); err != nil {
		t.Fatal(err)
	}
	srv, svc := siteOn(t, filepath.Join(t.TempDir(), "ledger.db"), ks)
	if _, err := svc.AddProduct(context.Background(), "umenu", "", nil); err != nil {
		t.Fatal(err)
	}
	return srv, svc
}

// siteOn is an instance of the server with its pages over the SQLite
// ledger at path (which other instances may share).
func siteOn(t *testing.T, path string, keys signer.Keys) (*httptest.Server, *signer.Service) {
	t.Helper()
	store, err := sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	svc := signer.New(store, keys, signer.Options{})
	pages, err := portal.New(portal.Config{Service: svc})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(server.Config{Service: svc, Pages: pages}))
	t.Cleanup(srv.Close)
	return srv, svc
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestPagesAreSmall: every page, with its stylesheet and script (and the
// QR code inline), is under 50 KB.
func TestPagesAreSmall(t *testing.T) {
	srv, svc := plainSite(t)
	li, err := svc.NewLicence(context.Background(), rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 2, Expires: codec.NoExpiry})
	if err != nil {
		t.Fatal(err)
	}
	_, css := get(t, srv.Client(), srv.URL+"/static/style.css")
	_, js := get(t, srv.Client(), srv.URL+"/static/copy.js")
	resp, err := srv.Client().PostForm(srv.URL+"/activate", url.Values{"licence": {li.Display}, "request": {"19DSX-5JRR5-00000-0000E"}})
	if err != nil {
		t.Fatal(err)
	}
	code, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(code), `data-page="code"`) {
		t.Fatalf("no code page: %s", code)
	}
	pages := map[string]string{"code (with its QR code)": string(code)}
	for _, p := range []string{"/", "/activate", "/licence/sign-in", "/admin/sign-in"} {
		_, body := get(t, srv.Client(), srv.URL+p)
		pages[p] = body
	}
	for name, body := range pages {
		if total := len(body) + len(css) + len(js); total > 50_000 {
			t.Errorf("%s: %d bytes with its assets", name, total)
		} else {
			t.Logf("%s: %d bytes with its assets", name, total)
		}
	}
}

// TestSessionCookiesAndSignInLimits: the session cookie is HttpOnly and
// SameSite=Lax; a wrong token says nothing about what was wrong; sign-in
// attempts are limited per client address; signing out ends the session.
func TestSessionCookiesAndSignInLimits(t *testing.T) {
	srv, svc := plainSite(t)
	_, token, err := svc.NewToken(context.Background(), rand.Reader, "staff", licensing.ScopeRead, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(srv.URL+"/admin/sign-in", url.Values{"token": {token}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	var cookie *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "actkit_session" {
			cookie = ck
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" || strings.Contains(cookie.Value, token) {
		t.Fatalf("session cookie: %+v", cookie)
	}
	if r, body := get(t, c, srv.URL+"/admin"); r.StatusCode != 200 || !strings.Contains(body, `data-page="dashboard"`) {
		t.Fatalf("dashboard after sign-in: %d", r.StatusCode)
	}
	resp, _ = c.PostForm(srv.URL+"/sign-out", nil)
	resp.Body.Close()
	if r, _ := get(t, c, srv.URL+"/admin"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin/sign-in" {
		t.Fatalf("after sign-out: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	// Wrong tokens: the same words whatever is wrong, and then a limit.
	limited := 0
	for i := range 10 {
		resp, err := c.PostForm(srv.URL+"/admin/sign-in", url.Values{"token": {"actk_000000000000_" + strings.Repeat("x", i+20)}})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusUnauthorized:
			if !strings.Contains(string(body), "That token is not valid") {
				t.Fatalf("wrong token: %s", body)
			}
		case http.StatusTooManyRequests:
			limited++
			if resp.Header.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
		default:
			t.Fatalf("wrong token: %d", resp.StatusCode)
		}
	}
	if limited < 3 {
		t.Fatalf("only %d of 10 sign-in attempts were limited", limited)
	}
}

// TestCrossSiteRequestsAreRefused: a state-changing POST that a browser
// marks as cross-site, or whose Origin is another host, is refused with
// 403 and acts on nothing; the API (bearer tokens, no cookies) is not
// affected.
func TestCrossSiteRequestsAreRefused(t *testing.T) {
	srv, svc := plainSite(t)
	li, err := svc.NewLicence(context.Background(), rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 2, Expires: codec.NoExpiry})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range [][2]string{{"Sec-Fetch-Site", "cross-site"}, {"Sec-Fetch-Site", "same-site"}, {"Origin", "http://evil.example"}} {
		req, _ := http.NewRequest("POST", srv.URL+"/activate", strings.NewReader(url.Values{"licence": {li.Display}, "request": {"19DSX-5JRR5-00000-0000E"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(h[0], h[1])
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %s: %d", h[0], h[1], resp.StatusCode)
		}
	}
	if got, _ := svc.Licence(context.Background(), li.Display); got.InUse != 0 {
		t.Fatal("a cross-site POST issued a code")
	}
	// The same request from the site itself goes through.
	req, _ := http.NewRequest("POST", srv.URL+"/activate", strings.NewReader(url.Values{"licence": {li.Display}, "request": {"19DSX-5JRR5-00000-0000E"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("same-origin POST: %d", resp.StatusCode)
	}
	// Unknown API paths stay the API's problems, not pages.
	if r, _ := get(t, srv.Client(), srv.URL+"/api/nothing"); r.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("/api/nothing: %s", r.Header.Get("Content-Type"))
	}
}

// TestReadingAid: each group of a code is spelled out with its case.
func TestReadingAid(t *testing.T) {
	got := portal.Spell("aB7-x")
	want := [][]string{{"small a", "capital B", "seven"}, {"small x"}}
	if len(got) != len(want) {
		t.Fatalf("%v", got)
	}
	for i := range want {
		if strings.Join(got[i].Spelled, ",") != strings.Join(want[i], ",") {
			t.Fatalf("group %d: %v", i+1, got[i].Spelled)
		}
	}
}

// TestDeactivationCodeFreesASeat: the deactivation code an offline product
// shows frees its seat from My licence, once.
func TestDeactivationCodeFreesASeat(t *testing.T) {
	srv, svc := plainSite(t)
	ctx := context.Background()
	li, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 1, Expires: codec.NoExpiry})
	if err != nil {
		t.Fatal(err)
	}
	m := codec.MachineUID{Version: codec.UIDVersion}
	m.Slots[codec.SlotNetwork], m.Slots[codec.SlotCPU] = 77, 5
	is, err := svc.Issue(ctx, licensing.IssueRequest{Licence: li.Display, Machine: m.String()})
	if err != nil {
		t.Fatal(err)
	}
	dc, err := codec.DeactivationCode{Product: "umenu", LicenceKey: li.Key, MachineUID: m, Serial: is.Serial, Day: is.Issued}.Text()
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.PostForm(srv.URL+"/licence/sign-in", url.Values{"licence": {li.Display}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for i, want := range []string{"its seat is free", "holds no seat"} {
		resp, err := c.PostForm(srv.URL+"/licence/deactivate", url.Values{"code": {dc}})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), want) {
			t.Fatalf("deactivation code, try %d: %d, want %q in %s", i+1, resp.StatusCode, want, body)
		}
	}
	if got, _ := svc.Licence(ctx, li.Display); got.InUse != 0 {
		t.Fatalf("%d seats in use after the deactivation code", got.InUse)
	}
}

// TestSessionsAreSharedByInstances: two servers over one ledger, as
// behind a load balancer without sticky sessions. A customer and a member
// of staff who sign in on one are signed in on the other; revoking the
// staff member's API token ends their session at once on both; signing
// out on one ends it on the other; a restarted server (a new instance
// over the same ledger) keeps the customer's session. The ledger holds
// the sessions' hashes, never their tokens.
func TestSessionsAreSharedByInstances(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ledger.db")
	instance := func() (*httptest.Server, *signer.Service) { return siteOn(t, path, nil) }
	a, svc := instance()
	b, _ := instance()
	if _, err := svc.AddProduct(ctx, "umenu", "", nil); err != nil {
		t.Fatal(err)
	}
	li, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 2, Expires: codec.NoExpiry})
	if err != nil {
		t.Fatal(err)
	}
	tok, tokenText, err := svc.NewToken(ctx, rand.Reader, "staff", licensing.ScopeRead, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	client := func() *http.Client {
		jar, _ := cookiejar.New(nil)
		return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	// The jar keys cookies by host: both servers are on 127.0.0.1.
	signIn := func(c *http.Client, srv *httptest.Server, path string, form url.Values) {
		t.Helper()
		resp, err := c.PostForm(srv.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign-in at %s: %d", path, resp.StatusCode)
		}
	}
	signedIn := func(c *http.Client, srv *httptest.Server, path, page string) bool {
		t.Helper()
		r, body := get(t, c, srv.URL+path)
		switch {
		case r.StatusCode == 200 && strings.Contains(body, `data-page="`+page+`"`):
			return true
		case r.StatusCode == http.StatusSeeOther && strings.HasSuffix(r.Header.Get("Location"), "/sign-in"):
			return false
		}
		t.Fatalf("%s: %d %s", path, r.StatusCode, body)
		return false
	}

	staff, customer := client(), client()
	signIn(staff, a, "/admin/sign-in", url.Values{"token": {tokenText}})
	signIn(customer, a, "/licence/sign-in", url.Values{"licence": {li.Display}})
	if !signedIn(staff, b, "/admin", "dashboard") || !signedIn(customer, b, "/licence", "licence") {
		t.Fatal("a session started on one instance is not known to the other")
	}
	// The ledger has the hash of each cookie's token, not the token.
	for _, c := range []*http.Client{staff, customer} {
		u, _ := url.Parse(a.URL)
		for _, ck := range c.Jar.Cookies(u) {
			if strings.Contains(dump(t, path), ck.Value) {
				t.Fatal("a session token is stored in the ledger")
			}
		}
	}
	// A restarted instance keeps the sessions.
	c2, _ := instance()
	if !signedIn(customer, c2, "/licence", "licence") {
		t.Fatal("a new instance does not know the customer's session")
	}
	// Revoking the API token ends the staff session everywhere, at once.
	if err := svc.RevokeToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	if signedIn(staff, a, "/admin", "dashboard") || signedIn(staff, b, "/admin", "dashboard") {
		t.Fatal("a staff session outlived its revoked API token")
	}
	u, _ := url.Parse(a.URL)
	cookie := func() *http.Cookie {
		for _, ck := range customer.Jar.Cookies(u) {
			if ck.Name == "actkit_session" {
				return ck
			}
		}
		t.Fatal("no session cookie")
		return nil
	}
	replayed := func(ck *http.Cookie) bool {
		c := client()
		c.Jar.SetCookies(u, []*http.Cookie{ck})
		return signedIn(c, a, "/licence", "licence")
	}
	// Signing in again ends the session the browser held before.
	first := cookie()
	signIn(customer, b, "/licence/sign-in", url.Values{"licence": {li.Display}})
	if second := cookie(); second.Value == first.Value || replayed(first) || !replayed(second) {
		t.Fatal("signing in again left the earlier session live")
	}
	// Signing out on one instance ends the session on the other: the old
	// cookie, sent again, is no session.
	old := cookie()
	resp, err := customer.PostForm(b.URL+"/sign-out", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if replayed(old) {
		t.Fatal("a session signed out on one instance still works on the other")
	}
}

// dump is everything the SQLite ledger at path holds on disk (the
// database and its write-ahead log), as text.
func dump(t *testing.T, path string) string {
	t.Helper()
	var all []byte
	for _, p := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return string(all)
}
