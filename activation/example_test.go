package activation_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/actkit/actkit/activation"
	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/verify"
)

func Example() {
	// The vendor's side, for the example: one key, one code.
	key, _ := keygen.Generate(bytes.NewReader(make([]byte, 32)), "umenu", codec.Ed25519, time.Now(), nil)
	keyring, _ := verify.NewKeyring(&codec.Keyring{Product: "umenu", Keys: []codec.Key{key.VerificationKey()}})

	// The product's side: its UID comes from package machine in practice.
	uid, _ := codec.ParseMachineUID("19DSX-5JRR5-00000-0000E")
	dir, _ := os.MkdirTemp("", "product")
	defer os.RemoveAll(dir)
	cfg := activation.Config{Keyring: keyring, StatePath: filepath.Join(dir, "state.json")}
	start := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

	st, _ := activation.Check(cfg, uid, start) // first run
	fmt.Println(st)

	code, _ := codec.Sign(key, codec.Binding{Product: "umenu", LicenceKey: "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM", MachineUID: uid.String()},
		codec.Payload{Issued: codec.DayOf(start), Expires: codec.NoExpiry, Seats: 1, Serial: 1})
	st, err := activation.Activate(cfg, "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM", code, uid, start.Add(24*time.Hour))
	fmt.Println(st, err)
	// Output:
	// not activated: 7 day(s) of the grace period left
	// activated (never expires, 1 seat(s), serial 1) <nil>
}
