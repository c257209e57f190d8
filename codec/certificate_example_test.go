package codec_test

import (
	"crypto/ed25519"
	"fmt"

	"github.com/actkit/actkit/codec"
)

// rootSigner is a codec.Signer over an in-memory Ed25519 key, as keygen
// provides on the vendor's workstation.
type rootSigner struct {
	id   codec.KeyID
	priv ed25519.PrivateKey
}

func (s rootSigner) KeyID() codec.KeyID                     { return s.id }
func (s rootSigner) Algorithm() codec.Algorithm             { return codec.Ed25519 }
func (s rootSigner) SignMessage(msg []byte) ([]byte, error) { return ed25519.Sign(s.priv, msg), nil }

func ExampleSignCertificate() {
	// The workstation's root, and the public half of a key the server
	// generated for itself.
	rootPriv := ed25519.NewKeyFromSeed(make([]byte, 32))
	root := rootSigner{codec.DeriveKeyID("umenu", codec.Ed25519, rootPriv.Public().(ed25519.PublicKey)), rootPriv}
	serverPub := ed25519.NewKeyFromSeed(append(make([]byte, 31), 1)).Public().(ed25519.PublicKey)

	from, _ := codec.ParseDay("2026-12-01")
	c := &codec.Certificate{
		Serial:    1,
		PublicKey: serverPub,
		Products: []codec.CertificateProduct{{
			Product: "umenu",
			KeyID:   codec.DeriveKeyID("umenu", codec.Ed25519, serverPub),
			Issuer:  root.KeyID(),
		}},
		NotBefore: from, NotAfter: from + 29, // 30 days
		MaxCodeDays: 30,
		Purpose:     codec.PurposeOnline,
		MaxSeats:    10, Features: codec.NoLimitFeatures,
		SerialMin: 0, SerialMax: 1<<64 - 1,
	}
	if err := codec.SignCertificate(root, c); err != nil {
		fmt.Println(err)
		return
	}
	text, _ := codec.EncodeCertificate(c)

	back, err := codec.ParseCertificate(text)
	if err != nil {
		fmt.Println(err)
		return
	}
	p, _ := back.For("umenu")
	fmt.Println(text[:21], len(text))
	fmt.Println(p.KeyID, "issued by", p.Issuer, back.NotBefore, back.NotAfter, back.Purpose)
	// Output:
	// actkit-delegation v1  224
	// b71d issued by b79f 2026-12-01 2026-12-30 online
}
