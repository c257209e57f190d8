// Command offlineproduct is a product that must never open a socket: it
// uses package activation without activation/online, and verify. The
// dependency test lists what it links.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/actkit/actkit/activation"
	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/verify"
)

func main() {
	kr, err := verify.ParseKeyring(os.Getenv("KEYRING"))
	if err != nil {
		fmt.Println(err)
		return
	}
	uid, _ := codec.ParseMachineUID("19DSX-5JRR5-00000-0000E")
	c := &activation.Client{Config: activation.Config{Keyring: kr, StatePath: "state.json"}, Machine: uid}
	st, err := c.Status()
	fmt.Println(st, err)
	st, err = activation.Check(c.Config, uid, time.Now())
	fmt.Println(st, err)
}
