package portal

import (
	"encoding/base64"
	"strings"

	qrcode "github.com/skip2/go-qrcode"
)

// Group is one group of a code as the result page shows it: the symbols,
// and the reading aid for dictation, since base58 is case-sensitive.
type Group struct {
	Text    string
	Spelled []string
}

var digitNames = [...]string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}

// spell reads out one symbol: "capital K", "small k", "seven".
func spell(c rune) string {
	switch {
	case c >= '0' && c <= '9':
		return digitNames[c-'0']
	case c >= 'A' && c <= 'Z':
		return "capital " + string(c)
	case c >= 'a' && c <= 'z':
		return "small " + string(c)
	}
	return string(c)
}

// groups splits a code's text at its hyphens and spells every group.
func groups(code string) []Group {
	var out []Group
	for _, g := range strings.Split(code, "-") {
		sp := make([]string, 0, len(g))
		for _, c := range g {
			sp = append(sp, spell(c))
		}
		out = append(out, Group{Text: g, Spelled: sp})
	}
	return out
}

// qrDataURI is a QR code of text as a PNG data URI: the page carries it
// inline, so it needs no second request and no external service.
func qrDataURI(text string) (string, error) {
	png, err := qrcode.Encode(text, qrcode.Medium, 256)
	if err != nil {
		return "", err
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(png), nil
}
