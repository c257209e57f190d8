package server

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"time"
)

// ErrNotLoopback is returned by ListenDebug for an address other than a
// loopback one: profiles and counters say what the server is doing and
// are never served to a network.
var ErrNotLoopback = errors.New("the debug listener takes a loopback address only (127.0.0.1, ::1 or localhost)")

// ListenDebug binds the debug listener on a loopback address
// ("127.0.0.1:6060", port 0 for any free port): net/http/pprof under
// /debug/pprof/ and m's counters at /debug/metrics. It is off unless
// asked for; an address that is not loopback (":6060", "0.0.0.0:6060", a
// host name other than localhost) is refused before anything listens.
func ListenDebug(addr string, m *Metrics) (*HTTP, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("debug listener %q: %w", addr, err)
	}
	if ip, perr := netip.ParseAddr(host); host != "localhost" && (perr != nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("debug listener %q: %w", addr, ErrNotLoopback)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	mux.Handle("GET /debug/metrics", m)
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		// A CPU profile or trace runs for its seconds parameter (30 by
		// default) before it writes: the write timeout leaves room.
		WriteTimeout:   5 * time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 16 << 10,
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	// localhost could resolve to something else: check what was bound.
	if a, ok := ln.Addr().(*net.TCPAddr); !ok || !a.IP.IsLoopback() {
		ln.Close()
		return nil, fmt.Errorf("debug listener %q bound %s: %w", addr, ln.Addr(), ErrNotLoopback)
	}
	return &HTTP{srv: srv, ln: ln}, nil
}
