package ratelimit

import (
	"net"
	"net/http"
	"net/netip"
)

// ClientAddr is a request's client address: the connection's peer, or,
// when the peer is a trusted proxy, the right-most address of
// X-Forwarded-For that is not one (the left-most entries are the client's
// own word and could be anything).
func ClientAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	peer = peer.Unmap()
	if !isTrusted(trusted, peer) {
		return peer
	}
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		parts := splitComma(hops[i])
		for j := len(parts) - 1; j >= 0; j-- {
			a, err := netip.ParseAddr(parts[j])
			if err != nil {
				return peer
			}
			if a = a.Unmap(); !isTrusted(trusted, a) {
				return a
			}
		}
	}
	return peer
}

func isTrusted(trusted []netip.Prefix, a netip.Addr) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			part := s[start:i]
			for len(part) > 0 && part[0] == ' ' {
				part = part[1:]
			}
			for len(part) > 0 && part[len(part)-1] == ' ' {
				part = part[:len(part)-1]
			}
			if part != "" {
				out = append(out, part)
			}
			start = i + 1
		}
	}
	return out
}

// Key is the rate-limit key of a client address: an IPv4 address itself,
// an IPv6 address's /64. A single IPv6 host is routinely given a whole /64
// (SLAAC, privacy addresses) and can pick a fresh address for every
// request from it, so keying on the full address would give one client
// 2^64 buckets.
func Key(a netip.Addr) string {
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.WithZone("").Prefix(64)
		return p.String()
	}
	return a.String()
}
