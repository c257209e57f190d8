package licensing

import (
	"io"
	"time"

	"github.com/actkit/actkit/codec"
)

// Status is a licence's state.
type Status string

// Licence statuses.
const (
	Active    Status = "active"
	Suspended Status = "suspended"
	Revoked   Status = "revoked"
)

// Licence is a licence with its seats in use.
type Licence struct {
	// Key is the normal form (codec.NormalizeLicenceKey); Display is the
	// form shown to people (prefix and hyphenated groups).
	Key      string    `json:"-"`
	Display  string    `json:"key"`
	Product  string    `json:"product"`
	Seats    int       `json:"seats"`
	Expires  codec.Day `json:"expires"`
	Bits     uint64    `json:"featureBits"`
	Features []string  `json:"features"`
	Customer string    `json:"customer"`
	// Plan is the licence's type (Plan.ID), or "" for a licence made
	// without one.
	Plan    string    `json:"plan,omitempty"`
	Status  Status    `json:"status"`
	Created time.Time `json:"created"`
	// InUse is the number of seats held by live activations.
	InUse int `json:"seatsInUse"`
	// Holders lists the machines holding seats, when they were read.
	Holders []Holder `json:"machines"`
}

// LicenceSpec is what a new licence grants.
type LicenceSpec struct {
	Product  string
	Seats    int
	Expires  codec.Day // codec.NoExpiry for perpetual
	Features []string
	Customer string
	// Plan, if set, is the licence type; Seats, Expires and Features
	// left at their zero values (0, 0, nil) come from it.
	Plan string
}

// FromPlan fills what spec leaves open from the plan.
func (spec LicenceSpec) FromPlan(pl Plan, today codec.Day) LicenceSpec {
	spec.Plan = pl.ID
	if spec.Seats == 0 {
		spec.Seats = pl.Seats
	}
	if spec.Expires == 0 {
		spec.Expires = pl.Expiry(today)
	}
	if spec.Features == nil {
		spec.Features = pl.Features
	}
	return spec
}

// MaxCustomerLen bounds the customer text of a licence.
const MaxCustomerLen = 200

// NewLicence checks spec against the product and today's date and returns
// the licence to record, with a fresh key drawn from rand.
func NewLicence(rand io.Reader, p Product, spec LicenceSpec, today codec.Day, now time.Time) (Licence, error) {
	if err := CheckSeats(spec.Seats, 0); err != nil {
		return Licence{}, err
	}
	if spec.Expires != codec.NoExpiry && spec.Expires < today {
		return Licence{}, refuse(ErrInvalid, "expiry %s is in the past", spec.Expires)
	}
	if len(spec.Customer) > MaxCustomerLen {
		return Licence{}, refuse(ErrInvalid, "customer text is longer than %d bytes", MaxCustomerLen)
	}
	bits, err := p.FeatureBits(spec.Features)
	if err != nil {
		return Licence{}, err
	}
	display, err := codec.NewLicenceKey(rand, p.LicencePrefix)
	if err != nil {
		return Licence{}, err
	}
	_, norm, err := codec.ParseLicenceKey(display)
	if err != nil {
		return Licence{}, err
	}
	return licenceOf(p, spec, bits, display, norm, now), nil
}

// ImportLicence checks spec as NewLicence does and returns the licence to
// record with the key its customer already holds, typed as typed: a key
// of the product's legacy pattern (codec.KeyPattern; shown in its normal
// form, stored by its binding form) or an actkit key. A key that does not
// fit, or that reads as an actkit key with a wrong check symbol (it could
// not be bound), is refused (ErrInvalid).
func ImportLicence(p Product, spec LicenceSpec, typed string, today codec.Day, now time.Time) (Licence, error) {
	display, norm, err := importedKey(p, typed)
	if err != nil {
		return Licence{}, err
	}
	li, err := NewLicence(fixedKey{}, p, spec, today, now)
	if err != nil {
		return Licence{}, err
	}
	li.Display, li.Key = display, norm
	return li, nil
}

// fixedKey is randomness for a key ImportLicence then replaces.
type fixedKey struct{}

func (fixedKey) Read(b []byte) (int, error) { return len(b), nil }

// importedKey returns an imported key's display and ledger forms.
func importedKey(p Product, typed string) (display, norm string, err error) {
	if d, n, err := codec.ParseLicenceKey(typed); err == nil {
		return d, n, nil
	}
	if p.LegacyKeys == "" {
		return "", "", refuse(ErrInvalid, "not an actkit key, and product %s has no legacy key pattern: declare one for the product", p.ID)
	}
	pat, err := codec.ParseKeyPattern(p.LegacyKeys)
	if err != nil {
		return "", "", &Refusal{Reason: ErrInvalid, Detail: err.Error(), Err: err}
	}
	if display, err = pat.Normalize(typed, p.LegacyLookalikes); err != nil {
		return "", "", &Refusal{Reason: ErrInvalid, Detail: "the key does not fit the pattern " + p.LegacyKeys, Err: err}
	}
	if norm, _, err = codec.LicenceKeyBinding(display); err != nil {
		return "", "", &Refusal{Reason: ErrInvalid, Detail: "the key reads as an actkit key with a wrong check symbol, so no code could be bound to it", Err: err}
	}
	return display, norm, nil
}

func licenceOf(p Product, spec LicenceSpec, bits uint64, display, norm string, now time.Time) Licence {
	return Licence{Key: norm, Display: display, Product: p.ID, Seats: spec.Seats, Expires: spec.Expires,
		Bits: bits, Features: p.FeatureNames(bits), Customer: spec.Customer, Plan: spec.Plan, Status: Active,
		Created: now.UTC(), Holders: []Holder{}}
}

// CheckSeats checks a number of seats for a licence with inUse seats held.
func CheckSeats(seats, inUse int) error {
	if seats < 1 || seats > codec.MaxSeats {
		return refuse(ErrInvalid, "seats must be 1 to %d", codec.MaxSeats)
	}
	if seats < inUse {
		return refuse(ErrInvalid, "%d seats are in use; cannot go down to %d", inUse, seats)
	}
	return nil
}

// Changeable refuses changes to a revoked licence: revocation is final.
func (l Licence) Changeable() error {
	if l.Status == Revoked {
		return &Refusal{Reason: ErrRevoked, Licence: l.Display, Detail: "a revoked licence cannot be changed"}
	}
	return nil
}

// ParseLicenceKey parses a licence key as typed into the form the ledger
// keys licences by (codec.LicenceKeyBinding: an actkit key's normal form,
// or an imported legacy key's binding form), refusing a typo
// (ErrLicenceTypo) or something that cannot be a licence key
// (ErrUnknownLicence). The refusal never repeats the text: what was typed
// may be a secret (an API token sent where a key belongs).
func ParseLicenceKey(typed string) (string, error) {
	norm, _, err := codec.LicenceKeyBinding(typed)
	if err == nil {
		return norm, nil
	}
	if errorsIs(err, codec.ErrTypo) {
		return "", &Refusal{Reason: ErrLicenceTypo, Detail: "the licence key's check symbol does not match: did you mistype it?", Err: err}
	}
	return "", &Refusal{Reason: ErrUnknownLicence, Detail: "that is not a licence key", Err: err}
}
