package ratelimit_test

import (
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/actkit/actkit/internal/ratelimit"
)

func TestKeyIsTheIPv6Slash64(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7":                  "192.0.2.7",
		"::ffff:192.0.2.7":           "192.0.2.7",
		"2001:db8:1:2:3:4:5:6":       "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff:ffff:0:1": "2001:db8:1:2::/64",
		"fe80::1%eth0":               "fe80::/64",
		"2001:db8:1:3::1":            "2001:db8:1:3::/64",
	} {
		if got := ratelimit.Key(netip.MustParseAddr(in)); got != want {
			t.Errorf("Key(%s) = %s, want %s", in, got, want)
		}
	}
}

// TestOneIPv6ClientOneBucket: addresses of one /64 share one bucket; the
// next /64 has its own.
func TestOneIPv6ClientOneBucket(t *testing.T) {
	now := time.Unix(0, 0)
	l := ratelimit.New(1, 2, func() time.Time { return now })
	allowed := 0
	for i := range 10 {
		a := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 15: byte(i + 1)})
		if ok, _ := l.Allow(ratelimit.Key(a)); ok {
			allowed++
		}
	}
	if allowed != 2 {
		t.Fatalf("%d requests from one /64 allowed at once, want the burst of 2", allowed)
	}
	if ok, _ := l.Allow(ratelimit.Key(netip.MustParseAddr("2001:db8:1:3::1"))); !ok {
		t.Fatal("another /64 was limited")
	}
}

// TestClientAddrBehindTrustedProxy: the right-most address that is not a
// trusted proxy is the client, so what a client writes into
// X-Forwarded-For itself (left of what its proxy appended) is never
// believed.
func TestClientAddrBehindTrustedProxy(t *testing.T) {
	proxy := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for _, c := range []struct {
		peer string
		xff  []string
		want string
	}{
		{"198.51.100.1:4000", []string{"203.0.113.9"}, "198.51.100.1"},                 // not a proxy: header ignored
		{"10.0.0.2:4000", []string{"203.0.113.9"}, "203.0.113.9"},                      // the proxy's word
		{"10.0.0.2:4000", []string{"1.2.3.4, 203.0.113.9"}, "203.0.113.9"},             // the client's own entry ignored
		{"10.0.0.2:4000", []string{"1.2.3.4", "203.0.113.9, 10.0.0.3"}, "203.0.113.9"}, // two proxies, two header lines
		{"[::ffff:10.0.0.2]:4000", []string{"2001:db8::1"}, "2001:db8::1"},             // mapped proxy address
		{"10.0.0.2:4000", []string{"not-an-address, 203.0.113.9"}, "203.0.113.9"},      // right-most first
		{"10.0.0.2:4000", []string{"203.0.113.9, garbage"}, "10.0.0.2"},                // unreadable hop: the peer
	} {
		r, _ := http.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		for _, v := range c.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := ratelimit.ClientAddr(r, proxy); got.String() != c.want {
			t.Errorf("peer %s, X-Forwarded-For %q: %s, want %s", c.peer, c.xff, got, c.want)
		}
	}
}
