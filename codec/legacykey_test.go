package codec

import (
	"errors"
	"strings"
	"testing"
)

func TestLicenceKeyBinding(t *testing.T) {
	for _, c := range []struct {
		typed, norm string
		legacy      bool
		err         error
	}{
		// An actkit key binds exactly as NormalizeLicenceKey says.
		{"umenu-7kq2x-m4rta-9vwce-h3npm", "UMENU7KQ2XM4RTA9VWCEH3NPM", false, nil},
		{"UMENU-7KQ2X-M4RTA-9VWCE-H3NPD", "", false, ErrTypo},
		// Anything else of letters and digits binds by its legacy form.
		{"umenu-4r0b-1kq2-m9tu", "UMENU4R0B1KQ2M9TU", true, nil},
		{"UMENU-4ROB-IKQ2-M9TU", "UMENU4R0B1KQ2M9TU", true, nil},
		{"UMENU 4RoB lKQ2\nM9TU", "UMENU4R0B1KQ2M9TU", true, nil},
		{"ACME-U7K2Q-M4RTA-9VWCE-H3NPM", "ACMEU7K2QM4RTA9VWCEH3NPM", true, nil},
		{"a1", "A1", true, nil},
		{strings.Repeat("Z", MaxLicenceLen), strings.Repeat("Z", MaxLicenceLen), true, nil},
		{strings.Repeat("Z", MaxLicenceLen+1), "", false, ErrMalformed},
		{"", "", false, ErrMalformed},
		{"UMENU_4R0B", "", false, ErrMalformed},
		{"ÜMENU-4R0B", "", false, ErrMalformed},
	} {
		norm, legacy, err := LicenceKeyBinding(c.typed)
		if norm != c.norm || legacy != c.legacy || !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
			t.Errorf("%.30q: got %q %v %v, want %q %v %v", c.typed, norm, legacy, err, c.norm, c.legacy, c.err)
		}
		if err == nil {
			// The binding form is its own binding form.
			again, l2, err := LicenceKeyBinding(norm)
			if again != norm || l2 != legacy || err != nil {
				t.Errorf("%q not idempotent: %q %v %v", norm, again, l2, err)
			}
		}
	}
}

func TestKeyPattern(t *testing.T) {
	p, err := ParseKeyPattern("UMENU-XXXX-XXXX-XXXX")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		typed      string
		lookalikes bool
		want       string
	}{
		{"umenu-4r0b-1kq2-m9tu", false, "UMENU-4R0B-1KQ2-M9TU"},
		{" UMENU4R0B1KQ2M9TU\n", false, "UMENU-4R0B-1KQ2-M9TU"},
		{"UMENU 4R0B 1KQ2 M9TU", false, "UMENU-4R0B-1KQ2-M9TU"},
		// Without the vendor's word, O stays O: it may be another key.
		{"UMENU-4ROB-IKQ2-M9TU", false, "UMENU-4ROB-IKQ2-M9TU"},
		{"UMENU-4ROB-IKQ2-M9TU", true, "UMENU-4R0B-1KQ2-M9TU"},
	} {
		got, err := p.Normalize(c.typed, c.lookalikes)
		if err != nil || got != c.want {
			t.Errorf("%q (look-alikes %v): got %q %v, want %q", c.typed, c.lookalikes, got, err, c.want)
		}
		// What the pattern makes of a key binds as the typed key does.
		nb, _, _ := LicenceKeyBinding(got)
		nt, _, _ := LicenceKeyBinding(c.typed)
		if nb != nt {
			t.Errorf("%q: binding %q, typed %q", c.typed, nb, nt)
		}
	}
	for _, bad := range []string{"UMENU-4R0B-1KQ2", "UMENU-4R0B-1KQ2-M9TU-X", "XMENU-4R0B-1KQ2-M9TU", "UMENU-4R0B-1KQ2-M9T_", "UMEN0-4R0B-1KQ2-M9TU"} {
		if got, err := p.Normalize(bad, true); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: %q %v", bad, got, err)
		}
	}
	q, err := ParseKeyPattern(`\X@@-###`)
	if err != nil {
		t.Fatal(err)
	}
	for typed, want := range map[string]string{"xab-123": "XAB-123", "X01-IO2": "", "XAB123": "XAB-123", "YAB-123": "", "XA1-123": ""} {
		got, err := q.Normalize(typed, false)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("%q: got %q %v, want %q", typed, got, err, want)
		}
	}
	if got, err := q.Normalize("X01-IO2", true); got != "XOI-102" || err != nil {
		t.Errorf("look-alikes by place: %q %v", got, err)
	}
	for _, bad := range []string{"", "-XX", "XX-", "X--X", "X_X", `X\`, `\Y`, strings.Repeat("X", MaxLicenceLen+1), "- -"} {
		if _, err := ParseKeyPattern(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("pattern %.20q: %v", bad, err)
		}
	}
}

// FuzzLicenceKeyBinding: an accepted key's binding form is its own
// binding form, and a legacy binding never reads as an actkit key.
func FuzzLicenceKeyBinding(f *testing.F) {
	for _, s := range []string{"umenu-4r0b-1kq2-m9tu", "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM", "a", "ACME-U7K2Q-M4RTA-9VWCE-H3NPM", "O-I-L", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		norm, legacy, err := LicenceKeyBinding(s)
		if err != nil {
			return
		}
		again, l2, err := LicenceKeyBinding(norm)
		if err != nil || again != norm || l2 != legacy {
			t.Fatalf("%q -> %q (%v) -> %q %v %v", s, norm, legacy, again, l2, err)
		}
		if _, aerr := NormalizeLicenceKey(norm); legacy == (aerr == nil) {
			t.Fatalf("%q: legacy %v but actkit parse %v", norm, legacy, aerr)
		}
	})
}

// FuzzKeyPattern: a key a pattern accepts is accepted again in its normal
// form, unchanged.
func FuzzKeyPattern(f *testing.F) {
	for _, s := range [][2]string{{"UMENU-XXXX-XXXX-XXXX", "umenu-4r0b-1kq2-m9tu"}, {`\X@@-###`, "xab-123"}, {"X", "o"}} {
		f.Add(s[0], s[1], true)
	}
	f.Fuzz(func(t *testing.T, pattern, key string, lookalikes bool) {
		p, err := ParseKeyPattern(pattern)
		if err != nil {
			return
		}
		n, err := p.Normalize(key, lookalikes)
		if err != nil {
			return
		}
		again, err := p.Normalize(n, lookalikes)
		if err != nil || again != n {
			t.Fatalf("%q %q -> %q -> %q %v", pattern, key, n, again, err)
		}
	})
}
