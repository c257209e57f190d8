package keygen_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
)

// forge writes, with nothing but the vendor's public recipient, a
// keystore that the vendor's identity decrypts: the attack of the outside
// review. The attacker lists a recipient of their own, to read every key
// the vendor adds later, and a key of their own.
func forge(t *testing.T, path string, vendor *age.X25519Identity, withAuth bool) *age.X25519Identity {
	t.Helper()
	attacker, _ := age.GenerateX25519Identity()
	secret := make([]byte, 32)
	rand.Read(secret)
	k, err := keygen.FromSecret("umenu", codec.Ed25519, codec.DeriveKeyID("umenu", codec.Ed25519, ed25519.NewKeyFromSeed(secret).Public().(ed25519.PublicKey)), secret, time.Now(), keygen.Active)
	if err != nil {
		t.Fatal(err)
	}
	f := map[string]any{"format": "actkit-keystore", "version": 1, "generation": 9,
		"recipients": []string{vendor.Recipient().String(), attacker.Recipient().String()},
		"keys": []map[string]any{{"id": k.ID.String(), "product": "umenu", "algorithm": "ed25519", "status": "active",
			"created": time.Now().UTC(), "secret": base64.StdEncoding.EncodeToString(secret)}}}
	if withAuth {
		// The attacker makes up an authentication key and pins of their own.
		f["version"] = 2
		f["auth"] = map[string]any{"key": base64.StdEncoding.EncodeToString(make([]byte, 32)), "pins": []string{}, "mac": ""}
	}
	plain, _ := json.MarshalIndent(f, "", "  ")
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, vendor.Recipient(), attacker.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	w.Write(plain)
	w.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return attacker
}

// TestForgedKeystoreIsRefused: a keystore written with only the vendor's
// public recipient opens for no vendor command, and so is never
// re-encrypted to the attacker's recipient.
func TestForgedKeystoreIsRefused(t *testing.T) {
	ctx := context.Background()
	for _, withAuth := range []bool{false, true} {
		s, vendor := newRecipientStore(t, keygen.StoreOptions{})
		addKey(t, s, "umenu", codec.Ed25519)
		forge(t, s.Path(), vendor, withAuth)
		if _, err := s.Load(ctx); !errors.Is(err, keygen.ErrUnauthenticated) {
			t.Fatalf("auth %v: a forged keystore opened: %v", withAuth, err)
		}
		err := s.Update(ctx, func(ks *keygen.Keyset) error {
			_, err := ks.Add(rand.Reader, "umenu", codec.Ed25519, time.Now())
			return err
		})
		if !errors.Is(err, keygen.ErrUnauthenticated) {
			t.Fatalf("auth %v: a forged keystore was written to: %v", withAuth, err)
		}
	}
}

// TestTeamMemberConfirmsOnce: a recipient added by a team member opens the
// keystore only after confirming it once; afterwards both members' writes
// keep it open for both.
func TestTeamMemberConfirmsOnce(t *testing.T) {
	ctx := context.Background()
	a, idA := newRecipientStore(t, keygen.StoreOptions{})
	addKey(t, a, "umenu", codec.Ed25519)
	idB, _ := age.GenerateX25519Identity()
	if err := a.ChangeProtection(ctx, keygen.Protection{Recipients: []string{idA.Recipient().String(), idB.Recipient().String()}}); err != nil {
		t.Fatal(err)
	}
	b := keygen.NewStore(a.Path(), keygen.Unlock{Identities: []age.Identity{idB}}, keygen.StoreOptions{})
	if _, err := b.Load(ctx); !errors.Is(err, keygen.ErrUnauthenticated) {
		t.Fatalf("B before confirming: %v", err)
	}
	ks, err := b.Inspect(ctx)
	if err != nil || len(ks.Keys()) != 1 || len(ks.Recipients()) != 2 {
		t.Fatalf("inspect: %v", err)
	}
	if err := b.Trust(ctx); err != nil {
		t.Fatal(err)
	}
	addKey(t, b, "other", codec.Ed25519)
	addKey(t, a, "third", codec.Ed25519)
	for name, st := range map[string]*keygen.Store{"A": a, "B": b} {
		ks, err := st.Load(ctx)
		if err != nil || len(ks.Keys()) != 3 {
			t.Fatalf("%s after both wrote: %v", name, err)
		}
	}
}
