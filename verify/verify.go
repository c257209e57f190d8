package verify

import (
	"fmt"
	"time"

	"github.com/actkit/actkit/codec"
)

// ClockSkew is how far the clock may be behind a code's issue day (taken
// as its first instant, UTC) before the code is refused as not yet valid.
// Two days cover every time zone and a modestly wrong clock.
const ClockSkew = 48 * time.Hour

// Binding is what a code must be bound to: the product ID, the licence key
// as the user entered it (case, spaces and hyphens do not matter) and the
// machine's current UID.
type Binding = codec.Binding

// Terms are the verified terms of an activation code.
type Terms struct {
	Product   string
	KeyID     codec.KeyID
	Algorithm codec.Algorithm
	Serial    uint64
	Issued    codec.Day
	// Expires is the last valid day (inclusive), or codec.NoExpiry.
	Expires  codec.Day
	Seats    int
	Features uint64
}

// Perpetual reports a code without an expiry day.
func (t Terms) Perpetual() bool { return t.Expires == codec.NoExpiry }

// HasFeature reports whether feature bit n is granted.
func (t Terms) HasFeature(n int) bool {
	return n >= 0 && n <= codec.MaxFeatureBit && t.Features&(1<<n) != 0
}

// Verify checks code against the binding at time now and returns its terms.
//
// The checks run in a fixed order: the binding; the text (characters,
// check symbols, structure, version); the key ID (product, revoked,
// unknown, algorithm); the signature, whose failure is then explained with
// the code's licence and machine tags; and only then the dates, now against
// the issue day (less ClockSkew) and the inclusive expiry day.
//
// A code with a single mistyped symbol is refused with ErrTypo; when
// exactly one correction verifies, Error.Suggestion holds it.
func (k *Keyring) Verify(code string, b Binding, now time.Time) (Terms, error) {
	return k.verifyWith(code, "", b, now)
}

func (k *Keyring) verifyWith(code, certText string, b Binding, now time.Time) (Terms, error) {
	nb, err := b.Normalize()
	if err != nil {
		return Terms{}, fromCodec(err)
	}
	if b.Product != k.product {
		return Terms{}, refuse(ErrWrongProduct, "the keyring is for product %q, not %q", k.product, b.Product)
	}
	t, verr := k.verify(code, certText, &nb, now)
	if verr == nil {
		return t, nil
	}
	if verr.Reason == ErrTypo && len(verr.Groups) == 1 {
		verr.Suggestion = k.suggest(code, certText, &nb, now)
	}
	return Terms{}, verr
}

// suggest returns the one single-symbol correction whose signature
// verifies, or "" when there is none or more than one.
func (k *Keyring) suggest(code, certText string, nb *codec.NormalizedBinding, now time.Time) string {
	found := ""
	for _, c := range codec.SingleSymbolCorrections(code) {
		_, err := k.verify(c.Text, certText, nb, now)
		if err == nil || err.Reason == ErrExpired || err.Reason == ErrNotYetValid {
			if found != "" {
				return ""
			}
			found = c.Text
		}
	}
	return found
}

func (k *Keyring) verify(code, certText string, nb *codec.NormalizedBinding, now time.Time) (Terms, *Error) {
	raw, err := codec.ParseText(code)
	if err != nil {
		return Terms{}, fromCodec(err)
	}
	c, err := codec.DecodeBinary(raw)
	if err != nil {
		return Terms{}, fromCodec(err)
	}
	p := &c.Payload
	if p.KeyID[0] != k.productTag {
		return Terms{}, &Error{Reason: ErrWrongProduct, KeyID: p.KeyID,
			Detail: fmt.Sprintf("key %s does not belong to product %q", p.KeyID, k.product)}
	}
	if k.isRevoked(p.KeyID) {
		if certText != "" {
			if cert, err := codec.ParseCertificate(certText); err == nil {
				if cp, ok := cert.For(k.product); ok && cp.KeyID == p.KeyID {
					return Terms{}, &Error{Reason: ErrRevokedDelegation, KeyID: p.KeyID,
						Detail: fmt.Sprintf("delegated key %s was revoked by the vendor; ask for a new code", p.KeyID)}
				}
			}
		}
		return Terms{}, &Error{Reason: ErrRevokedKey, KeyID: p.KeyID,
			Detail: fmt.Sprintf("key %s was revoked by the vendor; ask for a new code", p.KeyID)}
	}
	key, ok := k.lookup(p.KeyID)
	if !ok && certText != "" {
		var verr *Error
		if key, verr = k.suppliedKey(certText); verr != nil {
			verr.KeyID = p.KeyID
			return Terms{}, verr
		}
		if key.id != p.KeyID {
			return Terms{}, &Error{Reason: ErrInvalidDelegation, KeyID: p.KeyID,
				Detail: fmt.Sprintf("the certificate delegates key %s, but the code is signed by %s", key.id, p.KeyID)}
		}
		ok = true
	}
	if !ok {
		return Terms{}, &Error{Reason: ErrUnknownKey, KeyID: p.KeyID,
			Detail: fmt.Sprintf("key %s is not in this product's keyring; the product may need an update", p.KeyID)}
	}
	if len(c.Sig) != key.alg.SignatureSize() {
		return Terms{}, &Error{Reason: ErrAlgorithmMismatch, KeyID: p.KeyID,
			Detail: fmt.Sprintf("key %s is %s, which makes %d-byte signatures, but the code carries %d bytes",
				p.KeyID, key.alg, key.alg.SignatureSize(), len(c.Sig))}
	}
	sc := k.scratch.Get().(*scratch)
	msg := codec.AppendMessage(sc.msg[:0], nb, raw[:len(raw)-len(c.Sig)])
	ok = key.check(msg, c.Sig, &sc.sum)
	k.scratch.Put(sc)
	if !ok {
		// Only now, to explain the failure, are the unauthenticated tags
		// consulted; they never make a code valid.
		switch {
		case p.LicenceTag != nb.LicenceTag():
			return Terms{}, &Error{Reason: ErrWrongLicence, KeyID: p.KeyID,
				Detail: "check the licence key, or ask for a code for this licence"}
		case p.MachineTag != nb.MachineTag():
			return Terms{}, &Error{Reason: ErrWrongMachine, KeyID: p.KeyID,
				Detail: "the code was issued for a different machine UID; send this machine's request code to the vendor"}
		}
		return Terms{}, &Error{Reason: ErrBadSignature, KeyID: p.KeyID,
			Detail: "the code was altered or forged"}
	}
	if key.cert != nil {
		// Authenticated now: the delegation's limits are judged by the
		// code's own issue day and terms, whatever the clock says.
		if why := key.cert.Fits(p); why != "" {
			return Terms{}, &Error{Reason: ErrOutsideDelegation, KeyID: p.KeyID,
				Detail: fmt.Sprintf("delegation %d: %s", key.cert.Serial, why)}
		}
	}
	if now.Before(p.Issued.Start().Add(-ClockSkew)) {
		return Terms{}, &Error{Reason: ErrNotYetValid, KeyID: p.KeyID, Day: p.Issued,
			Detail: fmt.Sprintf("issued %s; check the system clock", p.Issued)}
	}
	if p.Expires != codec.NoExpiry && !now.Before(p.Expires.End()) {
		return Terms{}, &Error{Reason: ErrExpired, KeyID: p.KeyID, Day: p.Expires,
			Detail: fmt.Sprintf("last valid day was %s", p.Expires)}
	}
	return Terms{
		Product:   k.product,
		KeyID:     p.KeyID,
		Algorithm: key.alg,
		Serial:    p.Serial,
		Issued:    p.Issued,
		Expires:   p.Expires,
		Seats:     int(p.Seats),
		Features:  p.Features,
	}, nil
}
