package portal_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/ledger/sqlite"
	"github.com/actkit/actkit/portal"
	"github.com/actkit/actkit/server"
	"github.com/actkit/actkit/signer"
)

// TestSignInLimitedByIPv6Slash64: sign-in attempts from addresses of one
// IPv6 /64 (behind a trusted proxy) share one budget, so a host cannot buy
// fresh attempts by changing its interface identifier.
func TestSignInLimitedByIPv6Slash64(t *testing.T) {
	ks := keygen.NewKeyset()
	if _, err := ks.Add(rand.Reader, "umenu", codec.Ed25519, time.Now()); err != nil {
		t.Fatal(err)
	}
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "ledger.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	svc := signer.New(store, ks, signer.Options{})
	pages, err := portal.New(portal.Config{Service: svc, SignInRate: 0.001, SignInBurst: 3,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(server.Config{Service: svc, Pages: pages}))
	t.Cleanup(srv.Close)
	signIn := func(client string) int {
		req, _ := http.NewRequest("POST", srv.URL+"/admin/sign-in", strings.NewReader(url.Values{"token": {"actk_000000000000_" + strings.Repeat("x", 24)}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", client)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := 1; i <= 6; i++ {
		want := http.StatusUnauthorized
		if i > 3 {
			want = http.StatusTooManyRequests
		}
		if got := signIn(fmt.Sprintf("2001:db8:1:2:%x::1", i)); got != want {
			t.Fatalf("attempt %d from the /64: %d, want %d", i, got, want)
		}
	}
	if got := signIn("2001:db8:1:3::1"); got != http.StatusUnauthorized {
		t.Fatalf("another /64: %d, want 401", got)
	}
}
