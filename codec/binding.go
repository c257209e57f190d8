package codec

import (
	"crypto/sha256"
	"encoding/binary"
	"strings"
)

// Binding field limits, in bytes after normalization.
const (
	MaxProductLen = 64
	MaxLicenceLen = 64
	MaxMachineLen = 64
)

// ValidateProduct checks a product ID: 1 to 64 characters from a-z, 0-9,
// '.', '_' and '-', starting with a letter or digit. Product IDs are
// compared exactly, so they have one spelling.
func ValidateProduct(p string) error {
	if p == "" || len(p) > MaxProductLen {
		return &Error{Err: ErrInvalidBinding, What: "product ID", Detail: "must be 1 to 64 characters"}
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || i > 0 && (c == '.' || c == '_' || c == '-')
		if !ok {
			return &Error{Err: ErrInvalidBinding, What: "product ID", Pos: i + 1,
				Detail: "use lower-case letters, digits, '.', '_' and '-'"}
		}
	}
	return nil
}

// Binding is what an activation code is bound to, as the product knows it.
type Binding struct {
	Product    string
	LicenceKey string
	MachineUID string
}

// MaxMessageLen bounds AppendMessage's output: label, three binding fields
// and the payload, each with a two-byte length.
const MaxMessageLen = 5*2 + len(LabelActivationCode) + MaxProductLen + MaxLicenceLen + MaxMachineLen + MaxPayloadLen

// NormalizedBinding is a Binding after validation and normalization, held
// in fixed buffers so that verification does not allocate.
type NormalizedBinding struct {
	product    string
	licence    [MaxLicenceLen]byte
	licenceLen int
	// notActkit is why the licence key is not an actkit key, when it was
	// bound by its legacy form (LicenceKeyBinding); nil otherwise.
	notActkit  error
	machine    [MaxMachineLen]byte
	machineLen int
}

// Normalize validates b and returns its normalized form: the licence key
// through LicenceKeyBinding's rules (an actkit key's normal form, else a
// legacy key's binding form) and the machine UID through
// NormalizeMachineUID's, so that a code verifies for every spelling the
// signer accepted. Any failure is ErrInvalidBinding, with the underlying
// problem (a typo, a bad character) in the detail.
func (b Binding) Normalize() (NormalizedBinding, error) {
	var nb NormalizedBinding
	if err := ValidateProduct(b.Product); err != nil {
		return nb, err
	}
	nb.product = b.Product
	l, notActkit, err := appendBindingKey(nb.licence[:0], b.LicenceKey)
	if err != nil {
		return nb, bindingErr(err)
	}
	nb.licenceLen = len(l)
	if notActkit != nil {
		nb.notActkit = bindingErr(notActkit)
	}
	m, err := appendMachineUID(nb.machine[:0], b.MachineUID)
	if err != nil {
		return nb, bindingErr(err)
	}
	nb.machineLen = len(m)
	return nb, nil
}

// LegacyKey returns nil for a binding whose licence key is an actkit key;
// for one bound by its legacy form, the invalid-binding error that
// NormalizeLicenceKey's rules give the key. A verifier that cannot verify
// a code with the legacy form returns that error, so that a key which is
// neither an imported legacy key nor an actkit key is refused exactly as
// it always was.
func (nb *NormalizedBinding) LegacyKey() error { return nb.notActkit }

// Product returns the product ID.
func (nb *NormalizedBinding) Product() string { return nb.product }

// LicenceKey returns the normalized licence key.
func (nb *NormalizedBinding) LicenceKey() []byte { return nb.licence[:nb.licenceLen] }

// MachineUID returns the normalized machine UID.
func (nb *NormalizedBinding) MachineUID() []byte { return nb.machine[:nb.machineLen] }

// LicenceTag is the one-byte diagnostic tag of the licence key.
func (nb *NormalizedBinding) LicenceTag() byte { return tag(LabelLicenceTag, nb.LicenceKey()) }

// MachineTag is the one-byte diagnostic tag of the machine UID.
func (nb *NormalizedBinding) MachineTag() byte { return tag(LabelMachineTag, nb.MachineUID()) }

// tag hashes a label and value to one byte. Tags are diagnostics, never
// security: they let a verifier say "wrong machine" instead of "bad
// signature", and are only consulted after the signature failed.
func tag(label string, v []byte) byte {
	var buf [2 + 64 + 2 + 64]byte
	msg := AppendField(AppendField(buf[:0], []byte(label)), v)
	sum := sha256.Sum256(msg)
	return sum[0]
}

// ProductTag is the first byte of every key ID of the product's keys, so a
// code made for another product is reported as such.
func ProductTag(product string) byte { return tag(LabelProductTag, []byte(product)) }

// bindingErr reports a licence key or machine UID that cannot be bound as
// ErrInvalidBinding: to the verifier, a typo in the licence key the user
// entered is a bad binding, not a typo in the code.
func bindingErr(err error) error {
	e, ok := err.(*Error)
	if !ok {
		return err
	}
	detail := strings.TrimPrefix(e.Error(), e.What+": ")
	return &Error{Err: ErrInvalidBinding, What: e.What, Detail: detail}
}

// AppendField appends a two-byte big-endian length and v. Every field of
// every hashed or signed message goes through here, so no two different
// field sequences can produce the same bytes.
func AppendField(dst, v []byte) []byte {
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(v)))
	return append(dst, v...)
}

// AppendMessage appends the message that an activation code's signature or
// MAC covers: the label, the product ID, the normalized licence key, the
// normalized machine UID and the payload bytes, each length-prefixed.
func AppendMessage(dst []byte, nb *NormalizedBinding, payload []byte) []byte {
	dst = AppendField(dst, []byte(LabelActivationCode))
	dst = AppendField(dst, []byte(nb.product))
	dst = AppendField(dst, nb.LicenceKey())
	dst = AppendField(dst, nb.MachineUID())
	return AppendField(dst, payload)
}
