package verify

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"sync"

	"github.com/actkit/actkit/codec"
)

// ErrHMACKeyNotAllowed is returned by ParseKeyring and NewKeyring for a
// keyring holding an HMAC secret: whoever holds one can mint codes, so it
// goes into a product only through the functions named for it.
var ErrHMACKeyNotAllowed = errors.New("keyring holds an HMAC secret; use ParseKeyringWithHMACSecrets in a closed deployment")

// Keyring is the set of pinned keys of one product: its roots (for a
// version 1 keyring, its keys, trusted the same way), directly trusted
// keys, and delegated keys whose root-signed certificates it holds. Build
// it once; it is immutable and safe for concurrent use (Update returns a
// new Keyring).
type Keyring struct {
	product    string
	productTag byte
	keys       []pinnedKey
	revoked    []codec.KeyID
	// src is the parsed keyring, kept for Update and Text.
	src *codec.Keyring
	// allowHMAC carries NewKeyringWithHMACSecrets over to updates.
	allowHMAC bool
	// scratch recycles message buffers: a message passed to a hash
	// through an interface escapes, and would otherwise be allocated on
	// every verification.
	scratch sync.Pool
	// supplied caches certificates passed to VerifyDelegated whose root
	// signature has been checked (delegation.go).
	supplied delegationCache
}

type scratch struct {
	msg [codec.MaxMessageLen]byte
	sum [sha256.Size]byte
}

type pinnedKey struct {
	id  codec.KeyID
	alg codec.Algorithm
	pub ed25519.PublicKey
	// root marks a key that may sign delegations and keyring updates:
	// a version 2 root, or any Ed25519 key of a version 1 keyring.
	root bool
	// cert is the delegation a delegated key signs under; nil for roots
	// and directly trusted keys. Its root signature was checked when the
	// key was pinned.
	cert *codec.Certificate
	// macs recycles keyed HMAC states, so that a verification allocates
	// nothing and concurrent verifications share no state.
	macs *sync.Pool
}

// ParseKeyring parses an exported keyring (public keys only).
func ParseKeyring(text string) (*Keyring, error) {
	kr, err := codec.ParseKeyring(text)
	if err != nil {
		return nil, err
	}
	return NewKeyring(kr)
}

// ParseKeyringWithHMACSecrets parses a keyring that may hold HMAC secrets.
// A product embedding one can mint codes for itself: use it only where the
// verifier is trusted (closed deployments).
func ParseKeyringWithHMACSecrets(text string) (*Keyring, error) {
	kr, err := codec.ParseKeyring(text)
	if err != nil {
		return nil, err
	}
	return NewKeyringWithHMACSecrets(kr)
}

// NewKeyring builds a keyring of Ed25519 public keys. It validates every
// key (length, canonical encoding, not of small order, key ID derived for
// this product) and rejects duplicate IDs and HMAC secrets.
func NewKeyring(kr *codec.Keyring) (*Keyring, error) {
	return newKeyring(kr, false)
}

// NewKeyringWithHMACSecrets is NewKeyring that also accepts HMAC secrets.
//
// A version 2 keyring must carry valid signatures by at least Threshold
// of its own roots (ErrInsufficientSignatures), and every embedded
// delegation must verify under its issuing root (ErrInvalidDelegation).
// Both are checked here, once, so that verifying a code under a delegated
// key costs one signature check, as any other code does.
func NewKeyringWithHMACSecrets(kr *codec.Keyring) (*Keyring, error) {
	return newKeyring(kr, true)
}

func newKeyring(kr *codec.Keyring, allowHMAC bool) (*Keyring, error) {
	if err := kr.Validate(); err != nil {
		return nil, err
	}
	if !allowHMAC {
		for _, k := range kr.Keys {
			if k.Alg == codec.HMACSHA256 {
				return nil, ErrHMACKeyNotAllowed
			}
		}
	}
	k := &Keyring{
		product:    kr.Product,
		productTag: codec.ProductTag(kr.Product),
		revoked:    append([]codec.KeyID(nil), kr.Revoked...),
		src:        kr,
		allowHMAC:  allowHMAC,
	}
	k.scratch.New = func() any { return new(scratch) }
	for _, key := range kr.Roots {
		k.keys = append(k.keys, pin(key, true))
	}
	for _, key := range kr.Keys {
		// A version 1 keyring has no roots: its Ed25519 keys sign its
		// updates and delegations, so that shipped products can move on.
		k.keys = append(k.keys, pin(key, kr.Version == 0 && key.Alg == codec.Ed25519))
	}
	if kr.Version != 0 {
		if n := k.countSignatures(kr); n < kr.Threshold {
			return nil, &Error{Reason: ErrInsufficientSignatures,
				Detail: fmt.Sprintf("keyring version %d has %d valid root signatures of the %d it needs", kr.Version, n, kr.Threshold)}
		}
	}
	for _, c := range kr.Delegations {
		pk, err := k.pinDelegation(c)
		if err != nil {
			return nil, err
		}
		k.keys = append(k.keys, pk)
	}
	return k, nil
}

// pin makes a pinnedKey of a key trusted directly.
func pin(key codec.Key, root bool) pinnedKey {
	pk := pinnedKey{id: key.ID, alg: key.Alg, root: root}
	material := append([]byte(nil), key.Bytes...)
	switch key.Alg {
	case codec.Ed25519:
		pk.pub = ed25519.PublicKey(material)
	case codec.HMACSHA256:
		pk.macs = &sync.Pool{New: func() any { return hmac.New(sha256.New, material) }}
	}
	return pk
}

// countSignatures counts the distinct roots of k with a valid signature
// over kr's signed message.
func (k *Keyring) countSignatures(kr *codec.Keyring) int {
	msg := kr.SignedMessage()
	n := 0
	for _, s := range kr.Signatures {
		// codec.Keyring.Validate refused two signatures by one key ID.
		if r, ok := k.lookup(s.KeyID); ok && r.rootVerify(msg, s.Sig) {
			n++
		}
	}
	return n
}

// Version returns the keyring's version: 0 for a version 1 keyring.
func (k *Keyring) Version() uint32 { return k.src.Version }

// Text returns the keyring's canonical text form, signatures included:
// what a product stores after Update, to load it again with ParseKeyring.
func (k *Keyring) Text() string { return k.src.String() }

// Product returns the product ID the keyring belongs to.
func (k *Keyring) Product() string { return k.product }

func (k *Keyring) lookup(id codec.KeyID) (*pinnedKey, bool) {
	for i := range k.keys {
		if k.keys[i].id == id {
			return &k.keys[i], true
		}
	}
	return nil, false
}

func (k *Keyring) isRevoked(id codec.KeyID) bool {
	for _, r := range k.revoked {
		if r == id {
			return true
		}
	}
	return false
}

// check verifies sig over msg with the pinned key; sum is scratch space.
func (pk *pinnedKey) check(msg, sig []byte, sum *[sha256.Size]byte) bool {
	if pk.alg == codec.Ed25519 {
		return ed25519.Verify(pk.pub, msg, sig)
	}
	m := pk.macs.Get().(hash.Hash)
	defer pk.macs.Put(m)
	return checkMAC(m, msg, sig, codec.HMACTagSize, sum)
}

// rootVerify reports whether pk is a root and sig its signature over msg.
func (pk *pinnedKey) rootVerify(msg, sig []byte) bool {
	return pk.root && ed25519.Verify(pk.pub, msg, sig)
}

// CheckMessage reports whether sig is key's Ed25519 signature or
// truncated HMAC-SHA256 tag over msg, a message that already starts with
// its own domain-separation label (a ledger checkpoint, for instance). The
// algorithm is the key's, never the signature's.
func CheckMessage(key codec.Key, msg, sig []byte) bool {
	switch key.Alg {
	case codec.Ed25519:
		return len(key.Bytes) == ed25519.PublicKeySize && len(sig) == ed25519.SignatureSize &&
			ed25519.Verify(ed25519.PublicKey(key.Bytes), msg, sig)
	case codec.HMACSHA256:
		var sum [sha256.Size]byte
		return len(key.Bytes) == codec.KeySize && checkMAC(hmac.New(sha256.New, key.Bytes), msg, sig, codec.HMACTagSize, &sum)
	}
	return false
}

// checkMAC reports whether tag is the HMAC of msg truncated to tagLen
// bytes. The length is checked first, so a short tag can never match a
// prefix; the comparison is constant-time.
func checkMAC(m hash.Hash, msg, tag []byte, tagLen int, sum *[sha256.Size]byte) bool {
	if len(tag) != tagLen || tagLen > sha256.Size {
		return false
	}
	m.Reset()
	m.Write(msg)
	full := m.Sum(sum[:0])
	return hmac.Equal(full[:tagLen], tag)
}
