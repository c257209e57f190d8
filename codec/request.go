package codec

import (
	"bytes"
	"crypto/sha256"
	"fmt"
)

// A RequestCode is what a product shows for offline activation: product
// ID, licence key, machine UID and product version in one text that the
// customer copies to the vendor in one piece. Its text form is grouped
// base58 with a check symbol per group, like an activation code, and the
// bytes end with a checksum under the request-code label.
type RequestCode struct {
	Product        string
	LicenceKey     string // normalized
	MachineUID     MachineUID
	ProductVersion string // e.g. "4.2.17"; informational for the vendor
}

const (
	// requestMarker is the first byte of a request code. It differs from
	// every activation-code version, so a request pasted where a code is
	// expected is recognized as such.
	requestMarker     = 'R'
	requestVersion    = 1
	requestChecksum   = 4
	maxProductVersion = 32
	// MaxRequestSymbols caps a request code's text.
	MaxRequestSymbols = 300
)

// ErrIsRequestCode is returned when a request code is given where an
// activation code was expected.
var ErrIsRequestCode = fmt.Errorf("%w: this is a request code (for the vendor), not an activation code", ErrMalformed)

func requestErr(detail string) *Error {
	return &Error{Err: ErrMalformed, What: "request code", Detail: detail}
}

func appendField8(dst []byte, v string) []byte {
	dst = append(dst, byte(len(v)))
	return append(dst, v...)
}

// Text returns the request code's text form.
func (r RequestCode) Text() (string, error) {
	if err := ValidateProduct(r.Product); err != nil {
		return "", err
	}
	lic, err := NormalizeLicenceKey(r.LicenceKey)
	if err != nil {
		return "", err
	}
	if len(r.ProductVersion) > maxProductVersion {
		return "", requestErr("product version is too long")
	}
	sym := r.MachineUID.symbols()
	b := []byte{requestMarker, requestVersion}
	b = appendField8(b, r.Product)
	b = appendField8(b, lic)
	b = append(b, sym[:]...)
	b = appendField8(b, r.ProductVersion)
	b = append(b, requestSum(b)...)
	return FormatText(b), nil
}

func requestSum(body []byte) []byte {
	var buf []byte
	buf = AppendField(buf, []byte(LabelRequestCode))
	buf = AppendField(buf, body)
	sum := sha256.Sum256(buf)
	return sum[:requestChecksum]
}

// ParseRequestCode parses a request code as pasted or typed.
func ParseRequestCode(s string) (RequestCode, error) {
	var r RequestCode
	raw, err := parseGrouped("request code", s, MaxRequestSymbols)
	if err != nil {
		return r, err
	}
	if len(raw) < 2+requestChecksum || raw[0] != requestMarker {
		return r, requestErr("not a request code")
	}
	if raw[1] != requestVersion {
		return r, &Error{Err: ErrUnsupportedVersion, What: "request code",
			Detail: fmt.Sprintf("version %d; this build reads version %d", raw[1], requestVersion)}
	}
	body, sum := raw[:len(raw)-requestChecksum], raw[len(raw)-requestChecksum:]
	if !bytes.Equal(sum, requestSum(body)) {
		return r, &Error{Err: ErrChecksum, What: "request code", Detail: "it was damaged in copying; ask for it again"}
	}
	f := fieldReader{rest: body[2:]}
	var ok bool
	if r.Product, ok = f.field(); !ok {
		return r, requestErr("truncated")
	}
	lic, ok := f.field()
	if !ok {
		return r, requestErr("truncated")
	}
	uidText, problem := f.uid()
	if problem != "" {
		return r, requestErr(problem)
	}
	if r.ProductVersion, ok = f.field(); !ok || len(f.rest) != 0 {
		return r, requestErr("truncated or with trailing bytes")
	}
	if err := ValidateProduct(r.Product); err != nil {
		return r, err
	}
	if r.LicenceKey, err = NormalizeLicenceKey(lic); err != nil || r.LicenceKey != lic {
		return r, requestErr("licence key is not in normalized form")
	}
	if r.MachineUID, err = ParseMachineUID(uidText); err != nil {
		return r, err
	}
	for i := 0; i < len(r.ProductVersion); i++ {
		if c := r.ProductVersion[i]; c < 0x21 || c > 0x7e {
			return r, requestErr("product version has non-printable characters")
		}
	}
	return r, nil
}
