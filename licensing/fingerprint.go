package licensing

import (
	"strings"

	"github.com/actkit/actkit/codec"
)

// MaxFingerprintLen bounds a fingerprint sent instead of a machine UID.
const MaxFingerprintLen = 128

// FingerprintUID maps a stable fingerprint from a product that cannot run
// the machine package (a GUID such as 550e8400-e29b-41d4-a716-446655440000,
// a device ID) to a machine UID, so that every client gets an activation
// code: a fingerprint UID (version F) holding 90 bits of the digest that
// codec.ComponentDigest gives the fingerprint as the product-value
// component (docs/machine-uid.md), so two distinct fingerprints share a
// UID, and a seat, with probability 2^-90. The fingerprint is trimmed of
// white space and braces and lower-cased first, so "{550E8400-...}" and
// "550e8400-..." are the same machine. It must be 8 to 128 printable
// ASCII characters.
func FingerprintUID(product, fingerprint string) (codec.MachineUID, error) {
	d, err := fingerprintDigest(product, fingerprint)
	if err != nil {
		return codec.MachineUID{}, err
	}
	return codec.NewFingerprintUID(d[:]), nil
}

// LegacyFingerprintUID is the UID that FingerprintUID gave the same
// fingerprint before fingerprint UIDs existed: a version-1 UID whose only
// component is the product-value slot, 15 bits of the same digest.
// Activations recorded under it are found, and moved to the fingerprint
// UID, by the licence API (docs/api.md); nothing issues for it any more,
// since one in 32,768 pairs of machines shared it.
func LegacyFingerprintUID(product, fingerprint string) (codec.MachineUID, error) {
	d, err := fingerprintDigest(product, fingerprint)
	if err != nil {
		return codec.MachineUID{}, err
	}
	u := codec.MachineUID{Version: codec.UIDVersion}
	u.Slots[codec.SlotCustom] = codec.SlotValue(d)
	return u, nil
}

// fingerprintDigest checks and normalizes a fingerprint and returns its
// digest as the product-value component.
func fingerprintDigest(product, fingerprint string) ([32]byte, error) {
	fp := strings.ToLower(strings.Trim(strings.TrimSpace(fingerprint), "{}"))
	if len(fp) < 8 || len(fp) > MaxFingerprintLen {
		return [32]byte{}, &Refusal{Reason: ErrInvalidMachine, Detail: "a machine fingerprint is 8 to 128 characters"}
	}
	for i := 0; i < len(fp); i++ {
		if fp[i] < 0x21 || fp[i] > 0x7e {
			return [32]byte{}, &Refusal{Reason: ErrInvalidMachine, Detail: "a machine fingerprint is printable ASCII"}
		}
	}
	return codec.ComponentDigest(product, codec.SlotCustom, []byte(fp)), nil
}
