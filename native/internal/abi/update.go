package abi

import (
	"encoding/json"
	"errors"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/verify"
)

// UpdateRefusal is why UpdateKeyring refused an update.
type UpdateRefusal struct {
	// Reason is the reason's number (ReasonNumber).
	Reason  int
	Message string
}

// updateReason names an update refusal as keyring_update.json does:
// verify's reason, else the codec sentinel of a parse failure. Every
// refusal gets a name ("malformed" when nothing more precise applies),
// so that a C caller always has a reason to switch on.
func updateReason(err error) string {
	if r := verify.ReasonCode(err); r != "" {
		return r
	}
	switch {
	case errors.Is(err, verify.ErrHMACKeyNotAllowed):
		return "hmac-secret-not-allowed"
	case errors.Is(err, codec.ErrChecksum):
		return "checksum"
	case errors.Is(err, codec.ErrInvalidKey):
		return "invalid-key"
	}
	return "malformed"
}

// UpdateKeyring applies a keyring update, a root-signed version 2
// keyring text, to the keyring h at unixMillis (verify.Keyring.Update:
// the same product, a version above h's, not expired, signed by enough
// of h's roots and of its own). It returns the keyring it makes, as a
// new handle when wantHandle is true, and its text, which the product
// stores in place of the old one. h itself is unchanged. The update h
// already holds is accepted and makes the same keyring again, so a
// product may apply the keyring of every online answer. The *Error is
// for misuse, never for a refused update.
func UpdateKeyring(h Handle, update string, unixMillis int64, wantHandle bool) (Handle, string, *UpdateRefusal, *Error) {
	kr, e := lookup[*verify.Keyring](h, "keyring")
	if e != nil {
		return 0, "", nil, e
	}
	next, r := applyUpdate(kr, update, unixMillis)
	if r != nil {
		return 0, "", r, nil
	}
	var nh Handle
	if wantHandle {
		nh = register(next)
	}
	return nh, next.Text(), nil, nil
}

// UpdateKeyringText is UpdateKeyring for a product that keeps only the
// keyring's text: it parses keyringText (flags as ParseKeyring), applies
// the update and returns the new text. A keyring text that does not
// parse is StatusKeyring, as in ParseKeyring.
func UpdateKeyringText(keyringText string, flags int, update string, unixMillis int64) (string, *UpdateRefusal, *Error) {
	kr, e := parseKeyring(keyringText, flags)
	if e != nil {
		return "", nil, e
	}
	next, r := applyUpdate(kr, update, unixMillis)
	if r != nil {
		return "", r, nil
	}
	return next.Text(), nil, nil
}

func applyUpdate(kr *verify.Keyring, update string, unixMillis int64) (*verify.Keyring, *UpdateRefusal) {
	next, err := kr.Update(update, TimeOf(unixMillis))
	if err != nil {
		return nil, &UpdateRefusal{Reason: ReasonNumber(updateReason(err)), Message: err.Error()}
	}
	return next, nil
}

// KeyringInfo is the JSON of actkit_keyring_info: what a product shows
// or logs about the keyring it holds. Key IDs only, never key material
// (a closed deployment's keyring holds HMAC secrets).
type KeyringInfo struct {
	Product string `json:"product"`
	// Version is 0 for a version 1 keyring (unsigned, as products
	// shipped before the key hierarchy).
	Version uint32 `json:"version"`
	// Expires is the last day the keyring is accepted as an update
	// (YYYY-MM-DD); null for a version 1 keyring. A keyring already held
	// never expires.
	Expires *string `json:"expires"`
	// Threshold is how many roots must sign the next update (1 for a
	// version 1 keyring, whose every Ed25519 key acts as a root).
	Threshold   int              `json:"threshold"`
	Roots       []string         `json:"roots"`
	Keys        []KeyringInfoKey `json:"keys"`
	Delegations []DelegationInfo `json:"delegations"`
	Revoked     []string         `json:"revoked"`
}

// KeyringInfoKey is a directly trusted key.
type KeyringInfoKey struct {
	ID        string `json:"id"`
	Algorithm string `json:"algorithm"`
}

// DelegationInfo is an embedded delegation: the delegated key, the root
// that issued it and the window of issue days it may sign in, so that a
// product can tell which server key its typed codes may come from.
type DelegationInfo struct {
	KeyID     string `json:"keyId"`
	Issuer    string `json:"issuer"`
	Serial    uint64 `json:"serial"`
	NotBefore string `json:"notBefore"`
	NotAfter  string `json:"notAfter"`
}

// Info returns the JSON of KeyringInfo for the keyring h.
func Info(h Handle) (string, *Error) {
	kr, e := lookup[*verify.Keyring](h, "keyring")
	if e != nil {
		return "", e
	}
	src, err := codec.ParseKeyring(kr.Text())
	if err != nil {
		return "", fail(StatusInternal, "reading the keyring back: %v", err)
	}
	info := KeyringInfo{Product: src.Product, Version: src.Version, Threshold: src.Threshold,
		Roots: []string{}, Keys: []KeyringInfoKey{}, Delegations: []DelegationInfo{}, Revoked: []string{}}
	if src.Version == 0 {
		info.Threshold = 1
	} else {
		d := src.Expires.String()
		info.Expires = &d
	}
	for _, k := range src.Roots {
		info.Roots = append(info.Roots, k.ID.String())
	}
	for _, k := range src.Keys {
		info.Keys = append(info.Keys, KeyringInfoKey{ID: k.ID.String(), Algorithm: k.Alg.String()})
	}
	for _, c := range src.Delegations {
		p, _ := c.For(src.Product)
		info.Delegations = append(info.Delegations, DelegationInfo{KeyID: p.KeyID.String(), Issuer: p.Issuer.String(),
			Serial: c.Serial, NotBefore: c.NotBefore.String(), NotAfter: c.NotAfter.String()})
	}
	for _, id := range src.Revoked {
		info.Revoked = append(info.Revoked, id.String())
	}
	js, err := json.Marshal(info)
	if err != nil {
		return "", fail(StatusInternal, "encoding the keyring's info: %v", err)
	}
	return string(js), nil
}
