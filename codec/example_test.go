package codec_test

import (
	"errors"
	"fmt"

	"github.com/actkit/actkit/codec"
)

func ExampleParseText() {
	raw, err := codec.ParseText("f2bkHUHqBHF WwNgz81FyMW MHcZCR24Sbq v8D1fGpn557 GCPpGwSUNQ6 6KotWkURSHT ENEKNPsLukh V8GZdZbm7f8 gS2i9oFGoXt L9MY1shkbe5 Y4sSS")
	fmt.Println(len(raw), err)
	_, err = codec.ParseText("f2bkHUHqBHF-WwNgz81FyMX")
	var ce *codec.Error
	if errors.As(err, &ce) && errors.Is(err, codec.ErrTypo) {
		fmt.Println("typo in groups", ce.Groups)
	}
	// Output:
	// 77 <nil>
	// typo in groups [2]
}

func ExampleFormatText() {
	fmt.Println(codec.FormatText([]byte("actkit")))
	// Output: qVoejXabw
}

func ExampleDecodeCode() {
	c, err := codec.DecodeCode("f2bkHUHqBHF-WwNgz81FyMW-MHcZCR24Sbq-v8D1fGpn557-GCPpGwSUNQ6-6KotWkURSHT-ENEKNPsLukh-V8GZdZbm7f8-gS2i9oFGoXt-L9MY1shkbe5-Y4sSS")
	if err != nil {
		fmt.Println(err)
		return
	}
	// Unverified claims: only package verify can say whether they hold.
	fmt.Println(c.KeyID, c.Issued, c.Expires, c.Seats, c.Serial, len(c.Sig))
	// Output: b7a2 2026-11-23 2027-11-23 1 1234 64
}

func ExamplePayload_AppendBinary() {
	p := codec.Payload{Issued: 1057, Expires: 1422, Seats: 1, Features: 0b1011, Serial: 4242}
	raw, _ := p.AppendBinary(nil)
	fmt.Printf("%d bytes: %x\n", len(raw), raw)
	back, n, _ := codec.UnmarshalPayload(raw)
	fmt.Println(n, back == p)
	// Output:
	// 13 bytes: 018900000421058e0b10920000
	// 13 true
}

func ExampleParseKeyring() {
	kr, err := codec.ParseKeyring(`actkit-keyring v1
# exported 2026-11-23
product umenu
key ed25519:b7a2:2nBeEMDjAzFa9Ev2pxwejYrgCRmSLx96SbA24uhdMMTUkwV56i
revoked 3c41
`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(kr.Product, len(kr.Keys), kr.Keys[0].ID, kr.Keys[0].Alg, kr.Revoked)
	// Output: umenu 1 b7a2 ed25519 [3c41]
}

func ExampleNormalizeLicenceKey() {
	// Case, separators and look-alikes (O for 0, I and L for 1) in the
	// key's body do not matter; a wrong check symbol is a typo.
	k, _ := codec.NormalizeLicenceKey("umenu 7kq2x m4rta 9vwce h3npm")
	fmt.Println(k)
	_, err := codec.NormalizeLicenceKey("UMENU-7KQ2X-M4RTA-9VWCE-H3NPD")
	fmt.Println(errors.Is(err, codec.ErrTypo))
	// Output:
	// UMENU7KQ2XM4RTA9VWCEH3NPM
	// true
}

func ExampleParseDay() {
	d, _ := codec.ParseDay("2027-03-01")
	fmt.Println(uint16(d), d, d.End().Format("2006-01-02T15:04Z"))
	// Output: 1155 2027-03-01 2027-03-02T00:00Z
}

func ExampleParseDeactivationCode() {
	d, err := codec.ParseDeactivationCode("JsEyooYBFLj B7RjQSqgQSZ EJjG4EM4u4B DEbRBEZv6gS vHtdrMMJ2qX xWR8iGazKTb vZud6oTDJ4u GNVXTBNQhuj 96nckBV")
	fmt.Println(d.Product, d.LicenceKey, d.MachineUID, d.Serial, d.Day, err)
	// One symbol mistyped in the third group:
	_, err = codec.ParseDeactivationCode("JsEyooYBFLj-B7RjQSqgQSZ-EJjG4EN4u4B-DEbRBEZv6gS-vHtdrMMJ2qX-xWR8iGazKTb-vZud6oTDJ4u-GNVXTBNQhuj-96nckBV")
	var ce *codec.Error
	fmt.Println(errors.Is(err, codec.ErrTypo), errors.As(err, &ce) && ce.Groups[0] == 3)
	// Output:
	// umenu UMENU7KQ2XM4RTA9VWCEH3NPM 14HM8-T5D2P-00000-0000M 4242 2026-11-23 <nil>
	// true true
}

// A legacy key's normal form comes from its product's pattern; what a
// code binds comes from the key alone, so a verifier needs no pattern.
func ExampleKeyPattern_Normalize() {
	p, err := codec.ParseKeyPattern("UMENU-XXXX-XXXX-XXXX")
	if err != nil {
		panic(err)
	}
	display, _ := p.Normalize("umenu 4r0b 1kq2 m9tu", false)
	bound, legacy, _ := codec.LicenceKeyBinding("umenu-4rob-1kq2-m9tu")
	fmt.Println(display, bound, legacy)
	// Output: UMENU-4R0B-1KQ2-M9TU UMENU4R0B1KQ2M9TU true
}
