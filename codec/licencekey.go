package codec

import (
	"fmt"
	"io"
	"strings"
)

// Licence keys: a product prefix, then 20 Crockford base32 symbols in four
// groups of five: 19 random symbols (95 bits from the caller's randomness,
// crypto/rand in production) and a check symbol over GF(32), as machine
// UIDs use. "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM". A mistyped key is reported as
// a typo, not as an unknown licence.
const (
	licenceBody     = 20
	MaxPrefixLen    = 10
	licenceRandSyms = licenceBody - 1
)

// ValidatePrefix checks a licence-key prefix: 1 to 10 letters or digits.
func ValidatePrefix(p string) error {
	if p == "" || len(p) > MaxPrefixLen {
		return malformed("licence prefix", "must be 1 to 10 letters or digits")
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return malformedAt("licence prefix", i+1, "only letters and digits")
		}
	}
	return nil
}

// NewLicenceKey draws a new licence key with the given prefix.
func NewLicenceKey(rand io.Reader, prefix string) (string, error) {
	if err := ValidatePrefix(prefix); err != nil {
		return "", err
	}
	var raw [licenceRandSyms]byte
	if _, err := io.ReadFull(rand, raw[:]); err != nil {
		return "", fmt.Errorf("reading randomness: %w", err)
	}
	var sym [licenceBody]byte
	for i, b := range raw {
		sym[i] = b & 31 // 5 uniform bits from each byte
	}
	sym[licenceBody-1] = gf32Check(sym[:licenceBody-1])
	var b strings.Builder
	b.WriteString(strings.ToUpper(prefix))
	for i, v := range sym {
		if i%5 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(crockford[v])
	}
	return b.String(), nil
}

// ParseLicenceKey checks a licence key as typed and returns its display
// form (prefix and hyphenated groups) and its normal form (what is signed:
// see NormalizeLicenceKey). A wrong check symbol is ErrTypo.
func ParseLicenceKey(s string) (display, normalized string, err error) {
	var buf [MaxLicenceLen]byte
	n, prefix, err := appendLicenceKey(buf[:0], s)
	if err != nil {
		return "", "", err
	}
	var d strings.Builder
	d.Write(n[:prefix])
	for i, c := range n[prefix:] {
		if i%5 == 0 {
			d.WriteByte('-')
		}
		d.WriteByte(c)
	}
	return d.String(), string(n), nil
}

// NormalizeLicenceKey returns the one normal form of a licence key, the
// form that is signed, stored and compared: separators (spaces, hyphens,
// tabs, line breaks) removed, ASCII upper case, and the Crockford
// look-alikes of the last 20 symbols resolved (O to 0, I and L to 1). The
// key must be a prefix of 1 to 10 letters or digits and 20 symbols whose
// last is the check symbol of the other 19; a wrong check symbol is
// ErrTypo. The signer, the verifier, request codes and the product side
// all normalize through this one function (docs/format.md, section 9).
func NormalizeLicenceKey(s string) (string, error) {
	var buf [MaxLicenceLen]byte
	n, _, err := appendLicenceKey(buf[:0], s)
	return string(n), err
}

// appendLicenceKey appends the normal form of s to dst and returns it with
// the length of the prefix. It does not allocate when dst has room for
// MaxLicenceLen bytes, so the verifier can call it on every check.
func appendLicenceKey(dst []byte, s string) ([]byte, int, error) {
	if len(s) > 4*MaxLicenceLen {
		return dst, 0, malformed("licence key", "too long")
	}
	start := len(dst)
	for i := 0; i < len(s); i++ {
		c, skip, err := keySymbol(s, i, "licence key")
		if skip {
			continue
		}
		if err != nil {
			return dst[:start], 0, err
		}
		if len(dst)-start == MaxPrefixLen+licenceBody {
			return dst[:start], 0, malformed("licence key", "too long: a licence key is a prefix and four groups of five")
		}
		dst = append(dst, c)
	}
	all := dst[start:]
	if len(all) <= licenceBody {
		return dst[:start], 0, malformed("licence key", "too short: a licence key is a prefix and four groups of five")
	}
	prefix := len(all) - licenceBody
	var sym [licenceBody]byte
	for i, c := range all[prefix:] {
		v := crockfordValue(c)
		if v < 0 {
			return dst[:start], 0, malformed("licence key", fmt.Sprintf("%q cannot appear in the last 20 symbols", c))
		}
		sym[i] = byte(v)
		all[prefix+i] = crockford[v]
	}
	if gf32Check(sym[:licenceBody-1]) != sym[licenceBody-1] {
		return dst[:start], 0, &Error{Err: ErrTypo, What: "licence key", Detail: "check symbol does not match: was it mistyped?"}
	}
	return dst, prefix, nil
}

// keySymbol reads s[i] as licence keys are read: a separator is skipped,
// an ASCII letter upper-cased, and anything but a letter or digit refused
// (what names the input in the error).
func keySymbol(s string, i int, what string) (c byte, skip bool, err error) {
	c = s[i]
	if isSeparator(c) {
		return c, true, nil
	}
	c = upper(c)
	if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
		return c, false, malformedAt(what, i+1, "only letters, digits and hyphens")
	}
	return c, false, nil
}
