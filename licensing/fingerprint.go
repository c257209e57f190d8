package licensing

import (
	"crypto/sha256"
	"strings"

	"github.com/actkit/actkit/codec"
)

// MaxFingerprintLen bounds a fingerprint sent instead of a machine UID.
const MaxFingerprintLen = 128

// FingerprintUID maps a stable fingerprint from a product that cannot run
// the machine package (a GUID such as 550e8400-e29b-41d4-a716-446655440000,
// a device ID) to a machine UID, so that every client gets an activation
// code: a version-1 UID whose only component is the product-value slot,
// hashed exactly as machine.SlotHash hashes a product value (see
// docs/machine-uid.md). The fingerprint is trimmed of white space and
// braces and lower-cased first, so "{550E8400-...}" and "550e8400-..."
// are the same machine. It must be 8 to 128 printable ASCII characters.
func FingerprintUID(product, fingerprint string) (codec.MachineUID, error) {
	fp := strings.ToLower(strings.Trim(strings.TrimSpace(fingerprint), "{}"))
	if len(fp) < 8 || len(fp) > MaxFingerprintLen {
		return codec.MachineUID{}, &Refusal{Reason: ErrInvalidMachine, Detail: "a machine fingerprint is 8 to 128 characters"}
	}
	for i := 0; i < len(fp); i++ {
		if fp[i] < 0x21 || fp[i] > 0x7e {
			return codec.MachineUID{}, &Refusal{Reason: ErrInvalidMachine, Detail: "a machine fingerprint is printable ASCII"}
		}
	}
	b := codec.AppendField(nil, []byte(codec.LabelMachineUIDSlot+codec.SlotCustom.Key()))
	b = codec.AppendField(b, []byte(product))
	b = codec.AppendField(b, []byte(fp))
	sum := sha256.Sum256(b)
	v := (uint16(sum[0])<<8 | uint16(sum[1])) & 0x7FFF
	if v == 0 {
		v = 1
	}
	u := codec.MachineUID{Version: codec.UIDVersion}
	u.Slots[codec.SlotCustom] = v
	return u, nil
}
