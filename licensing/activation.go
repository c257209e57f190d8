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
}
