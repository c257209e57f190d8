package ledgertest

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"
)

// testSessions: portal sessions kept in the ledger. A customer's session
// names its licence, a staff session has its API token's scope as it is
// now; a session ends when it expires, when its token expires or is
// revoked, and when it is signed out; malformed and unknown tokens are no
// session; the ledger holds the token's hash, and a new session forgets
// those that expired.
func testSessions(t *testing.T, b Backend) {
	f := setup(t, b, 2)
	at := Now
	svc := signer.New(f.store, f.ks, signer.Options{Now: func() time.Time { return at }})
	cust, err := svc.StartCustomerSession(ctx, rand.Reader, f.li.Display, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := svc.NewToken(ctx, rand.Reader, "staff", licensing.ScopeAdmin, 3*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	staff, err := svc.StartStaffSession(ctx, rand.Reader, tok, 8*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := svc.Session(ctx, cust); err != nil || s.Licence != f.li.Key || s.Scope != "" || !s.Expires.Equal(Now.Add(time.Hour)) {
		t.Fatalf("customer session: %+v %v", s, err)
	}
	// A staff session never outlives its token: 3 hours, not 8.
	if s, err := svc.Session(ctx, staff); err != nil || s.Scope != licensing.ScopeAdmin || s.Licence != "" || !s.Expires.Equal(Now.Add(3*time.Hour)) {
		t.Fatalf("staff session: %+v %v", s, err)
	}
	for _, bad := range []string{"", "x", cust[:42], cust + "A", string(bytes.Repeat([]byte{0xff}, 43))} {
		if _, err := svc.Session(ctx, bad); !errors.Is(err, signer.ErrNoSession) {
			t.Errorf("session %q: %v", bad, err)
		}
	}
	// Only the hash is stored.
	h := sha256.Sum256([]byte(cust))
	if err := f.store.View(ctx, func(r ledger.Reader) error {
		s, ok, err := r.Session(h[:])
		if err != nil || !ok || s.Licence != f.li.Key || !bytes.Equal(s.Hash, h[:]) {
			t.Errorf("stored session: %+v %v %v", s, ok, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// An hour on, the customer's session has expired; the staff one holds.
	at = Now.Add(time.Hour)
	if _, err := svc.Session(ctx, cust); !errors.Is(err, signer.ErrNoSession) {
		t.Fatalf("an expired session: %v", err)
	}
	if _, err := svc.Session(ctx, staff); err != nil {
		t.Fatal(err)
	}
	// A new session forgets the expired ones.
	other, err := svc.StartCustomerSession(ctx, rand.Reader, f.li.Display, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.View(ctx, func(r ledger.Reader) error {
		if _, ok, _ := r.Session(h[:]); ok {
			t.Error("an expired session was kept after the next sign-in")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// Revoking the token ends its sessions at once.
	if err := svc.RevokeToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Session(ctx, staff); !errors.Is(err, signer.ErrNoSession) {
		t.Fatalf("the session of a revoked token: %v", err)
	}
	// Signing out ends a session; signing out twice is no error.
	for range 2 {
		if err := svc.EndSession(ctx, other); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.Session(ctx, other); !errors.Is(err, signer.ErrNoSession) {
		t.Fatalf("a signed-out session: %v", err)
	}
	if _, err := svc.StartCustomerSession(ctx, rand.Reader, "UMENU-NOT-A-KEY", time.Hour); licensing.ReasonCode(err) == "" {
		t.Fatalf("a session for a malformed key: %v", err)
	}
	// Sessions are no part of the ledger's licensing state.
	if err := ledger.VerifyState(ctx, f.store); err != nil {
		t.Fatal(err)
	}
}
