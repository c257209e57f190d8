package codec

import (
	"crypto/hmac"
	"crypto/sha256"
	"strings"

	"github.com/mr-tron/base58"
)

// Algorithm is a signing algorithm. It is a property of a key: the key ID in
// a code selects a pinned key, and the key says which algorithm checks it.
type Algorithm uint8

const (
	Ed25519    Algorithm = 1 // Ed25519 signatures, 64 bytes: the default
	HMACSHA256 Algorithm = 2 // HMAC-SHA256 truncated to 16 bytes: closed deployments
)

// String returns the algorithm's name as used in every text form.
func (a Algorithm) String() string {
	switch a {
	case Ed25519:
		return "ed25519"
	case HMACSHA256:
		return "hmac-sha256"
	}
	return "unknown"
}

// SignatureSize is the length of the algorithm's signature or tag in a code.
func (a Algorithm) SignatureSize() int {
	if a == HMACSHA256 {
		return HMACTagSize
	}
	return Ed25519SignatureSize
}

// ParseAlgorithm accepts "ed25519" and "hmac-sha256" (or "hmac").
func ParseAlgorithm(s string) (Algorithm, error) {
	switch s {
	case "ed25519":
		return Ed25519, nil
	case "hmac-sha256", "hmac":
		return HMACSHA256, nil
	}
	return 0, malformed("algorithm", "want ed25519 or hmac-sha256, got "+quoteString(s, 16))
}

// KeySize is the size of both kinds of key material: an Ed25519 public key
// and an HMAC-SHA256 secret.
const KeySize = 32

// Key is verification key material: an Ed25519 public key, or an HMAC
// secret, which can also mint codes and so must be handled as a secret.
type Key struct {
	Alg   Algorithm
	ID    KeyID
	Bytes []byte // KeySize bytes
}

const keyChecksumSize = 4

// keyChecksum covers the algorithm, key ID and key bytes, so a key pasted
// with a damaged character, or with a key ID edited by hand, is caught.
func keyChecksum(alg Algorithm, id KeyID, key []byte) []byte {
	var buf []byte
	buf = AppendField(buf, []byte(LabelKeyChecksum))
	buf = AppendField(buf, []byte(alg.String()))
	buf = AppendField(buf, id[:])
	buf = AppendField(buf, key)
	sum := sha256.Sum256(buf)
	return sum[:keyChecksumSize]
}

// String returns the key's text form: "ALG:KEYID:BASE58", where the base58
// part is the key bytes followed by a four-byte checksum.
func (k Key) String() string {
	body := append(append([]byte(nil), k.Bytes...), keyChecksum(k.Alg, k.ID, k.Bytes)...)
	return k.Alg.String() + ":" + k.ID.String() + ":" + base58.Encode(body)
}

// maxKeyText caps key text before base58 decoding.
const maxKeyText = 128

// ParseKey parses a key's text form and validates the key material (for
// Ed25519: canonical, on the curve, not of small order). It does not check
// that the key ID belongs to a product: keyrings do that.
func ParseKey(s string) (Key, error) {
	const what = "key"
	if len(s) > maxKeyText {
		return Key{}, malformed(what, "too long")
	}
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return Key{}, malformed(what, "want ALGORITHM:KEYID:KEY")
	}
	alg, err := ParseAlgorithm(parts[0])
	if err != nil {
		return Key{}, err
	}
	id, err := ParseKeyID(parts[1])
	if err != nil {
		return Key{}, err
	}
	// Key text has one spelling: canonical algorithm name, lower-case hex.
	if parts[0] != alg.String() || parts[1] != id.String() {
		return Key{}, malformed(what, "write the algorithm as "+alg.String()+" and the key ID as "+id.String())
	}
	body, err := base58.Decode(parts[2])
	if err != nil {
		return Key{}, malformed(what, "key bytes are not valid base58")
	}
	if len(body) != KeySize+keyChecksumSize {
		return Key{}, malformed(what, "key bytes have the wrong length")
	}
	k := Key{Alg: alg, ID: id, Bytes: body[:KeySize:KeySize]}
	if !hmac.Equal(body[KeySize:], keyChecksum(alg, id, k.Bytes)) {
		return Key{}, &Error{Err: ErrChecksum, What: what, Detail: "the key was damaged in copying"}
	}
	if err := k.Validate(); err != nil {
		return Key{}, err
	}
	return k, nil
}

// Validate checks the key material's length and, for Ed25519, that it is a
// canonical encoding of a point on the curve that is not of small order.
func (k Key) Validate() error {
	if k.Alg != Ed25519 && k.Alg != HMACSHA256 {
		return &Error{Err: ErrInvalidKey, What: "key", Detail: "unknown algorithm"}
	}
	if len(k.Bytes) != KeySize {
		return &Error{Err: ErrInvalidKey, What: "key", Detail: "key material must be 32 bytes"}
	}
	if k.Alg == Ed25519 {
		return checkEd25519PublicKey(k.Bytes)
	}
	return nil
}

// DeriveKeyID computes the key ID of key material for a product. The first
// byte is ProductTag(product); the second is the first byte of
// SHA-256(label, product, algorithm, material) where material is the
// Ed25519 public key, or for HMAC HMAC-SHA256(secret, label) so that the ID
// reveals nothing about the secret. One byte gives 256 IDs per product:
// key generation draws a new key when the ID is taken.
func DeriveKeyID(product string, alg Algorithm, key []byte) KeyID {
	material := key
	if alg == HMACSHA256 {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(LabelKeyID))
		material = m.Sum(nil)
	}
	var buf []byte
	buf = AppendField(buf, []byte(LabelKeyID))
	buf = AppendField(buf, []byte(product))
	buf = AppendField(buf, []byte(alg.String()))
	buf = AppendField(buf, material)
	sum := sha256.Sum256(buf)
	return KeyID{ProductTag(product), sum[0]}
}
