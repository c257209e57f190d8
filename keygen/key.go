package keygen

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/actkit/actkit/codec"
)

// Status is a key's place in its life cycle.
type Status string

const (
	// Active keys sign new codes; a product has at most one.
	Active Status = "active"
	// Retired keys sign nothing new but are still exported, so codes they
	// signed keep verifying.
	Retired Status = "retired"
	// Revoked keys are no longer exported; keyrings list their IDs as
	// revoked and verifiers refuse their codes.
	Revoked Status = "revoked"
)

// SigningKey is a key that can make activation codes. Its secret never
// leaves the package except through the keystore's encrypted file. It is
// a codec.Signer, safe for concurrent use once loaded; its exported fields
// describe it and are changed only by its Keyset.
type SigningKey struct {
	Product string
	Alg     codec.Algorithm
	ID      codec.KeyID
	Created time.Time
	Status  Status
	// secret is the Ed25519 seed or the HMAC secret (32 bytes).
	secret []byte
	// priv is the expanded Ed25519 private key, derived once.
	priv ed25519.PrivateKey
}

func newKey(product string, alg codec.Algorithm, secret []byte, created time.Time, status Status) *SigningKey {
	k := &SigningKey{Product: product, Alg: alg, Created: created.UTC(), Status: status, secret: secret}
	if alg == codec.Ed25519 {
		k.priv = ed25519.NewKeyFromSeed(secret)
	}
	return k
}

// ErrKeyIDTaken is returned by Generate when every attempt produced a key
// ID that is already in use.
var ErrKeyIDTaken = errors.New("could not find a free key ID for this product")

// Generate creates a key for product from rand (crypto/rand.Reader in
// production). taken reports key IDs already in use; a key whose ID is
// taken is discarded and another drawn, since an ID has only one byte of
// its own.
func Generate(rand io.Reader, product string, alg codec.Algorithm, now time.Time, taken func(codec.KeyID) bool) (*SigningKey, error) {
	if err := codec.ValidateProduct(product); err != nil {
		return nil, err
	}
	if alg != codec.Ed25519 && alg != codec.HMACSHA256 {
		return nil, fmt.Errorf("keygen: unknown algorithm %d", alg)
	}
	for range 1024 {
		secret := make([]byte, codec.KeySize)
		if _, err := io.ReadFull(rand, secret); err != nil {
			return nil, fmt.Errorf("keygen: reading randomness: %w", err)
		}
		k := newKey(product, alg, secret, now, Active)
		k.ID = codec.DeriveKeyID(product, alg, k.verificationBytes())
		if taken == nil || !taken(k.ID) {
			return k, nil
		}
	}
	return nil, ErrKeyIDTaken
}

// FromSecret rebuilds a key from stored material, checking that the stored
// key ID matches it.
func FromSecret(product string, alg codec.Algorithm, id codec.KeyID, secret []byte, created time.Time, status Status) (*SigningKey, error) {
	if len(secret) != codec.KeySize {
		return nil, errors.New("keygen: key material must be 32 bytes")
	}
	if alg != codec.Ed25519 && alg != codec.HMACSHA256 {
		return nil, fmt.Errorf("keygen: unknown algorithm %d", alg)
	}
	k := newKey(product, alg, append([]byte(nil), secret...), created, status)
	k.ID = id
	if codec.DeriveKeyID(product, alg, k.verificationBytes()) != id {
		return nil, fmt.Errorf("keygen: key %s does not match its stored material", id)
	}
	return k, nil
}

// Secret returns a copy of the secret material, for the keystore only.
func (k *SigningKey) Secret() []byte { return append([]byte(nil), k.secret...) }

// verificationBytes is what a verifier pins: the Ed25519 public key, or the
// HMAC secret itself.
func (k *SigningKey) verificationBytes() []byte {
	if k.Alg == codec.Ed25519 {
		return k.priv.Public().(ed25519.PublicKey)
	}
	return k.secret
}

// VerificationKey returns what a verifier pins for this key. For HMAC that
// is the secret: handle it as one.
func (k *SigningKey) VerificationKey() codec.Key {
	return codec.Key{Alg: k.Alg, ID: k.ID, Bytes: k.verificationBytes()}
}

// KeyID returns the key's ID; with Algorithm and SignMessage it makes a
// SigningKey a codec.Signer, so codes are assembled by codec.Sign.
func (k *SigningKey) KeyID() codec.KeyID { return k.ID }

// Algorithm returns the key's algorithm.
func (k *SigningKey) Algorithm() codec.Algorithm { return k.Alg }

// SignMessage signs an already domain-separated message (see the codec
// labels): Ed25519, or HMAC-SHA256 truncated to codec.HMACTagSize. A
// revoked key signs nothing: verifiers refuse its codes anyway.
func (k *SigningKey) SignMessage(msg []byte) ([]byte, error) {
	if k.Status == Revoked {
		return nil, &KeystoreError{Err: ErrRevokedKey, Detail: "key " + k.ID.String()}
	}
	if k.Alg == codec.Ed25519 {
		return ed25519.Sign(k.priv, msg), nil
	}
	m := hmac.New(sha256.New, k.secret)
	m.Write(msg)
	return m.Sum(nil)[:codec.HMACTagSize], nil
}
