package testvectors

import (
	"errors"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/verify"
)

// parseSentinels lists, for each parse reason, the error it names. Every
// codec error wraps exactly one codec sentinel, so the order matters only
// for errors outside codec.
var parseSentinels = []struct {
	err  error
	name string
}{
	{verify.ErrHMACKeyNotAllowed, "hmac-secret-not-allowed"},
	{codec.ErrInvalidBinding, "invalid-binding"},
	{codec.ErrTypo, "typo"},
	{codec.ErrUnsupportedVersion, "unsupported-version"},
	{codec.ErrChecksum, "checksum"},
	{codec.ErrInvalidKey, "invalid-key"},
	{codec.ErrMalformed, "malformed"}, // also codec.ErrIsRequestCode, which wraps it
}

// ParseReason names a parse failure (of a keyring, key, request code,
// machine UID or licence key) as the parse vectors do: "malformed",
// "typo", "unsupported-version", "checksum", "invalid-key",
// "invalid-binding" from the codec sentinel err wraps, or
// "hmac-secret-not-allowed" for verify.ErrHMACKeyNotAllowed. It returns ""
// for nil and for an error that wraps none of them.
func ParseReason(err error) string {
	if err == nil {
		return ""
	}
	for _, s := range parseSentinels {
		if errors.Is(err, s.err) {
			return s.name
		}
	}
	return ""
}
