package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/actkit/actkit/codec"
)

// checkLicenceKey checks a licence key where the customer types it, so
// that a typo is caught on their machine, not by the vendor a round trip
// later. A licence key has one check symbol for the whole key, so a wrong
// symbol cannot be located; a group of the wrong length or with a symbol
// no key uses can, and is named (groups counted as typed, the prefix
// being group 1).
func checkLicenceKey(typed string) error {
	_, _, err := codec.ParseLicenceKey(typed)
	if err == nil {
		return nil
	}
	retype := "re-type the key exactly as the vendor sent it (letters and digits; hyphens and spaces do not matter)"
	groups := strings.FieldsFunc(typed, func(r rune) bool { return r == '-' || r == ' ' || r == '\t' || r == '\n' || r == '\r' })
	if len(groups) > 1 {
		for i, g := range groups[1:] {
			n := i + 2
			for _, r := range g {
				if !keySymbol(r) {
					return refused(fmt.Errorf("licence key %s: group %d (%s) has %q, which no licence key uses", printable(typed), n, printable(g), r), retype)
				}
			}
			if len(g) != 5 {
				return refused(fmt.Errorf("licence key %s: group %d (%s) has %d symbols; after the prefix every group has 5", printable(typed), n, printable(g), len(g)), retype)
			}
		}
		if len(groups) != 5 {
			return refused(fmt.Errorf("licence key %s: %d groups after the prefix; a licence key is a prefix and 4 groups of 5", printable(typed), len(groups)-1), retype)
		}
	}
	if errors.Is(err, codec.ErrTypo) {
		return refused(fmt.Errorf("licence key %s: its check symbol does not match: a symbol was mistyped", printable(typed)),
			retype+"; the key has one check symbol for all its groups, so the wrong symbol cannot be named")
	}
	var ce *codec.Error
	if errors.As(err, &ce) && ce.Detail != "" {
		return refused(fmt.Errorf("licence key %s: %s", printable(typed), ce.Detail), retype)
	}
	return refused(fmt.Errorf("licence key %s: %w", printable(typed), err), retype)
}

// keySymbol reports whether r can appear after a licence key's prefix:
// the Crockford base32 symbols and the look-alikes read as them (O, I, L).
func keySymbol(r rune) bool {
	switch {
	case r >= '0' && r <= '9':
		return true
	case r >= 'a' && r <= 'z':
		r -= 'a' - 'A'
	}
	return r >= 'A' && r <= 'Z' && r != 'U'
}
