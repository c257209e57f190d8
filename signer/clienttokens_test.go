package signer_test

import (
	"crypto/rand"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/internal/pgtest"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/ledger/ledgertest"
	"github.com/actkit/actkit/ledger/postgres"
	"github.com/actkit/actkit/ledger/sqlite"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"
)

// TestLicenceTokenCap: two services over one ledger (two instances
// behind a load balancer) make 2×MaxLicenceTokens tokens for one licence
// at once, the customer's way and the vendor's; exactly MaxLicenceTokens
// are stored, every other is ErrTokenLimit, and a revoked or expired
// token frees its place. On SQLite and on PostgreSQL.
func TestLicenceTokenCap(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "ledger.db")
		open := func() ledger.Store {
			s, err := sqlite.Open(ctx, path, sqlite.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
		tokenCap(t, open(), open())
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := pgtest.NewDatabase(t)
		open := func() ledger.Store {
			s, err := postgres.Open(ctx, dsn, postgres.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
		tokenCap(t, open(), open())
	})
}

func tokenCap(t *testing.T, a, b ledger.Store) {
	now := time.Now()
	clock := func() time.Time { return now }
	svcs := []*signer.Service{signer.New(a, ledgertest.Keys(), signer.Options{Now: clock}), signer.New(b, ledgertest.Keys(), signer.Options{Now: clock})}
	if _, err := svcs[0].AddProduct(ctx, "umenu", "", nil); err != nil {
		t.Fatal(err)
	}
	li, err := svcs[0].NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 1, Expires: codec.NoExpiry})
	if err != nil {
		t.Fatal(err)
	}
	n := 2 * licensing.MaxLicenceTokens
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			svc := svcs[i%2]
			if i%4 < 2 {
				_, _, errs[i] = svc.NewCustomerToken(ctx, rand.Reader, li.Display, "add-in", time.Hour)
			} else {
				_, _, errs[i] = svc.NewClientToken(ctx, rand.Reader, "add-in", licensing.ScopeLicence, li.Display, time.Hour)
			}
		}()
	}
	close(start)
	wg.Wait()
	made := 0
	for _, err := range errs {
		switch {
		case err == nil:
			made++
		case errors.Is(err, licensing.ErrTokenLimit):
			if licensing.ReasonCode(err) != "token-limit" {
				t.Errorf("reason code %q", licensing.ReasonCode(err))
			}
		default:
			t.Errorf("making a token: %v", err)
		}
	}
	ts, err := svcs[1].LicenceTokens(ctx, li.Key)
	if err != nil {
		t.Fatal(err)
	}
	if made != licensing.MaxLicenceTokens || len(ts) != licensing.MaxLicenceTokens {
		t.Fatalf("%d tokens made, %d stored, want %d", made, len(ts), licensing.MaxLicenceTokens)
	}
	// Revoking one frees its place, for one more only.
	if err := svcs[0].RevokeLicenceToken(ctx, li.Display, ts[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svcs[1].NewCustomerToken(ctx, rand.Reader, li.Display, "", time.Hour); err != nil {
		t.Fatalf("after a revocation: %v", err)
	}
	if _, _, err := svcs[1].NewCustomerToken(ctx, rand.Reader, li.Display, "", time.Hour); !errors.Is(err, licensing.ErrTokenLimit) {
		t.Fatalf("the 11th live token: %v", err)
	}
	// An expired token does not count.
	now = now.Add(2 * time.Hour)
	if _, _, err := svcs[0].NewCustomerToken(ctx, rand.Reader, li.Display, "", time.Hour); err != nil {
		t.Fatalf("after the others expired: %v", err)
	}
	// Another licence has its own ten.
	other, err := svcs[0].NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 1, Expires: codec.NoExpiry})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svcs[0].NewCustomerToken(ctx, rand.Reader, other.Display, "", time.Hour); err != nil {
		t.Fatalf("another licence: %v", err)
	}
}

// TestCustomerTokensOfASuspendedLicence: the customer's own calls refuse
// to make or revoke a token of a suspended or revoked licence, with the
// licence's reason; the vendor's (NewClientToken) still makes one for a
// suspended licence; nothing is revoked or made by a refusal.
func TestCustomerTokensOfASuspendedLicence(t *testing.T) {
	svc, _ := service(t, filepath.Join(t.TempDir(), "ledger.db"))
	if _, err := svc.AddProduct(ctx, "umenu", "", nil); err != nil {
		t.Fatal(err)
	}
	li, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 1, Expires: codec.NoExpiry})
	if err != nil {
		t.Fatal(err)
	}
	tok, text, err := svc.NewCustomerToken(ctx, rand.Reader, li.Display, "add-in", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Suspend(ctx, li.Display, "unpaid"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.NewCustomerToken(ctx, rand.Reader, li.Display, "", time.Hour); !errors.Is(err, licensing.ErrSuspended) {
		t.Errorf("new token on a suspended licence: %v", err)
	}
	if err := svc.RevokeLicenceToken(ctx, li.Display, tok.ID); !errors.Is(err, licensing.ErrSuspended) {
		t.Errorf("revoking on a suspended licence: %v", err)
	}
	if _, err := svc.CheckClientToken(ctx, text); err != nil {
		t.Errorf("a refused revocation revoked: %v", err)
	}
	if _, _, err := svc.NewClientToken(ctx, rand.Reader, "vendor", licensing.ScopeLicence, li.Display, time.Hour); err != nil {
		t.Errorf("the vendor's token for a suspended licence: %v", err)
	}
	if _, err := svc.Revoke(ctx, li.Display, "fraud"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.NewCustomerToken(ctx, rand.Reader, li.Display, "", time.Hour); !errors.Is(err, licensing.ErrRevoked) {
		t.Errorf("new token on a revoked licence: %v", err)
	}
	if err := svc.RevokeLicenceToken(ctx, li.Display, tok.ID); !errors.Is(err, licensing.ErrRevoked) {
		t.Errorf("revoking on a revoked licence: %v", err)
	}
	// Another licence's token, or a token's whole text as its ID, is
	// refused without being repeated.
	other, _ := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 1, Expires: codec.NoExpiry})
	err = svc.RevokeLicenceToken(ctx, other.Display, text)
	if !errors.Is(err, licensing.ErrInvalid) || err == nil || strings.Contains(err.Error(), text[5:]) {
		t.Errorf("revoking by a token's text: %v", err)
	}
	if err := svc.RevokeLicenceToken(ctx, other.Display, tok.ID); !errors.Is(err, licensing.ErrInvalid) {
		t.Errorf("revoking another licence's token: %v", err)
	}
}
