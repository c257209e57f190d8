package ledgertest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
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
// checks that VerifyState names the first disagreement: licences and
// their activations (live and ended), products, plans, release lines, the
// keystore state (the rollback defence's memory) and API tokens.
func testStateEditsAreNamed(t *testing.T, b Backend) {
	for _, c := range []struct {
		name, sql, want string
	}{
		{"more seats", "UPDATE licences SET seats = 10", "seats is 10 in the table, the audit trail says 3"},
		{"seat counter lowered", "UPDATE licences SET in_use = 2", "the seats in use is 2 in the table, the audit trail says 3"},
		{"customer", "UPDATE licences SET customer = 'Someone else'", "customer is Someone else in the table"},
		{"status", "UPDATE licences SET status = 'suspended'", "status is suspended in the table"},
		{"deleted activation", "DELETE FROM activations WHERE machine = '%s'", "holds a seat in the audit trail but not in the table"},
		{"deleted released activation", "DELETE FROM activations WHERE release_why = 'released'", "(machine " + UID(3) + ") was ended in the audit trail (released) but is missing from the table"},
		{"deleted superseded activation", "DELETE FROM activations WHERE release_why = 'superseded'", "(machine " + UID(1) + ") was ended in the audit trail (superseded) but is missing from the table"},
		{"deleted transferred activation", "DELETE FROM activations WHERE release_why = 'transferred'", "(machine " + UID(4) + ") was ended in the audit trail (transferred) but is missing from the table"},
		{"released activation un-released", "UPDATE activations SET released = NULL, release_why = NULL WHERE release_why = 'released'", "holds a seat the audit trail never gave or already freed"},
		{"release reason changed", "UPDATE activations SET release_why = 'transferred' WHERE release_why = 'released'", "'s end reason is transferred in the table, the audit trail says released"},
		{"customer's release called the vendor's", "UPDATE activations SET release_why = 'released by the vendor' WHERE release_why = 'released'", "'s end reason is released by the vendor in the table, the audit trail says released"},
		{"release reason changed to superseded", "UPDATE activations SET release_why = 'superseded' WHERE release_why = 'released'", "'s end reason is superseded in the table, the audit trail says released"},
		{"end reason swapped", "UPDATE activations SET release_why = 'transferred' WHERE release_why = 'superseded'", "'s end reason is transferred in the table, the audit trail says superseded"},
		{"release time moved back 40 days", "UPDATE activations SET released = '2026-10-14T10:00:00Z' WHERE release_why = 'released'", "'s release time is 2026-10-14T10:00:00Z in the table, the audit trail says 2026-11-23T10:00:00Z"},
		{"ended activation's machine changed", "UPDATE activations SET machine = '" + UID(9) + "' WHERE release_why = 'superseded'", "'s terms in the table differ from the audit trail's"},
		{"ended activation inserted", "INSERT INTO activations(licence, machine, seats, key_id, issued, expires, features, created, released, release_why) SELECT licence, '" + UID(9) + "', seats, key_id, issued, expires, features, created, released, 'superseded' FROM activations WHERE release_why = 'released'",
			"(machine " + UID(9) + ") is ended in the table (superseded) but the audit trail never ended it"},
		{"keystore state reset", "UPDATE keystore_state SET generation = 0, revoked = '[]'", "the keystore state: is empty in the table (deleted or reset by hand), the audit trail recorded generation 3"},
		{"keystore state deleted", "DELETE FROM keystore_state", "the keystore state: is empty in the table"},
		{"keystore generation lowered", "UPDATE keystore_state SET generation = 1", "the keystore state: the generation is 1 in the table, the audit trail says 3"},
		{"keystore revocation removed", "UPDATE keystore_state SET revoked = '[]'", "key " + revokedKey.String() + " was revoked in the audit trail but is not revoked in the table"},
		{"product features", "UPDATE products SET features = '[\"export\",\"cloud\",\"api\",\"extra\"]'", "product umenu: the feature list is [export,cloud,api,extra] in the table, the audit trail says [export,cloud,api]"},
		{"licence prefix", "UPDATE products SET licence_prefix = 'EVIL'", "product umenu: the licence prefix is EVIL in the table, the audit trail says UMENU"},
		{"product added", "INSERT INTO products(id, licence_prefix, features, created) VALUES ('ghost', 'GHOST', '[]', '2026-11-23T10:00:00Z')", "product ghost: is in the table but the audit trail never added it"},
		{"plan changed", "UPDATE plans SET body = replace(body, '\"seats\":3', '\"seats\":30') WHERE id = 'pro-monthly'", "plan pro-monthly of product umenu: is {"},
		{"plan deleted", "DELETE FROM plans WHERE id = 'custom'", "plan custom of product umenu: was recorded in the audit trail but is missing from the table"},
		{"release line changed", "UPDATE releases SET keys = '[]'", "release line 4.2 of product umenu: embeds keys [] in the table"},
		{"release line deleted", "DELETE FROM releases", "release line 4.2 of product umenu: was recorded in the audit trail but is missing from the table"},
		{"release line keys replaced", "UPDATE releases SET keys = '[\"ffff\"]'", "release line 4.2 of product umenu: embeds keys [ffff] in the table"},
		{"release line inserted", "INSERT INTO releases(product, line, keys) VALUES ('umenu', '9.9', '[\"ffff\"]')", "release line 9.9 of product umenu: (keys [ffff]) is in the table but the audit trail never recorded it"},
		{"admin token inserted", "INSERT INTO tokens(id, name, scope, hash, created, expires) SELECT '0123456789ab', 'backdoor', 'admin', hash, created, expires FROM tokens WHERE name = 'ci'", "API token 0123456789ab: (backdoor, scope admin) is in the table but the audit trail never created it"},
		{"token scope raised", "UPDATE tokens SET scope = 'admin' WHERE name = 'ci'", "the scope is admin in the table, the audit trail says read"},
		{"revoked token revived", "UPDATE tokens SET revoked = 0", "revoked is false in the table, the audit trail says true"},
		{"token deleted", "DELETE FROM tokens WHERE name = 'ci'", "was created in the audit trail but is missing from the table"},
		{"token hash replaced", "UPDATE tokens SET hash = (SELECT hash FROM tokens WHERE name = 'old') WHERE name = 'ci'", "its hash in the table differs from the audit trail's"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := setup(t, b, 3)
			f.issue(t, UID(1))
			f.issue(t, UID(2))
			f.issue(t, UID(3))
			// The customer's deactivation ("released": what the release
			// budget counts).
			if _, err := f.svc.Deactivate(ctx, f.li.Display, UID(3)); err != nil {
				t.Fatal(err)
			}
			// Ended otherwise: superseded (new terms: a lease) and
			// transferred.
			if _, err := f.svc.Issue(ctx, licensing.IssueRequest{Licence: f.li.Display, Machine: UID(1), LeaseDays: 30}); err != nil {
				t.Fatal(err)
			}
			f.issue(t, UID(4))
			if _, _, err := f.svc.Transfer(ctx, f.li.Display, UID(4), UID(5)); err != nil {
				t.Fatal(err)
			}
			f.recordVendorState(t)
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

// revokedKey is a key the keystore state of recordVendorState revoked.
var revokedKey = codec.KeyID{0xb7, 0x01}

// recordVendorState records the state beside licences, as the vendor's
// tools do: the keystore's state (generation 3, one key revoked, the way
// home.RecordKeys writes it), a release line, an API token "ci" (scope
// read) and a revoked one "old".
func (f *fixture) recordVendorState(t testing.TB) {
	t.Helper()
	for _, gen := range []uint64{1, 3} {
		st := ledger.KeystoreState{Generation: gen, Revoked: []codec.KeyID{revokedKey}}
		detail, err := ledger.Detail(ledger.KeystoreEvent{Generation: gen, Revoked: []string{revokedKey.String()}})
		if err != nil {
			t.Fatal(err)
		}
		err = f.store.Update(ctx, func(tx ledger.Tx) error {
			if err := tx.RecordKeystore(st); err != nil {
				return err
			}
			return tx.Append(Now, ledger.KeystoreChain(), ledger.ActionKeystoreState, "keystore", detail)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	active, err := f.ks.Active("umenu")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RecordRelease(ctx, "umenu", "4.2", []codec.KeyID{active.ID}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.NewToken(ctx, rand.Reader, "ci", licensing.ScopeRead, 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	old, _, err := f.svc.NewToken(ctx, rand.Reader, "old", licensing.ScopeRead, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RevokeToken(ctx, old.ID); err != nil {
		t.Fatal(err)
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
