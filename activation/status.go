package activation

import (
	"fmt"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/verify"
)

// State is what the product should do.
type State int

const (
	// Activated: a valid code for this machine; Terms holds what it grants.
	Activated State = iota
	// InGrace: not activated yet, still inside the grace period.
	InGrace
	// ActivationRequired: the grace period is over (or the state file was
	// damaged) and there is no valid code.
	ActivationRequired
	// Expired: the code's last day has passed.
	Expired
	// MachineChanged: the machine no longer matches the UID the code was
	// issued for; Changes says which components.
	MachineChanged
	// Invalid: the stored code does not verify; Reason says why.
	Invalid
	// ClockTampering: the clock is behind the latest time seen by more than
	// the tolerance (or behind the code's issue date).
	ClockTampering
	// ActivatedOffline: an online activation whose validation is due and
	// has not reached the licence server: the product runs on the last
	// answer's terms for GraceLeft (until OfflineUntil).
	ActivatedOffline
	// ValidationRequired: an online activation that has not reached the
	// licence server for its whole offline grace: the paid features stop
	// until a validation succeeds (or a code is typed in).
	ValidationRequired
	// SeatLost: the licence server says this machine holds no seat any
	// more (the vendor released it, or its lease lapsed and the seat was
	// taken); activating again takes one if one is free.
	SeatLost
	// Revoked: the licence server says the licence is revoked or
	// suspended, or no longer accepts its key; ServerCode says which.
	Revoked
	// Deactivated: this machine gave its code up. DeactivationCode, when
	// set, is the code for the vendor to free the seat (the server was not
	// reached); empty, the seat is free.
	Deactivated
)

var stateNames = map[State]string{
	Activated: "activated", InGrace: "in grace", ActivationRequired: "activation required",
	Expired: "expired", MachineChanged: "machine changed", Invalid: "invalid", ClockTampering: "clock tampering suspected",
	ActivatedOffline: "activated, offline", ValidationRequired: "validation required", SeatLost: "seat lost",
	Revoked: "revoked or suspended", Deactivated: "deactivated",
}

func (s State) String() string { return stateNames[s] }

// Status is the licence state with what the product needs to act on it.
type Status struct {
	State State
	// Terms are the verified terms (Activated).
	Terms verify.Terms
	// GraceLeft is the time left in the grace period (InGrace).
	GraceLeft time.Duration
	// Changes compares the UID the code was issued for with the machine's
	// (MachineChanged).
	Changes Diff
	// Expired is the code's last valid day (Expired).
	ExpiredOn codec.Day
	// Reason is the verifier's error (Invalid), or why activation is
	// required or tampering suspected.
	Reason error
	// LicenceKey is the licence key of the stored code, if any.
	LicenceKey string

	// The online half (a Client with a Server).

	// ValidateAfter is when the code is validated next, and OfflineUntil
	// the end of its offline grace, for an online activation (zero for a
	// typed code, which is never validated).
	ValidateAfter, OfflineUntil time.Time
	// ServerCode is the licence server's code for the answer that took
	// the licence away (Revoked, SeatLost, Expired): LICENCE_REVOKED,
	// LICENCE_SUSPENDED, NOT_ACTIVATED, ...
	ServerCode string
	// DeactivationCode is the code to give the vendor (Deactivated, when
	// the seat could not be freed online).
	DeactivationCode string
	// ActiveCount and MaxActivations are the licence's seats in use and
	// seats, from the server's answer to this call (0 otherwise).
	ActiveCount, MaxActivations int
}

// Licensed reports whether the product may run fully now: activated
// (online within its offline grace, too), or still in its first-run grace
// period.
func (s Status) Licensed() bool {
	return s.State == Activated || s.State == InGrace || s.State == ActivatedOffline
}

// String describes the state for people.
func (s Status) String() string {
	switch s.State {
	case Activated:
		exp := "never expires"
		if !s.Terms.Perpetual() {
			exp = "valid through " + s.Terms.Expires.String()
		}
		return fmt.Sprintf("activated (%s, %d seat(s), serial %d)", exp, s.Terms.Seats, s.Terms.Serial)
	case InGrace:
		return fmt.Sprintf("not activated: %d day(s) of the grace period left", days(s.GraceLeft))
	case ActivationRequired:
		if s.Reason != nil {
			return "activation required: " + s.Reason.Error()
		}
		return "activation required: the grace period is over"
	case Expired:
		if s.ServerCode != "" {
			return "expired: the licence server says the licence has expired"
		}
		return "expired: the last valid day was " + s.ExpiredOn.String() + "; ask for a new code"
	case MachineChanged:
		return "re-activation needed, this is not the machine the code was issued for: " + s.Changes.String()
	case Invalid:
		return "the stored activation code is not valid: " + s.Reason.Error()
	case ClockTampering:
		return "the system clock looks wrong: " + s.Reason.Error()
	case ActivatedOffline:
		return fmt.Sprintf("activated, offline: the licence server cannot be reached; %d day(s) of offline grace left", days(s.GraceLeft))
	case ValidationRequired:
		return "the licence server has not been reached for the whole offline grace: connect to the internet (or activate offline)"
	case SeatLost:
		return "this machine no longer holds a seat on the licence: activate again"
	case Revoked:
		switch s.ServerCode {
		case "LICENCE_SUSPENDED":
			return "the licence is suspended: contact the vendor"
		case "LICENCE_REVOKED":
			return "the licence was revoked"
		}
		return "the licence server no longer accepts this licence key"
	case Deactivated:
		if s.DeactivationCode != "" {
			return "deactivated on this machine; give the vendor this deactivation code to free the seat: " + s.DeactivationCode
		}
		return "deactivated: the seat is free; activate again to use this machine"
	}
	return "unknown state"
}

// days is d in days, rounded up: a day and an hour left is 2 days.
func days(d time.Duration) int { return int((d + 24*time.Hour - 1) / (24 * time.Hour)) }
