// Command apiload measures the licence API over real HTTP on 127.0.0.1:
// activations per second and their p50/p99 latency at 1 and 64 clients,
// then validations per second at 64 clients and the share of them that
// wrote nothing, on the SQLite ledger or (-ledger) on PostgreSQL. It
// starts its own server in process and stops by itself; every run is
// bounded in count and in time.
//
// Activations are for new machines, spread over many licences as
// ledgerload spreads issues (loadkit.Spread: no two clients share a
// licence), so that what is measured is the API and the ledger, not
// queueing on one licence's row lock. On PostgreSQL the same run drives
// pgbench with tools/ledgerload/anchor.sql, one issue's transaction
// written by hand, at 1 and 64 clients, and reports it beside the
// activations with their ratio: an activation is that transaction plus
// HTTP, JSON and a signature, so the server's own rate bounds it.
//
//	go run ./tools/apiload [-ledger pg|postgres://...] [-activations 8000] [-validations 20000] [-json]
//
// -ledger pg makes a fresh database on the server of -pg (else
// ACTKIT_TEST_POSTGRES, else loadkit.DefaultServer) and drops it at the
// end; a postgres:// URL is used as it is (an empty database: the ledger's
// tables stay, the anchor's are dropped). Run it from the module root.
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync/atomic"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/ledger/postgres"
	"github.com/actkit/actkit/ledger/sqlite"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/server"
	"github.com/actkit/actkit/signer"
	"github.com/actkit/actkit/tools/internal/loadkit"
)

type config struct {
	ledger      string
	server      string
	activations int
	validations int
	licences    int
	max         time.Duration
	anchorFor   time.Duration
	anchorDir   string
}

func main() {
	var c config
	flag.StringVar(&c.ledger, "ledger", "", "ledger: empty for SQLite in a temporary folder, 'pg' for a fresh PostgreSQL database, or a postgres:// URL")
	flag.StringVar(&c.server, "pg", "", "PostgreSQL server for -ledger pg (default $ACTKIT_TEST_POSTGRES, else "+loadkit.DefaultServer+")")
	flag.IntVar(&c.activations, "activations", 8000, "activations in the 64-client run (a quarter of them at 1 client)")
	flag.IntVar(&c.validations, "validations", 20000, "validations at 64 clients")
	flag.IntVar(&c.licences, "licences", 128, "licences the activations spread over (65535 seats each)")
	flag.DurationVar(&c.max, "max", 20*time.Second, "time bound of each run")
	flag.DurationVar(&c.anchorFor, "pgbench", 10*time.Second, "length of each pgbench anchor run (PostgreSQL)")
	flag.StringVar(&c.anchorDir, "anchor-dir", "tools/ledgerload", "folder of anchor.sql and anchor-schema.sql")
	asJSON := flag.Bool("json", false, "write JSON lines for tools/benchreport")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run (client and server) to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "apiload:", err)
			os.Exit(1)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	if err := run(c, loadkit.Stdout(*asJSON)); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "apiload:", err)
		os.Exit(1)
	}
}

// countingStore counts write transactions, so that a validation that
// wrote anything (a last-seen mark, a renewed lease), audited or not, is
// seen.
type countingStore struct {
	ledger.Store
	writes atomic.Int64
}

func (s *countingStore) Update(ctx context.Context, fn func(ledger.Tx) error) error {
	s.writes.Add(1)
	return s.Store.Update(ctx, fn)
}

func client(clients int) *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxIdleConns: clients}, Timeout: 30 * time.Second}
}

// openLedger opens the ledger -ledger names; done closes it and drops
// what the tool made.
func (c config) openLedger(ctx context.Context) (store ledger.Store, backend, dbURL string, done func(), err error) {
	if c.ledger == "" {
		dir, err := os.MkdirTemp("", "apiload-")
		if err != nil {
			return nil, "", "", nil, err
		}
		s, err := sqlite.Open(ctx, filepath.Join(dir, "ledger.db"), sqlite.Options{})
		if err != nil {
			os.RemoveAll(dir)
			return nil, "", "", nil, err
		}
		return s, "sqlite", "", func() { s.Close(); os.RemoveAll(dir) }, nil
	}
	dbURL, drop := c.ledger, func() error { return nil }
	switch {
	case c.ledger == "pg":
		if dbURL, drop, err = loadkit.FreshDatabase(ctx, loadkit.Server(c.server)); err != nil {
			return nil, "", "", nil, err
		}
	case !postgres.IsURL(c.ledger):
		return nil, "", "", nil, fmt.Errorf("-ledger %q: empty, 'pg' or a postgres:// URL", c.ledger)
	}
	s, err := postgres.Open(ctx, dbURL, postgres.Options{})
	if err != nil {
		drop()
		return nil, "", "", nil, err
	}
	return s, "postgres", dbURL, func() {
		s.Close()
		if err := drop(); err != nil {
			fmt.Fprintln(os.Stderr, "apiload: dropping the database:", err)
		}
	}, nil
}

func run(c config, out *loadkit.Output) error {
	ctx := context.Background()
	inner, backend, dbURL, done, err := c.openLedger(ctx)
	if err != nil {
		return err
	}
	defer done()
	store := &countingStore{Store: inner}
	k, err := keygen.Generate(rand.Reader, "umenu", codec.Ed25519, time.Now(), nil)
	if err != nil {
		return err
	}
	svc := signer.New(store, keygen.NewKeyset(k), signer.Options{})
	if _, err := svc.AddProduct(ctx, "umenu", "", nil); err != nil {
		return err
	}
	var keys []string
	for range c.licences {
		li, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: codec.MaxSeats, Expires: codec.NoExpiry})
		if err != nil {
			return err
		}
		keys = append(keys, li.Display)
	}
	var anchor loadkit.Anchor
	if backend == "postgres" {
		anchor = loadkit.Anchor{URL: dbURL, Licences: c.licences, Dir: c.anchorDir}
		if err := anchor.Setup(ctx); err != nil {
			return err
		}
		defer anchor.Drop(context.Background())
	}
	srv := httptest.NewServer(server.New(server.Config{Service: svc, Rate: 1e9, Burst: 1 << 30}))
	defer srv.Close()
	spread := loadkit.SpreadText(c.licences, codec.MaxSeats)
	out.Note("apiload %s: licence API on %s, real HTTP on 127.0.0.1, server in process; %d CPUs, %s; spread: %s",
		time.Now().UTC().Format(time.RFC3339), backend, runtime.NumCPU(), runtime.Version(), spread)

	// machines[m] is machine m's licence, once activated.
	machines := map[int]string{}
	next := 0
	activate := func(n, clients int) (loadkit.Stats, error) {
		base := next
		next += n
		lic := make([]string, n)
		hc := client(clients)
		s, err := loadkit.Run(n, clients, c.max, func(cl, i int) error {
			lic[i] = keys[loadkit.Spread(cl, clients, i, len(keys))]
			return loadkit.Post(hc, srv.URL+"/api/licence/activate", lic[i], `{"machineId":"`+loadkit.UID(base+i)+`"}`, `"reissued":false`)
		})
		for i, l := range lic {
			if l != "" {
				machines[base+i] = l
			}
		}
		return s, err
	}
	var act [2]loadkit.Stats
	for j, clients := range []int{1, 64} {
		// A short warm-up at the same concurrency: connections opened,
		// statements prepared on them.
		if _, err := activate(min(4*clients, c.licences), clients); err != nil {
			return err
		}
		n := c.activations
		if clients == 1 {
			n = c.activations / 4
		}
		if act[j], err = activate(n, clients); err != nil {
			return err
		}
		rec := loadkit.NewRecord("apiload", backend, "activate", clients, act[j])
		rec.Spread = spread
		out.Record(rec, fmt.Sprintf("activations, %2d clients", clients))
	}

	// Validations of the machines activated above, each one's on its own
	// licence, spread over them all.
	ms := make([]int, 0, len(machines))
	for m := range machines {
		ms = append(ms, m)
	}
	hc := client(64)
	before := store.writes.Load()
	val, err := loadkit.Run(c.validations, 64, c.max, func(_, i int) error {
		m := ms[i%len(ms)]
		return loadkit.Post(hc, srv.URL+"/api/licence/validate", machines[m], `{"machineId":"`+loadkit.UID(m)+`"}`, `"valid":true`)
	})
	if err != nil {
		return err
	}
	wrote := int(store.writes.Load() - before)
	quiet := float64(val.Ops-wrote) / float64(val.Ops)
	rec := loadkit.NewRecord("apiload", backend, "validate", 64, val)
	rec.Quiet = quiet
	out.Record(rec, "validations, 64 clients")
	out.Note("  %d of %d validations wrote nothing (%.1f%%)", val.Ops-wrote, val.Ops, 100*quiet)

	if backend == "postgres" {
		for j, clients := range []int{1, 64} {
			a, err := anchor.Run(ctx, clients, c.anchorFor)
			if err != nil {
				return err
			}
			arec := loadkit.NewRecord("apiload", "pgbench", "anchor", clients, a)
			arec.Spread, arec.Conns = spread, clients
			out.Record(arec, fmt.Sprintf("pgbench one issue's transaction, %2d clients", clients))
			out.Note("  activations at %2d clients: %.2fx pgbench's rate, p99 %.2fx", clients, act[j].Rate()/a.Rate(), float64(act[j].P99)/float64(a.P99))
		}
		verdicts(out, "PostgreSQL", act[1], val, quiet, loadkit.APIPGActivations, true)
	} else {
		verdicts(out, "SQLite", act[1], val, quiet, loadkit.APISQLiteActivations, false)
		out.Verdict(loadkit.Verdict{Tool: "apiload", Goal: fmt.Sprintf("SQLite activations, 1 client, ≥ %d/s", loadkit.APISQLiteActivations),
			Value: fmt.Sprintf("%.0f/s", act[0].Rate()), Met: act[0].Rate() >= loadkit.APISQLiteActivations})
	}
	return nil
}

// verdicts judges issue 13's goals.
func verdicts(out *loadkit.Output, name string, act, val loadkit.Stats, quiet float64, goal float64, p99 bool) {
	out.Verdict(loadkit.Verdict{Tool: "apiload", Goal: fmt.Sprintf("%s activations, 64 clients, ≥ %.0f/s", name, goal),
		Value: fmt.Sprintf("%.0f/s", act.Rate()), Met: act.Rate() >= goal})
	if p99 {
		out.Verdict(loadkit.Verdict{Tool: "apiload", Goal: fmt.Sprintf("%s activations, 64 clients, p99 ≤ %v", name, loadkit.MaxP99),
			Value: fmt.Sprintf("%.1f ms", loadkit.Ms(act.P99)), Met: act.P99 <= loadkit.MaxP99})
	}
	out.Verdict(loadkit.Verdict{Tool: "apiload", Goal: fmt.Sprintf("%s validations, 64 clients, ≥ %d/s", name, loadkit.APIValidations),
		Value: fmt.Sprintf("%.0f/s", val.Rate()), Met: val.Rate() >= loadkit.APIValidations})
	out.Verdict(loadkit.Verdict{Tool: "apiload", Goal: fmt.Sprintf("%s validations writing nothing ≥ %.0f%%", name, 100*loadkit.APIQuiet),
		Value: fmt.Sprintf("%.1f%%", 100*quiet), Met: quiet >= loadkit.APIQuiet})
}
