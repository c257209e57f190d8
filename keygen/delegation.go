package keygen

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/mr-tron/base58"
)

// A keystore holds two kinds of keys. Roots (Keyset.Keys) are the
// product keys a workstation makes with 'keys new': products embed them,
// and they sign delegations. Delegated keys are made where they are used
// (the licence server's home), so that their secret never travels: the
// server writes a delegation request (the public key alone), the
// workstation signs a certificate for it (docs/format.md section 13), and
// the server installs the certificate. Codes a delegated key signs are
// bounded by its certificates, which every verifier checks.

// Errors of delegated keys.
var (
	// ErrNoDelegation: no installed certificate lets a delegated key sign
	// for the product, with the purpose, on the day asked.
	ErrNoDelegation = errors.New("no delegation covers this product today")
	// ErrNotRequested: a certificate is for a key this keystore did not
	// request.
	ErrNotRequested = errors.New("the certificate is for a key this keystore did not request")
)

// DelegatedKey is a key pair made for delegation, with the certificates
// installed for it (none while its request is with the workstation).
type DelegatedKey struct {
	Created      time.Time
	Certificates []*codec.Certificate
	seed         []byte
	priv         ed25519.PrivateKey
}

func newDelegatedKey(seed []byte, created time.Time) *DelegatedKey {
	return &DelegatedKey{Created: created.UTC(), seed: seed, priv: ed25519.NewKeyFromSeed(seed)}
}

// PublicKey returns the delegated Ed25519 public key.
func (d *DelegatedKey) PublicKey() ed25519.PublicKey { return d.priv.Public().(ed25519.PublicKey) }

// Request returns the delegation request: the text the server sends the
// workstation, which carries the public key alone.
func (d *DelegatedKey) Request() string { return FormatDelegationRequest(d.PublicKey()) }

// delegationRequestHeader opens a delegation request's text.
const delegationRequestHeader = "actkit-delegation-request v1 "

// FormatDelegationRequest is the one-line text of a delegation request:
// "actkit-delegation-request v1 " and the base58 of the public key.
func FormatDelegationRequest(pub ed25519.PublicKey) string {
	return delegationRequestHeader + base58.Encode(pub)
}

// ParseDelegationRequest reads a delegation request's text (spaces and
// line breaks around it are ignored) and returns its public key. The
// text is capped before base58 decoding, and the key must be a valid
// Ed25519 key in its one canonical encoding.
func ParseDelegationRequest(text string) (ed25519.PublicKey, error) {
	text = strings.TrimSpace(text)
	if len(text) > 200 || !strings.HasPrefix(text, delegationRequestHeader) {
		return nil, errors.New("not an actkit delegation request (actkit-delegation-request v1 ...)")
	}
	enc := text[len(delegationRequestHeader):]
	pub, err := base58.Decode(enc)
	if err != nil || len(pub) != ed25519.PublicKeySize || base58.Encode(pub) != enc {
		return nil, errors.New("delegation request: the public key is damaged")
	}
	// The certificate's own rules (canonical, not of small order) are the
	// ones that matter: check them now, before the workstation signs.
	probe := codec.Certificate{PublicKey: pub, NotBefore: 0, NotAfter: 0, MaxCodeDays: 1, Purpose: codec.PurposeOnline, MaxSeats: 1,
		Products: []codec.CertificateProduct{{Product: "probe", KeyID: codec.DeriveKeyID("probe", codec.Ed25519, pub), Issuer: codec.KeyID{codec.ProductTag("probe"), 0}}}}
	if err := probe.Validate(); err != nil && errors.Is(err, codec.ErrInvalidKey) {
		return nil, fmt.Errorf("delegation request: %w", err)
	}
	return pub, nil
}

// delegatedSigner signs with a delegated key under one product's key ID.
type delegatedSigner struct {
	d    *DelegatedKey
	id   codec.KeyID
	cert *codec.Certificate
}

func (s delegatedSigner) KeyID() codec.KeyID         { return s.id }
func (s delegatedSigner) Algorithm() codec.Algorithm { return codec.Ed25519 }
func (s delegatedSigner) SignMessage(msg []byte) ([]byte, error) {
	return ed25519.Sign(s.d.priv, msg), nil
}

// RequestDelegation makes a delegated key pair in the keyset, with no
// certificate yet; its Request goes to the workstation.
func (ks *Keyset) RequestDelegation(rand io.Reader, now time.Time) (*DelegatedKey, error) {
	seed := make([]byte, ed25519.SeedSize)
	if _, err := io.ReadFull(rand, seed); err != nil {
		return nil, fmt.Errorf("keygen: reading randomness: %w", err)
	}
	d := newDelegatedKey(seed, now)
	ks.delegated = append(ks.delegated, d)
	return d, nil
}

// Delegated returns the delegated keys, oldest first.
func (ks *Keyset) Delegated() []*DelegatedKey { return slices.Clone(ks.delegated) }

// InstallCertificate attaches a certificate the workstation signed to the
// key it was requested for. The certificate's root signature is checked
// by products against their keyrings; here its key must be one this
// keystore requested, and the same certificate twice is no change.
func (ks *Keyset) InstallCertificate(c *codec.Certificate) (*DelegatedKey, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	for _, d := range ks.delegated {
		if !bytes.Equal(d.PublicKey(), c.PublicKey) {
			continue
		}
		for _, have := range d.Certificates {
			if have.String() == c.String() {
				return d, nil
			}
		}
		d.Certificates = append(d.Certificates, c)
		return d, nil
	}
	return nil, &KeystoreError{Err: ErrNotRequested, Detail: "certificate " + fmt.Sprint(c.Serial)}
}

// Delegation returns the delegated signer for product whose certificate
// allows purpose on day and, if accept is not nil, whose entry accept
// takes (the asking product trusts its issuer): of several, the one whose
// window ends last, and of those the newest (requested, then installed,
// last): a fresh key delegated with the same --days on the day it
// replaces another signs from then on, not the key it replaces. After a
// root rotation a server holds certificates of the old root and of the
// new, and each product gets the one it trusts.
func (ks *Keyset) Delegation(product string, purpose codec.Purpose, day codec.Day, accept func(codec.CertificateProduct) bool) (codec.Signer, *codec.Certificate, error) {
	var best *delegatedSigner
	for _, d := range ks.delegated {
		for _, c := range d.Certificates {
			p, ok := c.For(product)
			if !ok || c.Purpose&purpose != purpose || day < c.NotBefore || day > c.NotAfter || (accept != nil && !accept(p)) {
				continue
			}
			if best == nil || c.NotAfter >= best.cert.NotAfter {
				best = &delegatedSigner{d: d, id: p.KeyID, cert: c}
			}
		}
	}
	if best == nil {
		return nil, nil, &KeystoreError{Err: ErrNoDelegation, Detail: fmt.Sprintf("product %s, %s, %s", product, purpose, day)}
	}
	return *best, best.cert, nil
}

// delegatedByID finds the delegated signer with key ID id, and the
// certificate of that ID whose entry accept takes (nil: any) and whose
// window ends last (of those, the last installed, as in Delegation).
func (ks *Keyset) delegatedByID(id codec.KeyID, accept func(codec.CertificateProduct) bool) (*delegatedSigner, bool) {
	var best *delegatedSigner
	for _, d := range ks.delegated {
		for _, c := range d.Certificates {
			for _, p := range c.Products {
				if p.KeyID == id && (accept == nil || accept(p)) && (best == nil || c.NotAfter >= best.cert.NotAfter) {
					best = &delegatedSigner{d: d, id: id, cert: c}
				}
			}
		}
	}
	return best, best != nil
}

// Certificate returns a certificate of a delegated key ID whose entry
// accept takes (nil: any; of several, the one whose window ends last),
// for answers that carry it: after a root rotation one key may hold a
// certificate of each root.
func (ks *Keyset) Certificate(id codec.KeyID, accept func(codec.CertificateProduct) bool) (*codec.Certificate, bool) {
	s, ok := ks.delegatedByID(id, accept)
	if !ok {
		return nil, false
	}
	return s.cert, true
}

// HasRoots reports whether the keyset holds any root (a product key that
// is not revoked): what 'actkit serve' refuses to run with unless told.
func (ks *Keyset) HasRoots(skip string) bool {
	for _, k := range ks.keys {
		if k.Product != skip && k.Status != Revoked {
			return true
		}
	}
	return false
}

// Limits are what a delegation allows, chosen on the workstation.
type Limits struct {
	Products    []string
	NotBefore   codec.Day
	Days        int // the window's length, NotBefore included
	MaxCodeDays uint16
	Purpose     codec.Purpose
	MaxSeats    uint16
	Features    uint64
	SerialMin   uint64
	SerialMax   uint64
	Serial      uint64
	// Root, if set, signs instead of each product's active root.
	Root *codec.KeyID
}

// Delegate signs a certificate for the public key of a delegation
// request with the active root of each product in l.Products. A
// certificate carries one root signature, so several products can share
// one only when one root key is every product's issuer; Delegate
// therefore signs one certificate per product.
func (ks *Keyset) Delegate(pub ed25519.PublicKey, l Limits) ([]*codec.Certificate, error) {
	if l.Days < 1 || l.Days > 0xFFFE {
		return nil, fmt.Errorf("keygen: a delegation lasts 1 day or more")
	}
	var out []*codec.Certificate
	for i, product := range l.Products {
		root, err := ks.Active(product)
		if l.Root != nil {
			// A retired root, for products whose keyring holds only it.
			if root, err = ks.Key(*l.Root); err == nil && (root.Product != product || root.Status == Revoked) {
				err = &KeystoreError{Err: ErrNoKey, Detail: fmt.Sprintf("key %s is not a usable root of %s", root.ID, product)}
			}
		}
		if err != nil {
			return nil, err
		}
		if root.Alg != codec.Ed25519 {
			return nil, fmt.Errorf("keygen: product %s's active key %s is %s; delegations are signed with Ed25519", product, root.ID, root.Alg)
		}
		id := codec.DeriveKeyID(product, codec.Ed25519, pub)
		if slices.Contains(ks.KeyIDs(product), id) {
			// A key ID has one byte of its own: a verifier that finds two
			// keys under one ID would check the wrong one.
			return nil, &KeystoreError{Err: ErrKeyIDTaken, Detail: fmt.Sprintf("the requested key's ID %s for %s is a root's; make another request on the server", id, product)}
		}
		c := &codec.Certificate{Serial: l.Serial + uint64(i), PublicKey: pub,
			Products:  []codec.CertificateProduct{{Product: product, KeyID: id, Issuer: root.ID}},
			NotBefore: l.NotBefore, NotAfter: l.NotBefore + codec.Day(l.Days-1), MaxCodeDays: l.MaxCodeDays, Purpose: l.Purpose,
			MaxSeats: l.MaxSeats, Features: l.Features, SerialMin: l.SerialMin, SerialMax: l.SerialMax}
		if err := codec.SignCertificate(root, c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// SignedKeyring returns the product's keyring as a version 2 keyring
// update (docs/format.md sections 6.1 and 14): its Ed25519 keys that are
// not revoked as roots, threshold 1, its revoked keys and the delegated
// key IDs in revokeDelegated as revoked, version and expiry as given,
// signed by every one of its roots, so that a product holding any older
// keyring of them accepts it. Products reject an update whose version is
// not above the one they hold: the vendor numbers them.
func (ks *Keyset) SignedKeyring(product string, version uint32, expires codec.Day, revokeDelegated []codec.KeyID) (*codec.Keyring, error) {
	return ks.signedKeyring(product, version, expires, revokeDelegated, false)
}

// RootRotation returns the product's keyring update that rotates its
// root (docs/format.md section 14, "Root rotation"): the active key is
// its one root; the product's other Ed25519 keys that are not revoked
// become keys, whose codes stay honoured but which sign no keyring or
// delegation any more; revoked keys are revoked. It is signed by the new
// root (the update's own threshold) and by every older Ed25519 key of the
// product, revoked ones included, so that a product holding any earlier
// keyring, a version 1 one trusting only the old root included, finds
// its threshold of its own roots and installs it. A revoked old root's
// signature gives a thief of that root nothing: it could sign such an
// update itself.
func (ks *Keyset) RootRotation(product string, version uint32, expires codec.Day, revokeDelegated []codec.KeyID) (*codec.Keyring, error) {
	return ks.signedKeyring(product, version, expires, revokeDelegated, true)
}

func (ks *Keyset) signedKeyring(product string, version uint32, expires codec.Day, revokeDelegated []codec.KeyID, rotate bool) (*codec.Keyring, error) {
	kr := &codec.Keyring{Product: product, Version: version, Expires: expires, Threshold: 1}
	var signers []codec.Signer
	for _, k := range ks.keys {
		if k.Product != product {
			continue
		}
		switch {
		case k.Status == Revoked:
			kr.Revoked = append(kr.Revoked, k.ID)
			if rotate && k.Alg == codec.Ed25519 {
				signers = append(signers, retiredRootSigner{k})
			}
		case k.Alg != codec.Ed25519:
		case !rotate || k.Status == Active:
			kr.Roots = append(kr.Roots, k.VerificationKey())
			signers = append(signers, k)
		default: // a retired root, rotated out
			kr.Keys = append(kr.Keys, k.VerificationKey())
			signers = append(signers, k)
		}
	}
	if len(kr.Roots) == 0 {
		if rotate {
			return nil, &KeystoreError{Err: ErrNoActiveKey, Detail: "product " + product + " has no active Ed25519 key to rotate its root to"}
		}
		return nil, &KeystoreError{Err: ErrNoKey, Detail: "no Ed25519 root for product " + product}
	}
	for _, id := range revokeDelegated {
		if slices.Contains(kr.Revoked, id) {
			continue
		}
		if slices.ContainsFunc(append(slices.Clone(kr.Roots), kr.Keys...), func(k codec.Key) bool { return k.ID == id }) {
			return nil, &KeystoreError{Err: ErrNoKey, Detail: fmt.Sprintf("%s is a root of %s: revoke it as a root key", id, product)}
		}
		kr.Revoked = append(kr.Revoked, id)
	}
	if err := codec.SignKeyring(kr, signers...); err != nil {
		return nil, err
	}
	return kr, nil
}

// retiredRootSigner signs a root rotation with a revoked root, which
// signs nothing else: the one signature a product trusting only that
// root needs to move on to its successor.
type retiredRootSigner struct{ k *SigningKey }

func (s retiredRootSigner) KeyID() codec.KeyID         { return s.k.ID }
func (s retiredRootSigner) Algorithm() codec.Algorithm { return codec.Ed25519 }
func (s retiredRootSigner) SignMessage(msg []byte) ([]byte, error) {
	return ed25519.Sign(s.k.priv, msg), nil
}

// RevokeDelegated stops the delegated keys with these IDs from signing
// in this keyset (in memory: a server applying a keyring update that
// revokes them). Codes they signed are then signed again under another
// key at the product's next validation (signer.Service.Validate).
func (ks *Keyset) RevokeDelegated(ids []codec.KeyID) {
	for _, d := range ks.delegated {
		d.Certificates = slices.DeleteFunc(d.Certificates, func(c *codec.Certificate) bool {
			return slices.ContainsFunc(c.Products, func(p codec.CertificateProduct) bool { return slices.Contains(ids, p.KeyID) })
		})
	}
}
