// Package ledger is the storage port of the vendor side: what issuing,
// releasing and reporting need from a database, and nothing more, plus the
// audit chain and checkpoints, written once for every backend.
//
// A backend (ledger/sqlite, and any other) implements Store. It must pass
// the conformance suite in ledger/ledgertest unchanged: the same issuing
// flow, the same refusals, exactly one winner for the last seat across
// goroutines and processes, no code without its record after kill -9,
// tampering named by VerifyChain, checkpoints, a full disk.
//
// The rules (seat limits, re-issue, expiry) are not here: they are in
// package licensing, applied by package signer inside one Update.
package ledger

import (
	"context"
	"errors"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/licensing"
)

// Store is a ledger. Implementations are safe for concurrent use: several
// goroutines (and, for a shared database, several processes) may call
// Update at once, and each call runs in its own transaction.
type Store interface {
	// Update runs fn in one write transaction and commits if fn returns
	// nil. When Update returns nil, what fn wrote is durable. A context
	// cancelled while the transaction waits for another writer gives up
	// with the context's error and writes nothing.
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn on a consistent snapshot, without taking the write
	// lock: reads never wait for a writer.
	View(ctx context.Context, fn func(Reader) error) error
	// Read runs fn outside any transaction: each of fn's reads sees what
	// was committed when it ran, not one snapshot, and a scan of the whole
	// audit trail may hit the statement timeout. It is for the hot path
	// that reads once (a validation's Standing), where a View's BEGIN and
	// ROLLBACK would triple the round trips to a database server; anything
	// that reads twice and compares uses View.
	Read(ctx context.Context, fn func(Reader) error) error
	// Backup writes a consistent copy of the ledger to path, which must
	// not exist.
	Backup(ctx context.Context, path string) error
	// Close releases the database.
	Close() error
}

// Reader is the read side of a ledger.
type Reader interface {
	// Product returns a product, or a *licensing.Refusal with
	// ErrUnknownProduct.
	Product(id string) (licensing.Product, error)
	// Products lists the products by ID.
	Products() ([]licensing.Product, error)
	// Licence returns a licence by its normal form, with its seats in use
	// and its holders, or a refusal with ErrUnknownLicence.
	Licence(key string) (licensing.Licence, error)
	// Terms returns a licence by its normal form with its seats in use,
	// without listing its holders (the cost does not grow with them).
	Terms(key string) (licensing.Licence, error)
	// Licences lists the licences of one product (all for ""), in order of
	// creation, with their holders.
	Licences(product string) ([]licensing.Licence, error)
	// Expiring lists the licences whose last day is from..to (both
	// inclusive), soonest first (then in order of creation), with their
	// seats in use and without holders, at most limit of them (0: all):
	// one statement, which the database filters (only the listed
	// licences reach the caller).
	Expiring(from, to codec.Day, limit int) ([]licensing.Licence, error)
	// Holders lists the machines holding seats of a licence, by serial:
	// every one of them, for the pages and reports that list them.
	Holders(key string) ([]licensing.Holder, error)
	// RecentHolders lists the newest limit machines holding seats of a
	// licence, newest first: what a refusal for want of a seat shows,
	// at a cost that does not grow with the licence.
	RecentHolders(key string, limit int) ([]licensing.Holder, error)
	// LapsedLeases lists up to limit live activations of a licence whose
	// code expired before day, soonest expired first, through an index:
	// the leases an activation on a full licence may reclaim.
	LapsedLeases(key string, before codec.Day, limit int) ([]licensing.Holder, error)
	// LiveActivation returns the machine's live activation on a licence.
	LiveActivation(key, machine string) (licensing.Activation, bool, error)
	// Audit returns up to limit audit entries after seq since, oldest
	// first.
	Audit(since int64, limit int) ([]Entry, error)
	// ChainEntries returns up to limit of the newest entries of one chain
	// (a licence's: LicenceChain), newest first.
	ChainEntries(chain string, limit int) ([]Entry, error)
	// Chain calls fn for every audit entry, grouped by chain and in
	// storage order within a chain, for VerifyChain; it stops at the
	// first error fn returns.
	Chain(fn func(Entry) error) error
	// CheckpointHeads returns the chain heads recorded for a checkpoint
	// root (SaveCheckpoint), and whether there is such a record.
	CheckpointHeads(root []byte) (Heads, bool, error)
	// LiveActivations lists a licence's live activations with their
	// terms, by serial.
	LiveActivations(key string) ([]licensing.Activation, error)
	// Token returns an API token by its public ID.
	Token(id string) (licensing.Token, bool, error)
	// Tokens lists the API tokens.
	Tokens() ([]licensing.Token, error)
	// Plans returns a product's plans (licence types), by ID; a product
	// with none recorded has the default plans.
	Plans(product string) ([]licensing.Plan, error)
	// Plan returns one of a product's plans, as Plans lists them, and
	// false if it has none of that ID, in one statement; a refusal with
	// ErrUnknownProduct for an unknown product.
	Plan(product, id string) (licensing.Plan, bool, error)
	// Standing returns, in one statement, what a validation reads: a
	// licence's terms (no holders), its plan, and the machine's live
	// activation on it; or a refusal with ErrUnknownLicence.
	Standing(key, machine string) (Standing, error)
	// Releases counts a licence's deactivations by its customer
	// ("released": not the vendor's, not superseded or transferred) since
	// a time, for its release budget.
	Releases(key string, since time.Time) (int, error)
	// ReleaseKeys returns the key IDs a product's release line (a minor
	// version, "4.2") embeds in its keyring, oldest first, and whether
	// the line was recorded.
	ReleaseKeys(product, line string) ([]codec.KeyID, bool, error)
	// ReleaseLines returns every release line recorded for a product,
	// with the key IDs each embeds, oldest first: what VerifyState
	// compares with the trail, lines added by hand included.
	ReleaseLines(product string) (map[string][]codec.KeyID, error)
	// EndedActivations lists a licence's ended activations (released,
	// superseded, transferred, drifted, lease expired), by serial, with
	// when and why each ended.
	EndedActivations(key string) ([]EndedActivation, error)
	// KeystoreState returns what the ledger last recorded of the vendor's
	// keystore (zero values before anything was recorded).
	KeystoreState() (KeystoreState, error)
	// Session returns a portal session by the SHA-256 of its token,
	// expired or not, and whether there is one.
	Session(hash []byte) (Session, bool, error)
	// Overview returns the dashboard's figures (overview.go), in a few
	// aggregate statements whatever the ledger's size.
	Overview(q OverviewQuery) (Overview, error)
}

// Session is a signed-in person on the portal, as the ledger keeps it:
// the SHA-256 of the cookie's token (never the token), and either a
// customer's licence or the ID of the staff member's API token, whose
// scope and revocation are read when the session is used. Sessions are
// kept in the ledger so that every instance of a server knows them.
type Session struct {
	Hash []byte
	// Licence is the licence's normal form, for a customer.
	Licence string
	// Token is the API token's ID, for staff.
	Token            string
	Created, Expires time.Time
}

// Standing is a licence as one of its machines stands on it: the answer
// of Reader.Standing.
type Standing struct {
	// Licence is the licence's terms and seats in use, without holders.
	Licence licensing.Licence
	// Plan is the licence's plan, when HasPlan.
	Plan    licensing.Plan
	HasPlan bool
	// Activation is the machine's live activation, when Activated.
	Activation licensing.Activation
	Activated  bool
}

// Seat is a licence as one machine's activation or release finds it:
// the answer of Tx.Seat.
type Seat struct {
	// Licence is the licence's terms and seats in use, without holders.
	Licence licensing.Licence
	// Plan is the licence's plan, when HasPlan.
	Plan    licensing.Plan
	HasPlan bool
	// Activation is the machine's live activation, when Activated.
	Activation licensing.Activation
	Activated  bool
	// Drift, when asked for, are the licence's live activations for
	// other machine UIDs that share a present per-machine component
	// (network adapter, OS machine ID, system UUID, product value) with
	// the machine, at most MaxDriftCandidates (any of them, if more
	// match), oldest first: the only
	// ones a tolerance (licensing.Tolerance) may take for it.
	Drift []licensing.Activation
	// Release is the keys the vendor recorded for the release line asked
	// for (SeatQuery.Release), when ReleaseRecorded: what the activation
	// chooses its signing key from, read in Seat's statements.
	Release         []codec.KeyID
	ReleaseRecorded bool
}

// SeatQuery is what Tx.Seat reads beside the licence and the machine's
// activation.
type SeatQuery struct {
	// Drift asks for Seat.Drift.
	Drift bool
	// Release, if not "", is the product release line whose recorded
	// keys Seat.Release reads (ReleaseKeys, in the same statement).
	Release string
}

// MaxDriftCandidates bounds Seat.Drift. Each per-machine component is a
// 15-bit hash, so on a licence of 60,000 machines about two others share
// any one value; more than this many means components that are not
// per-machine at all (a cloned image), which drift must not match.
const MaxDriftCandidates = 32

// EndedActivation is an activation that no longer holds a seat: its terms,
// when it ended (Released, as stored: Stamp of the time given to
// EndActivation) and why (the reason given to EndActivation: "released"
// by the customer, "released by the vendor", "superseded", "transferred",
// "drifted", "lease expired").
type EndedActivation struct {
	licensing.Activation
	Released, Why string
}

// KeystoreState is what the ledger remembers of the keystore, so that a
// keystore restored from an old backup (which would un-revoke a revoked
// key) is noticed: the highest generation seen and every key revoked.
type KeystoreState struct {
	Generation uint64
	Revoked    []codec.KeyID
}

// Tx is a write transaction.
type Tx interface {
	Reader
	// LicenceForUpdate returns a licence's terms and seats in use (no
	// holders) and locks it against other writers until the transaction
	// ends. Seats taken or freed in this transaction are counted.
	LicenceForUpdate(key string) (licensing.Licence, error)
	// Seat is what issuing or releasing decides on for one machine, read
	// at a cost that does not grow with the licence's machines: it locks
	// the licence's row as LicenceForUpdate does and reads its terms and
	// plan, the machine's live activation and, with drift, the live
	// activations that share a per-machine component with it (Seat.Drift),
	// and, with a release line, the keys recorded for it (Seat.Release);
	// it also takes the head of the licence's audit chain, so that the
	// Append that follows reads and locks nothing. Two statements on a
	// shared database (the lock, then the rest, which must see what the
	// writer before committed), or one read when the licence's row is
	// already locked in this transaction.
	Seat(key, machine string, q SeatQuery) (Seat, error)
	InsertProduct(p licensing.Product) error
	InsertLicence(l licensing.Licence) error
	// UpdateLicence stores a licence's changeable terms: seats, expiry,
	// features, customer and status.
	UpdateLicence(l licensing.Licence) error
	// InsertActivation records a live activation, takes its seats and
	// returns its serial. The database itself refuses more seats than the
	// licence has and a second live activation for the same machine.
	InsertActivation(a licensing.Activation) (uint64, error)
	// EndActivation releases a live activation and frees its seats.
	EndActivation(a licensing.Activation, at time.Time, why string) error
	// Append adds an entry to a chain (LicenceChain, ProductChain,
	// KeystoreChain), after that chain's head (see Next). A shared
	// database locks that chain's head, not a global one.
	Append(at time.Time, chain, action, subject string, detail []byte) error
	// SaveCheckpoint records the chain heads a checkpoint signs, under
	// their root.
	SaveCheckpoint(root []byte, heads Heads) error
	// RecordKeystore stores the keystore's state: the generation only
	// grows and revocations are only added.
	RecordKeystore(s KeystoreState) error
	// UpdateProductKeys changes a product's legacy licence key pattern
	// (LegacyKeys, LegacyLookalikes).
	UpdateProductKeys(p licensing.Product) error
	// InsertToken records an API token (its hash, never its secret).
	InsertToken(t licensing.Token) error
	// RevokeToken revokes an API token; it reports whether there was one.
	RevokeToken(id string) (bool, error)
	// InsertSession records a portal session and forgets those that
	// expired by its creation.
	InsertSession(s Session) error
	// DeleteSession forgets a portal session (signing out).
	DeleteSession(hash []byte) error
	// PutPlan records a plan, replacing the one with its product and ID.
	PutPlan(p licensing.Plan) error
	// TouchActivation records that a machine was seen (a validation).
	TouchActivation(serial uint64, at time.Time) error
	// RecordRelease stores the key IDs a product's release line embeds,
	// replacing what was recorded for that line.
	RecordRelease(product, line string, keys []codec.KeyID) error
}

// ErrNewerSchema is returned when the ledger was written by a newer
// actkit: opening it with this build could lose data.
var ErrNewerSchema = errors.New("ledger belongs to a newer version of actkit")

// ErrFull is returned when the ledger's storage is full: nothing of the
// transaction was recorded.
var ErrFull = errors.New("ledger storage is full")

// Storage failures a user can act on. Backends map their own error codes
// to these, so nobody has to read "disk I/O error (4874)".
var (
	// ErrReadOnly: the ledger's file or folder cannot be written.
	ErrReadOnly = errors.New("ledger is read-only")
	// ErrBusy: another process holds the ledger's write lock and did not
	// release it in time.
	ErrBusy = errors.New("ledger is locked by another process")
	// ErrNotLedger: the file is not a ledger (or is damaged beyond use).
	ErrNotLedger = errors.New("file is not a ledger or is damaged")
	// ErrCannotOpen: the ledger file cannot be opened (a missing folder,
	// no permission).
	ErrCannotOpen = errors.New("ledger cannot be opened")
	// ErrIO: the operating system reported an I/O error.
	ErrIO = errors.New("disk I/O error")
	// ErrUnreachable: the connection to the ledger's database server was
	// refused, reset or closed, or the server shut down: it is down or
	// restarting. Whatever was in flight may or may not be recorded; the
	// service's operations are safe to retry.
	ErrUnreachable = errors.New("ledger database is unreachable (connection refused, lost or closed)")
	// ErrStarting: the ledger's database server answers but takes no
	// connections yet: it is starting up, in recovery, or shutting down.
	ErrStarting = errors.New("ledger database is starting up or in recovery")
	// ErrNoConnection: the ledger's database server answered a new
	// connection with a refusal for want of room: its max_connections,
	// or the CONNECTION LIMIT of the role or the database, is reached.
	// Nothing is locked; the call is safe to retry once a connection is
	// free.
	ErrNoConnection = errors.New("ledger database refused the connection (too many connections)")
	// ErrTimeout: a statement ran past the database's statement timeout
	// (or was cancelled on the database server), and its transaction was
	// rolled back: nothing of it was recorded.
	ErrTimeout = errors.New("a ledger statement timed out")
)

// ErrExists is returned by Backup when the target already exists.
var ErrExists = errors.New("file already exists")
