package verify_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/actkit/actkit/verify"
)

// The keyring a vendor exported with "actkit keys export --product umenu",
// embedded in the product, and a code the vendor issued for one machine.
const (
	exampleKeyring = `actkit-keyring v1
product umenu
key ed25519:b7bc:2fAWLsxyQhqnMMxwXN6o6ogKwSw2GgYkw8dyGyTR18qqjm7Lqq
`
	exampleCode = "f2bsm6qbYWA-7ydhzWwPe4x-o3uLyUnkPCg-Gef5BUoRoN8-bjZPiT12yQt-5rEQZzaJT44-X3rbh3wPBNw-EpPVW81wRgG-GyC8kn4Bs2C-ujLWuZ2MDZT-11gkF"
)

func ExampleParseKeyring() {
	kr, err := verify.ParseKeyring(exampleKeyring)
	if err != nil {
		fmt.Println("bad keyring:", err)
		return
	}
	fmt.Println(kr.Product())
	// Output: umenu
}

func ExampleKeyring_Verify() {
	kr, _ := verify.ParseKeyring(exampleKeyring)
	binding := verify.Binding{
		Product:    "umenu",
		LicenceKey: "umenu 7kq2x m4rta 9vwce h3npm", // as the user typed it
		MachineUID: "18J8D-22RR5-50W00-0000C",       // from package machine
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) // the product passes its clock
	terms, err := kr.Verify(exampleCode, binding, now)
	if err != nil {
		fmt.Println("not activated:", err)
		return
	}
	fmt.Println("seats:", terms.Seats, "expires:", terms.Expires, "feature 2:", terms.HasFeature(2))
	// Output: seats: 1 expires: 2027-11-23 feature 2: true
}

// Test the reason with errors.Is, never ==: errors carry detail.
func ExampleKeyring_Verify_errors() {
	kr, _ := verify.ParseKeyring(exampleKeyring)
	binding := verify.Binding{Product: "umenu", LicenceKey: "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM", MachineUID: "116J2-993C0-00000-0000C"}
	_, err := kr.Verify(exampleCode, binding, time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	switch {
	case errors.Is(err, verify.ErrWrongMachine):
		fmt.Println("this code is for another machine: request a new one")
	case errors.Is(err, verify.ErrTypo):
		var e *verify.Error
		errors.As(err, &e)
		fmt.Println("typo in group", e.Groups, "suggestion:", e.Suggestion)
	case err != nil:
		fmt.Println("refused:", err)
	}
	// Output: this code is for another machine: request a new one
}

func ExampleKeyring_Verify_typo() {
	kr, _ := verify.ParseKeyring(exampleKeyring)
	binding := verify.Binding{Product: "umenu", LicenceKey: "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM", MachineUID: "18J8D-22RR5-50W00-0000C"}
	typed := "f2bsm6qbYWA-7ydhzWwPe4x-o3uLyUnkPCg-Gef5BUoRoN8-bjZPiT12yQt-5rEQZzaJT44-X3rbh3wPBNw-EpPVW81wRgG-GyC8kn4Bs2C-ujLWuZ2MDZT-11gxF"
	_, err := kr.Verify(typed, binding, time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	var e *verify.Error
	if errors.As(err, &e) && errors.Is(err, verify.ErrTypo) {
		fmt.Printf("group %d of %d has a typo\n", e.Groups[0], e.NumGroups)
		fmt.Println("did you mean:", e.Suggestion)
		fmt.Printf("group %d, symbol %d: %c, not %c\n", e.Fix.Group, e.Fix.Symbol, e.Fix.Want, e.Fix.Given)
	}
	// Output:
	// group 11 of 11 has a typo
	// did you mean: f2bsm6qbYWA-7ydhzWwPe4x-o3uLyUnkPCg-Gef5BUoRoN8-bjZPiT12yQt-5rEQZzaJT44-X3rbh3wPBNw-EpPVW81wRgG-GyC8kn4Bs2C-ujLWuZ2MDZT-11gkF
	// group 11, symbol 4: k, not x
}

func ExampleReasonCode() {
	kr, _ := verify.ParseKeyring(exampleKeyring)
	binding := verify.Binding{Product: "umenu", LicenceKey: "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM", MachineUID: "18J8D-22RR5-50W00-0000C"}
	_, err := kr.Verify(exampleCode, binding, time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC))
	fmt.Println(verify.ReasonCode(err))
	// Output: expired
}
