package signer

import (
	"context"
	"sync"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
)

// OverviewDays is how many days the overview's activity covers.
const OverviewDays = 30

// Overview is the vendor dashboard's summary.
type Overview struct {
	ledger.Overview
	// Days are the last OverviewDays UTC days, oldest first, today last.
	Days []DayActivity
	// RefusalsSince is when this process began counting refusals: they
	// are not stored in the ledger, so they cover this process's life
	// (and this instance alone, behind a load balancer).
	RefusalsSince time.Time
}

// DayActivity is one day of the overview.
type DayActivity struct {
	Day codec.Day
	// Activations are recorded in the ledger; Refusals are the issue
	// requests this process refused that day (see RefusalsSince).
	Activations, Refusals int
}

// Overview reads the dashboard's figures: totals, the activity of the
// last 30 days, up to ten licences expiring within 30 days and the ten
// newest audit entries. Its cost does not grow with the number of
// licences or machines read into memory: the ledger aggregates.
func (s *Service) Overview(ctx context.Context) (Overview, error) {
	now := s.now()
	today := codec.DayOf(now)
	first := today - OverviewDays + 1
	var o Overview
	err := s.store.Read(ctx, func(r ledger.Reader) (err error) {
		o.Overview, err = r.Overview(ledger.OverviewQuery{Since: first.Start(), Today: today, ExpiringBy: today + 30, ExpiringLimit: 10, RecentLimit: 10})
		return err
	})
	if err != nil {
		return o, err
	}
	refused, since := s.refusals.counts()
	o.RefusalsSince = since
	for d := first; d <= today; d++ {
		o.Days = append(o.Days, DayActivity{Day: d, Activations: o.Activations[d.String()], Refusals: refused[d]})
	}
	return o, nil
}

// refusalCounter counts, per UTC day, the issue requests refused by the
// licensing rules (seat limit, suspended, unknown licence, ...), for the
// overview. Errors of the ledger itself are not refusals.
type refusalCounter struct {
	mu    sync.Mutex
	since time.Time
	days  map[codec.Day]int
}

func newRefusalCounter(now time.Time) *refusalCounter {
	return &refusalCounter{since: now, days: map[codec.Day]int{}}
}

// note counts err if it is a refusal, and forgets days the overview no
// longer shows.
func (c *refusalCounter) note(now time.Time, err error) {
	if licensing.ReasonCode(err) == "" {
		return
	}
	today := codec.DayOf(now)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.days[today]++
	for d := range c.days {
		if d+OverviewDays <= today {
			delete(c.days, d)
		}
	}
}

func (c *refusalCounter) counts() (map[codec.Day]int, time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[codec.Day]int, len(c.days))
	for d, n := range c.days {
		out[d] = n
	}
	return out, c.since
}
