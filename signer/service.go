package signer

import (
	"context"
	"encoding/json"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
)

// Keys is where the service finds signing keys; *keygen.Keyset is one.
// Implementations must be safe for concurrent use.
type Keys interface {
	// ActiveSigner returns the product's active key, the one that signs
	// new codes.
	ActiveSigner(product string) (codec.Signer, error)
	// Signer returns the key with the given ID, to sign again a code
	// recorded with it.
	Signer(id codec.KeyID) (codec.Signer, error)
	// KeyIDs lists every key of the product the source knows, oldest
	// first, revoked ones included: which keys a keyring exported at
	// some time can hold follows from this order (keychoice.go).
	KeyIDs(product string) []codec.KeyID
	// Delegation returns the delegated key that may sign for product
	// through the channel purpose on day, with a certificate entry accept
	// takes (nil: any), and its certificate.
	Delegation(product string, purpose codec.Purpose, day codec.Day, accept func(codec.CertificateProduct) bool) (codec.Signer, *codec.Certificate, error)
	// Certificate returns a certificate of a delegated key ID whose entry
	// accept takes (nil: any), so that a code signed again carries one the
	// product trusts.
	Certificate(id codec.KeyID, accept func(codec.CertificateProduct) bool) (*codec.Certificate, bool)
}

// Service is the licensing service over one ledger.
type Service struct {
	store ledger.Store
	keys  Keys
	now   func() time.Time
	// refusals counts refused issue requests for the overview.
	refusals *refusalCounter
	// replica, if set, answers reads that decide nothing (WithReplica).
	replica *replica
	// products remembers licences' products (LicenceProduct).
	products *productsOf
	// combine gathers concurrent activations of one licence into one
	// transaction (combine.go).
	combine *combiner
	// updates are the keyring updates answers carry, by product
	// (WithKeyringUpdates).
	updates map[string]*codec.Keyring
}

// Options tune a Service.
type Options struct {
	// Now is the clock; nil means time.Now. Tests pass a fixed clock.
	Now func() time.Time
}

// New returns a service over store, signing with keys (nil for a service
// that only reads and manages licences).
func New(store ledger.Store, keys Keys, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	// products and combine are pointers: the copies WithStore and
	// WithReplica make share them (and their locks) with s.
	s := &Service{store: store, keys: keys, now: func() time.Time { return opts.Now().UTC() }, products: &productsOf{}, combine: &combiner{}}
	s.refusals = newRefusalCounter(s.now())
	return s
}

// Store returns the service's ledger.
func (s *Service) Store() ledger.Store { return s.store }

// WithStore returns a service like s over store, which must be s's
// ledger seen through a wrapper (one that times its transactions, as the
// debug listener's counters do), never another ledger.
func (s *Service) WithStore(store ledger.Store) *Service {
	c := *s
	c.store = store
	return &c
}

// audit appends an entry with detail as JSON to a chain.
func audit(tx ledger.Tx, at time.Time, chain, action, subject string, detail any) error {
	d, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	return tx.Append(at, chain, action, subject, d)
}

// errNoKeys is returned by calls that sign on a service without keys.
var errNoKeys = &licensing.Refusal{Reason: licensing.ErrNoActiveKey, Detail: "the service was started without signing keys"}

// RecordRelease records the keys a product's release line embeds (the
// keyring exported for it), so that issuing for that line signs with a
// key it trusts.
func (s *Service) RecordRelease(ctx context.Context, product, line string, keys []codec.KeyID) error {
	if line == "" || len(line) > 32 {
		return &licensing.Refusal{Reason: licensing.ErrInvalid, Detail: "a release line is a version like 4.2"}
	}
	line = licensing.ReleaseLine(line)
	return s.store.Update(ctx, func(tx ledger.Tx) error {
		if _, err := tx.Product(product); err != nil {
			return err
		}
		if err := tx.RecordRelease(product, line, keys); err != nil {
			return err
		}
		return audit(tx, s.now(), ledger.ProductChain(product), ledger.ActionProductRelease, product,
			map[string]any{"line": line, "keys": keys})
	})
}

// VerifyChain walks every audit chain; see ledger.VerifyChain.
func (s *Service) VerifyChain(ctx context.Context) (int64, ledger.Heads, error) {
	return ledger.VerifyChain(ctx, s.store)
}

// VerifyState rebuilds the ledger's state from the audit trail and
// compares it with the tables; see ledger.VerifyState.
func (s *Service) VerifyState(ctx context.Context) error {
	return ledger.VerifyState(ctx, s.store)
}

// Checkpoint verifies the chain and signs its head with key.
func (s *Service) Checkpoint(ctx context.Context, key codec.Signer) (ledger.Checkpoint, error) {
	return ledger.SignCheckpoint(ctx, s.store, key, s.now())
}

// VerifyCheckpoint checks a checkpoint against the ledger with the
// verification key the checkpoint names.
func (s *Service) VerifyCheckpoint(ctx context.Context, c ledger.Checkpoint, key codec.Key) error {
	return ledger.VerifyCheckpoint(ctx, s.store, c, key)
}

// Audit returns up to limit audit entries after seq since, oldest first.
func (s *Service) Audit(ctx context.Context, since int64, limit int) ([]ledger.Entry, error) {
	var out []ledger.Entry
	err := s.store.View(ctx, func(r ledger.Reader) (err error) {
		out, err = r.Audit(since, limit)
		return err
	})
	return out, err
}

// Backup writes a consistent copy of the ledger to path.
func (s *Service) Backup(ctx context.Context, path string) error { return s.store.Backup(ctx, path) }
