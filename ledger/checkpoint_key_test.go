package ledger_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/ledger"
)

// TestCheckpointsNeedEd25519: an HMAC key's secret ships in products, so
// it can neither sign nor vouch for a checkpoint.
func TestCheckpointsNeedEd25519(t *testing.T) {
	k, err := keygen.Generate(bytes.NewReader(make([]byte, 32)), "umenu", codec.HMACSHA256, time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := ledger.SignCheckpoint(ctx, nil, k, time.Now()); !errors.Is(err, ledger.ErrCheckpointKey) {
		t.Fatalf("signing with HMAC: %v", err)
	}
	c := ledger.Checkpoint{Size: 1, Head: make([]byte, 32), At: time.Now(), KeyID: k.ID}
	c.Sig, _ = k.SignMessage(c.Message())
	if err := ledger.VerifyCheckpoint(ctx, nil, c, k.VerificationKey()); !errors.Is(err, ledger.ErrCheckpointKey) {
		t.Fatalf("a checkpoint MACed with a product's HMAC key was accepted: %v", err)
	}
}
