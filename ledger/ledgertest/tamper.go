package ledgertest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
)

// testTamperingIsNamed edits the audit table directly, as someone with
// the database and a client could, and checks that verification names the
// first bad entry of the licence's chain.
func testTamperingIsNamed(t *testing.T, b Backend) {
	for _, c := range []struct {
		name, sql, want string
	}{
		{"changed", "UPDATE audit SET detail = '{\"serial\":99}' WHERE chain = '%s' AND seq = 4", "entry 4: was changed"},
		{"deleted", "DELETE FROM audit WHERE chain = '%s' AND seq = 3", "entry 3: missing"},
		{"swapped", "UPDATE audit SET seq = 1003 WHERE chain = '%[1]s' AND seq = 3; UPDATE audit SET seq = 3 WHERE chain = '%[1]s' AND seq = 4; UPDATE audit SET seq = 4 WHERE chain = '%[1]s' AND seq = 1003", "entry 3"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := setup(t, b, 5)
			for i := range 4 {
				f.issue(t, UID(i))
			}
			if _, _, err := f.svc.VerifyChain(ctx); err != nil {
				t.Fatal(err)
			}
			chain := ledger.LicenceChain(f.li.Key)
			if err := b.Exec(t, f.loc, strings.Split(fmt.Sprintf(c.sql, chain), "; ")...); err != nil {
				t.Fatal(err)
			}
			_, _, err := f.svc.VerifyChain(ctx)
			var ce *ledger.ChainError
			if !errors.As(err, &ce) || ce.Chain != chain || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q in chain %s", err, c.want, chain)
			}
		})
	}
}

// testStateEditsAreNamed edits the tables the chains do not hash, and
// checks that VerifyState names the first disagreement.
func testStateEditsAreNamed(t *testing.T, b Backend) {
	for _, c := range []struct {
		name, sql, want string
	}{
		{"more seats", "UPDATE licences SET seats = 10", "seats is 10 in the table, the audit trail says 3"},
		{"customer", "UPDATE licences SET customer = 'Someone else'", "customer is Someone else in the table"},
		{"status", "UPDATE licences SET status = 'suspended'", "status is suspended in the table"},
		{"deleted activation", "DELETE FROM activations WHERE machine = '%s'", "holds a seat in the audit trail but not in the table"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := setup(t, b, 3)
			f.issue(t, UID(1))
			f.issue(t, UID(2))
			if err := f.svc.VerifyState(ctx); err != nil {
				t.Fatal(err)
			}
			stmt := c.sql
			if strings.Contains(stmt, "%s") {
				stmt = fmt.Sprintf(stmt, UID(2))
			}
			if err := b.Exec(t, f.loc, stmt); err != nil {
				t.Fatal(err)
			}
			if _, _, err := f.svc.VerifyChain(ctx); err != nil {
				t.Fatalf("the chains themselves are intact: %v", err)
			}
			err := f.svc.VerifyState(ctx)
			if !errors.Is(err, ledger.ErrStateMismatch) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
}

func testCheckpointCatchesTruncation(t *testing.T, b Backend) {
	f := setup(t, b, 5)
	f.issue(t, UID(1))
	active, _ := f.ks.Active("umenu")
	cp, err := f.svc.Checkpoint(ctx, active)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := ledger.ParseCheckpoint(cp.String())
	if err != nil || parsed.String() != cp.String() {
		t.Fatalf("parse: %v", err)
	}
	vk := active.VerificationKey()
	if err := f.svc.VerifyCheckpoint(ctx, parsed, vk); err != nil {
		t.Fatal(err)
	}
	f.issue(t, UID(2))
	if err := f.svc.VerifyCheckpoint(ctx, parsed, vk); err != nil {
		t.Fatalf("a growing trail fails its checkpoint: %v", err)
	}
	// Deleting the newest entries of the licence's chain leaves a valid
	// chain that the checkpoint shows to be short.
	chain := ledger.LicenceChain(f.li.Key)
	if err := b.Exec(t, f.loc, fmt.Sprintf("DELETE FROM audit WHERE chain = '%s' AND seq >= 2", chain)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.VerifyChain(ctx); err != nil {
		t.Fatalf("chain after truncation: %v", err)
	}
	if err := f.svc.VerifyCheckpoint(ctx, parsed, vk); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("truncation not caught: %v", err)
	}
	forged := parsed
	forged.Size--
	if err := f.svc.VerifyCheckpoint(ctx, forged, vk); !errors.Is(err, ledger.ErrCheckpointSignature) {
		t.Fatalf("altered checkpoint: %v", err)
	}
}

// testDatabaseRefusesOverIssue goes around the service: the schema itself
// refuses a seat beyond the licence's and a second live activation for
// one machine.
func testDatabaseRefusesOverIssue(t *testing.T, b Backend) {
	f := setup(t, b, 1)
	f.issue(t, UID(1))
	insert := "INSERT INTO activations(licence, machine, seats, key_id, issued, features, created) VALUES ('%s', '%s', 1, 'ffff', 1, 0, '2026-11-23T10:00:00Z')"
	err := b.Exec(t, f.loc, fmt.Sprintf(insert, f.li.Key, UID(2)))
	if err == nil || !strings.Contains(strings.ToUpper(err.Error()), "CHECK") {
		t.Fatalf("a second seat on a one-seat licence: %v", err)
	}
	err = b.Exec(t, f.loc, fmt.Sprintf(insert, f.li.Key, UID(1)))
	if up := strings.ToUpper(fmt.Sprint(err)); err == nil || !strings.Contains(up, "UNIQUE") && !strings.Contains(up, "DUPLICATE") {
		t.Fatalf("a second live activation for one machine: %v", err)
	}
	if got := f.licence(t); got.InUse != 1 {
		t.Fatalf("in use %d", got.InUse)
	}
}

// testCancelledRequestGivesUp: a request queued behind another writer
// gives up when its context ends, recording nothing.
func testCancelledRequestGivesUp(t *testing.T, b Backend) {
	f := setup(t, b, 5)
	holding, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		done <- f.store.Update(ctx, func(tx ledger.Tx) error {
			if _, err := tx.LicenceForUpdate(f.li.Key); err != nil {
				return err
			}
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	rctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := f.svc.Issue(rctx, licensing.IssueRequest{Licence: f.li.Display, Machine: UID(1)})
	waited := time.Since(start)
	close(release)
	if werr := <-done; werr != nil {
		t.Fatal(werr)
	}
	if !errors.Is(err, context.DeadlineExceeded) || waited > 10*time.Second {
		t.Fatalf("after %s: %v; want the context's error soon after it ended", waited, err)
	}
	if got := f.licence(t); got.InUse != 0 {
		t.Fatalf("a given-up request took a seat")
	}
}
