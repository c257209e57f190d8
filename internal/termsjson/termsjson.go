// Package termsjson is the one JSON form of verified terms, shared by
// 'actkit verify --json' and libactkit (native/), so that a script and a
// product read the same fields.
package termsjson

import "github.com/actkit/actkit/verify"

// Terms are verify.Terms as JSON: the key ID in hex, the algorithm's
// name, the days as YYYY-MM-DD ("never" for no expiry), the features as
// a bit mask.
type Terms struct {
	Product   string `json:"product"`
	KeyID     string `json:"keyId"`
	Algorithm string `json:"algorithm"`
	Serial    uint64 `json:"serial"`
	Issued    string `json:"issued"`
	Expires   string `json:"expires"`
	Seats     int    `json:"seats"`
	Features  uint64 `json:"features"`
}

// Of returns the JSON form of t.
func Of(t verify.Terms) *Terms {
	return &Terms{Product: t.Product, KeyID: t.KeyID.String(), Algorithm: t.Algorithm.String(),
		Serial: t.Serial, Issued: t.Issued.String(), Expires: t.Expires.String(), Seats: t.Seats, Features: t.Features}
}
