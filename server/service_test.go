package server_test

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/signer"
)

// umenuService is a signing service over store for the product umenu,
// with one Ed25519 key in memory (returned for tests that export it).
func umenuService(t testing.TB, store ledger.Store) (*signer.Service, *keygen.Keyset) {
	t.Helper()
	ks := keygen.NewKeyset()
	if _, err := ks.Add(rand.Reader, "umenu", codec.Ed25519, time.Now()); err != nil {
		t.Fatal(err)
	}
	svc := signer.New(store, ks, signer.Options{})
	if _, err := svc.AddProduct(context.Background(), "umenu", "", nil); err != nil {
		t.Fatal(err)
	}
	return svc, ks
}
