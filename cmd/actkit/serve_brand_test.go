package main

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeVendorBrand: serve --vendor-name and --vendor-logo name the
// vendor on the pages and serve the logo; a file that is no image is
// refused at start-up, saying what to give.
func TestServeVendorBrand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs a server")
	}
	v := newVendor(t, actkitBinary(t), "")
	logo := filepath.Join(v.dir, "logo.svg")
	svg := `<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>`
	if err := os.WriteFile(logo, []byte(svg), 0o644); err != nil {
		t.Fatal(err)
	}
	url, _, _ := v.serve("--vendor-name", "Umenu Software GmbH", "--vendor-logo", logo)
	get := func(path string) (*http.Response, string) {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	if _, home := get("/"); !strings.Contains(home, "<title>Umenu Software GmbH</title>") || !strings.Contains(home, `src="/brand/logo"`) || strings.Contains(home, "Licensing") {
		t.Errorf("home page: %s", home)
	}
	if resp, body := get("/brand/logo"); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" || body != svg {
		t.Errorf("logo: %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}

	notImage := filepath.Join(v.dir, "notes.txt")
	os.WriteFile(notImage, []byte("just text"), 0o644)
	cmd := exec.Command(v.bin, "serve", "--listen", "127.0.0.1:0", "--home", filepath.Join(v.dir, "home"), "--identity", v.id, "--vendor-logo", notImage)
	cmd.Env = v.env()
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "use a PNG, JPEG or SVG image") {
		t.Fatalf("a text file as the logo: %v\n%s", err, out)
	}
}
