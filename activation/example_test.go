package activation_test

import (
	"bytes"
	"context"
	"errors"
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

// unreachable is a licence server that cannot be reached, for the
// example; in a product, activation/online.New gives the real one.
type unreachable struct{}

func (unreachable) Activate(context.Context, activation.Request) (activation.Answer, error) {
	return activation.Answer{}, &activation.ServerError{Err: activation.ErrOffline}
}
func (unreachable) Validate(context.Context, activation.Request) (activation.Answer, error) {
	return activation.Answer{}, &activation.ServerError{Err: activation.ErrOffline}
}
func (unreachable) Deactivate(context.Context, activation.Request) (activation.Deactivation, error) {
	return activation.Deactivation{}, &activation.ServerError{Err: activation.ErrOffline}
}

func ExampleClient() {
	key, _ := keygen.Generate(bytes.NewReader(make([]byte, 32)), "umenu", codec.Ed25519, time.Now(), nil)
	keyring, _ := verify.NewKeyring(&codec.Keyring{Product: "umenu", Keys: []codec.Key{key.VerificationKey()}})
	uid, _ := codec.ParseMachineUID("19DSX-5JRR5-00000-0000E")
	dir, _ := os.MkdirTemp("", "product")
	defer os.RemoveAll(dir)
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	c := &activation.Client{
		Config:     activation.Config{Keyring: keyring, StatePath: filepath.Join(dir, "state.json")},
		Server:     unreachable{}, // online.New("https://licence.example.com", online.Options{})
		Machine:    uid,
		LicenceKey: "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM",
		Now:        func() time.Time { return now },
	}
	ctx := context.Background()

	// At start-up: activate online on first use; offline, the grace runs.
	st, err := c.Start(ctx)
	fmt.Println(st, errors.Is(err, activation.ErrOffline))

	// The code the vendor sent for the request code, typed in.
	code, _ := codec.Sign(key, codec.Binding{Product: "umenu", LicenceKey: c.LicenceKey, MachineUID: uid.String()},
		codec.Payload{Issued: codec.DayOf(now), Expires: codec.NoExpiry, Seats: 1, Serial: 1})
	st, err = c.ActivateCode(c.LicenceKey, code)
	fmt.Println(st, err)

	// Deactivated offline: the product stops and shows the code for the
	// vendor.
	st, err = c.Deactivate(ctx)
	_, perr := codec.ParseDeactivationCode(st.DeactivationCode)
	fmt.Println(st.State, st.Licensed(), errors.Is(err, activation.ErrOffline), perr)
	// Output:
	// not activated: 7 day(s) of the grace period left true
	// activated (never expires, 1 seat(s), serial 1) <nil>
	// deactivated false true <nil>
}

func ExampleInstallKeyring() {
	// The vendor's workstation: a root, the keyring the release embeds,
	// and later a root-signed update revoking a stolen server's key.
	start := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	ws := keygen.NewKeyset()
	root, _ := ws.Add(bytes.NewReader(make([]byte, 64)), "umenu", codec.Ed25519, start)
	shipped, _ := ws.Export("umenu", false)
	keyring, _ := verify.ParseKeyring(shipped.String())
	stolen, _ := codec.ParseKeyID("b123")
	update1, _ := ws.SignedKeyring("umenu", 1, codec.DayOf(start)+365, []codec.KeyID{stolen})
	update2, _ := ws.SignedKeyring("umenu", 2, codec.DayOf(start)+365, []codec.KeyID{stolen})

	// The air-gapped product: activated with a typed code, it installs
	// the update carried over as a file.
	uid, _ := codec.ParseMachineUID("19DSX-5JRR5-00000-0000E")
	dir, _ := os.MkdirTemp("", "product")
	defer os.RemoveAll(dir)
	cfg := activation.Config{Keyring: keyring, StatePath: filepath.Join(dir, "state.json")}
	code, _ := codec.Sign(root, codec.Binding{Product: "umenu", LicenceKey: "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM", MachineUID: uid.String()},
		codec.Payload{Issued: codec.DayOf(start), Expires: codec.NoExpiry, Seats: 1, Serial: 1})
	activation.Activate(cfg, "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM", code, uid, start)

	st, err := activation.InstallKeyring(cfg, update2.String(), uid, start.Add(time.Hour))
	fmt.Println(st, err)
	// An older update is refused: a product never goes back.
	_, err = activation.InstallKeyring(cfg, update1.String(), uid, start.Add(2*time.Hour))
	fmt.Println(errors.Is(err, verify.ErrRolledBack))
	// Output:
	// activated (never expires, 1 seat(s), serial 1) <nil>
	// true
}
