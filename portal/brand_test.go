package portal_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/actkit/actkit/portal"
)

// TestCheckBrand: a name of one short line, defaulted; a logo that is a
// PNG, JPEG or SVG of at most MaxLogoSize, or a typed error.
func TestCheckBrand(t *testing.T) {
	svg := []byte("<?xml version=\"1.0\"?>\n<!-- logo -->\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>")
	for _, c := range []struct {
		name     string
		b        portal.Brand
		wantType string
		ok       bool
	}{
		{"empty: the default name", portal.Brand{}, "", true},
		{"SVG", portal.Brand{Name: "Umenu", Logo: svg}, "image/svg+xml", true},
		{"PNG", portal.Brand{Name: "Umenu", Logo: []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR")}, "image/png", true},
		{"GIF", portal.Brand{Logo: []byte("GIF89a....")}, "", false},
		{"HTML", portal.Brand{Logo: []byte("<html><script>alert(1)</script>")}, "", false},
		{"too large", portal.Brand{Logo: append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, portal.MaxLogoSize)...)}, "", false},
		{"two lines", portal.Brand{Name: "Umenu\nGmbH"}, "", false},
		{"too long", portal.Brand{Name: strings.Repeat("x", 61)}, "", false},
	} {
		b, typ, err := portal.CheckBrand(c.b)
		if c.ok != (err == nil) || typ != c.wantType || (err != nil && !errors.Is(err, portal.ErrBrand)) {
			t.Errorf("%s: type %q, %v", c.name, typ, err)
		}
		if c.ok && c.b.Name == "" && b.Name != "Licensing" {
			t.Errorf("%s: name %q", c.name, b.Name)
		}
	}
}

// TestSVGLogoIsSandboxed: an SVG logo opened on its own could run script
// in the site's origin; it is served sandboxed, loading nothing.
func TestSVGLogoIsSandboxed(t *testing.T) {
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>`)
	site := newSiteWith(t, func(c *portal.Config) { c.Brand = portal.Brand{Name: "Umenu", Logo: svg} })
	resp, err := http.Get(site.url + "/brand/logo")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	csp := resp.Header.Get("Content-Security-Policy")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" || !bytes.Equal(body, svg) ||
		!strings.Contains(csp, "sandbox") || !strings.Contains(csp, "default-src 'none'") {
		t.Fatalf("%d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), csp)
	}
	none := newSite(t)
	if resp, err := http.Get(none.url + "/brand/logo"); err != nil || resp.StatusCode != 404 {
		t.Fatalf("no logo configured: %v %v", resp.StatusCode, err)
	}
}
