package signer

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
)

// replicaPause is how long the service reads from the primary alone after
// its replica failed: a replica that is gone costs one failed attempt per
// pause, not one per request (a connect timeout each, for a host that
// does not answer).
const replicaPause = 5 * time.Second

// replica is a read-only copy of the ledger (a PostgreSQL hot standby)
// that answers the reads that decide nothing.
type replica struct {
	store     ledger.Store
	downUntil atomic.Int64 // unix nanoseconds; 0: up
}

// WithReplica returns a service like s that reads validations and
// licences (Validate's and Current's one read, Licence) from replica, a
// copy of s's ledger that lags it (a PostgreSQL hot standby). Every write,
// and every read inside one (those that decide a seat), stays on s's
// ledger, the primary. Where the replica finds no such licence, or no
// seat for the machine, the primary is asked before the answer is given,
// so a seat taken a moment ago is never reported lost; where the replica
// fails (stopped, unreachable, starting up, a conflict with recovery),
// the primary answers, and the replica is left alone for five seconds.
// What lags is a change to a licence that the replica still shows the old
// way: a suspension, revocation or expiry, or a released seat, is seen
// by validations after the replica has replayed it.
func (s *Service) WithReplica(store ledger.Store) *Service {
	c := *s
	c.replica = &replica{store: store}
	return &c
}

// readReplica runs fn on the replica, in one snapshot (View) if snapshot
// is set, else outside a transaction (Read), if there is a replica and it
// is not resting after a failure; it reports whether fn ran there and
// succeeded. An error there is kept from the caller, who reads the
// primary instead.
func (s *Service) readReplica(ctx context.Context, snapshot bool, fn func(ledger.Reader) error) bool {
	r := s.replica
	if r == nil || time.Now().UnixNano() < r.downUntil.Load() {
		return false
	}
	read := r.store.Read
	if snapshot {
		read = r.store.View
	}
	err := read(ctx, fn)
	if err == nil {
		return true
	}
	var ref *licensing.Refusal
	if !errors.As(err, &ref) && ctx.Err() == nil {
		// The replica itself failed, not the request: rest it.
		r.downUntil.Store(time.Now().Add(replicaPause).UnixNano())
	}
	return false
}
