package keygen_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"filippo.io/age"

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
	b := codec.Binding{Product: "umenu", LicenceKey: "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM", MachineUID: "18J8D-22RR5-50W00-0000C"}
	code, _ := codec.Sign(key, b, codec.Payload{Issued: codec.DayOf(now), Expires: codec.NoExpiry, Seats: 1, Serial: 1})

	// What the product embeds: the public keyring.
	kr, _ := verify.NewKeyring(&codec.Keyring{Product: "umenu", Keys: []codec.Key{key.VerificationKey()}})
	terms, err := kr.Verify(code, b, now)
	fmt.Println(terms.Perpetual(), err)
	// Output: true <nil>
}

func ExampleStore() {
	dir, _ := os.MkdirTemp("", "actkit-example")
	defer os.RemoveAll(dir)
	id, _ := age.GenerateX25519Identity() // in practice: the vendor's identity file
	store := keygen.NewStore(filepath.Join(dir, "keystore.age"),
		keygen.Unlock{Identities: []age.Identity{id}}, keygen.StoreOptions{})
	if err := store.Init(context.Background(), keygen.Protection{Recipients: []string{id.Recipient().String()}}); err != nil {
		fmt.Println(err)
		return
	}
	// Every change runs under the keystore's lock and is written atomically.
	err := store.Update(context.Background(), func(ks *keygen.Keyset) error {
		_, err := ks.Add(rand.Reader, "umenu", codec.Ed25519, time.Now())
		return err
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ks, _ := store.Load(context.Background())
	kr, _ := ks.Export("umenu", false) // the keyring products embed
	fmt.Println(len(ks.Keys()), kr.Product, len(kr.Keys))
	// Output: 1 umenu 1
}

func ExampleStore_Load_errors() {
	dir, _ := os.MkdirTemp("", "actkit-example")
	defer os.RemoveAll(dir)
	store := keygen.NewStore(filepath.Join(dir, "keystore.age"), keygen.Unlock{}, keygen.StoreOptions{})
	_, err := store.Load(context.Background())
	fmt.Println(errors.Is(err, keygen.ErrKeystoreNotFound))
	// Output: true
}
