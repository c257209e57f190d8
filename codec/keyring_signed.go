package codec

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/mr-tron/base58"
)

// SignedMessage is what each root signs in a version 2 keyring:
//
//	lp(LabelKeyring) || len32(body) || body
//
// where body is the canonical text of every line but the signatures
// (String without its signature lines) and len32 a four-byte big-endian
// length, since a body may reach 64 KiB. Canonical: the header, product,
// version, expires and threshold lines, then root, key, delegation and
// revoked lines each in the order they were given, each written as
// keyword, one space, value, LF. Comments, blank lines, white space and
// the order of lines of different kinds therefore do not change it.
func (kr *Keyring) SignedMessage() []byte {
	var b strings.Builder
	kr.writeBody(&b)
	msg := AppendField(nil, []byte(LabelKeyring))
	msg = binary.BigEndian.AppendUint32(msg, uint32(b.Len()))
	return append(msg, b.String()...)
}

// SignKeyring validates a version 2 keyring and appends a signature by
// each signer. A root rotation is signed by the old roots (enough of them
// for the old threshold) and the new (enough for the new one); signers
// need not be roots of kr itself.
func SignKeyring(kr *Keyring, signers ...Signer) error {
	if kr.Version == 0 {
		return fmt.Errorf("sign keyring: a version 1 keyring carries no signatures")
	}
	for _, s := range signers {
		if s.Algorithm() != Ed25519 {
			return fmt.Errorf("sign keyring: key %s is %s; keyrings are signed with Ed25519", s.KeyID(), s.Algorithm())
		}
	}
	if err := kr.Validate(); err != nil {
		return err
	}
	msg := kr.SignedMessage()
	for _, s := range signers {
		sig, err := s.SignMessage(msg)
		if err != nil {
			return fmt.Errorf("sign keyring with %s: %w", s.KeyID(), err)
		}
		if len(sig) != Ed25519SignatureSize {
			return fmt.Errorf("sign keyring with %s: %w: %d bytes", s.KeyID(), ErrWrongSignatureSize, len(sig))
		}
		kr.Signatures = append(kr.Signatures, KeyringSignature{KeyID: s.KeyID(), Sig: sig})
	}
	return kr.Validate()
}

// parseKeyringSignature reads "KEYID BASE58", the value of a signature
// line: a lower-case key ID, one space, the canonical base58 of 64 bytes.
func parseKeyringSignature(s string) (KeyringSignature, error) {
	const what = "signature"
	idText, b58, ok := strings.Cut(s, " ")
	if !ok {
		return KeyringSignature{}, malformed(what, "want KEYID SIGNATURE")
	}
	id, err := parseLowerKeyID(idText)
	if err != nil {
		return KeyringSignature{}, err
	}
	// 64 bytes are at most 88 base58 symbols: cap before decoding.
	if len(b58) > 90 {
		return KeyringSignature{}, malformed(what, "too long")
	}
	sig, err := base58.Decode(b58)
	if err != nil || len(sig) != Ed25519SignatureSize || base58.Encode(sig) != b58 {
		return KeyringSignature{}, malformed(what, "want the base58 of a 64-byte Ed25519 signature")
	}
	return KeyringSignature{KeyID: id, Sig: sig}, nil
}
