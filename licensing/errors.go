package licensing

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Reasons a request is refused. Every refusal wraps exactly one of them.
var (
	ErrUnknownLicence = errors.New("no such licence")
	ErrLicenceTypo    = errors.New("licence key has a typo")
	ErrLicenceExpired = errors.New("licence has expired")
	ErrSuspended      = errors.New("licence is suspended")
	ErrRevoked        = errors.New("licence is revoked")
	ErrWrongProduct   = errors.New("licence is for another product")
	ErrNoActiveKey    = errors.New("no active signing key for the product")
	ErrNoTrustedKey   = errors.New("no key that the product release trusts can sign")
	// ErrOutsideDelegation: the code the rules give would fall outside
	// the delegation of the only key that could sign it (features the
	// certificate does not grant, a serial outside its range).
	ErrOutsideDelegation   = errors.New("the code would fall outside the signing key's delegation")
	ErrSeatLimit           = errors.New("no free seat")
	ErrNotActivated        = errors.New("machine holds no seat on the licence")
	ErrActivated           = errors.New("machine already holds a seat on the licence")
	ErrReleaseBudget       = errors.New("the licence's deactivations for the last 30 days are used up")
	ErrUnknownPlan         = errors.New("no such plan")
	ErrInvalidMachine      = errors.New("invalid machine UID")
	ErrInvalidRequest      = errors.New("invalid request code")
	ErrInvalidDeactivation = errors.New("invalid deactivation code")
	ErrUnknownProduct      = errors.New("no such product")
	ErrExists              = errors.New("already exists")
	ErrInvalid             = errors.New("invalid value")
	// ErrNotCovered: a customer API token was used for a licence it does
	// not act for.
	ErrNotCovered = errors.New("the API token does not act for this licence")
	// ErrMachineAmbiguous: a deactivation named only a machine, which
	// holds seats on more than one of the licences the token acts for.
	ErrMachineAmbiguous = errors.New("the machine holds seats on several licences")
	// ErrTokenLimit: a licence already has MaxLicenceTokens live customer
	// API tokens, so another is not made until one is revoked or expires.
	ErrTokenLimit = errors.New("the licence has as many live API tokens as it may")
)

// Refusal is a request refused by the rules. Nothing was recorded.
type Refusal struct {
	// Reason is one of the sentinels above.
	Reason error
	// Licence is the licence's display key, when one is known.
	Licence string
	// Product is the product concerned, when one is known.
	Product string
	// Detail says what was wrong, for people, without naming any command.
	Detail string
	// Seats, InUse and Holders describe the seats (ErrSeatLimit): the
	// licence's number of seats, how many are in use, and the newest
	// machines holding them (at most MaxShownHolders: a site licence's
	// refusal costs what a small one's does), by serial.
	Seats   int
	InUse   int
	Holders []Holder
	// Err is an underlying parse error (a typo in a licence key, a bad
	// machine UID), if any.
	Err error
}

// MaxShownHolders bounds the machines a refusal for want of a seat lists.
const MaxShownHolders = 50

func (r *Refusal) Error() string {
	var b strings.Builder
	if r.Licence != "" {
		fmt.Fprintf(&b, "licence %s: ", r.Licence)
	}
	b.WriteString(r.Reason.Error())
	if r.Detail != "" {
		b.WriteString(": ")
		b.WriteString(r.Detail)
	}
	if r.Reason == ErrSeatLimit && len(r.Holders) > 0 {
		names := make([]string, len(r.Holders))
		listed := 0
		for i, h := range r.Holders {
			listed += h.Seats
			names[i] = fmt.Sprintf("%s (serial %d, since %s)", h.Machine, h.Serial, h.Since.Format(time.DateOnly))
		}
		if r.InUse > listed {
			fmt.Fprintf(&b, ": all %d are held, the newest %d by %s", r.Seats, len(r.Holders), strings.Join(names, ", "))
		} else {
			fmt.Fprintf(&b, ": all %d are held by %s", r.Seats, strings.Join(names, ", "))
		}
	}
	return b.String()
}

// Is makes errors.Is(err, licensing.ErrX) true for a refusal of reason X.
func (r *Refusal) Is(target error) bool { return target == r.Reason }

// Unwrap returns the underlying parse error, if any.
func (r *Refusal) Unwrap() error { return r.Err }

func refuse(reason error, format string, args ...any) *Refusal {
	return &Refusal{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// reasonCodes are the stable names of the reasons, for JSON output, exit
// statuses, logs and HTTP problem codes. They never change.
var reasonCodes = []struct {
	err  error
	code string
}{
	{ErrUnknownLicence, "unknown-licence"},
	{ErrNotCovered, "not-covered"},
	{ErrMachineAmbiguous, "machine-ambiguous"},
	{ErrTokenLimit, "token-limit"},
	{ErrLicenceTypo, "licence-typo"},
	{ErrLicenceExpired, "expired"},
	{ErrSuspended, "suspended"},
	{ErrRevoked, "revoked"},
	{ErrWrongProduct, "wrong-product"},
	{ErrNoActiveKey, "no-active-key"},
	{ErrNoTrustedKey, "no-trusted-key"},
	{ErrOutsideDelegation, "outside-delegation"},
	{ErrSeatLimit, "seat-limit"},
	{ErrNotActivated, "not-activated"},
	{ErrActivated, "already-activated"},
	{ErrReleaseBudget, "release-budget"},
	{ErrUnknownPlan, "unknown-plan"},
	{ErrInvalidMachine, "invalid-machine"},
	{ErrInvalidDeactivation, "invalid-deactivation-code"},
	{ErrInvalidRequest, "invalid-request"},
	{ErrUnknownProduct, "unknown-product"},
	{ErrExists, "exists"},
	{ErrInvalid, "invalid"},
}

// ReasonCode returns the stable name of a refusal's reason ("seat-limit"),
// or "" if err is not a refusal.
func ReasonCode(err error) string {
	var r *Refusal
	if !errors.As(err, &r) {
		return ""
	}
	for _, rc := range reasonCodes {
		if r.Reason == rc.err {
			return rc.code
		}
	}
	return ""
}

// Reasons lists every reason with its stable code, in a fixed order: the
// table front ends map to exit statuses and HTTP statuses, and test for
// completeness.
func Reasons() []error {
	out := make([]error, len(reasonCodes))
	for i, rc := range reasonCodes {
		out[i] = rc.err
	}
	return out
}
