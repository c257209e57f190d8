package portal

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Brand is what the pages call the vendor: its name in the header and the
// title of every page, and an optional logo served by the portal itself
// (no external asset, so the pages still need nothing from the internet).
type Brand struct {
	// Name replaces "Licensing"; at most 60 characters.
	Name string
	// Logo is a PNG, JPEG or SVG image of at most MaxLogoSize bytes, or
	// nil for none. CheckBrand says what is wrong with one.
	Logo []byte
}

// MaxLogoSize caps the logo: it is sent with every page view.
const MaxLogoSize = 256 << 10

// ErrBrand is wrapped by every error CheckBrand returns.
var ErrBrand = errors.New("portal: unusable vendor brand")

// CheckBrand returns b with its name trimmed and defaulted, and the
// logo's media type, or an error wrapping ErrBrand.
func CheckBrand(b Brand) (Brand, string, error) {
	b.Name = strings.TrimSpace(b.Name)
	if b.Name == "" {
		b.Name = "Licensing"
	}
	if !utf8.ValidString(b.Name) || utf8.RuneCountInString(b.Name) > 60 || strings.ContainsAny(b.Name, "\r\n\t") {
		return b, "", fmt.Errorf("%w: the vendor name must be one line of at most 60 characters", ErrBrand)
	}
	if b.Logo == nil {
		return b, "", nil
	}
	if len(b.Logo) > MaxLogoSize {
		return b, "", fmt.Errorf("%w: the logo is %d bytes, at most %d", ErrBrand, len(b.Logo), MaxLogoSize)
	}
	switch t := http.DetectContentType(b.Logo); {
	case t == "image/png", t == "image/jpeg":
		return b, t, nil
	case isSVG(b.Logo):
		return b, "image/svg+xml", nil
	default:
		return b, "", fmt.Errorf("%w: the logo is %s; use a PNG, JPEG or SVG image", ErrBrand, t)
	}
}

// isSVG reports an SVG document: its first element, after an optional
// XML declaration and comments, is <svg.
func isSVG(b []byte) bool {
	b = bytes.TrimSpace(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")))
	for {
		switch {
		case bytes.HasPrefix(b, []byte("<?xml")), bytes.HasPrefix(b, []byte("<!--")), bytes.HasPrefix(b, []byte("<!DOCTYPE")):
			end := bytes.IndexByte(b, '>')
			if end < 0 {
				return false
			}
			b = bytes.TrimSpace(b[end+1:])
		default:
			return bytes.HasPrefix(b, []byte("<svg"))
		}
	}
}

// logo serves the vendor's logo. An SVG can hold script: opened on its
// own it would run in this site's origin, so the answer is sandboxed and
// may load nothing (shown through <img>, an SVG never runs script).
func (p *Portal) logo(w http.ResponseWriter, r *http.Request) {
	if p.logoType == "" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", p.logoType)
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	w.Header().Set("Cache-Control", "max-age=3600")
	w.Write(p.cfg.Brand.Logo)
}
