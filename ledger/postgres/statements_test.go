package postgres_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
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

// TestListStatements: the lists and reports cost a constant number of
// statements whatever the number of licences (the licences and their
// holders in two reads of one snapshot; those expiring soon in one
// read), and what they list is what the licences' own reads say.
func TestListStatements(t *testing.T) {
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
	today := codec.DayOf(at)
	svc := signer.New(store, ledgertest.Keys(), signer.Options{Now: func() time.Time { return at }})
	for _, p := range []string{"umenu", "other"} {
		if _, err := svc.AddProduct(ctx, p, "", []string{"export"}); err != nil {
			t.Fatal(err)
		}
	}
	const licences = 120
	machine := 0
	for i := range licences {
		spec := licensing.LicenceSpec{Product: "umenu", Seats: 5, Expires: codec.NoExpiry, Customer: fmt.Sprintf("customer %d", i%7)}
		switch {
		case i%10 == 9:
			spec.Product = "other"
		case i%3 == 0:
			spec.Expires = today + codec.Day(licences-i) // some within 30 days, some later
		}
		li, err := svc.NewLicence(ctx, rand.Reader, spec)
		if err != nil {
			t.Fatal(err)
		}
		for range i % 4 {
			machine++
			if spec.Product == "other" {
				continue // its keys are not in this keyset; a licence without machines
			}
			if _, err := svc.Issue(ctx, licensing.IssueRequest{Licence: li.Display, Machine: ledgertest.UID(machine)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	var all []licensing.Licence
	sql, err := counter.during(func() (err error) {
		all, err = svc.Licences(ctx, "")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sql) != 4 {
		t.Errorf("listing %d licences: %d statements, want 4 (BEGIN, the licences, their holders, the end):\n%s", len(all), len(sql), numbered(sql))
	}
	if len(all) != licences {
		t.Fatalf("%d licences listed, want %d", len(all), licences)
	}
	holders := 0
	for i, li := range all {
		one, err := svc.Licence(ctx, li.Display)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(one) != fmt.Sprint(li) {
			t.Fatalf("licence %d listed as\n%+v\nread alone\n%+v", i, li, one)
		}
		if i > 0 && all[i-1].Created.After(li.Created) {
			t.Fatalf("licence %d listed before an older one", i)
		}
		holders += len(li.Holders)
	}
	if holders == 0 {
		t.Fatal("no licence listed a holder")
	}
	other, err := svc.Licences(ctx, "other")
	if err != nil || len(other) != licences/10 {
		t.Fatalf("product other: %d licences (%v), want %d", len(other), err, licences/10)
	}
	// The licences expiring within 30 days, soonest first: one statement.
	var soon []licensing.Licence
	sql, err = counter.during(func() (err error) {
		soon, err = svc.Expiring(ctx, 30)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sql) != 1 {
		t.Errorf("expiring: %d statements, want 1:\n%s", len(sql), numbered(sql))
	}
	var expiring []licensing.Licence
	for _, li := range all {
		if li.Expires != codec.NoExpiry && li.Expires >= today && li.Expires <= today+30 {
			expiring = append(expiring, li)
		}
	}
	// Soonest first, then in the list's order (of creation).
	slices.SortStableFunc(expiring, func(a, b licensing.Licence) int { return int(a.Expires) - int(b.Expires) })
	var want []string
	for _, li := range expiring {
		want = append(want, fmt.Sprintf("%s %s %d/%d", li.Display, li.Expires, li.InUse, li.Seats))
	}
	var got []string
	for _, li := range soon {
		got = append(got, fmt.Sprintf("%s %s %d/%d", li.Display, li.Expires, li.InUse, li.Seats))
	}
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Fatalf("expiring within 30 days:\n%v\nwant\n%v", got, want)
	}
}
