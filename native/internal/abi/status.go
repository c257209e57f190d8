package abi

import (
	"errors"
	"fmt"

	"github.com/actkit/actkit/activation"
	"github.com/actkit/actkit/verify"
)

// ABIVersion is ACTKIT_ABI_VERSION: it changes when a function of the
// header changes its meaning or signature (adding a function does not).
const ABIVersion = 1

// Status is a C status code; the values are ACTKIT_OK and ACTKIT_E_* of
// native/actkit.h and never change once released.
type Status int32

const (
	StatusOK            Status = 0
	StatusRefused       Status = 1  // a code was refused; the reason says why
	StatusArgument      Status = 2  // API misuse: NULL, not UTF-8, too long, unknown option
	StatusHandle        Status = 3  // a handle that is not open, or of another kind
	StatusKeyring       Status = 4  // the keyring text does not parse
	StatusMachine       Status = 5  // the machine UID cannot be computed
	StatusInvalid       Status = 6  // a licence key, machine UID, product or version is not valid
	StatusOffline       Status = 7  // the licence server cannot be reached (the grace runs)
	StatusServerRefused Status = 8  // the licence server refused
	StatusNotActivated  Status = 9  // nothing to validate or deactivate
	StatusNoServer      Status = 10 // an online call on a client without a server URL
	StatusFailed        Status = 11 // another failure of a client call (state file, a code that does not verify)
	StatusInternal      Status = 12 // a bug: a recovered panic
)

// Error is a failure with its C status code and its message (lower case,
// no secrets: messages come from the Go packages, which never include a
// licence key in full or a key).
type Error struct {
	Status  Status
	Message string
}

func (e *Error) Error() string { return e.Message }

func fail(s Status, format string, args ...any) *Error {
	return &Error{Status: s, Message: fmt.Sprintf(format, args...)}
}

// Reasons are the refusal reasons of Verify, VerifyDelegated and
// UpdateKeyring as stable numbers (the ACTKIT_REASON_* values): index i
// is reason i+1, named as verify.ReasonCode names it (the last three as
// the keyring-update vectors name codec's parse failures). New reasons
// are only ever appended: 1 to 13 are the activation-code reasons, 14
// to 16 those of delegated keys, 17 to 22 those of keyring updates.
var Reasons = []string{
	"invalid-binding", "malformed", "typo", "unsupported-version", "wrong-product",
	"revoked-key", "unknown-key", "algorithm-mismatch", "wrong-licence", "wrong-machine",
	"bad-signature", "not-yet-valid", "expired",
	"outside-delegation", "revoked-delegation", "invalid-delegation",
	"insufficient-signatures", "rolled-back", "update-expired",
	"invalid-key", "checksum", "hmac-secret-not-allowed",
}

// ReasonNumber returns the number of a reason name, 0 for none.
func ReasonNumber(name string) int {
	for i, n := range Reasons {
		if n == name {
			return i + 1
		}
	}
	return 0
}

// ReasonName returns the name of reason n, "" for an unknown number.
func ReasonName(n int) string {
	if n < 1 || n > len(Reasons) {
		return ""
	}
	return Reasons[n-1]
}

// clientStatus maps an error of an activation.Client call to its status.
func clientStatus(err error) Status {
	var ve *verify.Error
	switch {
	case errors.Is(err, activation.ErrOffline):
		return StatusOffline
	case errors.Is(err, activation.ErrRefused):
		return StatusServerRefused
	case errors.Is(err, activation.ErrNotActivated):
		return StatusNotActivated
	case errors.Is(err, activation.ErrNoServer):
		return StatusNoServer
	case errors.As(err, &ve):
		return StatusRefused
	}
	return StatusFailed
}

// StatusNames are the stable names of the statuses (actkit_status_name).
var StatusNames = map[Status]string{
	StatusOK: "ok", StatusRefused: "refused", StatusArgument: "argument", StatusHandle: "handle",
	StatusKeyring: "keyring", StatusMachine: "machine", StatusInvalid: "invalid", StatusOffline: "offline",
	StatusServerRefused: "server-refused", StatusNotActivated: "not-activated", StatusNoServer: "no-server",
	StatusFailed: "failed", StatusInternal: "internal",
}
