package server_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/ledger/sqlite"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/server"
	"github.com/actkit/actkit/signer"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func post(t *testing.T, url, key, path, machine string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", url+path, strings.NewReader(`{"machineId":"`+machine+`","machineName":"PC `+machine[:5]+`"}`))
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

// clockedService is a service on a fresh SQLite ledger, on clk, with a
// key and the given features for each product.
func clockedService(t *testing.T, clk *clock, features []string, products ...string) (*signer.Service, *sqlite.Store) {
	t.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "ledger.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	ks := keygen.NewKeyset()
	for _, p := range products {
		ks.Add(rand.Reader, p, codec.Ed25519, clk.now())
	}
	svc := signer.New(store, ks, signer.Options{Now: clk.now})
	for _, p := range products {
		if _, err := svc.AddProduct(context.Background(), p, "", features); err != nil {
			t.Fatal(err)
		}
	}
	return svc, store
}

func machineN(n int) string {
	u := codec.MachineUID{Version: codec.UIDVersion}
	u.Slots[codec.SlotNetwork], u.Slots[codec.SlotCPU] = uint16(2000+n), 3
	return u.String()
}

// TestPlansLeasesAndBudget: a licence of a leased plan (Pro Annual: 3
// seats, 30-day leases, 6 deactivations in 30 days) over HTTP: leases on
// the codes, a lapsed seat reclaimed by the next activation with no
// background job, a lapsed machine re-taking a free seat on validation,
// validations that write nothing until the lease needs renewing, and the
// release budget.
func TestPlansLeasesAndBudget(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	svc, store := clockedService(t, clk, []string{"export", "api"}, "umenu")
	plans, err := svc.Plans(ctx, "umenu")
	if err != nil || len(plans) != 4 {
		t.Fatalf("default plans: %v %v", plans, err)
	}
	li, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Plan: "pro-annual"})
	if err != nil {
		t.Fatal(err)
	}
	if li.Seats != 3 || li.Plan != "pro-annual" || len(li.Features) != 2 || li.Expires != codec.DayOf(clk.now().AddDate(1, 0, 0))-1 {
		t.Fatalf("licence from the plan: %+v", li)
	}
	srv := httptest.NewServer(server.New(server.Config{Service: svc, Rate: 1e9, Burst: 1 << 30, Now: clk.now}))
	defer srv.Close()
	key := li.Display

	today := codec.DayOf(clk.now())
	for i := 1; i <= 3; i++ {
		st, body := post(t, srv.URL, key, "/api/licence/activate", machineN(i))
		if st != 200 || body["expires"] != (today+30).String() || body["plan"] != "pro-annual" {
			t.Fatalf("activate %d: %d %v", i, st, body)
		}
	}
	if st, body := post(t, srv.URL, key, "/api/licence/activate", machineN(4)); st != 409 {
		t.Fatalf("a fourth machine: %d %v", st, body)
	}

	// Validations inside the lease write nothing (but the daily mark).
	entries := func() int64 { n, _, _ := ledger.VerifyChain(ctx, store); return n }
	before := entries()
	for range 50 {
		if st, body := post(t, srv.URL, key, "/api/licence/validate", machineN(1)); st != 200 || body["valid"] != true {
			t.Fatalf("validate: %d %v", st, body)
		}
	}
	if got := entries(); got != before {
		t.Fatalf("50 validations added %d audit entries", got-before)
	}

	// Thirty-one days on every lease has lapsed: the next activation reclaims
	// the seats inside its own transaction.
	clk.advance(31 * 24 * time.Hour)
	if st, body := post(t, srv.URL, key, "/api/licence/activate", machineN(4)); st != 200 || body["activeCount"] != 1.0 {
		t.Fatalf("activation reclaiming lapsed leases: %d %v", st, body)
	}
	// A lapsed machine re-takes a free seat on validation, with a new code.
	st, body := post(t, srv.URL, key, "/api/licence/validate", machineN(1))
	if st != 200 || body["valid"] != true || body["activeCount"] != 2.0 {
		t.Fatalf("validate after a lapsed lease: %d %v", st, body)
	}
	// Sixteen days on, less than half the lease is left: validation renews.
	clk.advance(16 * 24 * time.Hour)
	st, body = post(t, srv.URL, key, "/api/licence/validate", machineN(4))
	if st != 200 || body["valid"] != true || body["expires"] != (codec.DayOf(clk.now())+30).String() {
		t.Fatalf("renewal: %d %v", st, body)
	}

	// The release budget: six deactivations in 30 days, then refused.
	for i := range 6 {
		m := machineN(10 + i)
		if st, body := post(t, srv.URL, key, "/api/licence/activate", m); st != 200 {
			t.Fatalf("activate %d: %d %v", i, st, body)
		}
		if st, body := post(t, srv.URL, key, "/api/licence/deactivate", m); st != 200 || body["deactivated"] != true {
			t.Fatalf("deactivate %d: %d %v", i, st, body)
		}
	}
	post(t, srv.URL, key, "/api/licence/activate", machineN(20))
	if st, body := post(t, srv.URL, key, "/api/licence/deactivate", machineN(20)); st != 409 || body["code"] != "RELEASE_BUDGET_EXHAUSTED" {
		t.Fatalf("over the budget: %d %v", st, body)
	}
	if used, budget, err := svc.ReleaseBudget(ctx, key); err != nil || used != 6 || budget != 6 {
		t.Fatalf("budget: %d of %d, %v", used, budget, err)
	}
	// The vendor can still release it (no budget).
	if _, err := svc.Release(ctx, key, machineN(20)); err != nil {
		t.Fatal(err)
	}
	// A plan change, audited, and the state still matches the trail.
	plan := "pro-monthly"
	if li, err = svc.ChangeLicence(ctx, key, signer.LicenceChange{Plan: &plan}); err != nil || li.Plan != "pro-monthly" {
		t.Fatalf("change plan: %+v %v", li, err)
	}
	if err := ledger.VerifyState(ctx, store); err != nil {
		t.Fatal(err)
	}
}

// TestPlanScheduleInAnswers: activate and validate tell the product when
// to validate next and how long it may stay offline from the licence's
// plan: a plan the vendor recorded, a default plan (the product has none
// recorded), and the server's own setting for a licence without a plan.
// The schedule travels with the issued record, so no answer reads plans
// again.
func TestPlanScheduleInAnswers(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	svc, _ := clockedService(t, clk, []string{"export"}, "umenu", "other")
	if _, err := svc.PutPlan(ctx, licensing.Plan{Product: "umenu", ID: "site", Name: "Site", Seats: 5, ValidateHours: 6, OfflineGraceDays: 3}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(server.Config{Service: svc, Rate: 1e9, Burst: 1 << 30, Now: clk.now,
		ValidateEvery: time.Hour, OfflineGrace: 48 * time.Hour}))
	defer srv.Close()
	for i, c := range []struct {
		product, plan string
		every, grace  time.Duration
	}{
		{"umenu", "site", 6 * time.Hour, 3 * 24 * time.Hour},
		{"other", "pro-annual", licensing.DefaultValidateHours * time.Hour, licensing.DefaultOfflineGraceDays * 24 * time.Hour},
		{"umenu", "", time.Hour, 48 * time.Hour},
	} {
		li, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: c.product, Plan: c.plan, Seats: 2, Expires: codec.NoExpiry})
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/api/licence/activate", "/api/licence/validate"} {
			st, body := post(t, srv.URL, li.Display, path, machineN(i))
			if st != 200 {
				t.Fatalf("%s %s: %d %v", c.plan, path, st, body)
			}
			if want := clk.now().Add(c.every).Format(time.RFC3339); body["validateAfter"] != want {
				t.Errorf("plan %q, %s: validateAfter %v, want %s", c.plan, path, body["validateAfter"], want)
			}
			if want := clk.now().Add(c.grace).Format(time.RFC3339); body["offlineGraceUntil"] != want {
				t.Errorf("plan %q, %s: offlineGraceUntil %v, want %s", c.plan, path, body["offlineGraceUntil"], want)
			}
		}
	}
}

// TestVendorReleasesKeepTheBudget: the release budget limits the
// customer's deactivations (API, portal, deactivation codes); the vendor's
// releases (the CLI, the admin API, the dashboard) do not use it up. The
// state still matches the trail.
func TestVendorReleasesKeepTheBudget(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	svc, store := clockedService(t, clk, []string{"export"}, "umenu")
	if _, err := svc.PutPlan(ctx, licensing.Plan{Product: "umenu", ID: "two", Name: "Two", Seats: 2, ReleaseBudget: 2}); err != nil {
		t.Fatal(err)
	}
	li, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Plan: "two", Expires: codec.NoExpiry})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(server.Config{Service: svc, Rate: 1e9, Burst: 1 << 30, Now: clk.now}))
	defer srv.Close()
	for i := range 3 {
		if st, body := post(t, srv.URL, li.Display, "/api/licence/activate", machineN(i)); st != 200 {
			t.Fatalf("activate: %d %v", st, body)
		}
		if _, err := svc.Release(ctx, li.Display, machineN(i)); err != nil {
			t.Fatal(err)
		}
	}
	if used, budget, err := svc.ReleaseBudget(ctx, li.Display); err != nil || used != 0 || budget != 2 {
		t.Fatalf("after three vendor releases: %d of %d used, %v", used, budget, err)
	}
	for i := range 3 {
		m := machineN(10 + i)
		post(t, srv.URL, li.Display, "/api/licence/activate", m)
		st, body := post(t, srv.URL, li.Display, "/api/licence/deactivate", m)
		if want := i < 2; (st == 200) != want {
			t.Fatalf("customer deactivation %d: %d %v", i+1, st, body)
		}
		if i == 2 && body["code"] != "RELEASE_BUDGET_EXHAUSTED" {
			t.Fatalf("over the budget: %v", body)
		}
	}
	if err := ledger.VerifyState(ctx, store); err != nil {
		t.Fatal(err)
	}
}
