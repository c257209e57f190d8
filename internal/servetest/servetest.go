// Package servetest starts the real 'actkit serve' for tests that drive
// a product against it on 127.0.0.1.
package servetest

import (
	"bufio"
	"io"
	"net"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

var listening = regexp.MustCompile(`serving the licence API on (http://\S+)`)

// Start starts cmd, an 'actkit serve' command, waits until it says where
// it listens and returns that URL and a function that stops it (SIGTERM,
// as an operator would; also registered with t.Cleanup, and safe to call
// twice).
func Start(t testing.TB, cmd *exec.Cmd) (string, func()) {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	url := ""
	var logs strings.Builder
	for sc.Scan() {
		if m := listening.FindStringSubmatch(sc.Text()); m != nil {
			url = m[1]
			break
		}
		logs.WriteString(sc.Text() + "\n")
	}
	if url == "" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("serve did not start: %s", logs.String())
	}
	go func() { _, _ = io.Copy(io.Discard, stderr) }()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			_ = cmd.Process.Signal(syscall.SIGTERM)
			_ = cmd.Wait()
		}
	}
	t.Cleanup(stop)
	return url, stop
}

// ClosedAddress is a loopback URL nobody listens on: the network without
// the licence server.
func ClosedAddress(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}
