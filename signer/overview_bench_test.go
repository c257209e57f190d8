package signer_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/ledger/sqlite"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"
)

// Sizes of the overview benchmarks' ledger: a vendor with many customers.
const (
	benchLicences    = 10_000
	benchActivations = 50_000 // five per licence, over 60 days
)

// overviewLedger is a SQLite ledger of benchLicences licences and
// benchActivations activations, written through the ledger port.
func overviewLedger(b *testing.B) *signer.Service {
	b.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "ledger.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	err = store.Update(ctx, func(tx ledger.Tx) error {
		return tx.InsertProduct(licensing.Product{ID: "umenu", LicencePrefix: "UMENU", Features: []string{"export"}, Created: now})
	})
	if err != nil {
		b.Fatal(err)
	}
	const batch = 500
	for first := 0; first < benchLicences; first += batch {
		err := store.Update(ctx, func(tx ledger.Tx) error {
			for i := first; i < first+batch; i++ {
				key := fmt.Sprintf("BENCH%020d", i)
				li := licensing.Licence{Key: key, Display: key, Product: "umenu", Seats: 10, Expires: codec.DayOf(now) + codec.Day(i%400),
					Customer: fmt.Sprint("customer ", i), Status: licensing.Active, Created: now}
				if err := tx.InsertLicence(li); err != nil {
					return err
				}
				for j := range benchActivations / benchLicences {
					u := codec.MachineUID{Version: codec.UIDVersion}
					u.Slots[codec.SlotNetwork], u.Slots[codec.SlotCPU] = uint16(1+i%30000), uint16(1+j)
					when := now.AddDate(0, 0, -((i*7 + j) % 60))
					if _, err := tx.InsertActivation(licensing.Activation{Licence: key, Product: "umenu", Machine: u.String(), Seats: 1,
						Issued: codec.DayOf(when), Expires: codec.NoExpiry, Created: when}); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return signer.New(store, nil, signer.Options{Now: func() time.Time { return now }})
}

// BenchmarkOverview is the dashboard's first page: totals, 30 days of
// activations, expiring licences, recent events. BenchmarkOverviewBaseline
// is what that page did before (every licence read, as Search("") does):
// the bound the overview must stay well under as the ledger grows.
func BenchmarkOverview(b *testing.B) {
	svc := overviewLedger(b)
	ctx := context.Background()
	b.Run("overview", func(b *testing.B) {
		for b.Loop() {
			o, err := svc.Overview(ctx)
			if err != nil || o.Licences != benchLicences {
				b.Fatal(o.Licences, err)
			}
		}
	})
	b.Run("baseline-search-all", func(b *testing.B) {
		for b.Loop() {
			all, err := svc.Search(ctx, "", "")
			if err != nil || len(all) != benchLicences {
				b.Fatal(len(all), err)
			}
		}
	})
}
