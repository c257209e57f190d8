package abi

import (
	"github.com/actkit/actkit/verify"
)

// KeyringHMACSecrets is ACTKIT_KEYRING_HMAC_SECRETS: accept a keyring
// holding HMAC secrets (closed deployments only, as
// verify.ParseKeyringWithHMACSecrets).
const KeyringHMACSecrets = 1

// ParseKeyring parses a keyring's text and returns its handle.
func ParseKeyring(text string, flags int) (Handle, *Error) {
	kr, e := parseKeyring(text, flags)
	if e != nil {
		return 0, e
	}
	return register(kr), nil
}

func parseKeyring(text string, flags int) (*verify.Keyring, *Error) {
	if flags&^KeyringHMACSecrets != 0 {
		return nil, fail(StatusArgument, "unknown keyring flags %#x", flags)
	}
	var kr *verify.Keyring
	var err error
	if flags&KeyringHMACSecrets != 0 {
		kr, err = verify.ParseKeyringWithHMACSecrets(text)
	} else {
		kr, err = verify.ParseKeyring(text)
	}
	if err != nil {
		return nil, fail(StatusKeyring, "%v", err)
	}
	return kr, nil
}

// KeyringProduct returns the product ID of a keyring.
func KeyringProduct(h Handle) (string, *Error) {
	kr, e := lookup[*verify.Keyring](h, "keyring")
	if e != nil {
		return "", e
	}
	return kr.Product(), nil
}
