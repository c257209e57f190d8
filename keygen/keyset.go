package keygen

import (
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/actkit/actkit/codec"
)

// Keyset is the decrypted content of a keystore: every key, with its
// product, algorithm and status.
//
// Reading a Keyset and signing with its keys (ActiveSigner, Signer,
// SignMessage) is safe from any number of goroutines; changing it (Add,
// Retire, Revoke) is not, and happens inside Store.Update, which hands
// each change its own freshly loaded Keyset.
type Keyset struct {
	keys []*SigningKey
	// delegated are the keys made for delegation (delegation.go).
	delegated []*DelegatedKey
	// recipients are the age recipients a recipient-protected keystore is
	// re-encrypted to on every write (public values).
	recipients []string
	generation uint64
	// auth authenticates a recipient keystore (auth.go); nil for a
	// passphrase keystore.
	auth *keystoreAuth
}

// Keys returns the keys, oldest first.
func (ks *Keyset) Keys() []*SigningKey { return slices.Clone(ks.keys) }

// Generation counts the writes of the keystore; it only increases.
func (ks *Keyset) Generation() uint64 { return ks.generation }

// AdvanceGeneration raises the generation to at least gen, so that a
// keystore restored from a backup and accepted again is not older than
// what was recorded of it.
func (ks *Keyset) AdvanceGeneration(gen uint64) { ks.generation = max(ks.generation, gen) }

// RevokedIDs lists the IDs of the revoked keys.
func (ks *Keyset) RevokedIDs() []codec.KeyID {
	var out []codec.KeyID
	for _, k := range ks.keys {
		if k.Status == Revoked {
			out = append(out, k.ID)
		}
	}
	return out
}

// Key returns the key with the given ID.
func (ks *Keyset) Key(id codec.KeyID) (*SigningKey, error) {
	for _, k := range ks.keys {
		if k.ID == id {
			return k, nil
		}
	}
	return nil, &KeystoreError{Err: ErrNoKey, Detail: "key " + id.String()}
}

// Active returns the product's active key, the one that signs new codes.
func (ks *Keyset) Active(product string) (*SigningKey, error) {
	for _, k := range ks.keys {
		if k.Product == product && k.Status == Active {
			return k, nil
		}
	}
	return nil, &KeystoreError{Err: ErrNoActiveKey, Detail: "product " + product}
}

// ActiveSigner returns the product's active key as a codec.Signer: with
// Signer it makes a Keyset the key source of the signer service.
func (ks *Keyset) ActiveSigner(product string) (codec.Signer, error) {
	k, err := ks.Active(product)
	if err != nil {
		return nil, err
	}
	return k, nil
}

// Signer returns the key with the given ID as a codec.Signer: a root,
// active or retired (a retired key still signs for releases that trust no
// newer one), never revoked; or a delegated key with a certificate for
// that ID.
func (ks *Keyset) Signer(id codec.KeyID) (codec.Signer, error) {
	k, err := ks.Key(id)
	if err != nil {
		if d, ok := ks.delegatedByID(id, nil); ok {
			return *d, nil // a delegated key re-signs its codes too
		}
		return nil, err
	}
	if k.Status == Revoked {
		return nil, &KeystoreError{Err: ErrRevokedKey, Detail: "key " + id.String()}
	}
	return k, nil
}

// Add generates a key for product and makes it the product's active key;
// the previous active key is retired, so codes it signed keep verifying
// with the exported keyring.
func (ks *Keyset) Add(rand io.Reader, product string, alg codec.Algorithm, now time.Time) (*SigningKey, error) {
	taken := func(id codec.KeyID) bool {
		_, err := ks.Key(id)
		return err == nil
	}
	k, err := Generate(rand, product, alg, now, taken)
	if err != nil {
		return nil, err
	}
	if old, err := ks.Active(product); err == nil {
		old.Status = Retired
	}
	ks.keys = append(ks.keys, k)
	return k, nil
}

// Retire stops a key from signing; it stays in exported keyrings.
func (ks *Keyset) Retire(id codec.KeyID) error { return ks.setStatus(id, Retired) }

// Revoke removes a key from exported keyrings; verifiers that pin the new
// keyring refuse its codes as revoked.
func (ks *Keyset) Revoke(id codec.KeyID) error { return ks.setStatus(id, Revoked) }

func (ks *Keyset) setStatus(id codec.KeyID, s Status) error {
	k, err := ks.Key(id)
	if err != nil {
		return err
	}
	if k.Status == Revoked && s != Revoked {
		return &KeystoreError{Err: ErrNoKey, Detail: fmt.Sprintf("key %s is revoked; a revoked key cannot be used again", id)}
	}
	k.Status = s
	return nil
}

// Products returns the products that have keys, in order of first key.
func (ks *Keyset) Products() []string {
	var out []string
	for _, k := range ks.keys {
		if !slices.Contains(out, k.Product) {
			out = append(out, k.Product)
		}
	}
	return out
}

// Export returns the product's keyring: active and retired keys, and the
// IDs of revoked ones. A keyring with an HMAC key carries its secret, and
// anyone holding it can mint codes, so Export refuses unless
// includeSecrets is set.
func (ks *Keyset) Export(product string, includeSecrets bool) (*codec.Keyring, error) {
	kr := &codec.Keyring{Product: product}
	found := false
	for _, k := range ks.keys {
		if k.Product != product {
			continue
		}
		found = true
		if k.Status == Revoked {
			kr.Revoked = append(kr.Revoked, k.ID)
			continue
		}
		if k.Alg == codec.HMACSHA256 && !includeSecrets {
			return nil, &KeystoreError{Err: ErrHMACExport,
				Detail: fmt.Sprintf("key %s is HMAC-SHA256; exporting it gives its holder the power to mint codes", k.ID)}
		}
		kr.Keys = append(kr.Keys, k.VerificationKey())
	}
	if !found {
		return nil, &KeystoreError{Err: ErrNoKey, Detail: "no keys for product " + product}
	}
	if err := kr.Validate(); err != nil {
		return nil, err
	}
	return kr, nil
}

// NewKeyset returns an in-memory keyset of the given keys, for signing
// without a keystore file (tests, tools that load keys another way).
func NewKeyset(keys ...*SigningKey) *Keyset { return &Keyset{keys: keys} }

// KeyIDs lists the product's keys, oldest first, revoked ones included:
// which keys a keyring exported at some time can hold follows from this
// order, since an export writes every key that is not revoked.
func (ks *Keyset) KeyIDs(product string) []codec.KeyID {
	var out []codec.KeyID
	for _, k := range ks.keys {
		if k.Product == product {
			out = append(out, k.ID)
		}
	}
	return out
}
