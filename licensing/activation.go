package licensing

import (
	"errors"
	"time"

	"github.com/actkit/actkit/codec"
)

var errorsIs = errors.Is

// Activation is a machine's seat on a licence and the terms of its code.
type Activation struct {
	Serial uint64
	// Licence is the licence's normal form.
	Licence string
	Product string
	// Machine is the machine UID's canonical text.
	Machine  string
	Seats    int
	KeyID    codec.KeyID
	Issued   codec.Day
	Expires  codec.Day
	Features uint64
	Created  time.Time
	// Name is the machine's name as the product reported it (online
	// activation), for people; "" when unknown.
	Name string
	// LastSeen is when the machine last validated online, or Created.
	LastSeen time.Time
}

// SameTerms reports whether a and b would produce the same code.
func (a Activation) SameTerms(b Activation) bool {
	return a.KeyID == b.KeyID && a.Expires == b.Expires && a.Features == b.Features && a.Seats == b.Seats
}

// Holder is a machine holding seats of a licence.
type Holder struct {
	Machine string    `json:"machine"`
	Serial  uint64    `json:"serial"`
	Seats   int       `json:"seats"`
	Since   time.Time `json:"since"`
	// Name is the machine's name, if the product sent one.
	Name string `json:"name,omitempty"`
	// LastSeen is when the machine last validated online (updated at most
	// daily), or its activation time.
	LastSeen time.Time `json:"lastSeen"`
	// Expires is the last day of its code (its lease, for leased plans).
	Expires codec.Day `json:"expires"`
}
