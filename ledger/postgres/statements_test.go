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
	// Two keys, the second active (a rotation): which one signs says
	// whether the key choice saw what the product stated.
	keys := ledgertest.Keys()
	if _, err := keys.Add(rand.Reader, "umenu", codec.Ed25519, at); err != nil {
		t.Fatal(err)
	}
	oldest, active := keys.KeyIDs("umenu")[0], keys.KeyIDs("umenu")[1]
	svc := signer.New(store, keys, signer.Options{Now: func() time.Time { return at }})
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
	// The key a product's code is signed with is chosen in the
	// activation's transaction (signer/keychoice.go): from the keys the
	// product says its keyring holds, from the keys the vendor recorded
	// for its release line, or, for a product that says neither, from
	// the keystore alone. None of them may add a statement.
	if err := svc.RecordRelease(ctx, "umenu", "4.2", keys.KeyIDs("umenu")); err != nil {
		t.Fatal(err)
	}
	asks := []struct {
		what    string
		release string
		trust   licensing.Trust
		key     codec.KeyID // the key that must sign its codes
	}{
		{"a product that states no trust", "", licensing.Trust{Purpose: codec.PurposeOnline}, oldest},
		{"a product that states its release line (recorded)", "4.2", licensing.Trust{Purpose: codec.PurposeOnline}, active},
		{"a product that states its release line (not recorded)", "9.9", licensing.Trust{Purpose: codec.PurposeOnline}, oldest},
		{"a product that states its keyring's keys", "9.9", licensing.Trust{Keys: keys.KeyIDs("umenu"), Certificates: true, Purpose: codec.PurposeOnline}, active},
	}
	policy := activation.DefaultPolicy
	tolerance := func(was, now codec.MachineUID) (bool, string) {
		d := activation.CompareUIDs(was, now)
		return d.Differing() != nil && policy.Matches(d), d.String()
	}
	machine := many
	for _, ask := range asks {
		activate := func(lic, m string) error {
			is, err := svc.Issue(ctx, licensing.IssueRequest{Licence: lic, Machine: m, Release: ask.release, Trust: ask.trust, Tolerance: tolerance})
			if err == nil && is.KeyID != ask.key {
				return fmt.Errorf("signed with key %s, want %s", is.KeyID, ask.key)
			}
			return err
		}
		validate := func(lic, m string) error {
			_, err := svc.Validate(ctx, lic, m, ask.trust)
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
			machine += 2
			// Once for a machine of its own first: every statement
			// prepared on the connections it uses.
			for _, s := range steps {
				if err := s.run(lic, ledgertest.UID(machine)); err != nil {
					t.Fatalf("%s, warm-up, %s: %v", ask.what, s.what, err)
				}
			}
			for _, s := range steps {
				sql, err := counter.during(func() error { return s.run(lic, ledgertest.UID(machine+1)) })
				if err != nil {
					t.Fatalf("%s: %s: %v", ask.what, s.what, err)
				}
				t.Logf("licence %s, %s: %s: %d statements", lic, ask.what, s.what, len(sql))
				if len(sql) != s.want {
					t.Errorf("licence %s, %s: %s: %d statements, want %d:\n%s", lic, ask.what, s.what, len(sql), s.want, numbered(sql))
				}
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
