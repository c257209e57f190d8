package ledgertest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
)

// testOverview: the dashboard's figures agree with what the ledger's
// other reads say, activations are counted on the day they were recorded
// and only from the query's first day, expiring licences come soonest
// first within the range, and the audit entries newest first. It writes
// through the port alone.
func testOverview(t *testing.T, b Backend) {
	s := open(t, b, b.New(t))
	today := codec.DayOf(Now)
	day := func(n int) time.Time { return Now.AddDate(0, 0, n) }
	keys := []string{"OVA2345678901234567890", "OVB2345678901234567890", "OVC2345678901234567890"}
	expires := []codec.Day{today + 40, today + 5, codec.NoExpiry}
	err := s.Update(ctx, func(tx ledger.Tx) error {
		if err := tx.InsertProduct(licensing.Product{ID: "umenu", LicencePrefix: "OV", Features: []string{"export"}, Created: Now}); err != nil {
			return err
		}
		for i, k := range keys {
			li := licensing.Licence{Key: k, Display: k, Product: "umenu", Seats: 2 + i, Expires: expires[i],
				Customer: fmt.Sprint("customer ", i), Status: licensing.Active, Created: Now}
			if err := tx.InsertLicence(li); err != nil {
				return err
			}
		}
		for i, a := range []struct {
			lic  int
			when time.Time
		}{{0, day(-2)}, {0, day(-2)}, {1, day(0)}, {2, day(-40)}} {
			_, err := tx.InsertActivation(licensing.Activation{Licence: keys[a.lic], Product: "umenu", Machine: UID(i + 1), Seats: 1,
				Issued: codec.DayOf(a.when), Expires: codec.NoExpiry, Created: a.when})
			if err != nil {
				return err
			}
		}
		for i := range 3 {
			if err := tx.Append(Now.Add(time.Duration(i)*time.Minute), keys[0], ledger.ActionLicenceChange+"test", keys[0], []byte(fmt.Sprintf(`{"n":%d}`, i))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var o ledger.Overview
	var all []licensing.Licence
	err = s.Read(ctx, func(r ledger.Reader) (err error) {
		if all, err = r.Licences(""); err != nil {
			return err
		}
		o, err = r.Overview(ledger.OverviewQuery{Since: day(-29), Today: today, ExpiringBy: today + 30, ExpiringLimit: 10, RecentLimit: 2})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	seats, inUse := 0, 0
	for _, li := range all {
		seats, inUse = seats+li.Seats, inUse+li.InUse
	}
	if o.Licences != 3 || o.Seats != seats || seats != 9 || o.InUse != inUse || inUse != 4 {
		t.Errorf("totals: %d licences, %d seats, %d in use; the licences say %d seats, %d in use", o.Licences, o.Seats, o.InUse, seats, inUse)
	}
	want := map[string]int{day(-2).Format("2006-01-02"): 2, day(0).Format("2006-01-02"): 1}
	if !reflect.DeepEqual(o.Activations, want) {
		t.Errorf("activations per day: %v, want %v (the one 40 days ago is before the range)", o.Activations, want)
	}
	if len(o.Expiring) != 1 || o.Expiring[0].Key != keys[1] {
		t.Errorf("expiring within 30 days: %+v, want only %s", o.Expiring, keys[1])
	}
	if len(o.Recent) != 2 || string(o.Recent[0].Detail) != `{"n":2}` || string(o.Recent[1].Detail) != `{"n":1}` {
		t.Errorf("recent audit entries: %+v, want the two newest, newest first", o.Recent)
	}
}
