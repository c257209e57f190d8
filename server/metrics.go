package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/actkit/actkit/ledger"
)

// Metrics counts what the debug listener shows: requests by status and
// problem code, and how long the ledger's transactions take. One Metrics
// serves one process; a nil *Metrics counts nothing.
type Metrics struct {
	mu       sync.Mutex
	requests map[requestKey]uint64
	ledger   map[string]*latency
}

type requestKey struct {
	status int
	code   string // problem code, "" for an answer that is not a problem
}

// latency is a histogram of durations in seconds, cumulative as
// Prometheus reads it.
type latency struct {
	buckets []uint64 // per ledgerBuckets, then +Inf
	sum     float64
	errors  uint64
}

// ledgerBuckets are the histogram's upper bounds in seconds: from a
// prepared read on a warm SQLite ledger (under a millisecond) to a write
// waiting on a busy licence row.
var ledgerBuckets = []float64{0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10}

// NewMetrics returns empty counters.
func NewMetrics() *Metrics {
	return &Metrics{requests: map[requestKey]uint64{}, ledger: map[string]*latency{}}
}

func (m *Metrics) request(status int, code string) {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.requests[requestKey{status, code}]++
	m.mu.Unlock()
}

func (m *Metrics) observe(op string, d time.Duration, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := m.ledger[op]
	if l == nil {
		l = &latency{buckets: make([]uint64, len(ledgerBuckets)+1)}
		m.ledger[op] = l
	}
	sec := d.Seconds()
	i, _ := slices.BinarySearch(ledgerBuckets, sec)
	l.buckets[i]++
	l.sum += sec
	if err != nil {
		l.errors++
	}
}

// WriteTo writes the counters in Prometheus's text format:
//
//	actkit_requests_total{status="503",code="UNAVAILABLE"} 4
//	actkit_ledger_seconds_bucket{op="update",le="0.005"} 17
func (m *Metrics) WriteTo(w io.Writer) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b []byte
	b = append(b, "# HELP actkit_requests_total Requests answered, by status and problem code (\"\" for an answer that is not a problem).\n# TYPE actkit_requests_total counter\n"...)
	keys := make([]requestKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b requestKey) int {
		if a.status != b.status {
			return a.status - b.status
		}
		return cmpString(a.code, b.code)
	})
	for _, k := range keys {
		b = fmt.Appendf(b, "actkit_requests_total{status=\"%d\",code=%q} %d\n", k.status, k.code, m.requests[k])
	}
	b = append(b, "# HELP actkit_ledger_seconds Ledger transactions (update, view, read) from start to commit or rollback.\n# TYPE actkit_ledger_seconds histogram\n"...)
	ops := make([]string, 0, len(m.ledger))
	for op := range m.ledger {
		ops = append(ops, op)
	}
	slices.Sort(ops)
	for _, op := range ops {
		l := m.ledger[op]
		var n uint64
		for i, c := range l.buckets {
			n += c
			le := "+Inf"
			if i < len(ledgerBuckets) {
				le = strconv.FormatFloat(ledgerBuckets[i], 'g', -1, 64)
			}
			b = fmt.Appendf(b, "actkit_ledger_seconds_bucket{op=%q,le=%q} %d\n", op, le, n)
		}
		b = fmt.Appendf(b, "actkit_ledger_seconds_sum{op=%q} %g\nactkit_ledger_seconds_count{op=%q} %d\n", op, l.sum, op, n)
		b = fmt.Appendf(b, "actkit_ledger_errors_total{op=%q} %d\n", op, l.errors)
	}
	n, err := w.Write(b)
	return int64(n), err
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ServeHTTP serves the counters as text.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	m.WriteTo(w)
}

// TimeLedger returns store with every transaction timed into m (ops
// "update", "view", "read"); everything else passes through, Ready
// included.
func (m *Metrics) TimeLedger(store ledger.Store) ledger.Store {
	return &timedStore{Store: store, m: m}
}

type timedStore struct {
	ledger.Store
	m *Metrics
}

func (t *timedStore) Update(ctx context.Context, fn func(ledger.Tx) error) error {
	start := time.Now()
	err := t.Store.Update(ctx, fn)
	t.m.observe("update", time.Since(start), err)
	return err
}

func (t *timedStore) View(ctx context.Context, fn func(ledger.Reader) error) error {
	start := time.Now()
	err := t.Store.View(ctx, fn)
	t.m.observe("view", time.Since(start), err)
	return err
}

func (t *timedStore) Read(ctx context.Context, fn func(ledger.Reader) error) error {
	start := time.Now()
	err := t.Store.Read(ctx, fn)
	t.m.observe("read", time.Since(start), err)
	return err
}

// Ready is the store's own readiness check where it has one (PostgreSQL:
// the schema is this build's), else an empty read.
func (t *timedStore) Ready(ctx context.Context) error {
	if r, ok := t.Store.(interface{ Ready(context.Context) error }); ok {
		return r.Ready(ctx)
	}
	return t.Store.View(ctx, func(ledger.Reader) error { return nil })
}
