package signer

import (
	"fmt"
	"slices"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
)

// signingKey picks the key a code for t is signed with, inside the
// issuing transaction and before any seat is taken, so that a product
// never pays a seat for a code it would refuse. In order:
//
//  1. the key the request names (the vendor's --key);
//  2. the keys the product says its keyring holds (an online request
//     from a product that sends them): the active key if it is among
//     them, else the newest of them that can sign; none: refused;
//  3. a release line the vendor recorded (keys export --release): the
//     active key if the line's keyring holds it, else the newest key of
//     that keyring that can sign; none: refused;
//  4. otherwise nothing says which keyring the product holds, and the
//     code is signed with the product's oldest key, the one every
//     keyring exported since it was made holds (export writes every key
//     that is not revoked). If that key was revoked, a keyring exported
//     before the revocation may hold nothing newer, and the request is
//     refused with the way out: record the release's keyring.
//
// Rule 4 means that a rotation changes nothing for a product that says
// nothing: the new key signs for the releases that are known to carry
// it.
func (s *Service) signingKey(r ledger.Reader, product string, t licensing.Target) (codec.KeyID, error) {
	if s.keys == nil {
		return codec.KeyID{}, errNoKeys
	}
	if t.Key != nil {
		if t.Key[0] != codec.ProductTag(product) {
			return codec.KeyID{}, &licensing.Refusal{Reason: licensing.ErrInvalid, Product: product, Detail: "key " + t.Key.String() + " belongs to another product"}
		}
		if _, err := s.keys.Signer(*t.Key); err != nil {
			return codec.KeyID{}, &licensing.Refusal{Reason: licensing.ErrNoTrustedKey, Product: product, Detail: "key " + t.Key.String() + " cannot sign", Err: err}
		}
		return *t.Key, nil
	}
	if len(t.Trusted) > 0 {
		if id, ok := s.newestTrusted(product, t.Trusted); ok {
			return id, nil
		}
		return codec.KeyID{}, &licensing.Refusal{Reason: licensing.ErrNoTrustedKey, Product: product,
			Detail: fmt.Sprintf("the product's keyring trusts keys %v, none of which this signer can sign with", t.Trusted)}
	}
	if t.Release != "" {
		ids, found, err := r.ReleaseKeys(product, t.Release)
		if err != nil {
			return codec.KeyID{}, err
		}
		if found {
			if id, ok := s.newestTrusted(product, ids); ok {
				return id, nil
			}
			return codec.KeyID{}, &licensing.Refusal{Reason: licensing.ErrNoTrustedKey, Product: product,
				Detail: fmt.Sprintf("release %s trusts keys %v, none of which can sign", t.Release, ids)}
		}
	}
	return s.everyKeyringKey(product, t.Release)
}

// newestTrusted is the key to sign with for a product whose keyring holds
// trusted: the active key if it is one of them, else the newest of them
// that can sign.
func (s *Service) newestTrusted(product string, trusted []codec.KeyID) (codec.KeyID, bool) {
	if k, err := s.keys.ActiveSigner(product); err == nil && slices.Contains(trusted, k.KeyID()) {
		return k.KeyID(), true
	}
	ids := s.keys.KeyIDs(product)
	for i := len(ids) - 1; i >= 0; i-- {
		if !slices.Contains(trusted, ids[i]) {
			continue
		}
		if _, err := s.keys.Signer(ids[i]); err == nil {
			return ids[i], true
		}
	}
	return codec.KeyID{}, false
}

// everyKeyringKey is rule 4 of signingKey: the product's oldest key, held
// by every keyring exported since it was made, if it can still sign.
func (s *Service) everyKeyringKey(product, release string) (codec.KeyID, error) {
	ids := s.keys.KeyIDs(product)
	if len(ids) == 0 {
		k, err := s.keys.ActiveSigner(product)
		if err != nil {
			return codec.KeyID{}, err
		}
		return k.KeyID(), nil
	}
	if _, err := s.keys.Signer(ids[0]); err != nil {
		which := "this release"
		if release != "" {
			which = "release " + release
		}
		return codec.KeyID{}, &licensing.Refusal{Reason: licensing.ErrNoTrustedKey, Product: product, Err: err,
			Detail: fmt.Sprintf("nothing says which keys %s's keyring holds, and key %s, the one every keyring of %s held, cannot sign; "+
				"record the release's keyring with 'actkit keys export --product %s --release LINE'", which, ids[0], product, product)}
	}
	return ids[0], nil
}
