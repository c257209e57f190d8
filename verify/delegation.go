package verify

import (
	"crypto/ed25519"
	"fmt"
	"sync"
	"time"

	"github.com/actkit/actkit/codec"
)

// maxSuppliedCerts bounds the certificates a Keyring remembers from
// VerifyDelegated. A product holds one code, so one or two are in use at a
// time; past the bound, certificates are checked on every call instead.
const maxSuppliedCerts = 16

// delegationCache remembers certificates, by their text, whose root
// signature verified, so that verifying a stored code with its stored
// certificate costs one Ed25519 verification.
type delegationCache struct {
	mu   sync.RWMutex
	keys map[string]*pinnedKey
}

func (c *delegationCache) get(text string) *pinnedKey {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.keys[text]
}

func (c *delegationCache) put(text string, pk *pinnedKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.keys == nil {
		c.keys = map[string]*pinnedKey{}
	}
	if len(c.keys) < maxSuppliedCerts {
		c.keys[text] = pk
	}
}

// pinDelegation checks a certificate against the keyring's roots and
// returns its delegated key for this product. The certificate's own rules
// were checked by codec.
func (k *Keyring) pinDelegation(c *codec.Certificate) (pinnedKey, error) {
	p, ok := c.For(k.product)
	if !ok {
		return pinnedKey{}, &Error{Reason: ErrInvalidDelegation,
			Detail: fmt.Sprintf("delegation %d does not cover product %q", c.Serial, k.product)}
	}
	if k.isRevoked(p.Issuer) {
		return pinnedKey{}, &Error{Reason: ErrRevokedDelegation, KeyID: p.KeyID,
			Detail: fmt.Sprintf("delegation %d was issued by root %s, which the vendor revoked", c.Serial, p.Issuer)}
	}
	root, ok := k.lookup(p.Issuer)
	if !ok || !root.root {
		return pinnedKey{}, &Error{Reason: ErrInvalidDelegation, KeyID: p.KeyID,
			Detail: fmt.Sprintf("delegation %d was issued by %s, which is not a root of this keyring; the product may need a keyring update", c.Serial, p.Issuer)}
	}
	msg, err := codec.CertificateMessage(c)
	if err != nil || !ed25519.Verify(root.pub, msg, c.Signature) {
		return pinnedKey{}, &Error{Reason: ErrInvalidDelegation, KeyID: p.KeyID,
			Detail: fmt.Sprintf("delegation %d: root %s's signature does not verify", c.Serial, p.Issuer)}
	}
	return pinnedKey{id: p.KeyID, alg: codec.Ed25519, pub: ed25519.PublicKey(c.PublicKey), cert: c}, nil
}

// supplied returns the delegated key of a certificate passed with a code,
// checking it once per certificate text.
func (k *Keyring) suppliedKey(certText string) (*pinnedKey, *Error) {
	if pk := k.supplied.get(certText); pk != nil {
		return pk, nil
	}
	c, err := codec.ParseCertificate(certText)
	if err != nil {
		// Not wrapped as Err: its sentinel (malformed, ...) would read as
		// the code's own reason.
		return nil, &Error{Reason: ErrInvalidDelegation, Detail: "the certificate sent with the code cannot be read: " + err.Error()}
	}
	pk, err := k.pinDelegation(c)
	if err != nil {
		return nil, err.(*Error)
	}
	k.supplied.put(certText, &pk)
	return &pk, nil
}

// VerifyDelegated verifies a code that came with its delegation
// certificate (an online answer carries both; the product stores both).
// The certificate must be signed by one of the keyring's roots and cover
// its product; the code must be signed by the certificate's key, unless
// the keyring already trusts the code's key itself, and must fit the
// certificate's limits. An empty certText is Verify.
//
// The certificate's signature is checked the first time a certificate
// text is seen and remembered, so verifying the same code again costs
// what Verify costs.
func (k *Keyring) VerifyDelegated(code, certText string, b Binding, now time.Time) (Terms, error) {
	return k.verifyWith(code, certText, b, now)
}
