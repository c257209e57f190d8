package portal_test

import (
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/licensing"
)

// TestLicenceTokens: on My licence the customer makes an API token (shown
// once, then only its ID), which the service accepts for that licence;
// revokes it; and a cross-site form cannot make one.
func TestLicenceTokens(t *testing.T) {
	srv, svc := plainSite(t)
	ctx := context.Background()
	li, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 1, Expires: codec.NoExpiry})
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	post := func(v url.Values, h ...string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL+"/licence/tokens", strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for i := 0; i+1 < len(h); i += 2 {
			req.Header.Set(h[i], h[i+1])
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	resp, err := c.PostForm(srv.URL+"/licence/sign-in", url.Values{"licence": {li.Display}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if st, _ := post(url.Values{"action": {"new"}, "name": {"evil"}, "days": {"30"}}, "Sec-Fetch-Site", "cross-site"); st != http.StatusForbidden {
		t.Fatalf("cross-site token: %d", st)
	}
	st, body := post(url.Values{"action": {"new"}, "name": {"Excel add-in"}, "days": {"30"}})
	tok := regexp.MustCompile(`actk_[0-9a-f]{12}_[1-9A-HJ-NP-Za-km-z]+`).FindString(body)
	if st != 200 || tok == "" || !strings.Contains(body, "shown only this once") {
		t.Fatalf("new token: %d %s", st, body)
	}
	tk, err := svc.CheckClientToken(ctx, tok)
	if err != nil || tk.Subject != li.Key || tk.Scope != licensing.ScopeLicence {
		t.Fatalf("the page's token: %+v %v", tk, err)
	}
	if _, err := svc.Covers(ctx, tk, li.Display); err != nil {
		t.Fatalf("the token does not act for its licence: %v", err)
	}
	// The page lists it afterwards by ID and name only.
	_, page := get(t, c, srv.URL+"/licence")
	if !strings.Contains(page, tk.ID) || !strings.Contains(page, "Excel add-in") || strings.Contains(page, tok) {
		t.Fatalf("licence page after: %s", page)
	}
	if st, body := post(url.Values{"action": {"revoke"}, "id": {tk.ID}}); st != 200 || !strings.Contains(body, "revoked") {
		t.Fatalf("revoke: %d %s", st, body)
	}
	if _, err := svc.CheckClientToken(ctx, tok); err == nil {
		t.Fatal("a revoked token is accepted")
	}
	// Another licence's token cannot be revoked from this page.
	other, _ := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 1, Expires: codec.NoExpiry})
	ot, otext, err := svc.NewClientToken(ctx, rand.Reader, "", licensing.ScopeLicence, other.Display, 24*3600e9)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := post(url.Values{"action": {"revoke"}, "id": {ot.ID}}); st == 200 {
		t.Error("revoked another licence's token")
	}
	if _, err := svc.CheckClientToken(ctx, otext); err != nil {
		t.Errorf("another licence's token was revoked: %v", err)
	}
}
