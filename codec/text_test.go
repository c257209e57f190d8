package codec

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func sampleCode(t *testing.T) string {
	t.Helper()
	c := Code{Payload: Payload{KeyID: KeyID{9, 9}, Issued: 1000, Expires: 1365, Seats: 1, Features: 11, Serial: 4242},
		Sig: []byte(strings.Repeat("s", Ed25519SignatureSize))}
	txt, err := c.Text()
	if err != nil {
		t.Fatal(err)
	}
	return txt
}

func TestParseTextSeparators(t *testing.T) {
	code := sampleCode(t)
	want, err := ParseText(code)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{
		strings.ReplaceAll(code, "-", ""),
		strings.ReplaceAll(code, "-", " "),
		strings.ReplaceAll(code, "-", "\r\n"),
		"  " + strings.ReplaceAll(code, "-", "\t-") + "\n",
	} {
		got, err := ParseText(in)
		if err != nil || string(got) != string(want) {
			t.Errorf("%q: %v", in, err)
		}
		canon, _ := CanonicalText(in)
		if canon != code {
			t.Errorf("canonical %q, want %q", canon, code)
		}
	}
}

func TestParseTextBadCharacters(t *testing.T) {
	code := sampleCode(t)
	cases := []struct {
		in  string
		pos int
	}{
		{"0" + code[1:], 1},
		{code[:4] + "O" + code[5:], 5},
		{code[:4] + "l" + code[5:], 5},
		{code[:4] + "I" + code[5:], 5},
		{code[:4] + "_" + code[5:], 5},
		{code[:4] + "\x00" + code[5:], 5},
		{"é" + code, 1},
		{"  " + code[:3] + "!", 6},
		{code[:4] + "\xff" + code[5:], 5},
	}
	for _, c := range cases {
		_, err := ParseText(c.in)
		var ce *Error
		if !errors.As(err, &ce) || ce.Err != ErrMalformed || ce.Pos != c.pos {
			t.Errorf("%q: got %v, want malformed at %d", c.in, err, c.pos)
		}
	}
}

func TestParseTextLimits(t *testing.T) {
	for _, in := range []string{"", " - ", strings.Repeat(" ", MaxTextLen+1), strings.Repeat("2", MaxSymbols+1), "2"} {
		if _, err := ParseText(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("%.20q: got %v", in, err)
		}
	}
}

func TestParseTextTypoNamesGroup(t *testing.T) {
	code := sampleCode(t)
	groups := strings.Split(code, "-")
	g := []byte(groups[6])
	if g[2] == 'a' {
		g[2] = 'b'
	} else {
		g[2] = 'a'
	}
	groups[6] = string(g)
	_, err := ParseText(strings.Join(groups, "-"))
	var ce *Error
	if !errors.As(err, &ce) || ce.Err != ErrTypo || len(ce.Groups) != 1 || ce.Groups[0] != 7 || ce.NumGroups != len(groups) {
		t.Fatalf("got %#v", err)
	}
	want := "group 7 of 11 has a typo"
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("message %q lacks %q", err, want)
	}
}

func TestParseTextTruncationHint(t *testing.T) {
	code := sampleCode(t)
	short := code[:strings.LastIndex(code, "-")]
	_, err := ParseText(short)
	if !errors.Is(err, ErrTypo) || !strings.Contains(err.Error(), "incomplete") {
		t.Fatalf("got %v", err)
	}
	// A code whose last group is full, with symbols typed after it.
	raw := []byte(strings.Repeat("x", 20))
	for len(FormatText(raw))%12 != 11 {
		raw = append(raw, 'y')
	}
	full := FormatText(raw)
	n := (len(full) + 1) / 12
	_, err = ParseText(full + "-abcdefghijk")
	if !errors.Is(err, ErrTypo) || !strings.Contains(err.Error(), fmt.Sprintf("ends with group %d", n)) {
		t.Fatalf("got %v", err)
	}
}

func TestSingleSymbolCorrections(t *testing.T) {
	code := sampleCode(t)
	b := []byte(code)
	b[14] = 'z'
	if b[14] == code[14] {
		b[14] = 'y'
	}
	found := false
	for _, c := range SingleSymbolCorrections(string(b)) {
		if c.Group != 2 {
			t.Fatalf("correction in group %d", c.Group)
		}
		if c.Text == code {
			found = true
		}
	}
	if !found {
		t.Fatal("the original code is not among the corrections")
	}
	if SingleSymbolCorrections(code) != nil {
		t.Fatal("corrections offered for a valid code")
	}
}

func TestSymbolValueMatchesAlphabet(t *testing.T) {
	for c := 0; c < 256; c++ {
		want := strings.IndexByte(alphabet, byte(c))
		if got := symbolValue(byte(c)); got != want {
			t.Fatalf("symbolValue(%q) = %d, want %d", byte(c), got, want)
		}
	}
}

// TestHasGroupedShape: request and deactivation codes, whole, with a
// symbol mistyped (also to one outside base58), dropped or doubled, or
// typed with spaces or line breaks, have the grouped shape; machine UIDs,
// GUIDs, hex fingerprints and licence keys do not.
func TestHasGroupedShape(t *testing.T) {
	rc, err := RequestCode{Product: "umenu", LicenceKey: "UMENU7KQ2XM4RTA9VWCEH3NPM", MachineUID: sampleUID(), ProductVersion: "4.2.17"}.Text()
	if err != nil {
		t.Fatal(err)
	}
	dc, err := DeactivationCode{Product: "umenu", LicenceKey: "UMENU7KQ2XM4RTA9VWCEH3NPM", MachineUID: sampleUID(), Serial: 7, Day: 1100}.Text()
	if err != nil {
		t.Fatal(err)
	}
	typo := []byte(rc)
	if typo[3] == 'A' {
		typo[3] = 'B'
	} else {
		typo[3] = 'A'
	}
	for _, s := range []string{rc, dc, string(typo), rc[:len(rc)-1],
		rc[:3] + rc[4:],                    // a symbol dropped
		rc[:3] + rc[3:4] + rc[3:],          // a symbol doubled
		rc[:2] + "0" + rc[3:],              // a symbol outside base58
		strings.ReplaceAll(rc, "-", " "),   // spaces for hyphens
		strings.ReplaceAll(rc, "-", "-\n"), // one group a line
		" " + rc + "\n",
	} {
		if !HasGroupedShape(s) {
			t.Errorf("%q: not grouped", s)
		}
	}
	for _, s := range []string{"", rc[:11], sampleUID().String(), "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM",
		"550e8400-e29b-41d4-a716-446655440000", "3f9a2c4e8b7d6a5f4e3d2c1b0a998877", "DESKTOP-ABC123",
		rc[:10] + "-" + rc[11:13] + "-" + rc[13:], rc + "-x{", "S-1-5-21-3623811015-3361044348-30300820-1013"} {
		if HasGroupedShape(s) {
			t.Errorf("%q: grouped", s)
		}
	}
}
