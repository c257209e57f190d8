package codec

import "testing"

// FuzzParseDeactivationCode: an accepted deactivation code prints back to
// the canonical text of its input (one encoding per code), every failure
// is a typed *Error, nothing panics. Seeded from the pinned vectors and
// the committed test vectors' codes; it fails without them.
func FuzzParseDeactivationCode(f *testing.F) {
	codes, _ := vectorInputs(f)
	for _, c := range codes[:min(len(codes), 20)] {
		f.Add(c)
	}
	for _, v := range deactivationVectors {
		f.Add(v.text)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDeactivationCode(s)
		if failed(t, err) {
			return
		}
		text, err := d.Text()
		if err != nil {
			t.Fatalf("accepted code %+v does not print: %v", d, err)
		}
		raw, err := parseGrouped("deactivation code", s, MaxDeactivationSymbols)
		if err != nil || text != FormatText(raw) {
			t.Fatalf("not canonical: %q prints as %q", s, text)
		}
	})
}
