package codec

import (
	"fmt"
	"io"
	"strings"
)

// Licence keys: a product prefix, then 20 Crockford base32 symbols in four
// groups of five: 19 random symbols (95 bits from the caller's randomness,
// crypto/rand in production) and a check symbol over GF(32), as machine
// UIDs use. "UMENU-7KQ2X-M4RTA-9VWCE-H3NPD". A mistyped key is reported as
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
// form (prefix and hyphenated groups) and its normalized form (what is
// signed: upper case, no separators, Crockford aliases resolved). A wrong
// check symbol is ErrTypo.
func ParseLicenceKey(s string) (display, normalized string, err error) {
	if len(s) > 4*MaxLicenceLen {
		return "", "", malformed("licence key", "too long")
	}
	var all []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isSeparator(c) {
			continue
		}
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return "", "", malformedAt("licence key", i+1, "only letters, digits and hyphens")
		}
		all = append(all, c)
	}
	if len(all) <= licenceBody {
		return "", "", malformed("licence key", "too short: a licence key is a prefix and four groups of five")
	}
	prefix, body := string(all[:len(all)-licenceBody]), all[len(all)-licenceBody:]
	if len(prefix) > MaxPrefixLen {
		return "", "", malformed("licence key", "too long: a licence key is a prefix and four groups of five")
	}
	var sym [licenceBody]byte
	for i, c := range body {
		v := crockfordValue(c)
		if v < 0 {
			return "", "", malformed("licence key", fmt.Sprintf("%q cannot appear in the last 20 symbols", c))
		}
		sym[i] = byte(v)
	}
	if gf32Check(sym[:licenceBody-1]) != sym[licenceBody-1] {
		return "", "", &Error{Err: ErrTypo, What: "licence key", Detail: "check symbol does not match: did you mistype it?"}
	}
	var d, n strings.Builder
	d.WriteString(prefix)
	n.WriteString(prefix)
	for i, v := range sym {
		if i%5 == 0 {
			d.WriteByte('-')
		}
		d.WriteByte(crockford[v])
		n.WriteByte(crockford[v])
	}
	return d.String(), n.String(), nil
}
