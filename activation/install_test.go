package activation_test

import (
	"context"
	"crypto/rand"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/actkit/actkit/activation"
	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/verify"
)

// delegatedServer answers with codes its delegated key signs, and their
// certificate, as 'actkit serve' on a delegated home does.
type delegatedServer struct {
	key  codec.Signer
	cert string
}

func (s delegatedServer) Activate(_ context.Context, r activation.Request) (activation.Answer, error) {
	today := codec.DayOf(t0)
	code, err := codec.Sign(s.key, codec.Binding{Product: "umenu", LicenceKey: r.LicenceKey, MachineUID: r.MachineUID.String()},
		codec.Payload{Issued: today, Expires: today + 14, Seats: 1, Serial: 31})
	return activation.Answer{Code: code, Certificate: s.cert, Serial: 31, ActiveCount: 1, MaxActivations: 2}, err
}

func (s delegatedServer) Validate(ctx context.Context, r activation.Request) (activation.Answer, error) {
	return s.Activate(ctx, r)
}

func (delegatedServer) Deactivate(context.Context, activation.Request) (activation.Deactivation, error) {
	return activation.Deactivation{Freed: true}, nil
}

// TestInstallKeyringByHand: an air-gapped product installs a root-signed
// keyring update from a file. It is kept across restarts (a product
// built with the old keyring then refuses the older version as a
// rollback); the same update again is no error; an expired update is
// refused even with the clock wound back; and an update that revokes
// the delegation this machine's own code was signed under is refused,
// the code kept, so a revocation never locks an honest customer out.
func TestInstallKeyringByHand(t *testing.T) {
	today := codec.DayOf(t0)
	ws := keygen.NewKeyset()
	if _, err := ws.Add(rand.Reader, "umenu", codec.Ed25519, t0); err != nil {
		t.Fatal(err)
	}
	src, err := ws.Export("umenu", false)
	if err != nil {
		t.Fatal(err)
	}
	built, err := verify.ParseKeyring(src.String())
	if err != nil {
		t.Fatal(err)
	}
	srv := keygen.NewKeyset()
	d, err := srv.RequestDelegation(rand.Reader, t0)
	if err != nil {
		t.Fatal(err)
	}
	certs, err := ws.Delegate(d.PublicKey(), keygen.Limits{Products: []string{"umenu"}, NotBefore: today, Days: 30, MaxCodeDays: 14,
		Purpose: codec.PurposeOnline, MaxSeats: 1, Features: codec.NoLimitFeatures, SerialMax: ^uint64(0), Serial: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.InstallCertificate(certs[0]); err != nil {
		t.Fatal(err)
	}
	dkey, cert, err := srv.Delegation("umenu", codec.PurposeOnline, today, nil)
	if err != nil {
		t.Fatal(err)
	}
	update := func(version uint32, expires codec.Day, revoke ...codec.KeyID) string {
		kr, err := ws.SignedKeyring("umenu", version, expires, revoke)
		if err != nil {
			t.Fatal(err)
		}
		return kr.String()
	}
	v1 := update(1, today+365, dkey.KeyID())
	v2 := update(2, today+365, dkey.KeyID())

	// A machine whose code the root signed (typed in on the air-gapped site).
	root, _ := ws.Active("umenu")
	here := machineUID("nic-1")
	cfg := activation.Config{Keyring: built, StatePath: filepath.Join(t.TempDir(), "state.json")}
	code, err := codec.Sign(root, codec.Binding{Product: "umenu", LicenceKey: licence, MachineUID: here.String()},
		codec.Payload{Issued: today, Expires: codec.NoExpiry, Seats: 1, Serial: 7})
	if err != nil {
		t.Fatal(err)
	}
	expect(t, activation.Activated)(activation.Activate(cfg, licence, code, here, t0))
	expect(t, activation.Activated)(activation.InstallKeyring(cfg, v2, here, t0))
	expect(t, activation.Activated)(activation.InstallKeyring(cfg, v2, here, t0.Add(time.Hour))) // again: no change
	// A restart with the keyring the product was built with: the state
	// holds version 2, so version 1 is a rollback.
	if _, err := activation.InstallKeyring(cfg, v1, here, t0.Add(2*time.Hour)); !errors.Is(err, verify.ErrRolledBack) {
		t.Fatalf("version 1 after version 2: %v, want ErrRolledBack", err)
	}
	// An update whose last day has passed, with the clock wound back to
	// before it: judged at the latest time seen, and refused.
	late := update(3, today+10)
	expect(t, activation.Activated)(activation.Check(cfg, here, t0.Add(20*24*time.Hour)))
	if _, err := activation.InstallKeyring(cfg, late, here, t0.Add(20*24*time.Hour-time.Hour)); !errors.Is(err, verify.ErrUpdateExpired) {
		t.Fatalf("an expired update with the clock set back: %v, want ErrUpdateExpired", err)
	}
	if _, err := activation.InstallKeyring(cfg, "actkit-keyring v2\nproduct umenu\n", here, t0); err == nil {
		t.Fatal("a damaged update was installed")
	}

	// A machine that activated online under the delegation.
	other := machineUID("nic-2")
	c := &activation.Client{Config: activation.Config{Keyring: built, StatePath: filepath.Join(t.TempDir(), "state.json")},
		Server: delegatedServer{dkey, cert.String()}, Machine: other, LicenceKey: licence, Now: func() time.Time { return t0 }}
	expect(t, activation.Activated)(c.Activate(context.Background(), licence))
	st, err := c.InstallKeyring(v1)
	if !errors.Is(err, activation.ErrUpdateRefusesCode) || !errors.Is(err, verify.ErrRevokedDelegation) || st.State != activation.Activated {
		t.Fatalf("an update revoking this machine's own delegation: %v (%v), want ErrUpdateRefusesCode and the code kept", st, err)
	}
	expect(t, activation.Activated)(c.Status())
	// The machine gets a root-signed code (the vendor's new one); now the
	// update goes in.
	code2, err := codec.Sign(root, codec.Binding{Product: "umenu", LicenceKey: licence, MachineUID: other.String()},
		codec.Payload{Issued: today, Expires: codec.NoExpiry, Seats: 1, Serial: 8})
	if err != nil {
		t.Fatal(err)
	}
	expect(t, activation.Activated)(c.ActivateCode(licence, code2))
	expect(t, activation.Activated)(c.InstallKeyring(v1))
}
