package codec

import (
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"

	"github.com/mr-tron/base58"
)

func b58(b []byte) string { return base58.Encode(b) }

// truncate drops n bytes from the end of a certificate's binary form.
func truncate(text string, n int) string {
	raw, _ := base58.Decode(text[len(certHeader)+1:])
	return certHeader + " " + b58(raw[:len(raw)-n])
}

// binaryVersion rewrites a certificate text's binary version byte.
func binaryVersion(text string, v byte) string {
	raw, _ := base58.Decode(text[len(certHeader)+1:])
	raw[0] = v
	return certHeader + " " + b58(raw)
}

// testCert returns a certificate for product umenu, delegated key from
// seed 9, signed by the root of seed 1.
func testCert(t testing.TB) (*Certificate, edSigner) {
	t.Helper()
	rootPriv := ed25519.NewKeyFromSeed(make32(1))
	root := edSigner{id: DeriveKeyID("umenu", Ed25519, rootPriv.Public().(ed25519.PublicKey)), priv: rootPriv}
	pub := ed25519.NewKeyFromSeed(make32(9)).Public().(ed25519.PublicKey)
	c := &Certificate{
		Serial:    7,
		PublicKey: pub,
		Products:  []CertificateProduct{{Product: "umenu", KeyID: DeriveKeyID("umenu", Ed25519, pub), Issuer: root.id}},
		NotBefore: 1000, NotAfter: 1030, MaxCodeDays: 30,
		Purpose: PurposeOnline, MaxSeats: 5, Features: 0xff, SerialMin: 100, SerialMax: 999,
	}
	if err := SignCertificate(root, c); err != nil {
		t.Fatal(err)
	}
	return c, root
}

func TestCertificateRoundTrip(t *testing.T) {
	c, root := testCert(t)
	text, err := EncodeCertificate(c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(text, "actkit-delegation v1 ") || strings.ContainsAny(text, "\n\t") {
		t.Fatalf("text form %q", text)
	}
	back, err := ParseCertificate(" " + text + "\r\n")
	if err != nil {
		t.Fatal(err)
	}
	if back.String() != text {
		t.Fatal("round trip changed the certificate")
	}
	msg, _ := CertificateMessage(back)
	if !ed25519.Verify(root.priv.Public().(ed25519.PublicKey), msg, back.Signature) {
		t.Fatal("signature does not verify over CertificateMessage")
	}
	if !strings.HasPrefix(string(msg[2:]), LabelDelegation) {
		t.Fatal("message does not start with the delegation label")
	}
}

func TestCertificateRejects(t *testing.T) {
	c, root := testCert(t)
	text := c.String()
	edit := func(f func(c *Certificate)) string {
		d := *c
		d.Products = append([]CertificateProduct(nil), c.Products...)
		f(&d)
		raw, err := d.appendCertificateBody(nil)
		if err != nil {
			// Encode what Validate would refuse, to see the decoder refuse it.
			raw = rawBody(&d)
		}
		return certHeader + " " + b58(append(raw, c.Signature...))
	}
	cases := map[string]struct {
		text string
		want error
	}{
		"header":         {"actkit-delegation " + text[len(certHeader)+1:], ErrMalformed},
		"other kind":     {strings.Replace(text, "delegation", "keyring", 1), ErrMalformed},
		"future version": {strings.Replace(text, " v1 ", " v2 ", 1), ErrUnsupportedVersion},
		"two spaces":     {strings.Replace(text, " v1 ", " v1  ", 1), ErrMalformed},
		"bad base58":     {text[:len(text)-1] + "0", ErrMalformed},
		"truncated":      {truncate(text, 5), ErrMalformed},
		"too long":       {text + strings.Repeat("z", MaxCertificateText), ErrMalformed},
		"unchanged":      {edit(func(d *Certificate) {}), nil},
		"binary version": {binaryVersion(text, 2), ErrUnsupportedVersion},
		"window":         {edit(func(d *Certificate) { d.NotBefore, d.NotAfter = 20, 10 }), ErrMalformed},
		"perpetual":      {edit(func(d *Certificate) { d.MaxCodeDays = 0xFFFF }), ErrMalformed},
		"purpose":        {edit(func(d *Certificate) { d.Purpose = 4 }), ErrMalformed},
		"no purpose":     {edit(func(d *Certificate) { d.Purpose = 0 }), ErrMalformed},
		"zero seats":     {edit(func(d *Certificate) { d.MaxSeats = 0 }), ErrMalformed},
		"feature bit 56": {edit(func(d *Certificate) { d.Features = 1 << 56 }), ErrMalformed},
		"serial range":   {edit(func(d *Certificate) { d.SerialMin, d.SerialMax = 5, 4 }), ErrMalformed},
		"key ID":         {edit(func(d *Certificate) { d.Products[0].KeyID[1]++ }), ErrInvalidKey},
		"issuer product": {edit(func(d *Certificate) { d.Products[0].Issuer[0]++ }), ErrInvalidKey},
		"self":           {edit(func(d *Certificate) { d.Products[0].Issuer = d.Products[0].KeyID }), ErrMalformed},
		"product":        {edit(func(d *Certificate) { d.Products[0].Product = "UMENU" }), ErrInvalidBinding},
		"no products":    {edit(func(d *Certificate) { d.Products = nil }), ErrMalformed},
		"unsorted": {edit(func(d *Certificate) {
			d.Products = append(d.Products, d.Products[0])
		}), ErrMalformed},
		"small-order key": {edit(func(d *Certificate) { d.PublicKey = make([]byte, 32); d.PublicKey[0] = 1 }), ErrInvalidKey},
	}
	for name, tc := range cases {
		_, err := ParseCertificate(tc.text)
		if tc.want == nil {
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
			continue
		}
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", name, err, tc.want)
		}
		var ce *Error
		if !errors.As(err, &ce) {
			t.Errorf("%s: untyped error %T", name, err)
		}
	}
	if err := SignCertificate(edSigner{id: KeyID{1, 2}, priv: root.priv}, c); err == nil {
		t.Error("signed by a key that is not the issuer")
	}
}

// rawBody encodes a certificate body without validating it.
func rawBody(c *Certificate) []byte {
	dst := []byte{CertificateVersion}
	be := func(v uint64, n int) {
		for i := n - 1; i >= 0; i-- {
			dst = append(dst, byte(v>>(8*i)))
		}
	}
	be(c.Serial, 8)
	dst = append(dst, c.PublicKey...)
	be(uint64(c.NotBefore), 2)
	be(uint64(c.NotAfter), 2)
	be(uint64(c.MaxCodeDays), 2)
	dst = append(dst, byte(c.Purpose))
	be(uint64(c.MaxSeats), 2)
	be(c.Features, 8)
	be(c.SerialMin, 8)
	be(c.SerialMax, 8)
	dst = append(dst, byte(len(c.Products)))
	for _, p := range c.Products {
		dst = append(dst, byte(len(p.Product)))
		dst = append(dst, p.Product...)
		dst = append(dst, p.KeyID[0], p.KeyID[1], p.Issuer[0], p.Issuer[1])
	}
	return dst
}

func TestCertificateFits(t *testing.T) {
	c, _ := testCert(t)
	ok := Payload{Issued: 1000, Expires: 1030, Seats: 5, Features: 0x81, Serial: 100}
	if why := c.Fits(&ok); why != "" {
		t.Fatalf("fitting code refused: %s", why)
	}
	for name, edit := range map[string]func(p *Payload){
		"before window": func(p *Payload) { p.Issued = 999 },
		"after window":  func(p *Payload) { p.Issued, p.Expires = 1031, 1040 },
		"perpetual":     func(p *Payload) { p.Expires = NoExpiry },
		"too long":      func(p *Payload) { p.Expires = 1031 },
		"seats":         func(p *Payload) { p.Seats = 6 },
		"features":      func(p *Payload) { p.Features = 0x100 },
		"serial low":    func(p *Payload) { p.Serial = 99 },
		"serial high":   func(p *Payload) { p.Serial = 1000 },
	} {
		p := ok
		edit(&p)
		if c.Fits(&p) == "" {
			t.Errorf("%s: accepted", name)
		}
	}
}
