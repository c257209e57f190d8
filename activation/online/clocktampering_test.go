package online_test

import (
	"context"
	"crypto/rand"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/actkit/actkit/activation"
	"github.com/actkit/actkit/activation/online"
	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/ledger/sqlite"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/server"
	"github.com/actkit/actkit/signer"
	"github.com/actkit/actkit/verify"
)

// clock is a time that tests set.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

// TestClockThatRanAheadRecoversOnline: a product that once started with
// its clock five years ahead, its clock then corrected, is in
// ClockTampering; its next start asks the licence server (the real
// server package over HTTP on 127.0.0.1) for a fresh code, one the server
// dates today, and runs again on the same seat. A clock wound back is
// still not believed: the fresh code the server dates with its own today
// does not verify at the wound-back reading, and an expired licence gets
// no code at all.
func TestClockThatRanAheadRecoversOnline(t *testing.T) {
	ctx := context.Background()
	vendorClock := &clock{t: t0}
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ledger.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ks := keygen.NewKeyset()
	key, err := ks.Add(rand.Reader, "umenu", codec.Ed25519, t0)
	if err != nil {
		t.Fatal(err)
	}
	svc := signer.New(store, ks, signer.Options{Now: vendorClock.now})
	if _, err := svc.AddProduct(ctx, "umenu", "", nil); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(server.New(server.Config{Service: svc, Rate: 1e9, Burst: 1 << 30, Now: vendorClock.now}))
	defer hs.Close()
	srv, err := online.New(hs.URL, online.Options{Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	kr, err := verify.NewKeyring(&codec.Keyring{Product: "umenu", Keys: []codec.Key{key.VerificationKey()}})
	if err != nil {
		t.Fatal(err)
	}
	// product is a machine running the product with a clock of its own.
	product := func(n uint16, licence string) (*activation.Client, *clock) {
		clk := &clock{t: t0}
		uid := codec.MachineUID{Version: codec.UIDVersion}
		uid.Slots[codec.SlotNetwork], uid.Slots[codec.SlotCPU] = 3000+n, 7
		return &activation.Client{Config: activation.Config{Keyring: kr, StatePath: filepath.Join(t.TempDir(), "state.json")},
			Server: srv, Machine: uid, LicenceKey: licence, Now: clk.now}, clk
	}
	start := func(what string, c *activation.Client, want activation.State) activation.Status {
		t.Helper()
		st, err := c.Start(ctx)
		if st.State != want {
			t.Fatalf("%s: %v (%v), want %v", what, st, err, want)
		}
		return st
	}
	seats := func(licence string) int {
		li, err := svc.Licence(ctx, licence)
		if err != nil {
			t.Fatal(err)
		}
		return li.InUse
	}

	// The honest customer: activated online, one boot five years ahead
	// (validated then, the server's answer as good as any), the clock
	// corrected two days later.
	honest, _ := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 1, Expires: codec.NoExpiry})
	c, clk := product(1, honest.Display)
	start("first start", c, activation.Activated)
	clk.set(t0.Add(5 * 365 * day))
	vendorClock.set(t0.Add(time.Hour))
	start("five years ahead", c, activation.Activated)
	clk.set(t0.Add(2 * day))
	vendorClock.set(t0.Add(2 * day))
	if st, _ := c.Status(); st.State != activation.ClockTampering {
		t.Fatalf("the corrected clock: %v, want ClockTampering", st)
	}
	st := start("the corrected clock, online", c, activation.Activated)
	if st.Terms.Issued != codec.DayOf(t0.Add(2*day)) {
		t.Errorf("recovered with a code issued %v, want today's", st.Terms.Issued)
	}
	if n := seats(honest.Display); n != 1 {
		t.Errorf("%d seats in use after the fresh code, want the same one", n)
	}
	clk.set(t0.Add(2*day + time.Hour))
	if st, err := c.Status(); st.State != activation.Activated {
		t.Fatalf("after the recovery: %v %v", st, err)
	}
	// The clock rolled back again is caught again.
	clk.set(t0.Add(-3 * day))
	if st, _ := c.Status(); st.State != activation.ClockTampering {
		t.Fatalf("rolled back after the recovery: %v", st)
	}

	// A clock wound back: the server's fresh code is dated by the
	// server's today, which the wound-back clock reads as not yet valid.
	perpetual, _ := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 1, Expires: codec.NoExpiry})
	vendorClock.set(t0)
	w, wclk := product(2, perpetual.Display)
	start("wound back: first start", w, activation.Activated)
	vendorClock.set(t0.Add(40 * day))
	wclk.set(t0.Add(40 * day))
	start("wound back: day 40", w, activation.Activated)
	wclk.set(t0.Add(10 * day))
	start("wound back to day 10", w, activation.ClockTampering)
	wclk.set(t0.Add(10*day + time.Hour))
	start("wound back to day 10, again", w, activation.ClockTampering)

	// An expired licence: the server gives no code, fresh or not.
	vendorClock.set(t0)
	expiring, _ := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 1, Expires: codec.DayOf(t0.Add(30 * day))})
	e, eclk := product(3, expiring.Display)
	start("expiring: first start", e, activation.Activated)
	vendorClock.set(t0.Add(40 * day))
	eclk.set(t0.Add(40 * day))
	start("expiring: day 40", e, activation.Expired)
	eclk.set(t0.Add(10 * day))
	if st, _ := e.Start(ctx); st.Licensed() {
		t.Fatalf("an expired licence, the clock wound back to day 10: %v", st)
	}
	eclk.set(t0.Add(10*day + time.Hour))
	if st, _ := e.Status(); st.Licensed() {
		t.Fatalf("an expired licence, the clock wound back, the next start: %v", st)
	}
}
