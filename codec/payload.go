package codec

import (
	"encoding/binary"
	"fmt"
	"math/bits"
)

// Version is the payload format version this package writes.
const Version = 1

// KeyID selects a key in a keyring. The first byte is the product tag
// (ProductTag), the second is derived from the key (see DeriveKeyID).
type KeyID [2]byte

// String returns the key ID as four lower-case hex digits.
func (k KeyID) String() string { return fmt.Sprintf("%02x%02x", k[0], k[1]) }

// ParseKeyID parses four hex digits.
func ParseKeyID(s string) (KeyID, error) {
	var k KeyID
	if len(s) != 4 {
		return k, malformed("key ID", "want 4 hex digits, got "+quoteString(s, 16))
	}
	for i := 0; i < 4; i++ {
		v, ok := hexVal(s[i])
		if !ok {
			return k, malformedAt("key ID", i+1, "not a hex digit")
		}
		k[i/2] = k[i/2]<<4 | v
	}
	return k, nil
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// Payload limits.
const (
	// MaxFeatureBit is the highest feature bit a code can carry: features
	// are at most seven bytes.
	MaxFeatureBit = 55
	// MaxSeats is the most seats one code can grant a machine.
	MaxSeats = 0xFFFF
	// MaxPayloadLen is the longest version-1 payload.
	MaxPayloadLen = 6 + 2 + 2 + 7 + 8 + 2
	// MinPayloadLen is the shortest version-1 payload.
	MinPayloadLen = 6 + 1 + 2
)

// Flag bits of payload byte 1.
const (
	flagExpiry   = 0x80 // an expiry day follows the issue day
	flagSeats    = 0x40 // a seats field follows (absent means one seat)
	featLenShift = 3    // bits 5..3: feature bytes, 0..7
	featLenMask  = 0x38
	serialMask   = 0x07 // bits 2..0: serial bytes minus one, 1..8
)

// Payload is the signed content of an activation code. The licence key and
// machine UID themselves are not carried: they are part of the signed
// message (see AppendMessage), and only one-byte tags of them travel so
// that a code for the wrong licence or machine can be named as such.
type Payload struct {
	KeyID      KeyID
	Issued     Day
	Expires    Day    // NoExpiry for a perpetual code; otherwise >= Issued
	Seats      uint16 // seats granted to this machine, >= 1
	Features   uint64 // product-defined bits 0..MaxFeatureBit
	Serial     uint64 // unique per issued code
	LicenceTag byte
	MachineTag byte
}

// Validate reports a payload that cannot be encoded canonically.
func (p *Payload) Validate() error {
	switch {
	case p.Seats == 0:
		return malformed("payload", "seats must be at least 1")
	case p.Issued == NoExpiry:
		return malformed("payload", "issue day 0xFFFF is reserved")
	case p.Features>>(MaxFeatureBit+1) != 0:
		return malformed("payload", fmt.Sprintf("features use bits above %d", MaxFeatureBit))
	case p.Expires != NoExpiry && p.Expires < p.Issued:
		return malformed("payload", "expiry is before the issue date")
	}
	return nil
}

// minBytes is the minimal big-endian length of v (0 for v == 0).
func minBytes(v uint64) int { return (bits.Len64(v) + 7) / 8 }

func putBE(dst []byte, v uint64) {
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = byte(v)
		v >>= 8
	}
}

func getBE(src []byte) uint64 {
	var v uint64
	for _, b := range src {
		v = v<<8 | uint64(b)
	}
	return v
}

// AppendBinary appends the canonical binary encoding of p.
func (p *Payload) AppendBinary(dst []byte) ([]byte, error) {
	if err := p.Validate(); err != nil {
		return dst, err
	}
	fl := minBytes(p.Features)
	sl := max(minBytes(p.Serial), 1)
	flags := byte(fl<<featLenShift) | byte(sl-1)
	if p.Expires != NoExpiry {
		flags |= flagExpiry
	}
	if p.Seats != 1 {
		flags |= flagSeats
	}
	dst = append(dst, Version, flags, p.KeyID[0], p.KeyID[1])
	dst = binary.BigEndian.AppendUint16(dst, uint16(p.Issued))
	if p.Expires != NoExpiry {
		dst = binary.BigEndian.AppendUint16(dst, uint16(p.Expires))
	}
	if p.Seats != 1 {
		dst = binary.BigEndian.AppendUint16(dst, p.Seats)
	}
	n := len(dst)
	dst = append(dst, make([]byte, fl+sl)...)
	putBE(dst[n:n+fl], p.Features)
	putBE(dst[n+fl:], p.Serial)
	return append(dst, p.LicenceTag, p.MachineTag), nil
}

// UnmarshalPayload decodes the payload at the start of raw and returns it
// with its length; the rest of raw is the signature or MAC. It rejects
// unknown versions (ErrUnsupportedVersion) and every non-canonical form
// (ErrMalformed): explicit one seat, zero seats, an explicit NoExpiry,
// expiry before issue, leading zero bytes in features or serial.
func UnmarshalPayload(raw []byte) (Payload, int, error) {
	const what = "activation code"
	var p Payload
	if len(raw) == 0 {
		return p, 0, malformed(what, "empty")
	}
	// The other kinds of code are recognized before the version: their
	// first bytes ('R', 'D') are no activation-code version, and a user
	// who pasted one needs to hear which kind it is, not to upgrade.
	switch raw[0] {
	case requestMarker:
		return p, 0, &Error{Err: ErrIsRequestCode, What: what, Detail: "it goes to the vendor, who issues an activation code from it"}
	case deactivationMarker:
		return p, 0, &Error{Err: ErrIsDeactivationCode, What: what, Detail: "it goes to the vendor, who frees the seat with it"}
	}
	if raw[0] != Version {
		return p, 0, &Error{Err: ErrUnsupportedVersion, What: what,
			Detail: fmt.Sprintf("version %d; this build reads version %d, a newer actkit may read it", raw[0], Version)}
	}
	if len(raw) < MinPayloadLen {
		return p, 0, malformed(what, "too short: symbols are missing")
	}
	flags := raw[1]
	fl := int(flags&featLenMask) >> featLenShift
	sl := int(flags&serialMask) + 1
	n := 6 + fl + sl + 2
	if flags&flagExpiry != 0 {
		n += 2
	}
	if flags&flagSeats != 0 {
		n += 2
	}
	if len(raw) < n {
		return p, 0, malformed(what, "too short: symbols are missing")
	}
	p.KeyID = KeyID{raw[2], raw[3]}
	p.Issued = Day(binary.BigEndian.Uint16(raw[4:]))
	off := 6
	p.Expires = NoExpiry
	if flags&flagExpiry != 0 {
		p.Expires = Day(binary.BigEndian.Uint16(raw[off:]))
		off += 2
		if p.Expires == NoExpiry {
			return p, 0, malformed(what, "non-canonical expiry")
		}
	}
	p.Seats = 1
	if flags&flagSeats != 0 {
		p.Seats = binary.BigEndian.Uint16(raw[off:])
		off += 2
		if p.Seats < 2 {
			return p, 0, malformed(what, "non-canonical seat count")
		}
	}
	if fl > 0 && raw[off] == 0 {
		return p, 0, malformed(what, "non-canonical features")
	}
	p.Features = getBE(raw[off : off+fl])
	off += fl
	if sl > 1 && raw[off] == 0 {
		return p, 0, malformed(what, "non-canonical serial")
	}
	p.Serial = getBE(raw[off : off+sl])
	off += sl
	p.LicenceTag, p.MachineTag = raw[off], raw[off+1]
	if err := p.Validate(); err != nil {
		return p, 0, malformed(what, err.(*Error).Detail)
	}
	return p, n, nil
}

// MarshalText writes the key ID as String does ("b7fd").
func (k KeyID) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads what MarshalText writes.
func (k *KeyID) UnmarshalText(b []byte) error {
	v, err := ParseKeyID(string(b))
	if err != nil {
		return err
	}
	*k = v
	return nil
}
