package portal_test

import (
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"
)

var tokenText = regexp.MustCompile(`actk_[0-9a-f]{12}_[1-9A-HJ-NP-Za-km-z]+`)

// customer is a browser-like client signed in to My licence: it keeps
// cookies, and reports each answer before any redirect is followed.
type customer struct {
	t   *testing.T
	srv *httptest.Server
	c   *http.Client
}

func signedIn(t *testing.T, srv *httptest.Server, li licensing.Licence) *customer {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(srv.URL+"/licence/sign-in", url.Values{"licence": {li.Display}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	return &customer{t: t, srv: srv, c: c}
}

// post sends the tokens form with headers h (name, value, ...).
func (u *customer) post(v url.Values, h ...string) (*http.Response, string) {
	u.t.Helper()
	req, _ := http.NewRequest("POST", u.srv.URL+"/licence/tokens", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(h); i += 2 {
		req.Header.Set(h[i], h[i+1])
	}
	resp, err := u.c.Do(req)
	if err != nil {
		u.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// follow GETs the page a POST redirected to.
func (u *customer) follow(resp *http.Response) (*http.Response, string) {
	u.t.Helper()
	if resp.StatusCode != http.StatusSeeOther {
		u.t.Fatalf("no redirect: %d", resp.StatusCode)
	}
	return get(u.t, u.c, u.srv.URL+resp.Header.Get("Location"))
}

func licenceFor(t *testing.T, svc *signer.Service) licensing.Licence {
	t.Helper()
	li, err := svc.NewLicence(context.Background(), rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 1, Expires: codec.NoExpiry})
	if err != nil {
		t.Fatal(err)
	}
	return li
}

// TestLicenceTokens: on My licence the customer makes an API token; the
// POST answers with a redirect that carries no part of it, the page it
// leads to shows it once, and reloading that page shows only its ID and
// name and makes no other. The service accepts it for that licence only;
// its lifetime is 1825 days unless said, and at most that; the customer
// revokes it, but not another licence's.
func TestLicenceTokens(t *testing.T) {
	srv, svc := plainSite(t)
	ctx := context.Background()
	li := licenceFor(t, svc)
	u := signedIn(t, srv, li)
	resp, body := u.post(url.Values{"action": {"new"}, "name": {"Excel add-in"}})
	if resp.StatusCode != http.StatusSeeOther || tokenText.MatchString(body+resp.Header.Get("Location")) {
		t.Fatalf("the POST's answer: %d %q %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	for _, c := range resp.Cookies() {
		if strings.Contains(c.Value, "actk_") {
			t.Fatalf("the token in a cookie in the clear: %s", c.Name)
		}
	}
	_, page := u.follow(resp)
	tok := tokenText.FindString(page)
	if tok == "" || strings.Count(page, tok) != 2 || !strings.Contains(page, "shown only this once") { // the text and its copy button's
		t.Fatalf("the page after making a token: %s", page)
	}
	tk, err := svc.CheckClientToken(ctx, tok)
	if err != nil || tk.Subject != li.Key || tk.Scope != licensing.ScopeLicence || tk.Name != "Excel add-in" {
		t.Fatalf("the page's token: %+v %v", tk, err)
	}
	if days := tk.Expires.Sub(tk.Created).Hours() / 24; days != 1825 {
		t.Errorf("default lifetime %v days", days)
	}
	if _, err := svc.Covers(ctx, tk, li.Display); err != nil {
		t.Fatalf("the token does not act for its licence: %v", err)
	}
	// Reloading: the token is not shown again, and none is made.
	for range 2 {
		_, page = get(t, u.c, srv.URL+"/licence?done=token")
		if tokenText.MatchString(page) || !strings.Contains(page, tk.ID) || !strings.Contains(page, "Excel add-in") || !strings.Contains(page, "is not shown again") {
			t.Fatalf("the page reloaded: %s", page)
		}
	}
	if ts, _ := svc.LicenceTokens(ctx, li.Key); len(ts) != 1 {
		t.Fatalf("%d tokens after reloading", len(ts))
	}
	if !strings.Contains(page, tk.Created.UTC().Format("2006-01-02 15:04")) || !strings.Contains(page, "1 of at most 10 are live") {
		t.Errorf("the list lacks the token's date or count: %s", page)
	}
	// A one-time cookie from another session is not opened.
	resp, _ = u.post(url.Values{"action": {"new"}, "days": {"30"}})
	other := signedIn(t, srv, li)
	loc, _ := url.Parse(srv.URL + "/licence")
	moved := false
	for _, c := range u.c.Jar.Cookies(loc) {
		if c.Name == "actkit_new_token" {
			other.c.Jar.SetCookies(loc, []*http.Cookie{c})
			moved = true
		}
	}
	if !moved {
		t.Fatal("no one-time cookie after making a token")
	}
	if _, page := other.follow(resp); tokenText.MatchString(page) {
		t.Fatal("another session's page shows the token")
	}
	if ts, _ := svc.LicenceTokens(ctx, li.Key); len(ts) != 2 || ts[0].Expires.Sub(ts[0].Created) == ts[1].Expires.Sub(ts[1].Created) {
		t.Fatalf("the 30-day token: %+v", ts)
	}
	for _, days := range []string{"0", "1826", "ten"} {
		if resp, body := u.post(url.Values{"action": {"new"}, "days": {days}}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "1 to 1825 days") {
			t.Errorf("%s days: %d", days, resp.StatusCode)
		}
	}
	resp, _ = u.post(url.Values{"action": {"revoke"}, "id": {tk.ID}})
	if _, page := u.follow(resp); !strings.Contains(page, "was revoked") {
		t.Fatalf("revoke: %s", page)
	}
	if _, err := svc.CheckClientToken(ctx, tok); err == nil {
		t.Fatal("a revoked token is accepted")
	}
	// Another licence's token cannot be revoked from this page, and a
	// token's text sent as the ID is not repeated.
	ol := licenceFor(t, svc)
	ot, otext, err := svc.NewClientToken(ctx, rand.Reader, "", licensing.ScopeLicence, ol.Display, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{ot.ID, otext} {
		if resp, body := u.post(url.Values{"action": {"revoke"}, "id": {id}}); resp.StatusCode != http.StatusBadRequest || strings.Contains(body, otext[5:]) {
			t.Errorf("revoking another licence's token: %d", resp.StatusCode)
		}
	}
	if _, err := svc.CheckClientToken(ctx, otext); err != nil {
		t.Errorf("another licence's token was revoked: %v", err)
	}
}

// TestLicenceTokenFormsAreSameOrigin: making or revoking a token from
// another site (Sec-Fetch-Site, or an Origin of another host) is refused
// with 403 and does nothing; the same form from the site goes through.
func TestLicenceTokenFormsAreSameOrigin(t *testing.T) {
	srv, svc := plainSite(t)
	ctx := context.Background()
	li := licenceFor(t, svc)
	u := signedIn(t, srv, li)
	tk, text, err := svc.NewCustomerToken(ctx, rand.Reader, li.Display, "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range [][2]string{{"Sec-Fetch-Site", "cross-site"}, {"Sec-Fetch-Site", "same-site"}, {"Origin", "http://evil.example"}} {
		for _, v := range []url.Values{{"action": {"new"}, "name": {"evil"}}, {"action": {"revoke"}, "id": {tk.ID}}} {
			if resp, body := u.post(v, h[0], h[1]); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "another site") {
				t.Errorf("%s %s, %s: %d", h[0], h[1], v.Get("action"), resp.StatusCode)
			}
		}
	}
	if ts, _ := svc.LicenceTokens(ctx, li.Key); len(ts) != 1 {
		t.Errorf("cross-site posts made tokens: %d", len(ts))
	}
	if _, err := svc.CheckClientToken(ctx, text); err != nil {
		t.Errorf("a cross-site post revoked the token: %v", err)
	}
	if resp, _ := u.post(url.Values{"action": {"new"}}, "Sec-Fetch-Site", "same-origin", "Origin", srv.URL); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("same-origin: %d", resp.StatusCode)
	}
}

// TestLicenceTokenCapOnThePage: the page makes ten live tokens and
// refuses the eleventh with 409 and words, then makes one once another
// is revoked.
func TestLicenceTokenCapOnThePage(t *testing.T) {
	srv, svc := plainSite(t)
	li := licenceFor(t, svc)
	u := signedIn(t, srv, li)
	for i := range licensing.MaxLicenceTokens {
		if resp, _ := u.post(url.Values{"action": {"new"}, "name": {"t" + strconv.Itoa(i)}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("token %d: %d", i+1, resp.StatusCode)
		}
	}
	resp, body := u.post(url.Values{"action": {"new"}, "name": {"one too many"}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "already has 10 live API tokens") || tokenText.MatchString(body) {
		t.Fatalf("the 11th: %d %s", resp.StatusCode, body)
	}
	ts, _ := svc.LicenceTokens(context.Background(), li.Key)
	if len(ts) != licensing.MaxLicenceTokens {
		t.Fatalf("%d tokens", len(ts))
	}
	// The page with its ten tokens keeps TestPagesAreSmall's budget.
	_, page := get(t, u.c, srv.URL+"/licence")
	_, css := get(t, u.c, srv.URL+"/static/style.css")
	_, js := get(t, u.c, srv.URL+"/static/copy.js")
	if total := len(page) + len(css) + len(js); total > 50_000 {
		t.Errorf("My licence with %d tokens: %d bytes with its assets", len(ts), total)
	} else {
		t.Logf("My licence with %d tokens: %d bytes with its assets", len(ts), total)
	}
	if resp, _ := u.post(url.Values{"action": {"revoke"}, "id": {ts[3].ID}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if resp, _ := u.post(url.Values{"action": {"new"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after a revocation: %d", resp.StatusCode)
	}
}

// TestTokensOfASuspendedLicence: a suspended, then a revoked, licence's
// customer signs in and sees its status and its tokens, with no form to
// change them; a form posted anyway is refused with 403 and words, and
// nothing is made or revoked.
func TestTokensOfASuspendedLicence(t *testing.T) {
	srv, svc := plainSite(t)
	ctx := context.Background()
	li := licenceFor(t, svc)
	tk, text, err := svc.NewCustomerToken(ctx, rand.Reader, li.Display, "add-in", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	u := signedIn(t, srv, li)
	for _, st := range []struct {
		change func() error
		status string
		words  string
	}{
		{func() error { _, err := svc.Suspend(ctx, li.Display, "unpaid"); return err }, "suspended", "suspended: its API tokens cannot be made or revoked"},
		{func() error { _, err := svc.Revoke(ctx, li.Display, "fraud"); return err }, "revoked", "revoked: its API tokens cannot be made or revoked"},
	} {
		if err := st.change(); err != nil {
			t.Fatal(err)
		}
		resp, page := get(t, u.c, srv.URL+"/licence")
		if resp.StatusCode != 200 || !strings.Contains(page, `class="status-`+st.status+`"`) || !strings.Contains(page, tk.ID) ||
			strings.Contains(page, `name="action"`) {
			t.Fatalf("%s: the page: %d %s", st.status, resp.StatusCode, page)
		}
		for _, v := range []url.Values{{"action": {"new"}}, {"action": {"revoke"}, "id": {tk.ID}}} {
			if resp, body := u.post(v); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, st.words) {
				t.Errorf("%s, %s: %d %s", st.status, v.Get("action"), resp.StatusCode, body)
			}
		}
		if ts, _ := svc.LicenceTokens(ctx, li.Key); len(ts) != 1 || ts[0].Revoked {
			t.Fatalf("%s: the tokens changed: %+v", st.status, ts)
		}
		if st.status == "suspended" {
			if _, err := svc.CheckClientToken(ctx, text); err != nil {
				t.Fatalf("a refused revocation revoked: %v", err)
			}
		}
	}
}
