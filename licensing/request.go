package licensing

import (
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/actkit/actkit/codec"
)

// IssueRequest asks for a code: a licence key and machine UID, or a
// request code carrying both.
type IssueRequest struct {
	// Licence and Machine, or Request (a request code, which names both;
	// a Licence given with it must be the code's).
	Licence string
	Machine string
	Request string
	// LeaseDays, if positive, makes the code expire that many days after
	// its issue day, or at the licence's expiry if that is sooner.
	LeaseDays int
	// Release is the product release line ("4.2") the code is for, when
	// there is no request code to say it; "" for the line of the request
	// code, or the product's active key.
	Release string
	// Key, if set, is the key ID to sign with, overriding the choice by
	// release line.
	Key string
	// Trust is what the asking product says it accepts, and the channel
	// it asks through.
	Trust Trust
	// Name is the machine's name, as the product reports it (for people).
	Name string
	// Tolerance, if set, lets a machine whose UID drifted keep its seat:
	// when the machine holds none, a live activation of the licence whose
	// UID it accepts as the same machine (an unplugged cable, a replaced
	// adapter; the product's own match policy) is replaced by this one in
	// the same transaction. It returns whether the two UIDs are one
	// machine, and what changed, for people.
	Tolerance Tolerance
	// Fresh makes a machine that holds its seat get a new code dated
	// today, even if its terms are unchanged (which would otherwise give
	// it the same code again): the vendor's way out for a product stuck
	// in ClockTampering after its clock once ran ahead, which only a code
	// issued after every code it stored can move back (docs/product.md).
	// The seat is kept; the old code is superseded.
	Fresh bool
	// Former, if set, is a UID the same machine was recorded under
	// before (LegacyFingerprintUID of the fingerprint that Machine maps
	// to): when Machine holds no seat and Former holds one, that
	// activation gives its seat to this one in the same transaction, so
	// the machine keeps one seat and moves to its new UID.
	Former codec.MachineUID
}

// Trust is what a product asking for a code accepts, as it says itself
// (an online request), and the channel it asks through.
type Trust struct {
	// Keys, if not empty, are the key IDs the product's keyring holds:
	// the code is signed with one of them (or with a delegated key one of
	// them certified, when Certificates) or refused before any seat is
	// taken. They outrank the release line, which only says what the
	// vendor recorded of a release.
	Keys []codec.KeyID
	// Certificates: the product verifies a delegation certificate that
	// comes with the code (activation.Client stores the two together).
	Certificates bool
	// Purpose is the channel asking: codec.PurposeOnline for the licence
	// API, codec.PurposePortal for the pages; 0 for the vendor's own
	// commands. Only a channel signs with delegated keys.
	Purpose codec.Purpose
	// Field says the request came from a client already in the field
	// (docs/api.md): it said nothing of what it trusts, and it came with
	// a customer API token or an imported (legacy) licence key, which no
	// actkit product unable to take a certificate ever sent. Such a
	// client checks no code with an actkit keyring of its own, so where
	// nothing else signs for it, a delegated key under any delegation
	// that covers the product, the channel and today does, and the
	// answer carries the certificate: a verifier holding the root checks
	// the code with it. The delegation's limits apply as to any code.
	Field bool

	// Issuers, if not nil, are the roots among Keys: the keys whose
	// delegations the product accepts. Nil: any of Keys (a version 1
	// keyring's keys are all roots). A server that knows the keyring the
	// product will hold sets it, since a rotated-out root stays a key
	// whose delegations that keyring refuses.
	Issuers []codec.KeyID
	// KeyringVersion is the version of the keyring the product holds (0
	// for a version 1 keyring), when Installs.
	KeyringVersion uint32
	// Installs: the product said its keyring's version, and installs a
	// keyring update that comes with the answer before it checks the
	// code (activation.Client does), so the code may be signed for the
	// keyring it will hold then.
	Installs bool
}

// Tolerance says whether a machine UID seen now is the machine an
// activation was issued for, and what changed ("network adapter
// changed"). It is asked only about the licence's live activations that
// share a present per-machine component (codec.Component.PerMachine)
// with the machine, found through the ledger's indexes whatever the
// licence's size: a tolerance that would accept a UID sharing none (no
// policy of package activation does) is never asked about it.
type Tolerance func(issued, now codec.MachineUID) (same bool, changed string)

// MaxRelease bounds a release line, as recorded releases are.
const MaxRelease = 32

// MaxTrustedKeys bounds the key IDs a request may say it trusts: a
// keyring holds a handful, and the list is searched for every key.
const MaxTrustedKeys = 64

// MaxMachineName bounds a machine name.
const MaxMachineName = 64

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
	// Release is the release line the code is for ("4.2"): given, or the
	// minor version of the request code's product version; "" if unknown.
	Release string
	// Key is the key to sign with, if the request names one.
	Key *codec.KeyID
	// Trust is the request's (see IssueRequest).
	Trust Trust
	// Name is the machine's name, cleaned of control characters.
	Name string
	// Tolerance and Former are the request's (see IssueRequest).
	Tolerance Tolerance
	// Fresh is the request's (see IssueRequest).
	Fresh  bool
	Former codec.MachineUID
}

// ReleaseLine returns the release line of a product version: its first
// two components ("4.2" of "4.2.17", "4" of "4"), as machine UIDs use.
func ReleaseLine(version string) string {
	parts := strings.SplitN(strings.TrimPrefix(strings.TrimSpace(version), "v"), ".", 3)
	if len(parts) >= 2 {
		return parts[0] + "." + parts[1]
	}
	return parts[0]
}

// Resolve parses an issue request. Parsing is done before any ledger work,
// so a malformed request never waits for the ledger.
func Resolve(req IssueRequest) (Target, error) {
	t := Target{LeaseDays: req.LeaseDays, Release: req.Release, Name: cleanName(req.Name), Tolerance: req.Tolerance, Fresh: req.Fresh, Former: req.Former}
	if len(req.Release) > MaxRelease {
		return t, refuse(ErrInvalid, "a release line is a version like 4.2")
	}
	if len(req.Trust.Keys) > MaxTrustedKeys {
		return t, refuse(ErrInvalid, "a product trusts at most 64 keys")
	}
	t.Trust = req.Trust
	t.Trust.Keys = slices.Clone(req.Trust.Keys)
	if req.LeaseDays < 0 {
		return t, refuse(ErrInvalid, "lease must be a positive number of days")
	}
	if req.Key != "" {
		id, err := codec.ParseKeyID(req.Key)
		if err != nil {
			return t, &Refusal{Reason: ErrInvalid, Detail: "key ID: " + err.Error(), Err: err}
		}
		t.Key = &id
	}
	if req.Request != "" {
		if req.Machine != "" {
			return t, refuse(ErrInvalid, "give a request code, or a licence and a machine, not both")
		}
		r, err := codec.ParseRequestCode(req.Request)
		if err != nil {
			// The reason already says "invalid request code": the detail
			// is what is wrong with it ("group 2 of 9 has a typo").
			return t, &Refusal{Reason: ErrInvalidRequest, Detail: strings.TrimPrefix(err.Error(), "request code: "), Err: err}
		}
		// A licence given beside the request code (the one the customer
		// typed, the one a call authenticated with) must be the code's.
		if req.Licence != "" {
			typed, err := ParseLicenceKey(req.Licence)
			if err != nil {
				return t, err
			}
			if typed != r.LicenceKey {
				return t, refuse(ErrInvalidRequest, "this request code was made for another licence key")
			}
		}
		t.Licence, t.Machine, t.Product, t.Version = r.LicenceKey, r.MachineUID, r.Product, r.ProductVersion
		if t.Release == "" && r.ProductVersion != "" {
			t.Release = ReleaseLine(r.ProductVersion)
		}
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

// cleanName keeps a machine name printable and short: it is shown to
// people on the vendor's and the customer's pages.
func cleanName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	if len(s) > MaxMachineName {
		s = s[:MaxMachineName]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	return s
}
