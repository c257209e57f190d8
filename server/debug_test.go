package server_test

import (
	"errors"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/actkit/actkit/ledger/sqlite"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/server"
)

// TestDebugListener: over real HTTP on 127.0.0.1, the counters count
// the API's answers by status and problem code and time the ledger's
// transactions, pprof answers, and a non-loopback address is refused.
func TestDebugListener(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0", "10.0.0.1:0", "example.com:0", "127.0.0.1"} {
		if _, err := server.ListenDebug(addr, server.NewMetrics()); err == nil || addr != "127.0.0.1" && !errors.Is(err, server.ErrNotLoopback) {
			t.Errorf("%q: %v", addr, err)
		}
	}
	m := server.NewMetrics()
	f := newAPIFixture(t, sqlite.Options{}, server.Config{Metrics: m}, func(f *apiFixture) {
		f.svc = f.svc.WithStore(m.TimeLedger(f.svc.Store()))
	})
	li := f.licence(t, licensing.LicenceSpec{})
	send(t, f.srv.URL, productCall("activate", li.Display, "machine-fingerprint-1"))
	send(t, f.srv.URL, productCall("activate", li.Display, "machine-fingerprint-2")) // 409
	send(t, f.srv.URL, productCall("validate", li.Display, "machine-fingerprint-1"))
	send(t, f.srv.URL, apiRequest{Method: "GET", Path: "/api/licence"}) // 401

	d, err := server.ListenDebug("127.0.0.1:0", m)
	if err != nil {
		t.Fatal(err)
	}
	go d.Serve()
	defer d.Shutdown(t.Context())
	get := func(path string) (int, string) {
		resp, err := http.Get(d.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, text := get("/debug/metrics")
	for _, want := range []string{
		`actkit_requests_total{status="200",code=""} 2`,
		`actkit_requests_total{status="401",code="UNAUTHORIZED"} 1`,
		`actkit_requests_total{status="409",code="SEAT_LIMIT_EXCEEDED"} 1`,
		`actkit_ledger_errors_total{op="update"} 1`, // the 409's transaction
	} {
		if status != 200 || !strings.Contains(text, want) {
			t.Errorf("metrics (%d) do not say %q:\n%s", status, want, text)
		}
	}
	// Two activations are at least two write transactions (how many
	// more a request takes is the ledger's business), each counted once
	// in the histogram.
	writes := regexp.MustCompile(`actkit_ledger_seconds_count\{op="update"\} (\d+)`).FindStringSubmatch(text)
	if writes == nil {
		t.Fatalf("ledger writes not timed:\n%s", text)
	}
	if n, _ := strconv.Atoi(writes[1]); n < 2 || !strings.Contains(text, `actkit_ledger_seconds_bucket{op="update",le="+Inf"} `+writes[1]+"\n") {
		t.Errorf("%d ledger writes timed:\n%s", n, text)
	}
	if status, body := get("/debug/pprof/heap?debug=1"); status != 200 || !strings.Contains(body, "heap profile") {
		t.Errorf("heap profile: %d %.100s", status, body)
	}
	if status, _ := get("/debug/pprof/cmdline"); status != 200 {
		t.Errorf("cmdline: %d", status)
	}
}
