package codec

import (
	"errors"
	"testing"
)

// deactivationVectors are pinned deactivation codes: the text a product
// of this version shows, and the fields a vendor of any version must read
// from it (docs/format.md section 12).
var deactivationVectors = []struct {
	name string
	text string
	want DeactivationCode
}{
	{"typical: serial 4242, given up on 2026-11-23",
		"JsEyooYBFLj-B7RjQSqgQSZ-EJjG4EM4u4B-DEbRBEZv6gS-vHtdrMMJ2qX-xWR8iGazKTb-vZud6oTDJ4u-GNVXTBNQhuj-96nckBV",
		DeactivationCode{Product: "umenu", LicenceKey: "UMENU7KQ2XM4RTA9VWCEH3NPM", MachineUID: sampleUID(), Serial: 4242, Day: 1057}},
	{"smallest: serial 1, day 0",
		"53mraG5Lzdf-4ehwvLuGGjA-RK4gfLnnHns-8krwR4yrBo7-euK3Tb4h7JV-tYb1qmmQQfe-j3UL48MSScQ-dZWaBHXYq7f-zi2867",
		DeactivationCode{Product: "umenu", LicenceKey: "UMENU7KQ2XM4RTA9VWCEH3NPM", MachineUID: sampleUID(), Serial: 1, Day: 0}},
	{"largest: 64-bit serial, last day",
		"gGbYn8FhcVC-rN9ncGW53ab-Ajft4APr5QR-hNhD5BeLwBA-h41HUeL2Qss-9jiHDhBq6ra-ppTFv8v4mjP-zTVZGALLAXW-abhEVzyUSVm-Vh2Sw",
		DeactivationCode{Product: "umenu", LicenceKey: "UMENU7KQ2XM4RTA9VWCEH3NPM", MachineUID: sampleUID(), Serial: 1<<64 - 1, Day: NoExpiry - 1}},
}

// deactivationBody returns the bytes of a deactivation code before its
// checksum, with the fields as given (valid or not), for building invalid
// vectors whose checksum still matches.
func deactivationBody(marker, version byte, product, licence string, uid []byte, serial []byte, day [2]byte) []byte {
	b := []byte{marker, version}
	b = appendField8(b, product)
	b = appendField8(b, licence)
	b = append(b, uid...)
	b = append(b, byte(len(serial)))
	b = append(b, serial...)
	return append(b, day[:]...)
}

func sealed(body []byte) string { return FormatText(append(body, deactivationSum(body)...)) }

// TestDeactivationVectors: every valid vector parses to its fields and
// prints back to its exact text; every bit of its bytes flipped, it fails.
func TestDeactivationVectors(t *testing.T) {
	for _, v := range deactivationVectors {
		got, err := ParseDeactivationCode(v.text)
		if err != nil || got != v.want {
			t.Fatalf("%s: %+v %v", v.name, got, err)
		}
		text, err := v.want.Text()
		if err != nil || text != v.text {
			t.Fatalf("%s: prints as %s (%v)", v.name, text, err)
		}
		raw, err := ParseText(v.text)
		if err != nil {
			t.Fatal(err)
		}
		for i := range raw {
			for bit := range 8 {
				m := append([]byte(nil), raw...)
				m[i] ^= 1 << bit
				if d, err := ParseDeactivationCode(FormatText(m)); err == nil {
					t.Fatalf("%s: byte %d bit %d flipped still parses: %+v", v.name, i, bit, d)
				}
			}
		}
	}
}

// TestDeactivationInvalidVectors: each rule of section 12 refuses with its
// reason, the checksum matching so that the rule itself is what refuses.
func TestDeactivationInvalidVectors(t *testing.T) {
	uid := sampleUID().symbols()
	const lic = "UMENU7KQ2XM4RTA9VWCEH3NPM"
	day := [2]byte{0x04, 0x21}
	good := deactivationBody('D', 1, "umenu", lic, uid[:], []byte{0x10, 0x92}, day)
	if _, err := ParseDeactivationCode(sealed(good)); err != nil {
		t.Fatalf("the control case fails: %v", err)
	}
	badUID := uid
	badUID[3] = 32
	typoUID := uid
	typoUID[uidSymbols-1] ^= 1
	noSlots := make([]byte, uidSymbols)
	noSlots[0] = 1
	noSlots[uidSymbols-1] = gf32Check(noSlots[:uidSymbols-1])
	rc, _ := RequestCode{Product: "umenu", LicenceKey: lic, MachineUID: sampleUID(), ProductVersion: "4.2.17"}.Text()
	for _, c := range []struct {
		reason string
		text   string
		want   error
	}{
		{"empty", "", ErrMalformed},
		{"a typo in a group", mistypeFirst(sealed(good)), ErrTypo},
		{"a request code", rc, ErrMalformed},
		{"an activation code", "f2bkHUHqBHF-WwNgz81FyMW-MHcZCR24Sbq-v8D1fGpn557-GCPpGwSUNQ6-6KotWkURSHT-ENEKNPsLukh-V8GZdZbm7f8-gS2i9oFGoXt-L9MY1shkbe5-Y4sSS", ErrMalformed},
		{"too short", FormatText([]byte{'D', 1, 0, 0}), ErrMalformed},
		{"version 2, checked before the checksum", FormatText(append(deactivationBody('D', 2, "umenu", lic, uid[:], []byte{1}, day), 0, 0, 0, 0)), ErrUnsupportedVersion},
		{"checksum", FormatText(append(append([]byte(nil), good...), 0, 0, 0, 0)), ErrChecksum},
		{"truncated after the licence key", sealed(deactivationBody('D', 1, "umenu", lic, nil, nil, [2]byte{})[:2+1+5+1+len(lic)]), ErrMalformed},
		{"a trailing byte", sealed(append(append([]byte(nil), good...), 0)), ErrMalformed},
		{"a UID value of 32", sealed(deactivationBody('D', 1, "umenu", lic, badUID[:], []byte{1}, day)), ErrMalformed},
		{"an empty serial", sealed(deactivationBody('D', 1, "umenu", lic, uid[:], nil, day)), ErrMalformed},
		{"serial 0 in one byte", sealed(deactivationBody('D', 1, "umenu", lic, uid[:], []byte{0}, day)), ErrMalformed},
		{"a serial with a leading zero byte", sealed(deactivationBody('D', 1, "umenu", lic, uid[:], []byte{0, 1}, day)), ErrMalformed},
		{"a nine-byte serial", sealed(deactivationBody('D', 1, "umenu", lic, uid[:], []byte{1, 0, 0, 0, 0, 0, 0, 0, 0}, day)), ErrMalformed},
		{"day 65535", sealed(deactivationBody('D', 1, "umenu", lic, uid[:], []byte{1}, [2]byte{0xff, 0xff})), ErrMalformed},
		{"a product ID with a capital", sealed(deactivationBody('D', 1, "Umenu", lic, uid[:], []byte{1}, day)), ErrInvalidBinding},
		{"a licence key not in normal form", sealed(deactivationBody('D', 1, "umenu", "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM", uid[:], []byte{1}, day)), ErrMalformed},
		{"a licence key with a wrong check symbol", sealed(deactivationBody('D', 1, "umenu", lic[:len(lic)-1]+"N", uid[:], []byte{1}, day)), ErrMalformed},
		{"a UID with a wrong check symbol", sealed(deactivationBody('D', 1, "umenu", lic, typoUID[:], []byte{1}, day)), ErrTypo},
		{"a UID with no component", sealed(deactivationBody('D', 1, "umenu", lic, noSlots, []byte{1}, day)), ErrMalformed},
	} {
		d, err := ParseDeactivationCode(c.text)
		var ce *Error
		if !errors.Is(err, c.want) || !errors.As(err, &ce) {
			t.Errorf("%s: %+v %v, want %v", c.reason, d, err, c.want)
		}
	}
}

// mistypeFirst changes the first symbol of a grouped text.
func mistypeFirst(s string) string {
	b := []byte(s)
	if b[0] == 'k' {
		b[0] = 'h'
	} else {
		b[0] = 'k'
	}
	return string(b)
}
