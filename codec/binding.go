package codec

import (
	"crypto/sha256"
	"encoding/binary"
	"unicode/utf8"
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

// normalizeID uppercases ASCII letters and drops spaces and hyphens, so
// that "umenu-ab12 cd34" and "UMENUAB12CD34" are the same licence key.
// Anything but ASCII letters and digits is rejected with its position.
// It writes into buf and returns the used part, without allocating.
func normalizeID(what, s string, max int, buf []byte) ([]byte, error) {
	if len(s) > 4*max {
		return nil, &Error{Err: ErrInvalidBinding, What: what, Detail: "too long"}
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		case isSeparator(c):
			continue
		default:
			return nil, &Error{Err: ErrInvalidBinding, What: what, Pos: utf8.RuneCountInString(s[:i]) + 1,
				Detail: "only letters and digits are allowed"}
		}
		if n == max {
			return nil, &Error{Err: ErrInvalidBinding, What: what, Detail: "too long"}
		}
		buf[n] = c
		n++
	}
	if n == 0 {
		return nil, &Error{Err: ErrInvalidBinding, What: what, Detail: "empty"}
	}
	return buf[:n], nil
}

// NormalizeLicenceKey returns the form of a licence key that is signed:
// upper case, without separators.
func NormalizeLicenceKey(s string) (string, error) {
	var buf [MaxLicenceLen]byte
	b, err := normalizeID("licence key", s, MaxLicenceLen, buf[:])
	return string(b), err
}

// NormalizeMachineUID returns the form of a machine UID that is signed:
// upper case, without separators.
func NormalizeMachineUID(s string) (string, error) {
	var buf [MaxMachineLen]byte
	b, err := normalizeID("machine UID", s, MaxMachineLen, buf[:])
	return string(b), err
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
	machine    [MaxMachineLen]byte
	machineLen int
}

// Normalize validates b and returns its normalized form.
func (b Binding) Normalize() (NormalizedBinding, error) {
	var nb NormalizedBinding
	if err := ValidateProduct(b.Product); err != nil {
		return nb, err
	}
	nb.product = b.Product
	l, err := normalizeID("licence key", b.LicenceKey, MaxLicenceLen, nb.licence[:])
	if err != nil {
		return nb, err
	}
	nb.licenceLen = len(l)
	m, err := normalizeID("machine UID", b.MachineUID, MaxMachineLen, nb.machine[:])
	if err != nil {
		return nb, err
	}
	nb.machineLen = len(m)
	return nb, nil
}

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
	msg := appendField(appendField(buf[:0], []byte(label)), v)
	sum := sha256.Sum256(msg)
	return sum[0]
}

// ProductTag is the first byte of every key ID of the product's keys, so a
// code made for another product is reported as such.
func ProductTag(product string) byte { return tag(LabelProductTag, []byte(product)) }

// appendField appends a two-byte big-endian length and v. Every field of
// every hashed or signed message goes through here, so no two different
// field sequences can produce the same bytes.
func appendField(dst, v []byte) []byte {
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(v)))
	return append(dst, v...)
}

// AppendMessage appends the message that an activation code's signature or
// MAC covers: the label, the product ID, the normalized licence key, the
// normalized machine UID and the payload bytes, each length-prefixed.
func AppendMessage(dst []byte, nb *NormalizedBinding, payload []byte) []byte {
	dst = appendField(dst, []byte(LabelActivationCode))
	dst = appendField(dst, []byte(nb.product))
	dst = appendField(dst, nb.LicenceKey())
	dst = appendField(dst, nb.MachineUID())
	return appendField(dst, payload)
}
