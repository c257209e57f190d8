package main

import (
	"fmt"
	"strings"
	"unicode"
)

// printable makes text from a customer or a file safe to print on a
// terminal: control characters (escape sequences that move the cursor,
// retitle the window or hide text), DEL and bidirectional overrides are
// shown escaped instead of being interpreted. JSON output needs none of
// this: the encoder escapes control characters itself.
func printable(s string) string {
	if strings.IndexFunc(s, unsafeRune) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case !unsafeRune(r):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == unicode.ReplacementChar
}
