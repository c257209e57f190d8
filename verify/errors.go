package verify

import (
	"errors"
	"fmt"

	"github.com/actkit/actkit/codec"
)

// Reasons a code is refused. Verify checks them in this order and returns
// the first that applies; nothing the code claims is trusted before its
// signature has verified, except the key ID that selects the key.
var (
	// ErrInvalidBinding: the product ID, licence key or machine UID passed
	// to Verify is empty, too long or has characters that cannot occur.
	ErrInvalidBinding = codec.ErrInvalidBinding
	// ErrMalformed: the text is not an activation code (a bad character,
	// with its position; missing or extra symbols).
	ErrMalformed = codec.ErrMalformed
	// ErrTypo: a group failed its check symbol. Error.Groups names it, and
	// Error.Suggestion holds the correction when exactly one single-symbol
	// change makes a valid code.
	ErrTypo = codec.ErrTypo
	// ErrUnsupportedVersion: the code uses a format version this build does
	// not read; a product update may be needed.
	ErrUnsupportedVersion = codec.ErrUnsupportedVersion
	// ErrWrongProduct: the code, or the keyring, is for another product.
	ErrWrongProduct = errors.New("code is for another product")
	// ErrRevokedKey: the code was signed by a key the vendor revoked.
	ErrRevokedKey = errors.New("signed by a revoked key")
	// ErrUnknownKey: the code's key ID is not in the keyring (a newer
	// vendor key than this product knows, or a forged code).
	ErrUnknownKey = errors.New("signed by an unknown key")
	// ErrAlgorithmMismatch: the code's signature is not of the kind its
	// key requires (an HMAC tag under an Ed25519 key ID, or the reverse).
	ErrAlgorithmMismatch = errors.New("signature does not match the key's algorithm")
	// ErrWrongLicence: the code was issued for another licence key.
	ErrWrongLicence = errors.New("code is for another licence key")
	// ErrWrongMachine: the code was issued for another machine UID.
	ErrWrongMachine = errors.New("code is for another machine")
	// ErrBadSignature: the signature or MAC does not verify.
	ErrBadSignature = errors.New("signature does not verify")
	// ErrNotYetValid: the clock is behind the code's issue date by more
	// than ClockSkew; the system clock is probably wrong.
	ErrNotYetValid = errors.New("code is not valid yet: the clock is behind its issue date")
	// ErrExpired: the code's last valid day has passed.
	ErrExpired = errors.New("code has expired")

	// ErrOutsideDelegation: the code was signed by a delegated key but
	// falls outside its certificate: issued outside the window, perpetual
	// or longer than allowed, or over the seats, features or serial range.
	// A vendor's server cannot sign such a code honestly.
	ErrOutsideDelegation = errors.New("code is outside its key's delegation")
	// ErrRevokedDelegation: the code's delegated key, or the root that
	// delegated it, was revoked by a keyring update.
	ErrRevokedDelegation = errors.New("signed under a revoked delegation")
	// ErrInvalidDelegation: the certificate held for the code's key is not
	// one this keyring accepts: unreadable, for another key or product,
	// not issued by one of its roots, or its signature does not verify.
	ErrInvalidDelegation = errors.New("delegation certificate is not valid for this keyring")

	// Reasons a keyring update (Keyring.Update) or a version 2 keyring
	// is refused.

	// ErrInsufficientSignatures: fewer valid signatures than the threshold
	// of the roots that must sign (the current roots for an update, and
	// the keyring's own roots).
	ErrInsufficientSignatures = errors.New("keyring is not signed by enough roots")
	// ErrRolledBack: the update's version is not newer than the keyring's.
	ErrRolledBack = errors.New("keyring update is older than the keyring it would replace")
	// ErrUpdateExpired: the update's expiry day has passed.
	ErrUpdateExpired = errors.New("keyring update has expired")
)

// Error is the detail of a refusal. Reason is one of the sentinels above.
type Error struct {
	Reason error
	// Detail explains the refusal for people; lower case, no secrets.
	Detail string
	// Pos is the 1-based character position of a bad character.
	Pos int
	// Groups and NumGroups locate typos (ErrTypo).
	Groups    []int
	NumGroups int
	// Suggestion is the corrected code, canonical form, when a single typo
	// has exactly one correction that verifies. It is never accepted on the
	// user's behalf: show it and let them confirm.
	Suggestion string
	// KeyID is the code's key ID, when it could be read.
	KeyID codec.KeyID
	// Day is the expiry day (ErrExpired) or issue day (ErrNotYetValid).
	Day codec.Day
	// Err is the underlying codec error, if any.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		s := e.Err.Error()
		if e.Suggestion != "" {
			s += "; did you mean " + e.Suggestion + "?"
		}
		return s
	}
	what := "activation code: "
	switch e.Reason {
	case ErrInsufficientSignatures, ErrRolledBack, ErrUpdateExpired:
		what = "keyring: "
	}
	s := what + e.Reason.Error()
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Is makes errors.Is(err, verify.ErrX) work for every reason.
func (e *Error) Is(target error) bool { return target == e.Reason }

// Unwrap returns the underlying codec error, if any.
func (e *Error) Unwrap() error { return e.Err }

func refuse(reason error, format string, args ...any) *Error {
	return &Error{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// fromCodec wraps a codec error, keeping its sentinel as the reason.
func fromCodec(err error) *Error {
	e := &Error{Reason: ErrMalformed, Err: err}
	var ce *codec.Error
	if errors.As(err, &ce) {
		e.Reason = ce.Err
		e.Pos = ce.Pos
		e.Groups = ce.Groups
		e.NumGroups = ce.NumGroups
		e.Detail = ce.Detail
	}
	return e
}

// reasonCodes are stable names for the reasons, for logs, JSON output and
// scripts. They never change once released.
var reasonCodes = []struct {
	err  error
	code string
}{
	{ErrInvalidBinding, "invalid-binding"},
	{ErrMalformed, "malformed"},
	{ErrTypo, "typo"},
	{ErrUnsupportedVersion, "unsupported-version"},
	{ErrWrongProduct, "wrong-product"},
	{ErrRevokedKey, "revoked-key"},
	{ErrUnknownKey, "unknown-key"},
	{ErrAlgorithmMismatch, "algorithm-mismatch"},
	{ErrWrongLicence, "wrong-licence"},
	{ErrWrongMachine, "wrong-machine"},
	{ErrBadSignature, "bad-signature"},
	{ErrNotYetValid, "not-yet-valid"},
	{ErrExpired, "expired"},
	{ErrOutsideDelegation, "outside-delegation"},
	{ErrRevokedDelegation, "revoked-delegation"},
	{ErrInvalidDelegation, "invalid-delegation"},
	{ErrInsufficientSignatures, "insufficient-signatures"},
	{ErrRolledBack, "rolled-back"},
	{ErrUpdateExpired, "update-expired"},
}

// ReasonCode returns the stable name of the reason of an error returned by
// Verify ("typo", "wrong-machine", "expired", ...), or "" for nil or an
// error that did not come from Verify.
func ReasonCode(err error) string {
	for _, r := range reasonCodes {
		if errors.Is(err, r.err) {
			return r.code
		}
	}
	return ""
}
