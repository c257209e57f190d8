package verify

import (
	"fmt"
	"time"

	"github.com/actkit/actkit/codec"
)

// Update checks a keyring update, a version 2 keyring text, against this
// keyring and returns the keyring it makes; k itself is unchanged. It
// refuses, in this order:
//
//   - a text that is not a version 2 keyring (codec's reasons);
//   - another product (ErrWrongProduct);
//   - a version not above this keyring's (ErrRolledBack);
//   - an update whose expiry day ended before now (ErrUpdateExpired);
//   - fewer valid signatures by this keyring's roots than its threshold
//     (a version 1 keyring: one of its Ed25519 keys), then fewer by the
//     update's own roots than the update's threshold
//     (ErrInsufficientSignatures), so that a root rotation is signed by
//     the old roots and the new; then an embedded delegation that does
//     not verify (ErrInvalidDelegation, ErrRevokedDelegation).
//
// The same update applied again (same version, same signed body) returns
// k: products receive the current keyring with every online answer. A
// keyring already held never expires: expiry bounds how late an update
// may be installed, and a product offline for years keeps working.
func (k *Keyring) Update(text string, now time.Time) (*Keyring, error) {
	kr, err := codec.ParseKeyring(text)
	if err != nil {
		return nil, err
	}
	if kr.Version == 0 {
		return nil, &Error{Reason: ErrMalformed, Detail: "a keyring update is a version 2 keyring"}
	}
	if kr.Product != k.product {
		return nil, refuse(ErrWrongProduct, "the update is for product %q, this keyring for %q", kr.Product, k.product)
	}
	switch {
	case kr.Version == k.src.Version && string(kr.SignedMessage()) == string(k.src.SignedMessage()):
		return k, nil
	case kr.Version <= k.src.Version:
		// Checked before the signatures: a replayed old update was signed
		// by the roots of its day, and the useful answer is that it is old.
		// Which refusal is reported never makes an update accepted.
		return nil, &Error{Reason: ErrRolledBack,
			Detail: fmt.Sprintf("the update is version %d, this keyring is version %d", kr.Version, k.src.Version)}
	case !now.Before(kr.Expires.End()):
		return nil, &Error{Reason: ErrUpdateExpired, Day: kr.Expires,
			Detail: fmt.Sprintf("the update's last valid day was %s", kr.Expires)}
	}
	if n, need := k.countSignatures(kr), k.threshold(); n < need {
		return nil, &Error{Reason: ErrInsufficientSignatures,
			Detail: fmt.Sprintf("the update has %d valid signatures by this keyring's roots, of the %d it needs", n, need)}
	}
	next, err := newKeyring(kr, k.allowHMAC)
	if err != nil {
		return nil, err
	}
	return next, nil
}

// threshold is how many of k's roots must sign an update.
func (k *Keyring) threshold() int {
	if k.src.Version == 0 {
		return 1
	}
	return k.src.Threshold
}
