package main

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServeDebugListener runs the real binary with --debug-listen on
// 127.0.0.1: pprof and the counters answer there over HTTP (requests by
// status and problem code, ledger latency), not on the API's port; without
// the flag nothing listens; a non-loopback address is refused before the
// server starts.
func TestServeDebugListener(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs a server")
	}
	v := newVendor(t, actkitBinary(t), "")
	v.run("keys", "new", "--product", "umenu")
	v.run("product", "add", "umenu")
	lic := v.run("licence", "new", "--product", "umenu", "--seats", "2")
	url, _, logs := v.serve("--debug-listen", "127.0.0.1:0")
	var debug string
	for deadline := time.Now().Add(10 * time.Second); debug == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := regexp.MustCompile(`debug listener \(pprof, counters\) on (http://127\.0\.0\.1:\d+)/debug/`).FindStringSubmatch(logs.String()); m != nil {
			debug = m[1]
		}
	}
	if debug == "" {
		t.Fatalf("no debug listener announced: %s", logs)
	}
	if r := call(t, "POST", url+"/api/licence/activate", lic, `{"machineId":"3f2504e0-4f89-11d3-9a0c-0305e82c3301"}`); r.status != 200 {
		t.Fatalf("activate: %d %v", r.status, r.body)
	}
	for range 2 {
		if r := call(t, "GET", url+"/api/licence", "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM", ""); r.status != 404 {
			t.Fatalf("unknown licence: %d %v", r.status, r.body)
		}
	}
	get := func(u string) (int, string) {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, metrics := get(debug + "/debug/metrics")
	for _, want := range []string{
		`actkit_requests_total{status="200",code=""} 1`,
		`actkit_requests_total{status="404",code="LICENCE_NOT_FOUND"} 2`,
		`actkit_ledger_seconds_count{op="update"} `,
		`actkit_ledger_seconds_bucket{op="update",le="+Inf"} `,
	} {
		if status != 200 || !strings.Contains(metrics, want) {
			t.Errorf("/debug/metrics (%d) does not say %q:\n%s", status, want, metrics)
		}
	}
	if status, body := get(debug + "/debug/pprof/"); status != 200 || !strings.Contains(body, "goroutine") {
		t.Errorf("/debug/pprof/: %d %.200s", status, body)
	}
	if status, body := get(debug + "/debug/pprof/goroutine?debug=1"); status != 200 || !strings.Contains(body, "goroutine profile") {
		t.Errorf("goroutine profile: %d %.200s", status, body)
	}
	if status, _ := get(url + "/debug/pprof/"); status != 404 {
		t.Errorf("the API's port serves pprof: %d", status)
	}

	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0", "192.0.2.1:6060", "example.com:6060"} {
		cmd := exec.Command(v.bin, "serve", "--listen", "127.0.0.1:0", "--home", filepath.Join(v.dir, "home"), "--identity", v.id, "--allow-root-keys", "--debug-listen", addr)
		cmd.Env = v.env()
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != exitUsage || !strings.Contains(stderr.String(), "loopback address only") ||
			strings.Contains(stderr.String(), "serving the licence API") {
			t.Errorf("--debug-listen %s: %v\n%s", addr, err, stderr.String())
		}
	}
}
