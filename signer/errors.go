package signer

import (
	"errors"
	"fmt"
	"strings"
)

// Refusal codes: stable names for scripts, as a licensing API would
// return them.
const (
	CodeUnknownLicence = "unknown-licence"
	CodeLicenceTypo    = "licence-typo"
	CodeExpired        = "expired"
	CodeSuspended      = "suspended"
	CodeRevoked        = "revoked"
	CodeWrongProduct   = "wrong-product"
	CodeNoActiveKey    = "no-active-key"
	CodeSeatLimit      = "seat-limit"
	CodeNotActivated   = "not-activated"
	CodeBadMachine     = "invalid-machine"
	CodeBadRequest     = "invalid-request"
	CodeUnknownProduct = "unknown-product"
	CodeExists         = "exists"
	CodeInvalid        = "invalid"
)

// ErrRefused is wrapped by every *Refusal, for errors.Is.
var ErrRefused = errors.New("refused")

// ErrNewerSchema is returned when the ledger was written by a newer
// actkit.
var ErrNewerSchema = errors.New("ledger belongs to a newer version of actkit")

// Holder is a machine holding seats of a licence.
type Holder struct {
	Machine string `json:"machine"`
	Serial  uint64 `json:"serial"`
	Seats   int    `json:"seats"`
	Since   string `json:"since"`
}

// Refusal is a request the ledger refused. Nothing was recorded.
type Refusal struct {
	Code    string
	Message string
	Hint    string
	// Holders lists the machines holding the seats (seat-limit).
	Holders []Holder
}

func (r *Refusal) Error() string { return r.Message }

// Is makes errors.Is(err, ErrRefused) true for every refusal.
func (r *Refusal) Is(target error) bool { return target == ErrRefused }

func refuse(code, hint, format string, args ...any) *Refusal {
	return &Refusal{Code: code, Message: fmt.Sprintf(format, args...), Hint: hint}
}

// RefusalCode returns the refusal's stable code, or "" if err is not a
// refusal.
func RefusalCode(err error) string {
	var r *Refusal
	if errors.As(err, &r) {
		return r.Code
	}
	return ""
}

func seatLimit(licence string, seats int, holders []Holder) *Refusal {
	var names []string
	for _, h := range holders {
		names = append(names, fmt.Sprintf("%s (serial %d, since %s)", h.Machine, h.Serial, h.Since))
	}
	return &Refusal{
		Code:    CodeSeatLimit,
		Message: fmt.Sprintf("licence %s has no free seat: all %d are held by %s", licence, seats, strings.Join(names, ", ")),
		Hint:    fmt.Sprintf("free one with 'actkit release --licence %s --machine UID', move one with 'actkit transfer', or add seats with 'actkit licence seats'", licence),
		Holders: holders,
	}
}
