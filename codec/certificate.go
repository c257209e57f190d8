package codec

import (
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"github.com/mr-tron/base58"
)

// A delegation certificate lets an online key (the server's, the
// portal's) sign codes on a root's behalf, within limits that every
// verifier checks offline: the products, a window of issue days, the
// longest code, seats, features and serials. The root never leaves the
// vendor's workstation; the delegated key is generated where it is used,
// so its secret never travels. See docs/format.md section 13.

// Certificate limits and layout constants.
const (
	// CertificateVersion is the binary version byte this package writes
	// and the "v1" of the text header.
	CertificateVersion = 1
	// MaxCertificateProducts caps the products one certificate names.
	MaxCertificateProducts = 16
	// MaxCertificateText caps a certificate's text before base58 decoding
	// (quadratic in its length); the largest certificate is 1,243 bytes,
	// about 1,700 symbols.
	MaxCertificateText = 2048
	// certHeader opens the text form; the base58 follows after a space.
	certHeader = "actkit-delegation v1"
	// certFixedLen is the fixed-width part: version, serial, key,
	// not-before, not-after, max code days, purpose, max seats,
	// features, serial range, product count.
	certFixedLen = 1 + 8 + 32 + 2 + 2 + 2 + 1 + 2 + 8 + 8 + 8 + 1
	// maxCertificateLen is the longest binary certificate.
	maxCertificateLen = certFixedLen + MaxCertificateProducts*(1+maxProductLen+4) + ed25519.SignatureSize
	maxProductLen     = 64
	// NoLimitFeatures is the features mask that grants every feature bit.
	NoLimitFeatures = 1<<(MaxFeatureBit+1) - 1
)

// Purpose says what a delegated key is for. Verifiers cannot tell how a
// code travelled, so they do not check it; the server and the portal
// refuse to sign with a key whose certificate lacks their purpose.
type Purpose uint8

const (
	// PurposeOnline: answers of the licence server (actkit serve).
	PurposeOnline Purpose = 1 << 0
	// PurposePortal: codes shown by the customer portal.
	PurposePortal Purpose = 1 << 1
	purposeAll            = PurposeOnline | PurposePortal
)

// String names the purpose bits, "online+portal".
func (p Purpose) String() string {
	var parts []string
	if p&PurposeOnline != 0 {
		parts = append(parts, "online")
	}
	if p&PurposePortal != 0 {
		parts = append(parts, "portal")
	}
	if p&^purposeAll != 0 {
		parts = append(parts, fmt.Sprintf("0x%02x", uint8(p&^purposeAll)))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "+")
}

// CertificateProduct is one product a certificate delegates: the
// delegated key's ID for that product and the ID of the root that signs
// the certificate, also for that product. Key IDs are per product
// (DeriveKeyID), so a certificate naming several products names one pair
// for each; the signature is one, by the same root key.
type CertificateProduct struct {
	Product string
	KeyID   KeyID // DeriveKeyID(Product, Ed25519, PublicKey)
	Issuer  KeyID // the signing root's ID under Product
}

// Certificate is a delegation certificate. Zero limits are not "no
// limit": use MaxSeats 0xFFFF, Features NoLimitFeatures and the serial
// range 0 to 2⁶⁴−1 for that.
type Certificate struct {
	// Serial identifies the certificate in the vendor's records.
	Serial uint64
	// PublicKey is the delegated Ed25519 public key (32 bytes).
	PublicKey []byte
	// Products lists what the key may sign for, sorted by product ID.
	Products []CertificateProduct
	// NotBefore and NotAfter bound the issue day of every code the key
	// signs, both inclusive.
	NotBefore, NotAfter Day
	// MaxCodeDays bounds every code's expiry: present, and at most
	// MaxCodeDays after its issue day. A delegated key never signs a
	// perpetual code.
	MaxCodeDays uint16
	Purpose     Purpose
	// MaxSeats bounds a code's seats (1 to 0xFFFF).
	MaxSeats uint16
	// Features is the mask a code's features must fall within.
	Features uint64
	// SerialMin and SerialMax bound a code's serial, inclusive.
	SerialMin, SerialMax uint64
	// Signature is the issuing root's Ed25519 signature over
	// CertificateMessage; empty before SignCertificate.
	Signature []byte
}

// For returns the certificate's entry for product.
func (c *Certificate) For(product string) (CertificateProduct, bool) {
	for _, p := range c.Products {
		if p.Product == product {
			return p, true
		}
	}
	return CertificateProduct{}, false
}

// Fits reports why a code's payload falls outside the certificate, or ""
// when it fits: the code's own issue day must lie in the window, its
// expiry must be present and at most MaxCodeDays after the issue day, and
// seats, features and serial must be within the limits. The caller has
// checked that the code is for one of the certificate's products.
func (c *Certificate) Fits(p *Payload) string {
	switch {
	case p.Issued < c.NotBefore:
		return fmt.Sprintf("issued %s, before the delegation starts on %s", p.Issued, c.NotBefore)
	case p.Issued > c.NotAfter:
		return fmt.Sprintf("issued %s, after the delegation ended on %s", p.Issued, c.NotAfter)
	case p.Expires == NoExpiry:
		return "a delegated key cannot sign a perpetual code"
	case int(p.Expires)-int(p.Issued) > int(c.MaxCodeDays):
		return fmt.Sprintf("runs %d days, the delegation allows %d", int(p.Expires)-int(p.Issued), c.MaxCodeDays)
	case p.Seats > c.MaxSeats:
		return fmt.Sprintf("grants %d seats, the delegation allows %d", p.Seats, c.MaxSeats)
	case p.Features&^c.Features != 0:
		return "grants features outside the delegation"
	case p.Serial < c.SerialMin || p.Serial > c.SerialMax:
		return fmt.Sprintf("serial %d is outside the delegation's %d..%d", p.Serial, c.SerialMin, c.SerialMax)
	}
	return ""
}

// Validate checks every field rule of the certificate except the
// signature, which only a keyring holding the issuing root can check.
func (c *Certificate) Validate() error {
	const what = "delegation"
	if len(c.PublicKey) != ed25519.PublicKeySize {
		return &Error{Err: ErrInvalidKey, What: what, Detail: "the delegated key must be 32 bytes"}
	}
	if err := checkEd25519PublicKey(c.PublicKey); err != nil {
		return err
	}
	if len(c.Products) == 0 || len(c.Products) > MaxCertificateProducts {
		return malformed(what, fmt.Sprintf("want 1 to %d products", MaxCertificateProducts))
	}
	for i, p := range c.Products {
		if err := ValidateProduct(p.Product); err != nil {
			return err
		}
		if i > 0 && p.Product <= c.Products[i-1].Product {
			return malformed(what, "products must be sorted and listed once")
		}
		if DeriveKeyID(p.Product, Ed25519, c.PublicKey) != p.KeyID {
			return &Error{Err: ErrInvalidKey, What: what,
				Detail: fmt.Sprintf("key %s is not the delegated key's ID for product %s", p.KeyID, p.Product)}
		}
		if p.Issuer[0] != ProductTag(p.Product) {
			return &Error{Err: ErrInvalidKey, What: what,
				Detail: fmt.Sprintf("issuer %s is not a key of product %s", p.Issuer, p.Product)}
		}
		if p.Issuer == p.KeyID {
			return malformed(what, "a key cannot delegate to itself")
		}
	}
	switch {
	case c.NotAfter == NoExpiry:
		return malformed(what, "day 0xFFFF is reserved")
	case c.NotBefore > c.NotAfter:
		return malformed(what, "the window ends before it starts")
	case c.MaxCodeDays == 0xFFFF:
		return malformed(what, "0xFFFF code days is reserved: a delegated key never signs a perpetual code")
	case c.Purpose == 0 || c.Purpose&^purposeAll != 0:
		return malformed(what, "purpose must be online, portal or both")
	case c.MaxSeats == 0:
		return malformed(what, "max seats must be at least 1")
	case c.Features > NoLimitFeatures:
		return malformed(what, fmt.Sprintf("features mask uses bits above %d", MaxFeatureBit))
	case c.SerialMin > c.SerialMax:
		return malformed(what, "the serial range ends before it starts")
	}
	return nil
}

// appendCertificateBody appends the signed part of the binary form.
func (c *Certificate) appendCertificateBody(dst []byte) ([]byte, error) {
	if err := c.Validate(); err != nil {
		return dst, err
	}
	dst = append(dst, CertificateVersion)
	dst = binary.BigEndian.AppendUint64(dst, c.Serial)
	dst = append(dst, c.PublicKey...)
	dst = binary.BigEndian.AppendUint16(dst, uint16(c.NotBefore))
	dst = binary.BigEndian.AppendUint16(dst, uint16(c.NotAfter))
	dst = binary.BigEndian.AppendUint16(dst, c.MaxCodeDays)
	dst = append(dst, byte(c.Purpose))
	dst = binary.BigEndian.AppendUint16(dst, c.MaxSeats)
	dst = binary.BigEndian.AppendUint64(dst, c.Features)
	dst = binary.BigEndian.AppendUint64(dst, c.SerialMin)
	dst = binary.BigEndian.AppendUint64(dst, c.SerialMax)
	dst = append(dst, byte(len(c.Products)))
	for _, p := range c.Products {
		dst = append(dst, byte(len(p.Product)))
		dst = append(dst, p.Product...)
		dst = append(dst, p.KeyID[0], p.KeyID[1], p.Issuer[0], p.Issuer[1])
	}
	return dst, nil
}

// CertificateMessage is what the issuing root signs:
// lp(LabelDelegation) || lp(body), body being the binary form
// without its signature.
func CertificateMessage(c *Certificate) ([]byte, error) {
	body, err := c.appendCertificateBody(nil)
	if err != nil {
		return nil, err
	}
	return certificateMessage(body), nil
}

func certificateMessage(body []byte) []byte {
	msg := AppendField(nil, []byte(LabelDelegation))
	return AppendField(msg, body)
}

// SignCertificate signs c with a root and stores the signature in it.
// The root must be an Ed25519 key and the issuer of at least one of the
// certificate's products; the issuer IDs of the other products must name
// the same root key under those products (a keyring of a product whose
// issuer is wrong refuses the certificate).
func SignCertificate(root Signer, c *Certificate) error {
	if root.Algorithm() != Ed25519 {
		return fmt.Errorf("sign delegation: root %s is %s; delegations are signed with Ed25519", root.KeyID(), root.Algorithm())
	}
	if !slices.ContainsFunc(c.Products, func(p CertificateProduct) bool { return p.Issuer == root.KeyID() }) {
		return fmt.Errorf("sign delegation: root %s is not the issuer of any of its products", root.KeyID())
	}
	msg, err := CertificateMessage(c)
	if err != nil {
		return err
	}
	sig, err := root.SignMessage(msg)
	if err != nil {
		return fmt.Errorf("sign delegation with root %s: %w", root.KeyID(), err)
	}
	if len(sig) != ed25519.SignatureSize {
		return fmt.Errorf("sign delegation with root %s: %w: %d bytes", root.KeyID(), ErrWrongSignatureSize, len(sig))
	}
	c.Signature = sig
	return nil
}

// MarshalBinary returns the binary form: body then the 64-byte signature.
func (c *Certificate) MarshalBinary() ([]byte, error) {
	if len(c.Signature) != ed25519.SignatureSize {
		return nil, malformed("delegation", "not signed")
	}
	b, err := c.appendCertificateBody(make([]byte, 0, maxCertificateLen))
	if err != nil {
		return nil, err
	}
	return append(b, c.Signature...), nil
}

// EncodeCertificate returns the text form of a signed certificate, one
// line: "actkit-delegation v1 " followed by the base58 of the binary form.
func EncodeCertificate(c *Certificate) (string, error) {
	b, err := c.MarshalBinary()
	if err != nil {
		return "", err
	}
	return certHeader + " " + base58.Encode(b), nil
}

// String returns the text form, or "" for a certificate that cannot be
// encoded (unsigned or invalid).
func (c *Certificate) String() string {
	s, _ := EncodeCertificate(c)
	return s
}

// ParseCertificate parses a certificate's text form. Surrounding spaces,
// tabs and line breaks are ignored (it travels as a file or a paste);
// everything else has exactly one spelling. It checks every field rule
// but not the signature: verify.Keyring does that against its roots.
func ParseCertificate(text string) (*Certificate, error) {
	const what = "delegation"
	if len(text) > MaxCertificateText {
		return nil, malformed(what, "too long")
	}
	text = strings.Trim(text, " \t\r\n")
	word, rest, _ := strings.Cut(text, " ")
	if word != "actkit-delegation" {
		return nil, malformed(what, "want "+certHeader+" first")
	}
	version, b58, _ := strings.Cut(rest, " ")
	if _, ok := parseDecimal(strings.TrimPrefix(version, "v"), 999); !ok || version[0] != 'v' {
		return nil, malformed(what, "want "+certHeader+" first")
	}
	if version != "v1" {
		return nil, &Error{Err: ErrUnsupportedVersion, What: what,
			Detail: "version " + quoteString(version, 8) + "; this build reads v1"}
	}
	raw, err := base58.Decode(b58)
	if err != nil || b58 == "" || base58.Encode(raw) != b58 {
		return nil, malformed(what, "not canonical base58")
	}
	return UnmarshalCertificate(raw)
}

// UnmarshalCertificate decodes a certificate's binary form.
func UnmarshalCertificate(raw []byte) (*Certificate, error) {
	const what = "delegation"
	if len(raw) == 0 {
		return nil, malformed(what, "empty")
	}
	if raw[0] != CertificateVersion {
		return nil, &Error{Err: ErrUnsupportedVersion, What: what,
			Detail: fmt.Sprintf("binary version %d; this build reads %d", raw[0], CertificateVersion)}
	}
	if len(raw) < certFixedLen+ed25519.SignatureSize || len(raw) > maxCertificateLen {
		return nil, malformed(what, "wrong length")
	}
	c := &Certificate{}
	off := 1
	u16 := func() uint16 { v := binary.BigEndian.Uint16(raw[off:]); off += 2; return v }
	u64 := func() uint64 { v := binary.BigEndian.Uint64(raw[off:]); off += 8; return v }
	c.Serial = u64()
	c.PublicKey = slices.Clone(raw[off : off+32])
	off += 32
	c.NotBefore, c.NotAfter = Day(u16()), Day(u16())
	c.MaxCodeDays = u16()
	c.Purpose = Purpose(raw[off])
	off++
	c.MaxSeats = u16()
	c.Features = u64()
	c.SerialMin, c.SerialMax = u64(), u64()
	n := int(raw[off])
	off++
	body := raw[:len(raw)-ed25519.SignatureSize]
	for range n {
		if off >= len(body) || off+1+int(body[off])+4 > len(body) {
			return nil, malformed(what, "truncated product list")
		}
		l := int(body[off])
		p := CertificateProduct{Product: string(body[off+1 : off+1+l])}
		off += 1 + l
		p.KeyID = KeyID{body[off], body[off+1]}
		p.Issuer = KeyID{body[off+2], body[off+3]}
		off += 4
		c.Products = append(c.Products, p)
	}
	if off != len(body) {
		return nil, malformed(what, "bytes after the product list")
	}
	c.Signature = slices.Clone(raw[len(body):])
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}
