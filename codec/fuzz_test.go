package codec

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// vectorInputs reads the codes and keyrings of the committed test vectors,
// the seeds of every fuzz target here. A fuzz target with no seeds fails:
// a missing folder must not silently turn fuzzing into a no-op.
func vectorInputs(f *testing.F) (codes, keyrings []string) {
	f.Helper()
	files, _ := filepath.Glob("../testvectors/*.json")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		var v struct {
			TestGroups []struct {
				Keyring string
				Tests   []struct{ Code string }
			}
		}
		if err := json.Unmarshal(data, &v); err != nil {
			f.Fatal(err)
		}
		for _, g := range v.TestGroups {
			keyrings = append(keyrings, g.Keyring)
			for i, tc := range g.Tests {
				if i < 40 || i%97 == 0 { // every named case, and a sample of the bulk mutations
					codes = append(codes, tc.Code)
				}
			}
		}
	}
	if len(codes) == 0 || len(keyrings) == 0 {
		f.Fatal("no fuzz seeds: ../testvectors/*.json missing")
	}
	return codes, keyrings
}

// failed reports whether err is non-nil, failing the test if it is not a
// typed *Error.
func failed(t *testing.T, err error) bool {
	t.Helper()
	if err == nil {
		return false
	}
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("untyped error %T: %v", err, err)
	}
	return true
}

func stripSeparators(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x80 && isSeparator(byte(r)) {
			return -1
		}
		return r
	}, s)
}

// FuzzParseText: every accepted text decodes to bytes whose canonical text
// has the same symbols; every failure is a typed *Error; nothing panics.
func FuzzParseText(f *testing.F) {
	codes, _ := vectorInputs(f)
	for _, c := range codes {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, s string) {
		raw, err := ParseText(s)
		if failed(t, err) {
			return
		}
		canon := FormatText(raw)
		if stripSeparators(canon) != stripSeparators(s) {
			t.Fatalf("not canonical: %q re-encodes as %q", s, canon)
		}
		again, err := ParseText(canon)
		if err != nil || !bytes.Equal(again, raw) {
			t.Fatalf("canonical text does not round-trip: %v", err)
		}
	})
}

// FuzzDecodeBinary: an accepted payload re-encodes to exactly its bytes.
func FuzzDecodeBinary(f *testing.F) {
	codes, _ := vectorInputs(f)
	for _, c := range codes {
		if raw, err := ParseText(c); err == nil {
			f.Add(raw)
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := DecodeBinary(raw)
		if failed(t, err) {
			return
		}
		back, err := c.AppendBinary(nil)
		if err != nil {
			t.Fatalf("decoded code does not encode: %v", err)
		}
		if !bytes.Equal(back, raw) {
			t.Fatalf("not canonical: %x re-encodes as %x", raw, back)
		}
	})
}

// FuzzParseKeyring: an accepted keyring prints back to text that parses to
// the same keyring.
func FuzzParseKeyring(f *testing.F) {
	_, keyrings := vectorInputs(f)
	signed, _ := testKeyringV2(f)
	for _, k := range append(keyrings, signed.String()) {
		f.Add(k)
	}
	f.Fuzz(func(t *testing.T, s string) {
		kr, err := ParseKeyring(s)
		if failed(t, err) {
			return
		}
		again, err := ParseKeyring(kr.String())
		if err != nil || again.String() != kr.String() {
			t.Fatalf("keyring does not round-trip: %v", err)
		}
	})
}

// entryValues returns the values of every keyword line of the vector
// keyrings and of a signed keyring made here.
func entryValues(f *testing.F, keyword string) []string {
	_, keyrings := vectorInputs(f)
	kr, _ := testKeyringV2(f)
	var out []string
	for _, k := range append(keyrings, kr.String()) {
		for _, line := range strings.Split(k, "\n") {
			if rest, ok := strings.CutPrefix(line, keyword+" "); ok {
				out = append(out, rest)
			}
		}
	}
	return out
}

// FuzzParseKey: an accepted key prints back to the same text.
func FuzzParseKey(f *testing.F) {
	for _, v := range entryValues(f, "key") {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseKey(s)
		if failed(t, err) {
			return
		}
		if k.String() != s {
			t.Fatalf("not canonical: %q prints as %q", s, k.String())
		}
	})
}

// FuzzParseMachineUID: an accepted UID prints canonically and parses back
// to the same UID.
func FuzzParseMachineUID(f *testing.F) {
	f.Add(sampleUID().String())
	f.Add(strings.ToLower(sampleUID().String()))
	f.Add("1ABCD-EFGHJ-KMNPQ-RSTVW")
	f.Add(sampleFingerprintUID().String())
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseMachineUID(s)
		if failed(t, err) {
			return
		}
		again, err := ParseMachineUID(u.String())
		if err != nil || again != u {
			t.Fatalf("UID does not round-trip: %v", err)
		}
	})
}

// FuzzParseRequestCode: an accepted request code re-encodes to the same
// text, canonically.
func FuzzParseRequestCode(f *testing.F) {
	r := RequestCode{Product: "umenu", LicenceKey: "UMENU7KQ2XM4RTA9VWCEH3NPM", MachineUID: sampleUID(), ProductVersion: "4.2.17"}
	txt, err := r.Text()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(txt)
	f.Add(txt[:len(txt)-3])
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRequestCode(s)
		if failed(t, err) {
			return
		}
		back, err := r.Text()
		if err != nil {
			t.Fatalf("parsed request does not encode: %v", err)
		}
		if stripSeparators(back) != stripSeparators(s) {
			t.Fatalf("not canonical: %q re-encodes as %q", s, back)
		}
	})
}

// FuzzNormalFormsAgree: the licence-key and machine-UID parsers that the
// signer uses and the binding normalization that the verifier uses accept
// the same strings and give the same normal form, so that a key the
// vendor accepted never makes a valid code look "for another licence".
func FuzzNormalFormsAgree(f *testing.F) {
	f.Add("UMENU-7KQ2X-M4RTA-9VWCE-H3NPM", "18J8D-22RR5-50W00-0000C")
	f.Add("umenu 7kq2x m4rta 9vwce h3npm", "18j8d22rr550wOO0oooc")
	f.Add("UMENU-7KQ2X-M4RTA-9VWCE-H3NPD", "18J8D-22RR5-50W00-0000D")
	f.Add("X-OOOOO-IIIII-LLLLL-0000O", sampleUID().String())
	f.Add("UMENU-7KQ2", sampleUID().String()) // a legacy key: too short for actkit
	f.Fuzz(func(t *testing.T, lic, uid string) {
		_, norm, perr := ParseLicenceKey(lic)
		nk, nerr := NormalizeLicenceKey(lic)
		u, uerr := ParseMachineUID(uid)
		nb, berr := Binding{Product: "umenu", LicenceKey: lic, MachineUID: uid}.Normalize()
		if (perr == nil) != (nerr == nil) {
			t.Fatalf("ParseLicenceKey %v, NormalizeLicenceKey %v", perr, nerr)
		}
		// A key the actkit parser refuses for anything but a typo still
		// binds in its legacy form (an imported legacy key), flagged by
		// LegacyKey with the parser's refusal.
		legacy, lerr := NormalizeLegacyKey(lic)
		keyBinds := perr == nil || (!errors.Is(perr, ErrTypo) && lerr == nil)
		if (keyBinds && uerr == nil) != (berr == nil) {
			t.Fatalf("parsers say %v (legacy %v) / %v, binding says %v", perr, lerr, uerr, berr)
		}
		if berr != nil {
			if !errors.Is(berr, ErrInvalidBinding) {
				t.Fatalf("binding error %v is not ErrInvalidBinding", berr)
			}
			return
		}
		if perr != nil {
			if nb.LegacyKey() == nil || !errors.Is(nb.LegacyKey(), ErrInvalidBinding) {
				t.Fatalf("licence key %q: the parser refuses it (%v) but the binding does not flag it as legacy (%v)", lic, perr, nb.LegacyKey())
			}
			if string(nb.LicenceKey()) != legacy {
				t.Fatalf("legacy key %q: normalizer %q, binding %q", lic, legacy, nb.LicenceKey())
			}
			return
		}
		if nb.LegacyKey() != nil {
			t.Fatalf("actkit key %q flagged as legacy: %v", lic, nb.LegacyKey())
		}
		if norm != nk || string(nb.LicenceKey()) != norm {
			t.Fatalf("licence key %q: parser %q, normalizer %q, binding %q", lic, norm, nk, nb.LicenceKey())
		}
		if want := strings.ReplaceAll(u.String(), "-", ""); string(nb.MachineUID()) != want {
			t.Fatalf("machine UID %q: parser %q, binding %q", uid, want, nb.MachineUID())
		}
	})
}

// FuzzParseDay: an accepted day prints back as the same text, and its
// JSON form reads back to the same day.
func FuzzParseDay(f *testing.F) {
	for _, s := range []string{"2027-03-01", "2024-01-01", "2203-06-05", "2203-06-06", "2023-12-31", "2027-02-29", "never", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDay(s)
		if failed(t, err) {
			return
		}
		if d.String() != s {
			t.Fatalf("%q parses to %s", s, d)
		}
		text, _ := d.MarshalText()
		var back Day
		if err := back.UnmarshalText(text); err != nil || back != d {
			t.Fatalf("%s does not round-trip through text: %v", d, err)
		}
	})
}

// FuzzParseKeyID: an accepted key ID is four hex digits that print back
// as given, in lower case (people may type them in either case).
func FuzzParseKeyID(f *testing.F) {
	for _, s := range []string{"b7fd", "B7FD", "b7f", "b7fdd", "zzzz", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseKeyID(s)
		if failed(t, err) {
			return
		}
		if id.String() != strings.ToLower(s) {
			t.Fatalf("%q parses to %s", s, id)
		}
	})
}

// FuzzParseCertificate: an accepted certificate re-encodes to exactly the
// text it was parsed from (surrounding white space aside), so no
// certificate has two spellings.
func FuzzParseCertificate(f *testing.F) {
	c, _ := testCert(f)
	f.Add(c.String())
	f.Add(binaryVersion(c.String(), 2))
	for _, v := range entryValues(f, "delegation") {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCertificate(s)
		if failed(t, err) {
			return
		}
		if c.String() != strings.Trim(s, " \t\r\n") {
			t.Fatalf("not canonical: %q prints as %q", s, c.String())
		}
	})
}
