package signer_test

import (
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/internal/pgtest"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/ledger/ledgertest"
	"github.com/actkit/actkit/ledger/postgres"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"
)

// fingerprintSeats is how many GUIDs TestDistinctGUIDsHoldDistinctSeats
// puts on one licence per ledger: ACTKIT_FINGERPRINT_SEATS, default 3,000
// (the mapping itself is held to 100,000 in licensing's
// TestHundredThousandGUIDsHaveDistinctUIDs). Under the 15-bit mapping,
// these 3,000 GUIDs had 2,881 distinct UIDs: 119 would have shared a
// seat.
func fingerprintSeats(t *testing.T) int {
	if s := os.Getenv("ACTKIT_FINGERPRINT_SEATS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 2 {
			t.Fatalf("ACTKIT_FINGERPRINT_SEATS=%q", s)
		}
		return n
	}
	return 3000
}

// TestDistinctGUIDsHoldDistinctSeats: distinct random GUIDs activated on
// one licence through the real issue rules (in batches of 500 per
// transaction) on SQLite and PostgreSQL take one seat each: none is a
// re-issue of another's activation, the licence counts them all, and the
// licence is then full.
func TestDistinctGUIDsHoldDistinctSeats(t *testing.T) {
	n := fingerprintSeats(t)
	t.Run("sqlite", func(t *testing.T) {
		_, store := service(t, filepath.Join(t.TempDir(), "ledger.db"))
		distinctSeats(t, store, n)
	})
	t.Run("postgres", func(t *testing.T) {
		store, err := postgres.Open(ctx, pgtest.NewDatabase(t), postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		distinctSeats(t, store, n)
	})
}

func distinctSeats(t *testing.T, store ledger.Store, n int) {
	svc := signer.New(store, ledgertest.Keys(), signer.Options{})
	if _, err := svc.AddProduct(ctx, "umenu", "", nil); err != nil {
		t.Fatal(err)
	}
	li, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: n, Expires: codec.NoExpiry})
	if err != nil {
		t.Fatal(err)
	}
	r := mrand.New(mrand.NewPCG(24, uint64(n)))
	guids := map[string]bool{}
	legacy := map[codec.MachineUID]bool{}
	rows := make([]signer.BatchRow, 0, n)
	for len(rows) < n {
		g := fmt.Sprintf("%08x-%04x-4%03x-b%03x-%012x", r.Uint32(), r.Uint32()&0xffff, r.Uint32()&0xfff, r.Uint32()&0xfff, r.Uint64()&(1<<48-1))
		if guids[g] {
			continue
		}
		guids[g] = true
		u, err := licensing.FingerprintUID("umenu", g)
		if err != nil {
			t.Fatal(err)
		}
		l, _ := licensing.LegacyFingerprintUID("umenu", g)
		legacy[l] = true
		rows = append(rows, signer.BatchRow{Line: len(rows) + 1, Request: licensing.IssueRequest{Licence: li.Display, Machine: u.String()}})
	}
	start := time.Now()
	if err := svc.IssueBatch(ctx, rows, 500, nil); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	serials := map[uint64]bool{}
	for _, row := range rows {
		if row.Err != nil || row.Issued == nil || row.Issued.Reissued {
			t.Fatalf("row %d: %+v %v", row.Line, row.Issued, row.Err)
		}
		serials[row.Issued.Serial] = true
	}
	got, err := svc.Licence(ctx, li.Display)
	if err != nil {
		t.Fatal(err)
	}
	if len(serials) != n || got.InUse != n {
		t.Fatalf("%d GUIDs: %d serials, %d seats in use", n, len(serials), got.InUse)
	}
	more, _ := licensing.FingerprintUID("umenu", "one-more-machine")
	if _, err := svc.Issue(ctx, licensing.IssueRequest{Licence: li.Display, Machine: more.String()}); err == nil {
		t.Fatal("a licence holding all its seats took one more")
	}
	t.Logf("%d GUIDs hold %d seats (the 15-bit mapping: %d distinct UIDs); issuing took %v", n, got.InUse, len(legacy), took)
}
