package codec

import (
	"errors"
	"fmt"
	"strings"
)

// Legacy licence keys: keys a vendor's customers already hold from
// another licensing system ("UMENU-7K2Q-M4RT-9VWC"), imported with their
// licences. They have no check symbol and no fixed shape, so the product's
// pattern (KeyPattern) says what one looks like; but the verifier that a
// product embeds never sees that pattern, so what a code binds is a
// generic form any verifier can compute from the key as typed
// (NormalizeLegacyKey): docs/format.md sections 4 and 9.2.

// MaxPatternLen caps a key pattern's text; its symbols are capped by
// MaxLicenceLen, the binding's limit.
const MaxPatternLen = 128

// legacyWhat names a legacy licence key in errors.
const legacyWhat = "legacy licence key"

// NormalizeLegacyKey returns the binding form of a licence key that is not
// an actkit key: separators (space, tab, CR, LF, hyphen) removed, ASCII
// upper case, and the look-alikes folded (O to 0, I and L to 1) so that a
// code verifies however the user typed them; 1 to MaxLicenceLen letters
// and digits must remain. It accepts actkit keys too (their binding is
// NormalizeLicenceKey's, see LicenceKeyBinding); callers that must tell
// the two apart use LicenceKeyBinding.
func NormalizeLegacyKey(s string) (string, error) {
	var buf [MaxLicenceLen]byte
	n, err := appendLegacyKey(buf[:0], s)
	return string(n), err
}

// appendLegacyKey appends the legacy binding form of s to dst.
func appendLegacyKey(dst []byte, s string) ([]byte, error) {
	if len(s) > 4*MaxLicenceLen {
		return dst, malformed(legacyWhat, "too long")
	}
	start := len(dst)
	for i := 0; i < len(s); i++ {
		c, skip, err := keySymbol(s, i, legacyWhat)
		if skip {
			continue
		}
		if err != nil {
			return dst[:start], err
		}
		if len(dst)-start == MaxLicenceLen {
			return dst[:start], malformed(legacyWhat, fmt.Sprintf("too long: at most %d letters and digits", MaxLicenceLen))
		}
		dst = append(dst, foldLookalike(c))
	}
	if len(dst) == start {
		return dst, malformed(legacyWhat, "empty")
	}
	return dst, nil
}

// foldLookalike maps the letters people confuse with digits to the digit.
func foldLookalike(c byte) byte {
	switch c {
	case 'O':
		return '0'
	case 'I', 'L':
		return '1'
	}
	return c
}

// LicenceKeyBinding returns the form of a licence key that a code binds
// and the vendor's ledger stores: an actkit key's normal form
// (NormalizeLicenceKey) when s is one; otherwise, unless s reads as an
// actkit key whose check symbol is wrong (a typo, ErrTypo, exactly as
// NormalizeLicenceKey says), its legacy binding form (NormalizeLegacyKey).
// legacy reports which. An actkit key's binding is thus exactly what it
// always was.
func LicenceKeyBinding(s string) (norm string, legacy bool, err error) {
	var buf [MaxLicenceLen]byte
	n, legacyErr, err := appendBindingKey(buf[:0], s)
	return string(n), legacyErr != nil, err
}

// appendBindingKey appends LicenceKeyBinding's form of s to dst. When the
// legacy form was taken, notActkit is why s is not an actkit key (a
// verifier reports it if the code does not verify with the legacy form,
// so that a malformed key is refused as it always was).
func appendBindingKey(dst []byte, s string) (out []byte, notActkit, err error) {
	start := len(dst)
	out, _, err = appendLicenceKey(dst, s)
	if err == nil || errors.Is(err, ErrTypo) {
		return out, nil, err
	}
	legacy, lerr := appendLegacyKey(dst[:start], s)
	if lerr != nil {
		return dst[:start], nil, err
	}
	return legacy, err, nil
}

// KeyPattern is the shape of a product's legacy licence keys, declared by
// the vendor ("UMENU-XXXX-XXXX-XXXX"): in the pattern,
//
//   - X is one letter or digit, # one digit, @ one letter;
//   - a hyphen or a space is a separator, written there in the normal form;
//   - any other letter or digit stands for itself (case does not matter);
//     a backslash makes the next X, # or @ stand for itself ("\X");
//   - nothing else may appear.
//
// A pattern has 1 to MaxLicenceLen symbols and MaxPatternLen characters.
type KeyPattern struct {
	text  string
	slots []keySlot
}

// keySlot is one symbol of a pattern, or a separator.
type keySlot struct {
	class byte // 'X', '#', '@', 'L' (literal) or 'S' (separator)
	c     byte // the literal or the separator
}

// ParseKeyPattern parses a legacy key pattern.
func ParseKeyPattern(s string) (KeyPattern, error) {
	const what = "legacy key pattern"
	if s == "" || len(s) > MaxPatternLen {
		return KeyPattern{}, malformed(what, fmt.Sprintf("must be 1 to %d characters", MaxPatternLen))
	}
	p := KeyPattern{text: s}
	symbols := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 == len(s) || !strings.ContainsRune("X#@x", rune(s[i+1])) {
				return KeyPattern{}, malformedAt(what, i+1, `a backslash must be followed by X, # or @`)
			}
			i++
			p.slots = append(p.slots, keySlot{class: 'L', c: upper(s[i])})
			symbols++
		case c == 'X' || c == 'x' || c == '#' || c == '@':
			p.slots = append(p.slots, keySlot{class: upper(c)})
			symbols++
		case c == '-' || c == ' ':
			if i == 0 || i == len(s)-1 || p.slots[len(p.slots)-1].class == 'S' {
				return KeyPattern{}, malformedAt(what, i+1, "a separator must stand between symbols")
			}
			p.slots = append(p.slots, keySlot{class: 'S', c: c})
		case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			p.slots = append(p.slots, keySlot{class: 'L', c: upper(c)})
			symbols++
		default:
			return KeyPattern{}, malformedAt(what, i+1, "use X, #, @, letters, digits, hyphens and spaces")
		}
	}
	if symbols > MaxLicenceLen {
		return KeyPattern{}, malformed(what, fmt.Sprintf("at most %d symbols", MaxLicenceLen))
	}
	if symbols == 0 {
		return KeyPattern{}, malformed(what, "no symbols")
	}
	return p, nil
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

// String returns the pattern as declared.
func (p KeyPattern) String() string { return p.text }

// IsZero reports a product without a legacy key pattern.
func (p KeyPattern) IsZero() bool { return p.text == "" }

// Normalize returns the normal form of a legacy key typed as s: trimmed
// of separators (space, tab, CR, LF, hyphen), ASCII upper case, each
// symbol checked against its place in the pattern and the pattern's
// separators written between them. With lookalikes, a look-alike is read
// as what its place allows (O as 0 where a digit must be, 0 as O where a
// letter must be, and O, I, L as 0, 1, 1 where either may be, as the
// binding form folds them); without, the key must be typed with the
// symbols it was given, since a legacy key has no check symbol to catch a
// wrong one. A key that does not fit is ErrMalformed.
func (p KeyPattern) Normalize(s string, lookalikes bool) (string, error) {
	if len(s) > 4*MaxLicenceLen {
		return "", malformed(legacyWhat, "too long")
	}
	var b strings.Builder
	slot := 0
	next := func() {
		for slot < len(p.slots) && p.slots[slot].class == 'S' {
			if b.Len() > 0 {
				b.WriteByte(p.slots[slot].c)
			}
			slot++
		}
	}
	for i := 0; i < len(s); i++ {
		c, skip, err := keySymbol(s, i, legacyWhat)
		if skip {
			continue
		}
		if err != nil {
			return "", err
		}
		next()
		if slot == len(p.slots) {
			return "", malformed(legacyWhat, "too long for the pattern "+p.text)
		}
		sl := p.slots[slot]
		got, ok := c, false
		switch sl.class {
		case 'X':
			if lookalikes {
				got = foldLookalike(c)
			}
			ok = true
		case '#':
			if lookalikes {
				got = foldLookalike(c)
			}
			ok = got >= '0' && got <= '9'
		case '@':
			if lookalikes {
				got = unfoldLookalike(c)
			}
			ok = got >= 'A' && got <= 'Z'
		case 'L':
			ok = c == sl.c || lookalikes && foldLookalike(c) == foldLookalike(sl.c)
			got = sl.c
		}
		if !ok {
			return "", malformedAt(legacyWhat, i+1, "does not fit the pattern "+p.text)
		}
		b.WriteByte(got)
		slot++
	}
	for ; slot < len(p.slots); slot++ {
		if p.slots[slot].class != 'S' {
			return "", malformed(legacyWhat, "too short for the pattern "+p.text)
		}
	}
	return b.String(), nil
}

// unfoldLookalike maps the digits people confuse with letters to the
// letter, where only a letter may stand.
func unfoldLookalike(c byte) byte {
	switch c {
	case '0':
		return 'O'
	case '1':
		return 'I'
	}
	return c
}
