package codec

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/mr-tron/base58"
)

// Text-form limits. They bound the work done on untrusted input: base58
// decoding is quadratic in the number of symbols, so nothing longer than
// the longest valid code ever reaches it.
const (
	// groupData is the number of data symbols in a full group; each group
	// then carries one check symbol.
	groupData = 10
	// MaxTextLen caps the raw input (symbols, separators, white space)
	// accepted by ParseText, in bytes.
	MaxTextLen = 8 * MaxSymbols
	// MaxSymbols caps the symbols of a code, check symbols included. The
	// longest valid version-1 code has 137.
	MaxSymbols = 160
	// maxGroups is the most groups any grouped text has; positions must
	// stay below 29 for every group to have its own start element.
	maxGroups = (MaxRequestSymbols + groupData) / (groupData + 1)
)

const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// HasGroupedShape reports whether s looks like grouped text (an
// activation, request or deactivation code), whole or damaged in typing:
// two or more groups of letters and digits split by separators (hyphens,
// spaces, line breaks), every group but the last of 9 to 13 (a full
// group of 11, with up to two symbols dropped or doubled). A caller that
// takes either a code or something else (a machine fingerprint) refuses a
// mistyped code with this instead of reading it as the other kind: a
// symbol outside base58 (0, O, I, l), one lost or one doubled keeps the
// shape. GUIDs (groups of 8-4-4-4-12) and separator-free strings do not
// have it.
func HasGroupedShape(s string) bool {
	groups := strings.FieldsFunc(s, func(r rune) bool { return r < 0x80 && isSeparator(byte(r)) })
	if len(groups) < 2 {
		return false
	}
	for i, g := range groups {
		if len(g) > groupData+3 || i < len(groups)-1 && len(g) < groupData-1 {
			return false
		}
		for j := 0; j < len(g); j++ {
			if c := g[j]; !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
				return false
			}
		}
	}
	return true
}

// symbolValue maps an input byte to its base58 value, or -1. Ranges, not
// a search: it runs once per symbol on the verifier's hot path.
func symbolValue(c byte) int {
	switch {
	case c >= '1' && c <= '9':
		return int(c - '1')
	case c >= 'A' && c <= 'H':
		return int(c-'A') + 9
	case c >= 'J' && c <= 'N':
		return int(c-'J') + 17
	case c >= 'P' && c <= 'Z':
		return int(c-'P') + 22
	case c >= 'a' && c <= 'k':
		return int(c-'a') + 33
	case c >= 'm' && c <= 'z':
		return int(c-'m') + 44
	}
	return -1
}

// isSeparator reports the characters that input parsing ignores: people
// paste codes with spaces, hyphens and line breaks.
func isSeparator(c byte) bool {
	return c == ' ' || c == '-' || c == '\t' || c == '\n' || c == '\r'
}

// FormatText renders raw code bytes as the canonical text form: base58,
// split into groups of ten symbols, each followed by its check symbol,
// joined by hyphens.
func FormatText(raw []byte) string {
	data := base58.Encode(raw)
	var b strings.Builder
	b.Grow(len(data) + 2*(len(data)/groupData+1))
	vals := make([]uint8, 0, groupData)
	for pos, start := 1, 0; start < len(data); pos, start = pos+1, start+groupData {
		end := min(start+groupData, len(data))
		last := end == len(data)
		if start > 0 {
			b.WriteByte('-')
		}
		vals = vals[:0]
		for i := start; i < end; i++ {
			vals = append(vals, uint8(symbolValue(data[i])))
			b.WriteByte(data[i])
		}
		b.WriteByte(alphabet[checkValue(pos, last, vals)])
	}
	return b.String()
}

// symbols holds the code's symbols with separators removed, and their
// values. It is sized for the longest grouped text (a request code).
type symbols struct {
	buf  [MaxRequestSymbols]byte
	vals [MaxRequestSymbols]uint8
	n    int
}

// collectSymbols strips separators and validates every character, reporting
// the 1-based character position of the first bad one.
func collectSymbols(what, s string, out *symbols, maxSymbols int) error {
	if len(s) > 8*maxSymbols {
		return malformed(what, "input is too long")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		v := symbolValue(c)
		if v < 0 {
			if isSeparator(c) {
				continue
			}
			// Positions count characters, as the user sees them
			// (an invalid UTF-8 byte counts as one).
			return malformedAt(what, utf8.RuneCountInString(s[:i])+1, badCharDetail(c))
		}
		if out.n == maxSymbols {
			return malformed(what, "too many symbols")
		}
		out.buf[out.n] = c
		out.vals[out.n] = uint8(v)
		out.n++
	}
	if out.n == 0 {
		return malformed(what, "no symbols: the code is empty")
	}
	return nil
}

func badCharDetail(c byte) string {
	switch c {
	case '0', 'O':
		return "codes never contain 0 or O (zero or capital o); check for a lowercase o"
	case 'I', 'l':
		return "codes never contain I or l (capital i or lowercase L); check for a 1 or lowercase i"
	}
	if c >= 0x80 {
		return "only the ASCII letters and digits of the code are allowed"
	}
	if c < 0x20 || c == 0x7f {
		return "control characters are not allowed"
	}
	return "character " + quoteByte(c) + " is not used in codes"
}

func quoteByte(c byte) string { return "'" + string(rune(c)) + "'" }

// splitGroups validates the group structure and every check symbol. It
// returns the data symbols (check symbols removed) in dst.
func splitGroups(what string, sym *symbols, dst *symbols) error {
	n := sym.n
	numGroups := (n + groupData) / (groupData + 1)
	last := n - (numGroups-1)*(groupData+1)
	if last < 2 {
		// A single trailing symbol cannot be a group: one is missing or
		// one was added.
		return malformed(what, "the last group is incomplete: a symbol is missing or one too many was typed")
	}
	var bad []int
	wrongEnd := 0
	for g := 0; g < numGroups; g++ {
		start := g * (groupData + 1)
		end := min(start+groupData+1, n)
		dst.n += copy(dst.buf[dst.n:], sym.buf[start:end-1])
		vals := sym.vals[start:end]
		if !groupValid(g+1, g == numGroups-1, vals) {
			bad = append(bad, g+1)
			// Remember whether the failing group would be valid as the
			// other kind (last or not): that is a length problem, not
			// a typo.
			if groupValid(g+1, g != numGroups-1, vals) {
				wrongEnd = g + 1
			}
		}
	}
	if bad == nil {
		return nil
	}
	// A failing group that would be valid as the other kind is either a
	// typo or a length problem; without the signature the two cannot be
	// told apart, so the error stays a typo and says both.
	detail := ""
	switch {
	case len(bad) == 1 && wrongEnd == numGroups:
		detail = "or the code is incomplete: whole groups may be missing at the end"
	case wrongEnd > 0 && wrongEnd < numGroups && bad[0] == wrongEnd:
		detail = fmt.Sprintf("or the code ends with group %d and what follows was added", wrongEnd)
	}
	return &Error{Err: ErrTypo, What: what, Groups: bad, NumGroups: numGroups, Detail: detail}
}

// ParseText validates the text form of a code and returns its raw bytes.
// Spaces, hyphens, tabs and line breaks are ignored anywhere; any other
// character outside the base58 alphabet is ErrMalformed with its position;
// a failed check symbol is ErrTypo naming the groups.
func ParseText(s string) ([]byte, error) {
	return parseGrouped("activation code", s, MaxSymbols)
}

// parseGrouped parses any grouped base58 text of at most maxSymbols.
func parseGrouped(what, s string, maxSymbols int) ([]byte, error) {
	var sym, data symbols
	if err := collectSymbols(what, s, &sym, maxSymbols); err != nil {
		return nil, err
	}
	if err := splitGroups(what, &sym, &data); err != nil {
		return nil, err
	}
	// Base58 as used here is a bijection between strings and byte strings
	// (leading '1's are leading zero bytes), so the decoded bytes always
	// re-encode to the same symbols; FuzzParseText checks that.
	raw, err := base58.Decode(string(data.buf[:data.n]))
	if err != nil {
		return nil, malformed(what, "not valid base58")
	}
	return raw, nil
}

// CanonicalText returns the canonical form of a code as typed: symbols
// regrouped with hyphens, separators normalised. It does not check the
// check symbols.
func CanonicalText(s string) (string, error) {
	raw, err := ParseText(s)
	if err != nil {
		return "", err
	}
	return FormatText(raw), nil
}

// Candidate is a possible correction of a single mistyped symbol.
type Candidate struct {
	Text  string // the corrected code, canonical text form
	Group int    // 1-based group that was corrected
	Index int    // 1-based symbol index inside that group
	Given byte   // the symbol at that place as given
	Want  byte   // the symbol the correction puts there
}

// SingleSymbolCorrections returns, for a code whose only defect is one bad
// group, every code obtained by changing one symbol of that group so that
// its check passes. There is at most one such value per position, so the
// list is short (at most eleven); the caller checks each against the
// signature. It returns nil when the code has no typo or more than one bad
// group.
func SingleSymbolCorrections(s string) []Candidate {
	const what = "activation code"
	var sym, data symbols
	if collectSymbols(what, s, &sym, MaxSymbols) != nil {
		return nil
	}
	err := splitGroups(what, &sym, &data)
	e, ok := err.(*Error)
	if !ok || e.Err != ErrTypo || len(e.Groups) != 1 {
		return nil
	}
	g := e.Groups[0]
	start := (g - 1) * (groupData + 1)
	end := min(start+groupData+1, sym.n)
	last := end == sym.n
	var vals [groupData + 1]uint8
	var out []Candidate
	for i := start; i < end; i++ {
		copy(vals[:], sym.vals[start:end])
		orig := vals[i-start]
		for v := uint8(0); v < 58; v++ {
			if v == orig {
				continue
			}
			vals[i-start] = v
			if !groupValid(g, last, vals[:end-start]) {
				continue
			}
			fixed := sym
			fixed.buf[i] = alphabet[v]
			txt, err := CanonicalText(string(fixed.buf[:fixed.n]))
			if err == nil {
				out = append(out, Candidate{Text: txt, Group: g, Index: i - start + 1, Given: sym.buf[i], Want: alphabet[v]})
			}
			break // exactly one value per position completes the group
		}
	}
	return out
}
