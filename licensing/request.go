package licensing

import (
	"errors"

	"github.com/actkit/actkit/codec"
)

// IssueRequest asks for a code: a licence key and machine UID, or a
// request code carrying both.
type IssueRequest struct {
	Licence string
	Machine string
	Request string
	// LeaseDays, if positive, makes the code expire that many days after
	// its issue day, or at the licence's expiry if that is sooner.
	LeaseDays int
}

// Target is a parsed issue request: what to issue, for whom.
type Target struct {
	// Licence is the licence key's normal form.
	Licence string
	Machine codec.MachineUID
	// Product is the product named by a request code, or "".
	Product string
	// Version is the product version named by a request code, or "".
	Version   string
	LeaseDays int
}

// Resolve parses an issue request. Parsing is done before any ledger work,
// so a malformed request never waits for the ledger.
func Resolve(req IssueRequest) (Target, error) {
	t := Target{LeaseDays: req.LeaseDays}
	if req.LeaseDays < 0 {
		return t, refuse(ErrInvalid, "lease must be a positive number of days")
	}
	if req.Request != "" {
		if req.Licence != "" || req.Machine != "" {
			return t, refuse(ErrInvalid, "give a request code, or a licence and a machine, not both")
		}
		r, err := codec.ParseRequestCode(req.Request)
		if err != nil {
			return t, &Refusal{Reason: ErrInvalidRequest, Detail: "request code: " + err.Error(), Err: err}
		}
		t.Licence, t.Machine, t.Product, t.Version = r.LicenceKey, r.MachineUID, r.Product, r.ProductVersion
		if !t.Machine.HasMachineComponent() {
			return t, &Refusal{Reason: ErrInvalidMachine, Detail: "the request's machine UID has no per-machine component: the product must send one"}
		}
		return t, nil
	}
	norm, err := ParseLicenceKey(req.Licence)
	if err != nil {
		return t, err
	}
	t.Licence = norm
	t.Machine, err = ParseMachineUID(req.Machine)
	return t, err
}

// ParseMachineUID parses a machine UID as typed, refusing it as
// ErrInvalidMachine.
func ParseMachineUID(typed string) (codec.MachineUID, error) {
	u, err := codec.ParseMachineUID(typed)
	if err == nil && !u.HasMachineComponent() {
		// Processor and version alone: the same on every machine of a
		// model, so one code would activate all of them.
		return u, &Refusal{Reason: ErrInvalidMachine, Detail: quote(typed) + " has no per-machine component (network adapter, OS machine ID, system UUID or product value): the product must send one"}
	}
	if err == nil {
		return u, nil
	}
	detail := quote(typed) + ": " + err.Error()
	if errors.Is(err, codec.ErrTypo) {
		detail = quote(typed) + " has a typo: compare it with the UID shown on the machine"
	}
	return u, &Refusal{Reason: ErrInvalidMachine, Detail: detail, Err: err}
}
