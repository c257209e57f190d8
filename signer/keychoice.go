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
//
// A channel (t.Trust.Purpose: the licence API, the portal) signs with a
// delegated key instead, when the product accepts it, and returns its
// certificate; the rules above then apply only to roots the server was
// started with on purpose. A client already in the field (t.Trust.Field)
// accepts any delegation of the product: where neither a delegation the
// product said it accepts nor a root signs, the delegation does, with its
// certificate, instead of a refusal that would lock out every such
// client of a server on delegated keys.
//
// The release line's keys (rule 3) are those seat read for t.Release
// (ledger.SeatQuery.Release), in the statement that read the machine's
// activation: choosing the key costs no statement of its own.
func (s *Service) signingKey(product string, t licensing.Target, seat ledger.Seat) (codec.KeyID, *codec.Certificate, error) {
	if s.keys == nil {
		return codec.KeyID{}, nil, errNoKeys
	}
	t.Trust = s.trustAfterUpdate(product, t.Trust)
	if t.Trust.Purpose == 0 || t.Key != nil {
		id, err := s.rootKey(product, t, seat)
		return id, nil, err
	}
	// A channel (the licence API, the portal) signs with a delegated key
	// whose certificate covers the product, the channel and today, if the
	// product accepts it: its keyring lists the delegated key (an
	// embedded delegation), or it lists the issuing root and verifies the
	// certificate that comes with the code.
	trusted := t.Trust.Keys
	if len(trusted) == 0 && t.Release != "" {
		trusted = seat.Release
	}
	issuers := trusted
	if t.Trust.Issuers != nil {
		issuers = t.Trust.Issuers
	}
	accepts := func(p codec.CertificateProduct) bool {
		return slices.Contains(trusted, p.KeyID) || (t.Trust.Certificates && slices.Contains(issuers, p.Issuer))
	}
	today := codec.DayOf(s.now())
	sg, cert, derr := s.keys.Delegation(product, t.Trust.Purpose, today, accepts)
	if derr == nil {
		return sg.KeyID(), cert, nil
	}
	anySigner, any, err := s.keys.Delegation(product, t.Trust.Purpose, today, nil)
	if err == nil {
		p, _ := any.For(product)
		derr = &licensing.Refusal{Reason: licensing.ErrNoTrustedKey, Product: product,
			Detail: fmt.Sprintf("this server signs with delegated key %s (certified by root %s), and nothing says this release accepts it: update the product, or activate offline", p.KeyID, p.Issuer)}
		cert = any
	} else {
		derr = &licensing.Refusal{Reason: licensing.ErrNoActiveKey, Product: product, Err: derr,
			Detail: "no delegation covers product " + product + " today: bring a renewed delegation from the workstation"}
	}
	// A server started with roots on purpose (serve --allow-root-keys)
	// still serves the products that accept no delegation; with no
	// delegation at all, the roots' own answer is the one to give.
	if len(s.keys.KeyIDs(product)) > 0 {
		id, err := s.rootKey(product, t, seat)
		if err == nil || cert == nil {
			return id, nil, err
		}
	}
	if t.Trust.Field && any != nil && len(t.Trust.Keys) == 0 {
		// A client already in the field: the delegation signs, and its
		// certificate goes with the code.
		return anySigner.KeyID(), any, nil
	}
	return codec.KeyID{}, nil, derr
}

// rootKey applies rules 1 to 4 to the product's root keys.
func (s *Service) rootKey(product string, t licensing.Target, seat ledger.Seat) (codec.KeyID, error) {
	if t.Key != nil {
		if t.Key[0] != codec.ProductTag(product) {
			return codec.KeyID{}, &licensing.Refusal{Reason: licensing.ErrInvalid, Product: product, Detail: "key " + t.Key.String() + " belongs to another product"}
		}
		if _, err := s.keys.Signer(*t.Key); err != nil {
			return codec.KeyID{}, &licensing.Refusal{Reason: licensing.ErrNoTrustedKey, Product: product, Detail: "key " + t.Key.String() + " cannot sign", Err: err}
		}
		return *t.Key, nil
	}
	if len(t.Trust.Keys) > 0 {
		if id, ok := s.newestTrusted(product, t.Trust.Keys); ok {
			return id, nil
		}
		return codec.KeyID{}, &licensing.Refusal{Reason: licensing.ErrNoTrustedKey, Product: product,
			Detail: fmt.Sprintf("the product's keyring trusts keys %v, none of which this signer can sign with", t.Trust.Keys)}
	}
	if t.Release != "" {
		if ids := seat.Release; seat.ReleaseRecorded {
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
				"record the keyring that release embeds", which, ids[0], product)}
	}
	return ids[0], nil
}

// withinDelegation fits a code's terms to the delegation of the key that
// will sign it, before any seat is taken: its expiry is capped to the
// longest code the certificate allows (a delegated key never signs a
// perpetual code; the product's scheduled validation renews it, as a
// lease), and a licence granting features the certificate does not is
// refused. Seats are one per code, within any certificate.
func withinDelegation(li licensing.Licence, t licensing.Target, c *codec.Certificate) (licensing.Target, error) {
	if li.Bits&^c.Features != 0 {
		return t, &licensing.Refusal{Reason: licensing.ErrOutsideDelegation, Product: li.Product,
			Detail: "the licence grants features this server's delegation does not: issue its codes on the workstation"}
	}
	if c.MaxCodeDays == 0 {
		return t, &licensing.Refusal{Reason: licensing.ErrOutsideDelegation, Product: li.Product,
			Detail: "this server's delegation allows no code to outlive its issue day"}
	}
	if t.LeaseDays == 0 || t.LeaseDays > int(c.MaxCodeDays) {
		t.LeaseDays = int(c.MaxCodeDays)
	}
	return t, nil
}

// accepts reports whether a product that said what it trusts accepts the
// code is: its keyring lists the code's key, or a root that certified it
// when the product verifies certificates; is then carries a certificate
// of that root.
func (s *Service) accepts(trust licensing.Trust, is *Issued) bool {
	trust = s.trustAfterUpdate(is.Product, trust)
	if slices.Contains(trust.Keys, is.KeyID) {
		return true
	}
	if is.Certificate == nil || !trust.Certificates {
		return false
	}
	issuers := trust.Keys
	if trust.Issuers != nil {
		issuers = trust.Issuers
	}
	c, ok := s.keys.Certificate(is.KeyID, func(p codec.CertificateProduct) bool { return slices.Contains(issuers, p.Issuer) })
	if ok {
		is.Certificate = c
	}
	return ok
}
