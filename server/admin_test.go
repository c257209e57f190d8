package server_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/server"
)

// TestAdminAPITokens: the admin API takes API tokens only, by scope;
// tokens are stored as hashes, expire and are revoked at once.
func TestAdminAPITokens(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	svc, _ := clockedService(t, clk, nil, "umenu")
	li, _ := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 2, Expires: codec.NoExpiry, Customer: "ACME Plant 3"})
	srv := httptest.NewServer(server.New(server.Config{Service: svc, Rate: 1e9, Burst: 1 << 30, Now: clk.now}))
	defer srv.Close()

	read, readText, err := svc.NewToken(ctx, rand.Reader, "dashboard", licensing.ScopeRead, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	_, adminText, _ := svc.NewToken(ctx, rand.Reader, "ops", licensing.ScopeAdmin, time.Hour)
	do := func(method, path, token, body string) (int, map[string]any) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	if st, m := do("GET", "/api/admin/licences?q=acme", readText, ""); st != 200 || !strings.Contains(mustJSONs(m), li.Display) {
		t.Fatalf("search: %d %v", st, m)
	}
	if st, m := do("GET", "/api/admin/licences/"+li.Display, readText, ""); st != 200 || m["customer"] != "ACME Plant 3" {
		t.Fatalf("licence: %d %v", st, m)
	}
	// Read scope cannot change; a licence key is not a token; nor is a
	// token with its secret changed.
	for _, c := range []struct{ token string }{{readText}, {li.Display}, {changedLast(adminText)}, {""}} {
		st, m := do("POST", "/api/admin/licences/"+li.Display+"/suspend", c.token, `{"reason":"test"}`)
		if (st != 403 && st != 401) || (m["code"] != "INVALID_TOKEN") {
			t.Fatalf("token %.12q: %d %v", c.token, st, m)
		}
	}
	if st, m := do("POST", "/api/admin/licences/"+li.Display+"/suspend", adminText, `{"reason":"unpaid"}`); st != 200 || m["status"] != "suspended" {
		t.Fatalf("suspend: %d %v", st, m)
	}
	// Paging parameters out of their range are refused, not ignored.
	for _, q := range []string{"since=yesterday", "since=-1", "limit=-1", "limit=abc", "limit=0", "limit=5000"} {
		if st, m := do("GET", "/api/admin/audit?"+q, readText, ""); st != 400 || m["code"] != server.CodeInvalid {
			t.Errorf("audit?%s: %d %v", q, st, m)
		}
	}
	if st, m := do("GET", "/api/admin/audit?since=1&limit=1", readText, ""); st != 200 || len(m["entries"].([]any)) != 1 {
		t.Errorf("audit?since=1&limit=1: %d %v", st, m)
	}
	if st, m := do("GET", "/api/admin/audit?limit=100", readText, ""); st != 200 || !strings.Contains(mustJSONs(m), "licence.suspend") {
		t.Fatalf("audit: %d %v", st, m)
	}
	// Revoked: refused at once. Expired: refused.
	if err := svc.RevokeToken(ctx, read.ID); err != nil {
		t.Fatal(err)
	}
	if st, _ := do("GET", "/api/admin/licences", readText, ""); st != 403 {
		t.Fatalf("revoked token: %d", st)
	}
	clk.advance(2 * time.Hour)
	if st, _ := do("GET", "/api/admin/licences", adminText, ""); st != 403 {
		t.Fatalf("expired token: %d", st)
	}
	// Only the hash is stored.
	ts, _ := svc.Tokens(ctx)
	for _, tok := range ts {
		if strings.Contains(mustJSONs(tok), adminText[5:]) || len(tok.Hash) != 32 {
			t.Fatalf("token stored as %+v", tok)
		}
	}
}

// changedLast returns text with its last character replaced by another
// one of the base58 alphabet: always a different token (one that kept
// its last character, 'x' one time in 58, would be the token itself).
func changedLast(text string) string {
	last := text[len(text)-1]
	other := byte('x')
	if last == other {
		other = 'y'
	}
	return text[:len(text)-1] + string(other)
}

func mustJSONs(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
