package postgres_test

import (
	"crypto/rand"
	"database/sql"
	"testing"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/internal/pgtest"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/ledger/ledgertest"
	"github.com/actkit/actkit/ledger/postgres"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// validators is how many goroutines validate at once in the benchmarks,
// as many as apiload's clients.
const validators = 64

// validationFixture: a PostgreSQL ledger with one licence of 1,024
// machines activated, and the service over it.
func validationFixture(b *testing.B) (*signer.Service, ledger.Store, string, []string) {
	b.Helper()
	loc := pgtest.NewDatabase(b)
	store, err := postgres.Open(ctx, loc, postgres.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	svc := signer.New(store, ledgertest.Keys(), signer.Options{})
	if _, err := svc.AddProduct(ctx, "umenu", "", []string{"export"}); err != nil {
		b.Fatal(err)
	}
	li, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: codec.MaxSeats, Expires: codec.NoExpiry})
	if err != nil {
		b.Fatal(err)
	}
	machines := make([]string, 1024)
	rows := make([]signer.BatchRow, len(machines))
	for i := range machines {
		machines[i] = ledgertest.UID(i)
		rows[i].Request = licensing.IssueRequest{Licence: li.Display, Machine: machines[i]}
	}
	if err := svc.IssueBatch(ctx, rows, 256, nil); err != nil {
		b.Fatal(err)
	}
	for _, r := range rows {
		if r.Err != nil {
			b.Fatal(r.Err)
		}
	}
	return svc, store, loc, machines
}

// BenchmarkValidate: the service's validation of a machine that holds a
// seat (what a product's scheduled heartbeat costs the ledger, and the
// signing of its code), from 64 goroutines on the default pool. The
// validation reads once, outside a transaction (ledger.Store.Read).
func BenchmarkValidate(b *testing.B) {
	svc, _, _, machines := validationFixture(b)
	key := mustLicence(b, svc)
	b.SetParallelism(validators / 2) // 2 CPUs here: 64 goroutines
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			if v, err := svc.Validate(ctx, key, machines[i%len(machines)], licensing.Trust{}); err != nil || v.Wrote {
				b.Errorf("validate: %+v %v", v, err)
				return
			}
		}
	})
}

// BenchmarkValidateInView is the same read in a snapshot (a View: BEGIN,
// the terms, the live activation, ROLLBACK), as validations read before
// Store.Read, without the signing: what the one-statement read saves.
func BenchmarkValidateInView(b *testing.B) {
	svc, store, _, machines := validationFixture(b)
	key := mustLicence(b, svc)
	norm, _ := licensing.ParseLicenceKey(key)
	b.SetParallelism(validators / 2)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			err := store.View(ctx, func(r ledger.Reader) error {
				if _, err := r.Terms(norm); err != nil {
					return err
				}
				_, _, err := r.LiveActivation(norm, machines[i%len(machines)])
				return err
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkBaselineOneRead is the floor of any validation on this
// server: one single-row read by primary key (a licence's row) through
// database/sql and pgx, on a pool of the ledger's default size, from the
// same 64 goroutines.
func BenchmarkBaselineOneRead(b *testing.B) {
	svc, _, loc, _ := validationFixture(b)
	norm, _ := licensing.ParseLicenceKey(mustLicence(b, svc))
	db, err := sql.Open("pgx", loc)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(postgres.DefaultMaxConns)
	db.SetMaxIdleConns(postgres.DefaultMaxConns)
	b.SetParallelism(validators / 2)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			var seats int
			if err := db.QueryRowContext(ctx, "SELECT seats FROM licences WHERE key = $1", norm).Scan(&seats); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func mustLicence(b *testing.B, svc *signer.Service) string {
	b.Helper()
	lis, err := svc.Licences(ctx, "umenu")
	if err != nil || len(lis) != 1 {
		b.Fatalf("licences: %v %v", lis, err)
	}
	return lis[0].Display
}
