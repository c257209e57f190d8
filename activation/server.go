package activation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/actkit/actkit/codec"
)

// Server is the licence server as a Client sees it. Package
// activation/online implements it over HTTP for the licence API; this
// package never opens a socket, so that a product that must not can use
// it without linking any network code.
//
// Every method's error wraps ErrOffline when the server could not be
// reached or answered 408, 429 or 5xx (the product keeps its grace), and
// is otherwise a *ServerError wrapping ErrRefused with the server's code.
type Server interface {
	// Activate takes (or finds) the machine's seat and returns its code.
	Activate(ctx context.Context, r Request) (Answer, error)
	// Validate returns the machine's current code; a licence no longer
	// valid is a *ServerError with its code (LICENCE_REVOKED, ...).
	Validate(ctx context.Context, r Request) (Answer, error)
	// Deactivate frees the machine's seat; a seat not held is no error.
	Deactivate(ctx context.Context, r Request) (Deactivation, error)
}

// Request is what a Client sends the licence server.
type Request struct {
	LicenceKey  string
	MachineUID  codec.MachineUID
	MachineName string
	// ProductVersion and TrustedKeys say which keys this product accepts
	// (its version, whose release line the vendor may have recorded, and
	// the IDs its keyring pins), so that the server signs only with one
	// of them, or refuses before any seat is taken.
	ProductVersion string
	TrustedKeys    []codec.KeyID
	// Certificates says this Client verifies and stores a delegation
	// certificate that comes with a code (Answer.Certificate).
	Certificates bool
	// KeyringVersion is the version of the keyring in use (0: version 1).
	KeyringVersion uint32
	// InstallsUpdates says this Client installs a keyring update that
	// comes with the answer (Answer.Keyring) before it checks the code,
	// so the server may sign for the keyring it will hold then (a root
	// rotation's new root). KeyringVersion is sent only with it.
	InstallsUpdates bool
	// Fresh asks for a code issued today, even if the one the machine
	// holds is still good: a product in ClockTampering sends it, as only
	// a code issued after every code it stored moves it out (the server
	// signs it on the same seat, dated by its own clock).
	Fresh bool
}

// Answer is the licence server's answer to an activation or a
// validation. Only Code is signed: the Client verifies it offline before
// storing it, exactly as a typed code, and takes nothing else on trust
// but the schedule.
type Answer struct {
	// Code is the activation code.
	Code string
	// Certificate is the delegation certificate of the key that signed
	// Code, "" for a root's code: the Client verifies the code with it
	// (the certificate's own root signature and limits included) and
	// stores the two together.
	Certificate string
	// Keyring is a root-signed keyring update the server sent (its
	// revocations, new roots), "" for none: the Client installs it only
	// if the keyring it holds accepts it.
	Keyring string
	Serial  uint64
	// ActiveCount and MaxActivations are the licence's seats in use and
	// seats.
	ActiveCount, MaxActivations int
	// ValidateEvery is how long until the next validation and
	// OfflineGrace how long the code may be used without an answer,
	// measured from the answer (a Server turns the server's times into
	// durations with the server's own clock, so that a product whose
	// clock differs is not thrown off). Zero: the Client's defaults.
	ValidateEvery, OfflineGrace time.Duration
}

// Deactivation is the licence server's answer to a deactivation.
type Deactivation struct {
	// Freed reports whether a seat was freed (false: none was held).
	Freed       bool
	ActiveCount int
}

// Sentinels of the online half; callers test with errors.Is.
var (
	// ErrOffline: the licence server could not be reached, or answered
	// that it could not answer now (408, 429, 5xx). The licence is kept
	// for its grace period.
	ErrOffline = errors.New("the licence server cannot be reached")
	// ErrRefused: the licence server answered with a refusal
	// (*ServerError.Code says which).
	ErrRefused = errors.New("the licence server refused")
	// ErrNotActivated: there is nothing to deactivate or validate on this
	// machine.
	ErrNotActivated = errors.New("not activated on this machine")
	// ErrGivenUp: a typed code is the one this machine gave up by
	// deactivating.
	ErrGivenUp = errors.New("this machine gave this code up when it was deactivated; ask the vendor for a new one")
	// ErrNoServer: an online call on a Client without a Server.
	ErrNoServer = errors.New("no licence server is configured")
)

// ServerError is the detail of a licence server's answer that is not a
// code: a refusal (Err is ErrRefused) or an answer that it cannot answer
// now (Err is ErrOffline).
type ServerError struct {
	// Err is ErrRefused or ErrOffline.
	Err error
	// Status is the HTTP status (200 for a validation's valid false, 0
	// when the server was not reached).
	Status int
	// Code is the server's problem code (SEAT_LIMIT_EXCEEDED, ...), or ""
	// when the answer had none.
	Code string
	// Message is the server's sentence for the user.
	Message string
	// RetryAfter is how long the server asked to wait (429, 503).
	RetryAfter time.Duration
	// Cause is the network error, if any.
	Cause error
}

func (e *ServerError) Error() string {
	var b strings.Builder
	b.WriteString(e.Err.Error())
	if e.Status != 0 {
		fmt.Fprintf(&b, " (%d", e.Status)
		if e.Code != "" {
			b.WriteString(" " + e.Code)
		}
		b.WriteString(")")
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Cause != nil {
		b.WriteString(": " + e.Cause.Error())
	}
	return b.String()
}

func (e *ServerError) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Err, e.Cause}
	}
	return []error{e.Err}
}

// lost maps the server's codes that take a licence away to the state the
// product is then in. Only these do: every other refusal, and every
// offline answer, leaves the stored code and its grace as they were.
var lostStates = map[string]State{
	"LICENCE_REVOKED":     Revoked,
	"LICENCE_SUSPENDED":   Revoked,
	"LICENCE_NOT_FOUND":   Revoked, // the key is not accepted: an authentication failure
	"UNAUTHORIZED":        Revoked,
	"LICENCE_EXPIRED":     Expired,
	"NOT_ACTIVATED":       SeatLost,
	"SEAT_LIMIT_EXCEEDED": SeatLost, // a lapsed lease whose seat was taken
}

// recoverable are the losses a later validation may undo (the vendor
// resumes or extends the licence): a Client keeps asking at start-up.
var recoverable = map[string]bool{"LICENCE_SUSPENDED": true, "LICENCE_EXPIRED": true}

// takesAway reports whether the server's code takes the licence away.
func takesAway(code string) bool {
	_, ok := lostStates[code]
	return ok
}

func lostStatus(code, licence string, reason error) Status {
	return Status{State: lostStates[code], ServerCode: code, LicenceKey: licence, Reason: reason}
}
