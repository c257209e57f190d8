// Package ledgertest is the conformance suite every ledger backend must
// pass unchanged: the whole issue, re-issue, release, transfer and batch
// flow through the signer service, every refusal, last-seat races across
// goroutines and across processes, kill -9 while issuing (no printed code
// without its record), tampering named by VerifyChain and VerifyState,
// checkpoints, a cancelled request queued behind another writer, and a
// full disk where the backend can simulate one.
//
// A backend's test calls Run from a test and Main from its TestMain (the
// cross-process tests re-run the test binary as their child processes).
package ledgertest

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/ledger"
)

// Backend is what the suite needs from a backend.
type Backend struct {
	// New makes an empty ledger and returns where it is: a file path, a
	// database URL. Each call is a new ledger.
	New func(t testing.TB) string
	// Open opens the ledger at loc (several stores may be open on one).
	Open func(loc string) (ledger.Store, error)
	// Exec runs statements on the ledger at loc directly, as someone
	// holding the database and a client could: the tampering tests. The
	// statements are plain SQL on the tables of docs/signer.md.
	Exec func(t testing.TB, loc string, stmts ...string) error
	// Full opens the ledger at loc with room for only a few more writes,
	// or is nil where the backend cannot simulate a full disk.
	Full func(loc string) (ledger.Store, error)
	// Check runs the backend's own consistency check, if it has one.
	Check func(s ledger.Store) error
}

// Now is the suite's clock.
var Now = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func clock() time.Time { return Now }

// Keys is the same key set in every process of a test.
func Keys() *keygen.Keyset {
	k, err := keygen.Generate(bytes.NewReader(bytes.Repeat([]byte{42}, 32)), "umenu", codec.Ed25519, Now, nil)
	if err != nil {
		panic(err) // fixed input: cannot fail
	}
	return keygen.NewKeyset(k)
}

// UID makes a distinct valid machine UID for machine n.
func UID(n int) string {
	u := codec.MachineUID{Version: codec.UIDVersion}
	u.Slots[codec.SlotNetwork] = uint16(n%32000 + 1)
	u.Slots[codec.SlotCPU] = uint16(n/32000 + 1)
	u.Slots[codec.SlotVersion] = 42
	return u.String()
}

// Run runs every conformance test against b.
func Run(t *testing.T, b Backend) {
	for _, c := range []struct {
		name string
		fn   func(*testing.T, Backend)
	}{
		{"WholeFlow", testWholeFlow},
		{"Refusals", testRefusals},
		{"ReissueWithNewTermsKeepsTheSeat", testReissueWithNewTerms},
		{"LeaseAndTransfer", testLeaseAndTransfer},
		{"Batch", testBatch},
		{"ProductsAndLicenceChanges", testProductsAndLicenceChanges},
		{"StandingAndPlan", testStandingAndPlan},
		{"Sessions", testSessions},
		{"Overview", testOverview},
		{"TamperingIsNamed", testTamperingIsNamed},
		{"StateEditsAreNamed", testStateEditsAreNamed},
		{"CheckpointCatchesTruncation", testCheckpointCatchesTruncation},
		{"DatabaseRefusesOverIssue", testDatabaseRefusesOverIssue},
		{"CancelledRequestGivesUp", testCancelledRequestGivesUp},
		{"LastSeatGoroutines", testLastSeatGoroutines},
		{"LastSeatProcesses", testLastSeatProcesses},
		{"CrashWhileIssuing", testCrashWhileIssuing},
		{"FullDiskRefusesAndLosesNothing", testFullDisk},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, b) })
	}
}

// Main runs the child processes of the cross-process tests, or the tests.
func Main(m *testing.M, b Backend) {
	if code, ok := Child(b); ok {
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// Child runs this process as a child of the cross-process tests if it is
// one, and returns its exit status and true; a TestMain that must clean up
// after m.Run calls it instead of Main.
func Child(b Backend) (int, bool) {
	if os.Getenv(childEnv) == "" {
		return 0, false
	}
	return child(b), true
}
