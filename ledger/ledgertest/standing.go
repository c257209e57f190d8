package ledgertest

import (
	"crypto/rand"
	"errors"
	"fmt"
	"testing"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
)

// testStandingAndPlan: the validation's one-statement read (Standing,
// through Store.Read, outside a transaction) says what Terms,
// LiveActivation and Plan say separately, in every case: a live machine,
// a machine that never held a seat, one that released it, a licence with
// a licence with a plan of the vendor's, one with a default plan, a plan
// the product does not have, and an unknown licence.
func testStandingAndPlan(t *testing.T, b Backend) {
	f := setup(t, b, 3)
	f.issue(t, UID(1))
	f.issue(t, UID(2))
	if _, err := f.svc.Release(ctx, f.li.Display, UID(2)); err != nil {
		t.Fatal(err)
	}
	standing := func(r ledger.Reader, key, machine string) ledger.Standing {
		t.Helper()
		st, err := r.Standing(key, machine)
		if err != nil {
			t.Fatalf("Standing %s %s: %v", key, machine, err)
		}
		return st
	}
	// Separately, in a snapshot, as Current read it before.
	separately := func(key, machine string) ledger.Standing {
		t.Helper()
		var st ledger.Standing
		err := f.store.View(ctx, func(r ledger.Reader) (err error) {
			if st.Licence, err = r.Terms(key); err != nil {
				return err
			}
			if st.Activation, st.Activated, err = r.LiveActivation(key, machine); err != nil {
				return err
			}
			if st.Licence.Plan != "" {
				st.Plan, st.HasPlan, err = r.Plan(st.Licence.Product, st.Licence.Plan)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	same := func(what string, got, want ledger.Standing) {
		t.Helper()
		if !sameStanding(got, want) {
			t.Errorf("%s: Standing\n%+v\nseparately\n%+v", what, got, want)
		}
	}
	key := f.li.Key
	if err := f.store.Read(ctx, func(r ledger.Reader) error {
		live := standing(r, key, UID(1))
		if !live.Activated || live.Activation.Machine != UID(1) || live.Activation.Serial == 0 || live.Licence.InUse != 1 ||
			live.Licence.Customer != "ACME Plant 3" || live.HasPlan {
			t.Errorf("a live machine: %+v", live)
		}
		same("a live machine", live, separately(key, UID(1)))
		for _, m := range []string{UID(2), UID(3)} {
			st := standing(r, key, m)
			if st.Activated || st.Licence.Key != key {
				t.Errorf("machine %s holds no seat: %+v", m, st)
			}
			same("no seat", st, separately(key, m))
		}
		_, err := r.Standing("UMENU-NOSUCH", UID(1))
		if !errors.Is(err, licensing.ErrUnknownLicence) {
			t.Errorf("an unknown licence: %v", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// Plans: a default one (recorded when the product was added), then
	// one of the vendor's.
	annual, err := f.svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Plan: "pro-annual"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Issue(ctx, licensing.IssueRequest{Licence: annual.Display, Machine: UID(5)}); err != nil {
		t.Fatal(err)
	}
	if err := f.store.Read(ctx, func(r ledger.Reader) error {
		st := standing(r, annual.Key, UID(5))
		if !st.HasPlan || st.Plan.ID != "pro-annual" || st.Plan.LeaseDays != 30 || len(st.Plan.Features) != 3 || !st.Activated {
			t.Errorf("a default plan: %+v", st)
		}
		same("a default plan", st, separately(annual.Key, UID(5)))
		if _, _, err := r.Plan("ghost", "core"); !errors.Is(err, licensing.ErrUnknownProduct) {
			t.Errorf("the plan of an unknown product: %v", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.PutPlan(ctx, licensing.Plan{Product: "umenu", ID: "site", Name: "Site", Seats: 9, ValidateHours: 6}); err != nil {
		t.Fatal(err)
	}
	site, err := f.svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Plan: "site", Expires: codec.NoExpiry})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.Read(ctx, func(r ledger.Reader) error {
		st := standing(r, site.Key, UID(6))
		if !st.HasPlan || st.Plan.ID != "site" || st.Plan.Seats != 9 || st.Plan.ValidateHours != 6 || st.Licence.Seats != 9 {
			t.Errorf("a recorded plan: %+v", st)
		}
		same("a recorded plan", st, separately(site.Key, UID(6)))
		if _, ok, err := r.Plan("umenu", "nosuch"); ok || err != nil {
			t.Errorf("a plan the product does not have: %v %v", ok, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func sameStanding(a, b ledger.Standing) bool {
	return a.Activated == b.Activated && a.HasPlan == b.HasPlan &&
		fmt.Sprintf("%+v %+v %+v", a.Licence, a.Plan, a.Activation) == fmt.Sprintf("%+v %+v %+v", b.Licence, b.Plan, b.Activation)
}
