// Command product is a small program that embeds actkit activation as a
// real product would: on start it prints its licence state; "request"
// prints the request code to send to the vendor; "activate CODE" checks
// and stores a code.
//
// It reads its keyring from PRODUCT_KEYRING (a real product embeds it),
// its licence key from PRODUCT_LICENCE, keeps its state in PRODUCT_STATE
// (default product-state.json). It takes its clock and its hardware from
// the machine it runs on and from nothing else: copy this pattern, and
// never let an environment variable move the licensing clock, point the
// machine identity at other hardware or supply a component of it (a
// machine.Options.ProductValue from the environment lets anyone give a
// second machine the first one's UID, and its licence with it).
package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/actkit/actkit/activation"
	"github.com/actkit/actkit/machine"
	"github.com/actkit/actkit/verify"
)

const version = "4.2.17"

// stateKey keys the MAC of the product's state file
// (activation.Config.StateKey). It is a secret of this product's own,
// compiled in: without it the MAC key comes from public values, and
// anyone who reads actkit's source can rewrite the state file with a
// first run of today for a fresh grace period. Compiled in rather than
// read from a file or the environment, so that the user cannot supply or
// change it. Make your own once (16 random bytes) and never change it: a
// new key makes every installed product's state file read as damaged.
// Someone who extracts it from the binary can still forge the file; a
// patched binary defeats any offline check (docs/security.md).
var stateKey = []byte{0xaa, 0x62, 0xa8, 0x1b, 0x5f, 0x59, 0x34, 0xac, 0x8e, 0x00, 0xec, 0xe8, 0x9e, 0x75, 0xe2, 0x99}

// Test seams, set only by the test binary's main (main_test.go), never
// from the environment by this program: the tests' clock, and a product
// value that gives the test machine a per-machine component where it has
// none of its own (a container without a network adapter).
var (
	testOnlyNow          func() time.Time
	testOnlyProductValue string
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	data, err := os.ReadFile(os.Getenv("PRODUCT_KEYRING"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "product: no keyring:", err)
		return 2
	}
	kr, err := verify.ParseKeyring(string(data))
	if err != nil {
		fmt.Fprintln(os.Stderr, "product: bad keyring:", err)
		return 2
	}
	state := os.Getenv("PRODUCT_STATE")
	if state == "" {
		state = "product-state.json"
	}
	cfg := activation.Config{Keyring: kr, StatePath: state, StateKey: stateKey}
	now := time.Now()
	if testOnlyNow != nil {
		now = testOnlyNow()
	}
	id, err := machine.Collect(machine.Options{Product: kr.Product(), Version: version, ProductValue: testOnlyProductValue})
	if err != nil {
		fmt.Fprintln(os.Stderr, "product: machine identity:", err)
		return 1
	}
	licence := os.Getenv("PRODUCT_LICENCE")

	switch {
	case len(args) == 0:
		st, err := activation.Check(cfg, id.UID, now)
		if err != nil {
			fmt.Fprintln(os.Stderr, "product:", err)
			return 1
		}
		fmt.Println(st)
		if !st.Licensed() {
			return 1
		}
		return 0
	case args[0] == "request" && len(args) == 1:
		code, err := activation.RequestCode(cfg, licence, id.UID, version)
		if err != nil {
			fmt.Fprintln(os.Stderr, "product:", err)
			return 1
		}
		fmt.Println("Send this request code to your vendor:")
		fmt.Println(code)
		return 0
	case args[0] == "activate" && len(args) == 2:
		st, err := activation.Activate(cfg, licence, args[1], id.UID, now)
		var ve *verify.Error
		switch {
		case err == nil:
			fmt.Println(st)
			return 0
		case errors.As(err, &ve) && ve.Suggestion != "":
			fmt.Printf("not activated: %v\n", err)
		default:
			fmt.Printf("not activated: %v\n", err)
		}
		return 1
	}
	fmt.Fprintln(os.Stderr, "usage: product [request | activate CODE]")
	return 2
}
