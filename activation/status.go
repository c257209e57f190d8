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
)

var stateNames = map[State]string{
	Activated: "activated", InGrace: "in grace", ActivationRequired: "activation required",
	Expired: "expired", MachineChanged: "machine changed", Invalid: "invalid", ClockTampering: "clock tampering suspected",
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
}

// Licensed reports whether the product may run fully now: activated, or
// still in its grace period.
func (s Status) Licensed() bool { return s.State == Activated || s.State == InGrace }

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
		days := int((s.GraceLeft + 24*time.Hour - 1) / (24 * time.Hour))
		return fmt.Sprintf("not activated: %d day(s) of the grace period left", days)
	case ActivationRequired:
		if s.Reason != nil {
			return "activation required: " + s.Reason.Error()
		}
		return "activation required: the grace period is over"
	case Expired:
		return "expired: the last valid day was " + s.ExpiredOn.String() + "; ask for a new code"
	case MachineChanged:
		return "re-activation needed, this is not the machine the code was issued for: " + s.Changes.String()
	case Invalid:
		return "the stored activation code is not valid: " + s.Reason.Error()
	case ClockTampering:
		return "the system clock looks wrong: " + s.Reason.Error()
	}
	return "unknown state"
}
