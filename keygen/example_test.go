package keygen_test

import (
	"crypto/rand"
	"fmt"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/verify"
)

func ExampleGenerate() {
	now := time.Now()
	key, err := keygen.Generate(rand.Reader, "umenu", codec.Ed25519, now, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	b := codec.Binding{Product: "umenu", LicenceKey: "UMENU-7KQ2X-M4RTA", MachineUID: "A1B2C-D3E4F"}
	code, _ := key.Sign(b, codec.Payload{Issued: codec.DayOf(now), Expires: codec.NoExpiry, Seats: 1, Serial: 1})

	// What the product embeds: the public keyring.
	kr, _ := verify.NewKeyring(&codec.Keyring{Product: "umenu", Keys: []codec.Key{key.VerificationKey()}})
	terms, err := kr.Verify(code, b, now)
	fmt.Println(terms.Perpetual(), err)
	// Output: true <nil>
}
