package codec

import (
	"crypto/ed25519"
	"errors"
	"testing"
)

// edSigner is a codec.Signer over a bare Ed25519 key.
type edSigner struct {
	id   KeyID
	priv ed25519.PrivateKey
	// short makes it return a truncated signature.
	short bool
}

func (s edSigner) KeyID() KeyID         { return s.id }
func (s edSigner) Algorithm() Algorithm { return Ed25519 }
func (s edSigner) SignMessage(msg []byte) ([]byte, error) {
	sig := ed25519.Sign(s.priv, msg)
	if s.short {
		return sig[:HMACTagSize], nil
	}
	return sig, nil
}

func TestSignCoversThePayloadAndBinding(t *testing.T) {
	priv := ed25519.NewKeyFromSeed(make([]byte, 32))
	pub := priv.Public().(ed25519.PublicKey)
	s := edSigner{id: DeriveKeyID("umenu", Ed25519, pub), priv: priv}
	b := Binding{Product: "umenu", LicenceKey: "umenu 7kq2x m4rta 9vwce h3npm", MachineUID: sampleUID().String()}
	text, err := Sign(s, b, Payload{Issued: 1000, Expires: NoExpiry, Seats: 1, Serial: 7})
	if err != nil {
		t.Fatal(err)
	}
	c, err := DecodeCode(text)
	if err != nil {
		t.Fatal(err)
	}
	nb, _ := b.Normalize()
	if c.KeyID != s.id || c.LicenceTag != nb.LicenceTag() || c.MachineTag != nb.MachineTag() || c.Serial != 7 {
		t.Fatalf("payload %+v", c.Payload)
	}
	raw, _ := ParseText(text)
	msg := AppendMessage(nil, &nb, raw[:len(raw)-len(c.Sig)])
	if !ed25519.Verify(pub, msg, c.Sig) {
		t.Fatal("signature does not cover label, binding and payload")
	}
	other := b
	other.Product = "other"
	if _, err := Sign(s, other, Payload{Issued: 1000, Expires: NoExpiry, Seats: 1}); err == nil {
		t.Fatal("signed for another product")
	}
	s.short = true
	if _, err := Sign(s, b, Payload{Issued: 1000, Expires: NoExpiry, Seats: 1}); !errors.Is(err, ErrWrongSignatureSize) {
		t.Fatalf("short signature: %v", err)
	}
}
