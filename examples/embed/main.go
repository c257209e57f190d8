// Command embed is the smallest product that checks an activation code:
// the README's "Embedding the verifier" example, kept compiling here.
package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/actkit/actkit/verify"
)

// The keyring exported with 'actkit keys export --product umenu'.
const keyring = `actkit-keyring v1
product umenu
key ed25519:b7fd:g2gB9Tirt9KwKzKmrQppYncNEja1akgHDpodTHYS8qrhWSC8E
`

func main() {
	kr, err := verify.ParseKeyring(keyring) // once, at start-up
	if err != nil {
		fmt.Fprintln(os.Stderr, "broken embedded keyring:", err)
		os.Exit(2)
	}
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: embed LICENCE-KEY MACHINE-UID CODE")
		os.Exit(2)
	}
	terms, err := kr.Verify(os.Args[3], verify.Binding{
		Product:    "umenu",
		LicenceKey: os.Args[1], // as the user typed it
		MachineUID: os.Args[2], // from package machine
	}, time.Now())
	var e *verify.Error
	switch {
	case err == nil:
		fmt.Println("activated; expires", terms.Expires)
	case errors.Is(err, verify.ErrTypo) && errors.As(err, &e) && e.Suggestion != "":
		fmt.Println("typo in group", e.Groups[0], "- did you mean", e.Suggestion)
	case errors.Is(err, verify.ErrWrongMachine):
		fmt.Println("this code is for another machine: send this machine's request code")
	case errors.Is(err, verify.ErrExpired):
		fmt.Println("expired: ask for a new code")
	default:
		fmt.Println("not activated:", err)
	}
}
