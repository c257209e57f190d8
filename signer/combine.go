package signer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
)

// maxCombined bounds the activations of one licence recorded in one
// transaction.
const maxCombined = 64

// combinedTimeout bounds a combined transaction, which runs for several
// callers and so on none of their contexts.
const combinedTimeout = 2 * time.Minute

// combiner gathers the activations of one licence that arrive while an
// earlier one is being recorded, and records them together in the next
// transaction: one lock of the licence's row, one commit. On a site
// licence every writer queues on that row, held through the commit's
// fsync; taken one by one they are as slow as that queue, and 64 of
// them hold 64 database connections waiting. Each activation is still
// decided by the same rules, in order, inside the transaction (the seats
// counted as they go, so the last seat has one winner), and its code is
// signed only after the commit.
type combiner struct {
	mu sync.Mutex
	// waiting lists, per licence, the activations not yet taken into a
	// transaction; a licence is in the map while a drain runs for it.
	waiting map[string][]*pendingIssue
}

// pendingIssue is one caller's activation, waiting or being recorded.
type pendingIssue struct {
	ctx  context.Context
	t    licensing.Target
	is   Issued
	err  error
	done chan struct{}
}

// issueCombined records t with the other activations of its licence that
// are waiting, and returns its code.
func (s *Service) issueCombined(ctx context.Context, t licensing.Target) (Issued, error) {
	p := &pendingIssue{ctx: ctx, t: t, done: make(chan struct{})}
	c := s.combine
	c.mu.Lock()
	if c.waiting == nil {
		c.waiting = map[string][]*pendingIssue{}
	}
	q, draining := c.waiting[t.Licence]
	c.waiting[t.Licence] = append(q, p)
	c.mu.Unlock()
	if !draining {
		go s.drain(t.Licence)
	}
	select {
	case <-p.done:
		return p.is, p.err
	case <-ctx.Done():
	}
	// Withdrawn while still waiting, nothing was written; once taken into
	// a transaction, the caller gets what that transaction did.
	c.mu.Lock()
	if q := c.waiting[t.Licence]; slices.Contains(q, p) {
		c.waiting[t.Licence] = slices.DeleteFunc(slices.Clone(q), func(x *pendingIssue) bool { return x == p })
		c.mu.Unlock()
		return Issued{}, fmt.Errorf("gave up waiting for the licence's other activations: %w", ctx.Err())
	}
	c.mu.Unlock()
	<-p.done
	return p.is, p.err
}

// drain records the licence's waiting activations, a transaction at a
// time, until none wait.
func (s *Service) drain(licence string) {
	c := s.combine
	for {
		c.mu.Lock()
		batch := c.waiting[licence]
		if len(batch) == 0 {
			delete(c.waiting, licence)
			c.mu.Unlock()
			return
		}
		n := min(len(batch), maxCombined)
		c.waiting[licence] = slices.Clone(batch[n:])
		batch = batch[:n]
		c.mu.Unlock()
		s.recordAll(batch)
		for _, p := range batch {
			close(p.done)
		}
	}
}

// recordAll records a batch of one licence's activations in one
// transaction and signs their codes. A lone activation runs on its
// caller's context, as it always did. A refusal is its activation's
// own (issueTx refuses before it writes); any other failure runs each
// activation again in a transaction of its own, so that one cannot fail
// the others.
func (s *Service) recordAll(batch []*pendingIssue) {
	if len(batch) == 1 {
		p := batch[0]
		p.is, p.err = s.issueAlone(p.ctx, p.t)
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(batch[0].ctx), combinedTimeout)
	defer cancel()
	recs := make([]recorded, len(batch))
	errs := make([]error, len(batch))
	err := s.store.Update(ctx, func(tx ledger.Tx) error {
		for i, p := range batch {
			if errs[i] = p.ctx.Err(); errs[i] != nil {
				continue
			}
			r, err := s.issueTx(tx, p.t)
			if err != nil {
				var ref *licensing.Refusal
				if !errors.As(err, &ref) {
					return err
				}
			}
			recs[i], errs[i] = r, err
		}
		return nil
	})
	if err != nil {
		for _, p := range batch {
			p.is, p.err = s.issueAlone(p.ctx, p.t)
		}
		return
	}
	for i, p := range batch {
		if p.err = errs[i]; p.err == nil {
			p.is, p.err = s.sign(recs[i])
		}
	}
}

// issueAlone records one activation in a transaction of its own.
func (s *Service) issueAlone(ctx context.Context, t licensing.Target) (Issued, error) {
	var r recorded
	err := s.store.Update(ctx, func(tx ledger.Tx) (err error) {
		r, err = s.issueTx(tx, t)
		return err
	})
	if err != nil {
		return Issued{}, err
	}
	return s.sign(r)
}
