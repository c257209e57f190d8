package postgres_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actkit/actkit/activation"
	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/internal/pgtest"
	"github.com/actkit/actkit/ledger/ledgertest"
	"github.com/actkit/actkit/ledger/postgres"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"
	"github.com/jackc/pgx/v5"
)

// statementCounter is a pgx tracer that records every statement a
// connection sends to the server (BEGIN and COMMIT are statements pgx
// sends too), while on.
type statementCounter struct {
	mu  sync.Mutex
	on  bool
	sql []string
}

func (c *statementCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.on {
		c.sql = append(c.sql, strings.Join(strings.Fields(d.SQL), " "))
	}
	return ctx
}

func (c *statementCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// during returns the statements sent while fn ran.
func (c *statementCounter) during(fn func() error) ([]string, error) {
	c.mu.Lock()
	c.on, c.sql = true, nil
	c.mu.Unlock()
	err := fn()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.on = false
	return c.sql, err
}

// TestStatementsPerRequest counts the statements the real server receives
// for each request a product makes, on a licence that holds a single
// machine and on one that holds thousands, with drift matching on (as
// `actkit serve` has it by default): the counts are the issue-24 budget
// (an activation at most 6 statements, BEGIN and COMMIT included; a
// validation one read) and the same on both licences. A change that adds
// a round trip, or reads the licence's machines again, fails here.
func TestStatementsPerRequest(t *testing.T) {
	loc := pgtest.NewDatabase(t)
	var counter statementCounter
	restore := postgres.SetTracer(&counter)
	store, err := postgres.Open(ctx, loc, postgres.Options{MaxIdleConns: 2})
	restore()
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	svc := signer.New(store, ledgertest.Keys(), signer.Options{Now: func() time.Time { return at }})
	if _, err := svc.AddProduct(ctx, "umenu", "", []string{"export"}); err != nil {
		t.Fatal(err)
	}
	newLicence := func() string {
		li, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: codec.MaxSeats, Expires: codec.NoExpiry})
		if err != nil {
			t.Fatal(err)
		}
		return li.Display
	}
	small, big := newLicence(), newLicence()
	const many = 3000
	rows := make([]signer.BatchRow, many)
	for i := range rows {
		rows[i].Request = licensing.IssueRequest{Licence: big, Machine: ledgertest.UID(i)}
	}
	if err := svc.IssueBatch(ctx, rows, 500, nil); err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		if r.Err != nil {
			t.Fatalf("filling row %d: %v", i, r.Err)
		}
	}
	policy := activation.DefaultPolicy
	tolerance := func(was, now codec.MachineUID) (bool, string) {
		d := activation.CompareUIDs(was, now)
		return d.Differing() != nil && policy.Matches(d), d.String()
	}
	activate := func(lic, m string) error {
		_, err := svc.Issue(ctx, licensing.IssueRequest{Licence: lic, Machine: m, Tolerance: tolerance})
		return err
	}
	validate := func(lic, m string) error {
		_, err := svc.Validate(ctx, lic, m, licensing.Trust{})
		return err
	}
	deactivate := func(lic, m string) error {
		_, _, err := svc.DeactivateSeats(ctx, lic, m)
		return err
	}
	steps := []struct {
		what string
		want int
		run  func(lic, m string) error
	}{
		{"activate a new machine", 6, activate},
		{"activate the same machine again", 5, activate},
		{"validate", 1, validate},
		{"validate a day later (marks the machine seen)", 4, func(lic, m string) error {
			at = at.Add(25 * time.Hour)
			return validate(lic, m)
		}},
		{"validate again", 1, validate},
		{"deactivate", 6, deactivate},
	}
	for _, lic := range []string{small, big} {
		// Once for a machine of its own first: every statement prepared
		// on the connections it uses.
		for _, s := range steps {
			if err := s.run(lic, ledgertest.UID(many+1)); err != nil {
				t.Fatalf("warm-up, %s: %v", s.what, err)
			}
		}
		for _, s := range steps {
			sql, err := counter.during(func() error { return s.run(lic, ledgertest.UID(many+2)) })
			if err != nil {
				t.Fatalf("%s: %v", s.what, err)
			}
			if len(sql) != s.want {
				t.Errorf("licence %s: %s: %d statements, want %d:\n%s", lic, s.what, len(sql), s.want, numbered(sql))
			}
		}
	}
}

func numbered(sql []string) string {
	var b strings.Builder
	for i, s := range sql {
		if len(s) > 160 {
			s = s[:160] + "..."
		}
		fmt.Fprintf(&b, "  %d. %s\n", i+1, s)
	}
	return b.String()
}
