// Package loadkit is what the load tools (tools/ledgerload, tools/apiload)
// share, so that their figures are measured, anchored and written the
// same way: a bounded closed-loop load with its latency percentiles, the
// fresh PostgreSQL database each run makes and drops, the pgbench anchor
// run beside actkit's figures, the goals of issues 12 and 13, and the
// JSON lines tools/benchreport reads.
package loadkit

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/actkit/actkit/codec"
)

// Stats is one measured run: how many operations completed in how long,
// and their latencies.
type Stats struct {
	Ops     int
	Elapsed time.Duration
	// P50, P99 are the latency percentiles; Mean is Elapsed x clients /
	// Ops for a closed loop, the time one operation takes on average.
	P50, P99, Mean time.Duration
}

// Rate is operations per second.
func (s Stats) Rate() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Ops) / s.Elapsed.Seconds()
}

func (s Stats) String() string {
	return fmt.Sprintf("%7.0f/s  p50 %7.2f ms  p99 %7.2f ms  (%d in %.1f s)", s.Rate(), Ms(s.P50), Ms(s.P99), s.Ops, s.Elapsed.Seconds())
}

// Ms is a duration in milliseconds.
func Ms(d time.Duration) float64 { return float64(d) / 1e6 }

// Percentiles fills P50 and P99 from latencies (sorted in place) by the
// nearest-rank method.
func (s *Stats) Percentiles(lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	q := func(p float64) time.Duration {
		return lat[max(0, int(math.Ceil(p*float64(len(lat))))-1)]
	}
	s.P50, s.P99 = q(0.50), q(0.99)
}

// Run is a closed loop: clients goroutines (client 0 to clients-1) each
// run op(client, i) for the next i until n operations have started or
// max has passed, whichever comes first, so that a run is bounded in
// count and in time whatever the ledger's speed. Every operation must
// succeed: a load that fails measures nothing, so the first error ends
// the run.
func Run(n, clients int, max time.Duration, op func(client, i int) error) (Stats, error) {
	var next atomic.Int64
	lat := make([]time.Duration, n)
	done := make([]bool, n)
	var failed atomic.Int64
	var first atomic.Value
	deadline := time.Now().Add(max)
	start := time.Now()
	var wg sync.WaitGroup
	for client := range clients {
		wg.Go(func() {
			for failed.Load() == 0 && time.Now().Before(deadline) {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				t0 := time.Now()
				if err := op(client, i); err != nil {
					failed.Add(1)
					first.CompareAndSwap(nil, fmt.Errorf("operation %d: %w", i, err))
					return
				}
				lat[i], done[i] = time.Since(t0), true
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if failed.Load() > 0 {
		return Stats{}, first.Load().(error)
	}
	var ok []time.Duration
	for i, d := range done {
		if d {
			ok = append(ok, lat[i])
		}
	}
	s := Stats{Ops: len(ok), Elapsed: elapsed}
	if s.Ops > 0 {
		s.Mean = time.Duration(float64(elapsed) * float64(clients) / float64(s.Ops))
	}
	s.Percentiles(ok)
	return s, nil
}

// UID is a distinct valid machine UID for machine n (ledgertest.UID's
// recipe, copied: the tools must not link package testing).
func UID(n int) string {
	u := codec.MachineUID{Version: codec.UIDVersion}
	u.Slots[codec.SlotNetwork] = uint16(n%32000 + 1)
	u.Slots[codec.SlotCPU] = uint16(n/32000 + 1)
	u.Slots[codec.SlotVersion] = 42
	return u.String()
}

// SiteUID is a distinct machine UID for machine n of a site licence
// (n < 65,535), with three per-machine components (network adapter, OS
// machine ID, product value) such that any two machines differ in at
// least two: no two are one machine whose UID drifted under
// activation.DefaultPolicy (one change allowed), as UID's machines, which
// share their network slot every 32,000, would be.
func SiteUID(n int) string {
	u := codec.MachineUID{Version: codec.UIDVersion}
	u.Slots[codec.SlotNetwork] = uint16(n%32000 + 1)
	u.Slots[codec.SlotOSID] = uint16(n/32000 + 1)
	u.Slots[codec.SlotCustom] = uint16(n%32749 + 1)
	u.Slots[codec.SlotCPU] = 7
	u.Slots[codec.SlotVersion] = 42
	return u.String()
}

// Record is one line of a tool's machine-readable output (-json): one
// measured figure, or its anchor, with the goal it is judged against.
type Record struct {
	Tool    string  `json:"tool"`    // ledgerload, apiload
	Backend string  `json:"backend"` // sqlite, postgres, pgbench
	Measure string  `json:"measure"` // issue, activate, validate, anchor
	Clients int     `json:"clients"` // concurrent clients
	Ops     int     `json:"ops"`     // operations completed
	Seconds float64 `json:"seconds"` // wall time of the run
	Rate    float64 `json:"rate"`    // operations per second
	P50ms   float64 `json:"p50_ms"`  // latency percentiles
	P99ms   float64 `json:"p99_ms"`
	MeanMs  float64 `json:"mean_ms"`
	// Spread says how the load was spread over licences ("128 licences
	// of 65535 seats, round robin").
	Spread string `json:"spread,omitempty"`
	// Quiet is the share of validations that wrote nothing.
	Quiet float64 `json:"quiet,omitempty"`
	// Conns is the ledger's connection pool size (PostgreSQL).
	Conns int `json:"conns,omitempty"`
}

// NewRecord fills a record's figures from s.
func NewRecord(tool, backend, measure string, clients int, s Stats) Record {
	return Record{Tool: tool, Backend: backend, Measure: measure, Clients: clients, Ops: s.Ops,
		Seconds: round(s.Elapsed.Seconds(), 3), Rate: round(s.Rate(), 1), P50ms: round(Ms(s.P50), 3), P99ms: round(Ms(s.P99), 3), MeanMs: round(Ms(s.Mean), 3)}
}

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}

// Verdict is one goal, met or missed.
type Verdict struct {
	Tool string `json:"tool"`
	Goal string `json:"goal"`
	// Value is the measured figure in words, Met whether it meets Goal.
	Value string `json:"value"`
	Met   bool   `json:"met"`
}

func (v Verdict) String() string {
	return fmt.Sprintf("goal %-58s %-40s %s", v.Goal, v.Value, MetWord(v.Met))
}

// MetWord is "met" or "MISSED".
func MetWord(met bool) string {
	if met {
		return "met"
	}
	return "MISSED"
}

// Output collects a tool's records and verdicts and writes them as JSON
// lines (one object per line, {"record": ...} or {"verdict": ...}) or
// as text for a person.
type Output struct {
	JSON bool
	W    io.Writer
}

// Stdout writes to the process's standard output.
func Stdout(asJSON bool) *Output { return &Output{JSON: asJSON, W: os.Stdout} }

// Line is one JSON line: exactly one of its fields is set.
type Line struct {
	Record  *Record  `json:"record,omitempty"`
	Verdict *Verdict `json:"verdict,omitempty"`
	Note    string   `json:"note,omitempty"`
}

// Record writes a record; label is how the text output names it.
func (o *Output) Record(r Record, label string) {
	if o.JSON {
		o.line(Line{Record: &r})
		return
	}
	s := Stats{Ops: r.Ops, Elapsed: time.Duration(r.Seconds * 1e9), P50: time.Duration(r.P50ms * 1e6), P99: time.Duration(r.P99ms * 1e6)}
	fmt.Fprintf(o.W, "%-44s %s\n", label, s)
}

// Verdict writes a goal's verdict.
func (o *Output) Verdict(v Verdict) {
	if o.JSON {
		o.line(Line{Verdict: &v})
		return
	}
	fmt.Fprintln(o.W, v)
}

// Note writes a line of context (the machine, the spread).
func (o *Output) Note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if o.JSON {
		o.line(Line{Note: msg})
		return
	}
	fmt.Fprintln(o.W, msg)
}

func (o *Output) line(l Line) {
	b, err := json.Marshal(l)
	if err != nil {
		panic(err) // plain structs: cannot fail
	}
	fmt.Fprintf(o.W, "%s\n", b)
}

// ReadLines parses a tool's JSON lines.
func ReadLines(r io.Reader) ([]Line, error) {
	var out []Line
	dec := json.NewDecoder(r)
	for dec.More() {
		var l Line
		if err := dec.Decode(&l); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// Spread is the licence (0 to licences-1) of operation i by client
// (of clients): client c takes licences c, c+clients, c+2*clients, ...
// in turn, so that no two clients share a licence when licences is a
// multiple of clients, and one client goes through them all. anchor.sql
// spreads pgbench's clients the same way (random among the client's
// own).
func Spread(client, clients, i, licences int) int {
	per := max(1, licences/clients)
	return (client + clients*(i%per)) % licences
}

// SpreadText says how Spread spreads the load, for the output.
func SpreadText(licences, seats int) string {
	return fmt.Sprintf("%d licences of %d seats; client c of C issues on licences c, c+C, c+2C, ... (no two clients share a licence), each issue for a new machine", licences, seats)
}
