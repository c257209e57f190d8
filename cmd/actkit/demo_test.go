package main

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDemo runs 'actkit demo' as a user does, one command with no
// prompts: the offline story and the online one (the licence API started
// on a free loopback port, a product activating itself with the seat
// count shown, validating, deactivating with the seat freed, the server
// stopped), and nothing left behind: the temporary home removed and
// nothing listening on the server's port.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole demo")
	}
	var out, errb bytes.Buffer
	if code := run([]string{"actkit", "demo"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	text := out.String()
	for _, want := range []string{
		"valid activation code",
		"seat-limit: licence DEMOAPP-",
		"$ actkit serve --listen 127.0.0.1:0 --home ",
		"activates itself online\nproduct: activated (never expires",
		"(seats: 1 of 2 in use)",
		"seats     1 in use of 2",
		"scheduled validation asks the server again",
		"product: deactivated: the seat is free",
		"seats     0 in use of 2",
		"Stop the licence server\nstopped",
		"audit trail intact",
		"was removed",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the demo does not show %q", want)
		}
	}
	if t.Failed() {
		t.Fatal(text)
	}
	url := regexp.MustCompile(`serving the licence API on http://(127\.0\.0\.1:\d+)`).FindStringSubmatch(text)
	if url == nil {
		t.Fatal("no server address in the demo")
	}
	if c, err := net.DialTimeout("tcp", url[1], time.Second); err == nil {
		c.Close()
		t.Fatalf("the demo left the licence server running on %s", url[1])
	}
	home := regexp.MustCompile(`the temporary home (\S+) was removed`).FindStringSubmatch(text)
	if home == nil {
		t.Fatal("no temporary home in the demo")
	}
	if _, err := os.Stat(home[1]); !os.IsNotExist(err) {
		t.Fatalf("the temporary home %s is still there: %v", home[1], err)
	}
	// With --home the product's state is kept with the rest.
	kept := filepath.Join(t.TempDir(), "kept")
	out.Reset()
	if code := run([]string{"actkit", "demo", "--home", kept}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("--home: exit %d\n%s", code, errb.String())
	}
	if _, err := os.Stat(filepath.Join(kept, "product-state.json")); err != nil {
		t.Fatalf("--home: %v", err)
	}
}
