package keygen

import (
	"errors"
	"fmt"
)

// Keystore failures. Each error from this package's keystore functions
// wraps one of them; the detail is in *KeystoreError.
var (
	ErrKeystoreExists     = errors.New("keystore already exists")
	ErrKeystoreNotFound   = errors.New("no keystore")
	ErrIncorrectPassword  = errors.New("incorrect passphrase")
	ErrNoMatchingIdentity = errors.New("no identity matches the keystore's recipients")
	ErrWrongProtection    = errors.New("keystore is protected another way")
	ErrWorkFactor         = errors.New("scrypt work factor above the accepted maximum")
	ErrDamaged            = errors.New("keystore is damaged")
	ErrUnsupportedVersion = errors.New("keystore format version not supported")
	ErrLocked             = errors.New("keystore is locked by another process")
	ErrNoKey              = errors.New("no such key")
	ErrNoActiveKey        = errors.New("no active key for the product")
	ErrHMACExport         = errors.New("keyring would contain an HMAC secret")
	ErrBadProtection      = errors.New("invalid keystore protection")
	ErrRevokedKey         = errors.New("key is revoked")
)

// KeystoreError is the detail of a keystore failure. It never contains
// secret material.
type KeystoreError struct {
	Err    error
	Path   string
	Detail string
	// Backup is the previous version of the keystore, when one exists:
	// where to look when the current file is damaged.
	Backup string
}

func (e *KeystoreError) Error() string {
	s := e.Err.Error()
	if e.Path != "" {
		s = e.Path + ": " + s
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Backup != "" {
		s += fmt.Sprintf(" (the previous version is %s)", e.Backup)
	}
	return s
}

func (e *KeystoreError) Unwrap() error { return e.Err }
