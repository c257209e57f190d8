package testvectors

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"time"

	"github.com/actkit/actkit/codec"
)

// DeactivationCodeOutput is what a valid deactivation code carries
// (deactivation_code_parse_v1).
type DeactivationCodeOutput struct {
	Product    string `json:"product"`
	LicenceKey string `json:"licenceKey"` // normal form
	// MachineUID is the UID's display form (four hyphenated groups).
	MachineUID string `json:"machineUid"`
	// Serial is the given-up activation code's serial: a JSON integer up
	// to 2⁶⁴ − 1, to be read exactly.
	Serial uint64 `json:"serial"`
	// Day is the day the product gave the code up, YYYY-MM-DD (UTC).
	Day string `json:"day"`
}

func deactivationOutput(d codec.DeactivationCode) DeactivationCodeOutput {
	return DeactivationCodeOutput{Product: d.Product, LicenceKey: d.LicenceKey, MachineUID: d.MachineUID.String(),
		Serial: d.Serial, Day: d.Day.String()}
}

// deactivationBytes assembles a deactivation code's bytes before the
// checksum field by field, valid or not.
func deactivationBytes(marker, version byte, product, licence string, uid, serial []byte, day [2]byte) []byte {
	b := []byte{marker, version}
	b = append(b, f8(product)...)
	b = append(b, f8(licence)...)
	b = append(b, uid...)
	b = append(b, byte(len(serial)))
	b = append(b, serial...)
	return append(b, day[:]...)
}

// sealDeactivation appends to body the checksum of format.md section 12
// and returns the text, so that a case breaks one rule and keeps the
// checksum right.
func sealDeactivation(body []byte) string {
	var buf []byte
	buf = codec.AppendField(buf, []byte(codec.LabelDeactivationCode))
	buf = codec.AppendField(buf, body)
	s := sha256.Sum256(buf)
	return codec.FormatText(append(append([]byte(nil), body...), s[:4]...))
}

func deactivationFile() NamedFile {
	f := buildDeactivationCodes()
	return NamedFile{Name: "deactivation_code_parse.json", File: f, NumberOfTests: f.NumberOfTests}
}

func buildDeactivationCodes() ParseFile[DeactivationCodeOutput] {
	b := &pbuilder[DeactivationCodeOutput]{group: ParseGroup[DeactivationCodeOutput]{Type: "DeactivationCodeParse"}, next: new(int)}
	uids := realUIDs()
	long := lookalikeLicence("actkit testvectors v1 licence ABCDEFGHIJ", "ABCDEFGHIJ")
	gaveUp := codec.DayOf(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
	var first string
	for _, c := range []struct {
		name string
		d    codec.DeactivationCode
	}{
		{"typical: serial 4242", codec.DeactivationCode{Product: Product, LicenceKey: LicenceKey, MachineUID: uids[0], Serial: 4242, Day: gaveUp}},
		{"smallest: serial 1, day 0 (2024-01-01)", codec.DeactivationCode{Product: Product, LicenceKey: LicenceKey, MachineUID: uids[1], Serial: 1, Day: 0}},
		{"largest: 64-bit serial, day 65534 (the last)", codec.DeactivationCode{Product: Product, LicenceKey: LicenceKey, MachineUID: uids[2], Serial: 1<<64 - 1, Day: codec.NoExpiry - 1}},
		{"longest fields: 64-character product, 10-character prefix",
			codec.DeactivationCode{Product: strings.Repeat("p", 63) + "9", LicenceKey: long, MachineUID: uids[0], Serial: 70000, Day: gaveUp}},
		{"licence given in lower case with hyphens (the writer normalizes it)",
			codec.DeactivationCode{Product: "acme.plant_hmi-2", LicenceKey: strings.ToLower(LicenceKey), MachineUID: uids[1], Serial: 1 << 32, Day: gaveUp}},
	} {
		txt, err := c.d.Text()
		if err != nil {
			panic(err)
		}
		if first == "" {
			first = txt
		}
		d, err := codec.ParseDeactivationCode(txt)
		if err != nil {
			panic(err)
		}
		out := deactivationOutput(d)
		b.valid(c.name, txt, out)
		b.valid(c.name+", spaces and line breaks instead of hyphens", strings.ReplaceAll(txt, "-", " \r\n"), out)
		b.valid(c.name+", no separators", strings.ReplaceAll(txt, "-", ""), out)
	}
	sym := symbolsOf(first)
	for _, i := range []int{0, 7, 40, len(sym) - 1} {
		b.invalid(fmt.Sprintf("symbol %d changed", i+1), regroup([]byte(changeSymbol(string(sym), i, alphabet))), "typo")
	}
	b.invalid("adjacent symbols swapped", regroup([]byte(swapAdjacent(string(sym), 20))), "typo")
	b.invalid("cut at a group boundary", regroup(sym[:len(sym)/11*11-11]), "typo")

	uidV := uidValues(uids[0].String())
	lic := strings.ReplaceAll(LicenceKey, "-", "")
	day := [2]byte{byte(gaveUp >> 8), byte(gaveUp)}
	ser := []byte{0x10, 0x92} // 4242
	good := func(marker, version byte, product, licence string, uid, serial []byte, day [2]byte) string {
		return sealDeactivation(deactivationBytes(marker, version, product, licence, uid, serial, day))
	}
	out := DeactivationCodeOutput{Product: Product, LicenceKey: lic, MachineUID: uids[0].String(), Serial: 4242, Day: gaveUp.String()}
	b.valid("assembled byte by byte", good('D', 1, Product, lic, uidV, ser, day), out)

	body := deactivationBytes('D', 1, Product, lic, uidV, ser, day)
	b.invalid("checksum wrong", codec.FormatText(append(append([]byte(nil), body...), 1, 2, 3, 4)), "checksum")
	b.invalid("version 2, checksum right", good('D', 2, Product, lic, uidV, ser, day), "unsupported-version")
	b.invalid("version 2, checksum wrong: the version comes first",
		codec.FormatText(append(deactivationBytes('D', 2, Product, lic, uidV, ser, day), 1, 2, 3, 4)), "unsupported-version")
	b.invalid("version 0", good('D', 0, Product, lic, uidV, ser, day), "unsupported-version")
	b.invalid("first byte E", good('E', 1, Product, lic, uidV, ser, day), "malformed")
	b.invalid("five bytes: shorter than marker, version and checksum", codec.FormatText([]byte{'D', 1, 0, 0, 0}), "malformed")
	b.invalid("nothing but marker, version and checksum", sealDeactivation(body[:2]), "malformed")
	b.invalid("product length past the end", sealDeactivation(append([]byte{'D', 1, 200}, Product...)), "malformed")
	b.invalid("truncated after the licence key", sealDeactivation(body[:2+1+len(Product)+1+len(lic)]), "malformed")
	b.invalid("machine UID cut short (19 values)", sealDeactivation(body[:2+1+len(Product)+1+len(lic)+19]), "malformed")
	b.invalid("serial missing", sealDeactivation(body[:2+1+len(Product)+1+len(lic)+20]), "malformed")
	b.invalid("day cut to one byte", sealDeactivation(body[:len(body)-1]), "malformed")
	b.invalid("one trailing byte", sealDeactivation(append(append([]byte(nil), body...), 0)), "malformed")
	badUID := append([]byte(nil), uidV...)
	badUID[7] = 32
	b.invalid("machine UID symbol value 32", good('D', 1, Product, lic, badUID, ser, day), "malformed")
	b.invalid("an empty serial", good('D', 1, Product, lic, uidV, nil, day), "malformed")
	b.invalid("serial 0 in one byte", good('D', 1, Product, lic, uidV, []byte{0}, day), "malformed")
	b.invalid("serial with a leading zero byte", good('D', 1, Product, lic, uidV, []byte{0, 0x10, 0x92}, day), "malformed")
	b.invalid("nine-byte serial", good('D', 1, Product, lic, uidV, []byte{1, 0, 0, 0, 0, 0, 0, 0, 0}, day), "malformed")
	b.invalid("day 0xFFFF (reserved)", good('D', 1, Product, lic, uidV, ser, [2]byte{0xFF, 0xFF}), "malformed")
	b.invalid("product ID in upper case", good('D', 1, "UMENU", lic, uidV, ser, day), "invalid-binding")
	b.invalid("empty product ID", good('D', 1, "", lic, uidV, ser, day), "invalid-binding")
	b.invalid("day 0xFFFF and product ID bad: the fields come first", good('D', 1, "UMENU", lic, uidV, ser, [2]byte{0xFF, 0xFF}), "malformed")
	b.invalid("product ID and licence key both bad: the product is checked first", good('D', 1, "-umenu", "x", uidV, ser, day), "invalid-binding")
	b.invalid("licence key in lower case (not its normal form)", good('D', 1, Product, strings.ToLower(lic), uidV, ser, day), "malformed")
	b.invalid("licence key with hyphens (not its normal form)", good('D', 1, Product, LicenceKey, uidV, ser, day), "malformed")
	b.invalid("licence key with a wrong check symbol", good('D', 1, Product, lic[:len(lic)-1]+"N", uidV, ser, day), "malformed")
	b.invalid("empty licence key", good('D', 1, Product, "", uidV, ser, day), "malformed")
	typoUID := append([]byte(nil), uidV...)
	typoUID[19] = (typoUID[19] + 1) % 32
	b.invalid("machine UID check symbol wrong", good('D', 1, Product, lic, typoUID, ser, day), "typo")
	b.invalid("machine UID version 2, check symbol right",
		good('D', 1, Product, lic, uidValues(completeCheck("2"+strings.ReplaceAll(uids[0].String(), "-", "")[1:19], uidParse)), ser, day), "unsupported-version")
	b.invalid("machine UID with no component", good('D', 1, Product, lic, uidValues(completeCheck("1"+strings.Repeat("0", 18), uidParse)), ser, day), "malformed")
	b.invalid("licence key and machine UID both bad: the licence is checked first", good('D', 1, Product, "x", typoUID, ser, day), "malformed")

	req, err := codec.RequestCode{Product: Product, LicenceKey: LicenceKey, MachineUID: uids[0], ProductVersion: "4.2.17"}.Text()
	if err != nil {
		panic(err)
	}
	b.invalid("a request code (first byte 0x52 'R')", req, "malformed")
	b.invalid("an activation code (first byte 1)", codec.FormatText(append([]byte{1, 0x01, 0xb7, 0xfd, 0x30, 0x00}, make([]byte, 70)...)), "malformed")
	b.invalid("empty", "", "malformed")
	b.invalid("bad character", first[:7]+"0"+first[8:], "malformed")
	b.invalid("301 symbols", strings.Repeat("2", 301), "malformed")
	b.invalid("more than 2400 bytes of input", first+strings.Repeat(" ", 2401-len(first)), "malformed")
	d, _ := codec.ParseDeactivationCode(first)
	b.valid("exactly 2400 bytes of input", first+strings.Repeat(" ", 2400-len(first)), deactivationOutput(d))
	return parseFile("deactivation-code-v1", "deactivation_code_parse_v1",
		[]string{"Each test parses a deactivation code as pasted (codec.ParseDeactivationCode): its fields, or the reason.",
			"Output: product; licenceKey in its normal form; machineUid in its display form XXXXX-XXXXX-XXXXX-XXXXX; serial (an integer up to 2^64-1, read it exactly); day as YYYY-MM-DD."},
		b.group)
}
