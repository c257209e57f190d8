// Command golden writes js/test/golden.json: what the Go reference code
// (codec, verify) says about licence keys, machine UIDs, request codes and
// keyrings, for the JavaScript verifier's tests to compare with. The test
// vectors in testvectors/ cover activation codes; these cover the rest of
// the verifier's surface until vectors exist for it.
//
//	go run ./js/testdata/golden > js/test/golden.json
package main

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/verify"
)

// Case is one input and the Go result: Output on success, else Reason.
type Case struct {
	Name   string `json:"name"`
	Input  string `json:"input"`
	Output any    `json:"output,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// reason names an error as the JavaScript ParseError.reason does.
func reason(err error) string {
	for _, r := range []struct {
		err  error
		name string
	}{
		{verify.ErrHMACKeyNotAllowed, "hmac-secret-not-allowed"},
		{codec.ErrInvalidBinding, "invalid-binding"},
		{codec.ErrTypo, "typo"},
		{codec.ErrUnsupportedVersion, "unsupported-version"},
		{codec.ErrChecksum, "checksum"},
		{codec.ErrInvalidKey, "invalid-key"},
		{codec.ErrMalformed, "malformed"},
	} {
		if errors.Is(err, r.err) {
			return r.name
		}
	}
	panic(err)
}

func result(name, in string, out any, err error) Case {
	if err != nil {
		return Case{Name: name, Input: in, Reason: reason(err)}
	}
	return Case{Name: name, Input: in, Output: out}
}

func edKey(product, seed string) codec.Key {
	s := sha256.Sum256([]byte(seed))
	pub := ed25519.NewKeyFromSeed(s[:]).Public().(ed25519.PublicKey)
	return codec.Key{Alg: codec.Ed25519, ID: codec.DeriveKeyID(product, codec.Ed25519, pub), Bytes: pub}
}

func hmacKey(product, seed string) codec.Key {
	s := sha256.Sum256([]byte(seed))
	return codec.Key{Alg: codec.HMACSHA256, ID: codec.DeriveKeyID(product, codec.HMACSHA256, s[:]), Bytes: s[:]}
}

// rawKey is key text for arbitrary bytes, with a correct checksum and a
// key ID derived for product.
func rawKey(product string, b []byte) string {
	return codec.Key{Alg: codec.Ed25519, ID: codec.DeriveKeyID(product, codec.Ed25519, b), Bytes: b}.String()
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func main() {
	out := map[string][]Case{}

	for _, in := range []string{
		"UMENU-7KQ2X-M4RTA-9VWCE-H3NPM", "umenu7kq2xm4rta9vwceh3npm", " UMENU-7KQ2X-M4RTA-9VWCE-H3NPM\r\n",
		"UMENU-7KQ2X-M4RTA-9VWCE-H3NPN", "UMENU-7KQ2X-M4RTA-9VWCE-H3NP", "7KQ2X-M4RTA-9VWCE-H3NPM",
		"ABCDEFGHIJK-7KQ2X-M4RTA-9VWCE-H3NPM", "ABCDEFGHIJ-7KQ2X-M4RTA-9VWCE-H3NPM", "UMENU-7KQ2X-M4RTA-9VWCE-H3NPMM",
		"UMENU_7KQ2X-M4RTA-9VWCE-H3NPM", "UMENU-7KQ2X-M4RTÄ-9VWCE-H3NPM", "UMENU-7KQ2X-M4RTA-9VWCU-H3NPM",
		"", "OIL-00000-00000-00000-00000", "O-OOOOO-OOOOO-OOOOO-OOOOO", "1-IIIII-LLLLL-iiiii-lllll",
		"UMENU-8KQ2X-M4RTA-9VWCE-H3NP4", "U" + strings.Repeat(" ", 300) + "MENU-7KQ2X-M4RTA-9VWCE-H3NPM",
		"UMENU-7KQ2X-M4RTA-9VWCE-H3NPM\x00", "UMENU\u00a07KQ2X-M4RTA-9VWCE-H3NPM",
	} {
		n, err := codec.NormalizeLicenceKey(in)
		out["licenceKey"] = append(out["licenceKey"], result("", in, n, err))
	}

	for _, in := range []string{
		"18J8D-22RR5-50W00-0000C", "18j8d22rr550w000000c", "18J8D-22RR5-5OWOO-OOOOC", "1BJBD-22RR5-50W00-0000C",
		"18J8D-22RR5-50W00-0000D", "A1B2C-D3E4F-G5H6J", "18J8D-22RR5-50W00-0000C0", "18J8D-22RR5-50W00-000",
		"00000-00000-00000-00000", "10000-00000-00000-0000", "U8J8D-22RR5-50W00-0000C", "18J8D-22RR5-50WÉ0-0000C",
		"116J2-993C0-00000-0000C", "", strings.Repeat("1", 200), "18J8D 22RR5\t50W00\r\n0000C",
	} {
		u, err := codec.NormalizeMachineUID(in)
		out["machineUid"] = append(out["machineUid"], result("", in, u, err))
	}

	type req struct {
		Product        string `json:"product"`
		LicenceKey     string `json:"licenceKey"`
		MachineUID     string `json:"machineUid"`
		ProductVersion string `json:"productVersion"`
	}
	uid, err := codec.ParseMachineUID("18J8D-22RR5-50W00-0000C")
	if err != nil {
		panic(err)
	}
	addReq := func(name, in string) {
		r, err := codec.ParseRequestCode(in)
		var o any
		if err == nil {
			o = req{r.Product, r.LicenceKey, r.MachineUID.String(), r.ProductVersion}
		}
		out["requestCode"] = append(out["requestCode"], result(name, in, o, err))
	}
	for _, r := range []codec.RequestCode{
		{Product: "umenu", LicenceKey: "umenu-7kq2x-m4rta-9vwce-h3npm", MachineUID: uid, ProductVersion: "4.2.17"},
		{Product: "a", LicenceKey: "X-00000-00000-00000-00000", MachineUID: uid, ProductVersion: ""},
		{Product: strings.Repeat("p", 64), LicenceKey: "ABCDEFGHIJ-7KQ2X-M4RTA-9VWCE-H3NPM", MachineUID: uid, ProductVersion: strings.Repeat("~", 32)},
	} {
		txt, err := r.Text()
		if err != nil {
			panic(err)
		}
		addReq("valid", txt)
		addReq("valid, lower case separators", strings.ReplaceAll(txt, "-", " \n"))
		b := []byte(txt)
		b[5] = map[bool]byte{true: 'b', false: 'a'}[b[5] == 'a']
		addReq("one symbol changed", string(b))
	}
	// Bodies with a correct checksum but wrong content, and the reverse.
	body := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	sum := func(b []byte) []byte {
		var buf []byte
		buf = codec.AppendField(buf, []byte(codec.LabelRequestCode))
		buf = codec.AppendField(buf, b)
		s := sha256.Sum256(buf)
		return append(b, s[:4]...)
	}
	f8 := func(s string) []byte { return append([]byte{byte(len(s))}, s...) }
	// 18J8D-22RR5-50W00-0000C
	uidVals := []byte{1, 8, 18, 8, 13, 2, 2, 24, 24, 5, 5, 0, 28, 0, 0, 0, 0, 0, 0, 12}
	good := body([]byte{'R', 1}, f8("umenu"), f8("UMENU7KQ2XM4RTA9VWCEH3NPM"), uidVals, f8("4.2"))
	addReq("hand-built", codec.FormatText(sum(good)))
	addReq("checksum wrong", codec.FormatText(append(append([]byte(nil), good...), 1, 2, 3, 4)))
	addReq("version 2", codec.FormatText(sum(body([]byte{'R', 2}, good[2:]))))
	addReq("not R", codec.FormatText(sum(body([]byte{'Q', 1}, good[2:]))))
	addReq("licence not normalized", codec.FormatText(sum(body([]byte{'R', 1}, f8("umenu"), f8("umenu7kq2xm4rta9vwceh3npm"), uidVals, f8("4.2")))))
	addReq("licence with typo", codec.FormatText(sum(body([]byte{'R', 1}, f8("umenu"), f8("UMENU7KQ2XM4RTA9VWCEH3NPN"), uidVals, f8("4.2")))))
	addReq("product upper case", codec.FormatText(sum(body([]byte{'R', 1}, f8("UMENU"), f8("UMENU7KQ2XM4RTA9VWCEH3NPM"), uidVals, f8("4.2")))))
	badUID := append([]byte(nil), uidVals...)
	badUID[19] = 13
	addReq("UID check symbol wrong", codec.FormatText(sum(body([]byte{'R', 1}, f8("umenu"), f8("UMENU7KQ2XM4RTA9VWCEH3NPM"), badUID, f8("4.2")))))
	badUID[19] = 32
	addReq("UID symbol out of range", codec.FormatText(sum(body([]byte{'R', 1}, f8("umenu"), f8("UMENU7KQ2XM4RTA9VWCEH3NPM"), badUID, f8("4.2")))))
	addReq("version with a space", codec.FormatText(sum(body([]byte{'R', 1}, f8("umenu"), f8("UMENU7KQ2XM4RTA9VWCEH3NPM"), uidVals, f8("4.2 beta")))))
	addReq("trailing byte", codec.FormatText(sum(body(good, []byte{0}))))
	addReq("truncated", codec.FormatText(sum(good[:20])))
	addReq("empty", "")
	addReq("activation code", "f2cCT7HHR72-2S4XgREZcJ4-kTnWPYqbiDZ-C4C6anoN1TZ-8VGajawdNNu-4z6rd6AG7gV-5mw6H2qarg9-usBCuSN2CHu-uBpdTjYKcnZ-Zqi65LA49z8-Hj8wF")

	type ring struct {
		Product string   `json:"product"`
		Keys    []string `json:"keys"`
		Revoked []string `json:"revoked"`
	}
	addRing := func(name, text string, hmacOK bool) {
		parse := verify.ParseKeyring
		if hmacOK {
			parse = verify.ParseKeyringWithHMACSecrets
		}
		kr, err := parse(text)
		var o any
		if err == nil {
			// The exported surface has no accessors for keys; re-parse with codec.
			c, _ := codec.ParseKeyring(text)
			r := ring{Product: kr.Product(), Keys: []string{}, Revoked: []string{}}
			for _, k := range c.Keys {
				r.Keys = append(r.Keys, k.ID.String()+" "+k.Alg.String())
			}
			for _, id := range c.Revoked {
				r.Revoked = append(r.Revoked, id.String())
			}
			o = r
		}
		name += map[bool]string{true: " (HMAC secrets allowed)", false: ""}[hmacOK]
		out["keyring"] = append(out["keyring"], result(name, text, o, err))
	}
	k1, k2 := edKey("umenu", "k1").String(), edKey("umenu", "k2").String()
	h1 := hmacKey("umenu", "h1").String()
	other := edKey("othertool", "k3").String()
	hdr := "actkit-keyring v1\nproduct umenu\n"
	revokedID := edKey("umenu", "gone")
	addRing("two keys and a revoked one", hdr+"key "+k1+"\nkey "+k2+"\nrevoked "+revokedID.ID.String()+"\n", false)
	addRing("comments, blank lines, CRLF, indentation", "# umenu keys\r\n\r\n  actkit-keyring v1\r\n\tproduct   umenu \r\n# next\nkey  "+k1+"\r\n", false)
	addRing("Unicode white space around lines", "\u00a0actkit-keyring v1\u0085\nproduct umenu\u2003\nkey "+k1+"\u3000\n", false)
	addRing("byte-order mark", "\ufeffactkit-keyring v1\nproduct umenu\nkey "+k1+"\n", false)
	addRing("HMAC secret", hdr+"key "+h1+"\n", false)
	addRing("HMAC secret", hdr+"key "+h1+"\nkey "+k1+"\n", true)
	addRing("algorithm written hmac", hdr+"key "+strings.Replace(h1, "hmac-sha256:", "hmac:", 1)+"\n", true)
	addRing("key ID in upper case", hdr+"key "+strings.Replace(k1, k1[8:12], strings.ToUpper(k1[8:12]), 1)+"\n", false)
	addRing("revoked ID in upper case", hdr+"revoked B7A2\n", false)
	addRing("empty", "", false)
	addRing("only comments", "# nothing\n\n", false)
	addRing("version 2", "actkit-keyring v2\nproduct umenu\n", false)
	addRing("header not first", "product umenu\nactkit-keyring v1\n", false)
	addRing("no product", "actkit-keyring v1\nkey "+k1+"\n", false)
	addRing("two product lines", hdr+"product umenu\n", false)
	addRing("bad product", "actkit-keyring v1\nproduct Umenu\n", false)
	addRing("unknown entry", hdr+"keys "+k1+"\n", false)
	addRing("tab after key", hdr+"key\t"+k1+"\n", false)
	addRing("key of another product", hdr+"key "+other+"\n", false)
	addRing("duplicate key", hdr+"key "+k1+"\nkey "+k1+"\n", false)
	addRing("key also revoked", hdr+"key "+k1+"\nrevoked "+k1[8:12]+"\n", false)
	addRing("revoked twice", hdr+"revoked 0001\nrevoked 0001\n", false)
	addRing("damaged key", hdr+"key "+k1[:20]+map[bool]string{true: "2", false: "3"}[k1[20] == '3']+k1[21:]+"\n", false)
	addRing("key too long", hdr+"key "+k1+strings.Repeat("1", 100)+"\n", false)
	addRing("key without ID", hdr+"key ed25519:"+k1[13:]+"\n", false)
	addRing("key with extra field", hdr+"key "+k1+":x\n", false)
	addRing("key body not base58", hdr+"key "+k1[:13]+"0"+k1[14:]+"\n", false)
	addRing("key body short", hdr+"key "+k1[:len(k1)-3]+"\n", false)
	for i, h := range []string{
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
		"0100000000000000000000000000000000000000000000000000000000000080", // x = 0 with the sign bit
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // y = p - 1 with the sign bit
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p + 1
		"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // y = 2^255 - 1
		"0200000000000000000000000000000000000000000000000000000000000000", // y = 2: not on the curve
	} {
		addRing("ed25519 key "+string(rune('a'+i))+" "+h, hdr+"key "+rawKey("umenu", mustHex(h))+"\n", false)
	}
	many := hdr
	for i := 0; i < 65; i++ {
		many += "revoked " + hex.EncodeToString([]byte{byte(i >> 8), byte(i)}) + "\n"
	}
	addRing("65 entries", many, false)
	addRing("too long", hdr+strings.Repeat("#", 64<<10), false)

	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		panic(err)
	}
}
