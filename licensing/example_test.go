package licensing_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/licensing"
)

// Decide is the whole of the issuing rules: a front end or a ledger
// backend never re-implements them. Test the reason with errors.Is.
func ExampleDecide() {
	today := codec.DayOf(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
	li := licensing.Licence{Key: "UMENU7KQ2XM4RTA9VWCEH3NPM", Display: "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM",
		Product: "umenu", Seats: 1, InUse: 1, Expires: codec.NoExpiry, Status: licensing.Active}
	t, _ := licensing.Resolve(licensing.IssueRequest{Licence: "umenu 7kq2x m4rta 9vwce h3npm", Machine: "18J8D-22RR5-50W00-0000C"})
	_, err := licensing.Decide(li, nil, t, codec.KeyID{0xb7, 0x01}, nil, today)
	if errors.Is(err, licensing.ErrSeatLimit) {
		fmt.Println(licensing.ReasonCode(err))
	}
	// Output: seat-limit
}
