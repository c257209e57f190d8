package server_test

import (
	"fmt"
	"net/http"
	"net/netip"
	"testing"

	"github.com/actkit/actkit/ledger/sqlite"
	"github.com/actkit/actkit/server"
)

// TestIPv6ClientLimitedByItsSlash64: behind a trusted proxy, requests from
// addresses of one IPv6 /64 (which one host may hold all of) share one
// budget; another /64 has its own.
func TestIPv6ClientLimitedByItsSlash64(t *testing.T) {
	f := newAPIFixture(t, sqlite.Options{}, server.Config{Rate: 0.001, Burst: 3,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}, nil)
	get := func(client string) int {
		req, _ := http.NewRequest("GET", f.srv.URL+"/api/admin/audit", nil)
		req.Header.Set("X-Forwarded-For", client)
		resp, err := f.srv.Client().Do(req)
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
		if got := get(fmt.Sprintf("2001:db8:1:2::%x", i)); got != want {
			t.Fatalf("request %d from the /64: %d, want %d", i, got, want)
		}
	}
	if got := get("2001:db8:1:3::1"); got != http.StatusUnauthorized {
		t.Fatalf("another /64: %d, want 401", got)
	}
}
