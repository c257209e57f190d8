// Package ratelimit keeps token buckets per key for the front ends that
// face the internet (the licence API, the portal's pages), so that both
// limit callers the same way.
package ratelimit

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter keeps a token bucket per key (a licence key's hash, a client
// address), forgetting buckets idle for ten minutes so that memory stays
// bounded by recent callers.
type Limiter struct {
	mu      sync.Mutex
	r       rate.Limit
	burst   int
	now     func() time.Time
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	l    *rate.Limiter
	seen time.Time
}

// New returns a limiter of r tokens a second per key, burst at once.
func New(r float64, burst int, now func() time.Time) *Limiter {
	return &Limiter{r: rate.Limit(r), burst: burst, now: now, buckets: map[string]*bucket{}}
}

// Allow takes a token for key, or says how long to wait for one. It is
// safe for concurrent use.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > 10*time.Minute {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{l: rate.NewLimiter(l.r, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	res := b.l.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}
