package codec

import (
	"errors"
	"fmt"
)

// A Signer holds a signing key, as crypto.Signer does, but speaks actkit's
// terms: it names its key ID and algorithm, and signs an already
// domain-separated message. The key itself may live anywhere: in memory
// (keygen), in an HSM or in a cloud KMS. Implementations must be safe for
// concurrent use, since codes are signed on every core.
type Signer interface {
	// KeyID is the ID verifiers pin the key under.
	KeyID() KeyID
	// Algorithm is the key's algorithm; it decides the signature length.
	Algorithm() Algorithm
	// SignMessage returns the Ed25519 signature of msg, or its
	// HMAC-SHA256 truncated to HMACTagSize bytes.
	SignMessage(msg []byte) ([]byte, error)
}

// ErrWrongSignatureSize is returned when a Signer returns a signature of
// the wrong length for its algorithm; the code would never verify.
var ErrWrongSignatureSize = errors.New("signer returned a signature of the wrong length")

// Sign makes the activation code for payload p bound to b: it fills in the
// key ID and the licence and machine tags, encodes the payload, signs the
// message of section 4 of the format and returns the text form.
func Sign(s Signer, b Binding, p Payload) (string, error) {
	nb, err := b.Normalize()
	if err != nil {
		return "", err
	}
	p.KeyID = s.KeyID()
	p.LicenceTag = nb.LicenceTag()
	p.MachineTag = nb.MachineTag()
	raw, err := p.AppendBinary(nil)
	if err != nil {
		return "", err
	}
	raw, err = AppendSignature(raw, s, &nb, 0)
	if err != nil {
		return "", err
	}
	return FormatText(raw), nil
}

// AppendSignature signs the payload bytes dst[start:] for the binding and
// appends the signature, giving a code's binary form. Sign calls it after
// encoding a payload; test-vector generators call it directly to sign
// payloads that no correct encoder would produce. The key must belong to
// the binding's product: the first byte of every key ID is its product's
// tag.
func AppendSignature(dst []byte, s Signer, nb *NormalizedBinding, start int) ([]byte, error) {
	id := s.KeyID()
	if id[0] != ProductTag(nb.Product()) {
		return dst, fmt.Errorf("key %s does not belong to product %q", id, nb.Product())
	}
	var buf [MaxMessageLen]byte
	msg := AppendMessage(buf[:0], nb, dst[start:])
	sig, err := s.SignMessage(msg)
	if err != nil {
		return dst, fmt.Errorf("signing with key %s: %w", id, err)
	}
	if len(sig) != s.Algorithm().SignatureSize() {
		return dst, fmt.Errorf("key %s (%s): %w: %d bytes", id, s.Algorithm(), ErrWrongSignatureSize, len(sig))
	}
	return append(dst, sig...), nil
}
