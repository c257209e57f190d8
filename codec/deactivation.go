package codec

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// A DeactivationCode is what a product shows when it gives up its
// activation code without reaching the licence server: the customer hands
// it to the vendor, who frees the seat with it. It names the product, the
// licence key, the machine UID and the serial of the activation code
// given up, and the day the product gave it up. Its text form is grouped
// base58 with a check symbol per group, like a request code, and its
// bytes end with a checksum under the deactivation-code label.
//
// It carries no secret and no signature: a product holds nothing the
// vendor could verify. What it proves, and what not, is in
// docs/format.md section 12: the serial binds it to one activation, so it
// frees only the seat that activation holds, never one taken later.
type DeactivationCode struct {
	Product    string
	LicenceKey string // normalized
	MachineUID MachineUID
	// Serial is the serial of the activation code given up (at least 1).
	Serial uint64
	// Day is the day the product gave the code up: what the product says,
	// for the vendor's records.
	Day Day
}

const (
	// deactivationMarker is the first byte of a deactivation code. It
	// differs from every activation-code version and from the request
	// code's marker, so a code pasted in the wrong place is recognized.
	deactivationMarker   = 'D'
	deactivationVersion  = 1
	deactivationChecksum = 4
	// MaxDeactivationSymbols caps a deactivation code's text: the longest
	// product ID and licence key give 201 symbols.
	MaxDeactivationSymbols = MaxRequestSymbols
)

// ErrIsDeactivationCode is returned when a deactivation code is given
// where an activation code was expected. Like ErrIsRequestCode it wraps
// ErrMalformed: the text is not an activation code of any version, so
// "unsupported version" (which tells the user to upgrade) would mislead.
var ErrIsDeactivationCode = fmt.Errorf("%w: this is a deactivation code (for the vendor, to free a seat), not an activation code", ErrMalformed)

func deactivationErr(detail string) *Error {
	return &Error{Err: ErrMalformed, What: "deactivation code", Detail: detail}
}

// Text returns the deactivation code's text form.
func (d DeactivationCode) Text() (string, error) {
	if err := ValidateProduct(d.Product); err != nil {
		return "", err
	}
	lic, err := NormalizeLicenceKey(d.LicenceKey)
	if err != nil {
		return "", err
	}
	if _, err := ParseMachineUID(d.MachineUID.String()); err != nil {
		return "", err
	}
	if d.Serial == 0 {
		return "", deactivationErr("serial 0 names no activation")
	}
	if d.Day == NoExpiry {
		return "", deactivationErr("day 65535 is reserved")
	}
	sym := d.MachineUID.symbols()
	b := []byte{deactivationMarker, deactivationVersion}
	b = appendField8(b, d.Product)
	b = appendField8(b, lic)
	b = append(b, sym[:]...)
	// The serial in its minimal big-endian bytes, so that it has exactly
	// one encoding: the parser refuses a leading zero byte.
	n := minBytes(d.Serial)
	b = append(b, byte(n))
	var ser [8]byte
	putBE(ser[:n], d.Serial)
	b = append(b, ser[:n]...)
	b = binary.BigEndian.AppendUint16(b, uint16(d.Day))
	b = append(b, deactivationSum(b)...)
	return FormatText(b), nil
}

func deactivationSum(body []byte) []byte {
	var buf []byte
	buf = AppendField(buf, []byte(LabelDeactivationCode))
	buf = AppendField(buf, body)
	sum := sha256.Sum256(buf)
	return sum[:deactivationChecksum]
}

// ParseDeactivationCode parses a deactivation code as pasted or typed.
// The checks come in the order of docs/format.md section 12; every
// failure wraps one of the codec sentinels.
func ParseDeactivationCode(s string) (DeactivationCode, error) {
	var d DeactivationCode
	raw, err := parseGrouped("deactivation code", s, MaxDeactivationSymbols)
	if err != nil {
		return d, err
	}
	if len(raw) < 2+deactivationChecksum || raw[0] != deactivationMarker {
		switch {
		case len(raw) > 0 && raw[0] == requestMarker:
			return d, deactivationErr("this is a request code (to activate), not a deactivation code")
		case len(raw) > 0 && raw[0] == 1:
			return d, deactivationErr("this is an activation code, not a deactivation code")
		}
		return d, deactivationErr("not a deactivation code")
	}
	if raw[1] != deactivationVersion {
		return d, &Error{Err: ErrUnsupportedVersion, What: "deactivation code",
			Detail: fmt.Sprintf("version %d; this build reads version %d", raw[1], deactivationVersion)}
	}
	body, sum := raw[:len(raw)-deactivationChecksum], raw[len(raw)-deactivationChecksum:]
	// The checksum is no secret (anyone can compute it): it catches
	// copying damage the check symbols miss, so a plain comparison is
	// right here.
	if !bytes.Equal(sum, deactivationSum(body)) {
		return d, &Error{Err: ErrChecksum, What: "deactivation code", Detail: "it was damaged in copying; ask for it again"}
	}
	f := fieldReader{rest: body[2:]}
	var ok bool
	if d.Product, ok = f.field(); !ok {
		return d, deactivationErr("truncated")
	}
	lic, ok := f.field()
	if !ok {
		return d, deactivationErr("truncated")
	}
	uidText, problem := f.uid()
	if problem != "" {
		return d, deactivationErr(problem)
	}
	serial, ok := f.field()
	switch {
	case !ok || len(f.rest) != 2:
		return d, deactivationErr("truncated or with trailing bytes")
	case len(serial) == 0 || len(serial) > 8 || serial[0] == 0:
		return d, deactivationErr("the serial is not in its one encoding")
	}
	d.Serial = getBE([]byte(serial))
	d.Day = Day(binary.BigEndian.Uint16(f.rest))
	if d.Day == NoExpiry {
		return d, deactivationErr("day 65535 is reserved")
	}
	if err := ValidateProduct(d.Product); err != nil {
		return d, err
	}
	if d.LicenceKey, err = NormalizeLicenceKey(lic); err != nil || d.LicenceKey != lic {
		return d, deactivationErr("licence key is not in normalized form")
	}
	if d.MachineUID, err = ParseMachineUID(uidText); err != nil {
		return d, err
	}
	return d, nil
}
