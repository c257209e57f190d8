// Command ledgerload measures issuing through signer.Service.Issue, the
// path every front end takes, on both ledger backends: codes per second
// and p50/p99 latency at 1 and 64 concurrent clients, each client issuing
// for distinct machines spread round robin over many licences of many
// seats (so that clients mostly do not queue on one licence's row lock,
// as a vendor's many customers do not). On PostgreSQL the same run also
// drives pgbench with anchor.sql, the same transaction written by hand
// against scratch tables of the same shape (anchor-schema.sql), at 1 and
// 64 clients, and reports actkit's figures beside it with their ratio:
// what the server itself can do bounds what actkit can.
//
// SQLite runs in a temporary folder; PostgreSQL in a fresh database the
// tool creates on the server (-pg, else ACTKIT_TEST_POSTGRES, else
// loadkit.DefaultServer) and drops at the end. Every run is bounded in
// count and in time, and the tool stops by itself. Run it from the module
// root (it reads the pgbench scripts from tools/ledgerload):
//
//	go run ./tools/ledgerload [-backends sqlite,postgres] [-issues 20000] [-max 20s] [-json]
//
// -json writes JSON lines (loadkit.Line) for tools/benchreport.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/ledger/postgres"
	"github.com/actkit/actkit/ledger/sqlite"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"
	"github.com/actkit/actkit/tools/internal/loadkit"
)

type config struct {
	backends  []string
	server    string
	issues    int
	single    int
	max       time.Duration
	licences  int
	anchorFor time.Duration
	conns     int
	today     time.Duration
	anchorDir string
	fifo      int
	keep      bool
}

func main() {
	var c config
	backends := flag.String("backends", "sqlite,postgres", "ledger backends to load, comma-separated")
	flag.StringVar(&c.server, "pg", "", "PostgreSQL server to make the fresh database on (default $ACTKIT_TEST_POSTGRES, else "+loadkit.DefaultServer+")")
	flag.IntVar(&c.issues, "issues", 20000, "issues in the 64-client run")
	flag.IntVar(&c.single, "issues1", 3000, "issues in the 1-client run")
	flag.DurationVar(&c.max, "max", 20*time.Second, "time bound of each run")
	flag.IntVar(&c.licences, "licences", 128, "licences the clients spread over (65535 seats each)")
	flag.DurationVar(&c.anchorFor, "pgbench", 10*time.Second, "length of each pgbench anchor run")
	flag.IntVar(&c.conns, "pg-conns", 0, "PostgreSQL pool size (0: the backend's default)")
	flag.DurationVar(&c.today, "sqlite-today", loadkit.TodaySQLiteIssue, "one durable SQLite issue before the shared SQL, the bound of the SQLite goal")
	flag.StringVar(&c.anchorDir, "anchor-dir", "tools/ledgerload", "folder of anchor.sql and anchor-schema.sql")
	flag.IntVar(&c.fifo, "pg-fifo", 0, "experiment: after the PostgreSQL runs, run 64 clients again with writes admitted first come, first served, this many at once (0: not run)")
	flag.BoolVar(&c.keep, "keep", false, "keep the PostgreSQL database (its URL on stderr), to EXPLAIN ANALYZE the ledger's statements on it")
	asJSON := flag.Bool("json", false, "write JSON lines for tools/benchreport")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	c.backends = strings.Split(*backends, ",")
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "ledgerload:", err)
			os.Exit(1)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	if err := run(c, loadkit.Stdout(*asJSON)); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "ledgerload:", err)
		os.Exit(1)
	}
}

// keys is one fixed Ed25519 key for product umenu (the recipe of
// ledgertest.Keys: the same bytes every run).
func keys() (*keygen.Keyset, error) {
	k, err := keygen.Generate(bytes.NewReader(bytes.Repeat([]byte{42}, 32)), "umenu", codec.Ed25519, time.Now(), nil)
	if err != nil {
		return nil, err
	}
	return keygen.NewKeyset(k), nil
}

// fixture is a ledger with product umenu and the licences to spread over.
type fixture struct {
	svc      *signer.Service
	licences []string
	// next is the next machine number: every issue is for a new machine.
	next int
}

func newFixture(ctx context.Context, store ledger.Store, n int) (*fixture, error) {
	ks, err := keys()
	if err != nil {
		return nil, err
	}
	f := &fixture{svc: signer.New(store, ks, signer.Options{})}
	if _, err := f.svc.AddProduct(ctx, "umenu", "", []string{"export", "cloud", "api"}); err != nil {
		return nil, err
	}
	for range n {
		li, err := f.svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: codec.MaxSeats, Expires: codec.NoExpiry, Features: []string{"export"}})
		if err != nil {
			return nil, err
		}
		f.licences = append(f.licences, li.Display)
	}
	return f, nil
}

// load issues n codes from clients goroutines, each for a new machine.
// Client c issues on licences c, c+clients, c+2*clients, ... in turn
// (Spread): no two clients share a licence, so what is measured is
// issuing, not queueing on one licence's row lock, as a vendor's many
// customers do not queue on each other.
func (f *fixture) load(ctx context.Context, n, clients int, max time.Duration) (loadkit.Stats, error) {
	base := f.next
	f.next += n
	return loadkit.Run(n, clients, max, func(client, i int) error {
		m := base + i
		lic := loadkit.Spread(client, clients, i, len(f.licences))
		is, err := f.svc.Issue(ctx, licensing.IssueRequest{Licence: f.licences[lic], Machine: loadkit.UID(m)})
		if err == nil && is.Reissued {
			err = fmt.Errorf("machine %d was already activated", m)
		}
		return err
	})
}

func (c config) spread() string {
	return loadkit.SpreadText(c.licences, codec.MaxSeats)
}

func run(c config, out *loadkit.Output) error {
	ctx := context.Background()
	out.Note("ledgerload %s: %d CPUs, %s; spread: %s", time.Now().UTC().Format(time.RFC3339), runtime.NumCPU(), runtime.Version(), c.spread())
	for _, b := range c.backends {
		var err error
		switch b {
		case "sqlite":
			err = c.sqlite(ctx, out)
		case "postgres", "pg":
			err = c.postgres(ctx, out)
		default:
			err = fmt.Errorf("unknown backend %q (sqlite, postgres)", b)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", b, err)
		}
	}
	return nil
}

// measure runs the 1- and 64-client loads, each after a short warm-up at
// the same concurrency (connections opened, statements prepared on them).
func (c config) measure(ctx context.Context, f *fixture) (one, many loadkit.Stats, err error) {
	run := func(n, clients int) (loadkit.Stats, error) {
		if _, err := f.load(ctx, min(4*clients, c.licences), clients, c.max); err != nil {
			return loadkit.Stats{}, err
		}
		return f.load(ctx, n, clients, c.max)
	}
	if one, err = run(c.single, 1); err != nil {
		return
	}
	many, err = run(c.issues, 64)
	return
}

func (c config) sqlite(ctx context.Context, out *loadkit.Output) error {
	dir, err := os.MkdirTemp("", "ledgerload-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	store, err := sqlite.Open(ctx, filepath.Join(dir, "ledger.db"), sqlite.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	f, err := newFixture(ctx, store, c.licences)
	if err != nil {
		return err
	}
	one, many, err := c.measure(ctx, f)
	if err != nil {
		return err
	}
	for _, r := range []struct {
		clients int
		s       loadkit.Stats
	}{{1, one}, {64, many}} {
		rec := loadkit.NewRecord("ledgerload", "sqlite", "issue", r.clients, r.s)
		rec.Spread = c.spread()
		out.Record(rec, fmt.Sprintf("SQLite issue, %2d clients", r.clients))
	}
	// One client's issues one after another are the single durable issue
	// of the report, judged against the same before the shared SQL.
	ratio := float64(one.Mean) / float64(c.today)
	out.Verdict(loadkit.Verdict{Tool: "ledgerload", Goal: fmt.Sprintf("SQLite issue, 1 client, per code ≤ %.2fx before the shared SQL", loadkit.NoSlower),
		Value: fmt.Sprintf("%.3f ms vs %.3f ms (%.2fx)", loadkit.Ms(one.Mean), loadkit.Ms(c.today), ratio), Met: ratio <= loadkit.NoSlower})
	// 64 clients queue on SQLite's one writer: per code they are close to
	// one after another, but with no figure of their own before, only
	// shown.
	perCode := time.Duration(float64(time.Second) / many.Rate())
	out.Note("  SQLite, 64 clients, per code: %.3f ms (%.2fx the bound)", loadkit.Ms(perCode), float64(perCode)/float64(c.today))
	return nil
}

func (c config) postgres(ctx context.Context, out *loadkit.Output) error {
	dbURL, drop, err := loadkit.FreshDatabase(ctx, loadkit.Server(c.server))
	if err != nil {
		return err
	}
	defer func() {
		if c.keep {
			fmt.Fprintln(os.Stderr, "ledgerload: kept", dbURL)
			return
		}
		if err := drop(); err != nil {
			fmt.Fprintln(os.Stderr, "ledgerload: dropping the database:", err)
		}
	}()
	store, err := postgres.Open(ctx, dbURL, postgres.Options{MaxConns: int32(c.conns)})
	if err != nil {
		return err
	}
	defer store.Close()
	conns := c.conns
	if conns == 0 {
		conns = 16 // postgres.Options' default
	}
	f, err := newFixture(ctx, store, c.licences)
	if err != nil {
		return err
	}
	anchor := loadkit.Anchor{URL: dbURL, Licences: c.licences, Dir: c.anchorDir}
	if err := anchor.Setup(ctx); err != nil {
		return err
	}
	one, many, err := c.measure(ctx, f)
	if err != nil {
		return err
	}
	a1, err := anchor.Run(ctx, 1, c.anchorFor)
	if err != nil {
		return err
	}
	a64, err := anchor.Run(ctx, 64, c.anchorFor)
	if err != nil {
		return err
	}
	for _, r := range []struct {
		clients int
		s, a    loadkit.Stats
	}{{1, one, a1}, {64, many, a64}} {
		rec := loadkit.NewRecord("ledgerload", "postgres", "issue", r.clients, r.s)
		rec.Spread, rec.Conns = c.spread(), conns
		out.Record(rec, fmt.Sprintf("PostgreSQL issue, %2d clients (%d conns)", r.clients, conns))
		arec := loadkit.NewRecord("ledgerload", "pgbench", "anchor", r.clients, r.a)
		arec.Spread, arec.Conns = c.spread(), r.clients
		out.Record(arec, fmt.Sprintf("pgbench same transaction, %2d clients", r.clients))
		out.Note("  ratio at %2d clients: %.2fx pgbench's rate, p99 %.2fx", r.clients, r.s.Rate()/r.a.Rate(), float64(r.s.P99)/float64(r.a.P99))
	}
	if c.fifo > 0 {
		// The same service, keys and licences, over a store that admits
		// writes in arrival order: the experiment behind the p99 fix.
		ks, err := keys()
		if err != nil {
			return err
		}
		ff := &fixture{svc: signer.New(&fifoStore{Store: store, slots: make(chan struct{}, c.fifo)}, ks, signer.Options{}), licences: f.licences, next: f.next}
		if _, err := ff.load(ctx, c.licences, 64, c.max); err != nil {
			return err
		}
		s, err := ff.load(ctx, c.issues, 64, c.max)
		if err != nil {
			return err
		}
		rec := loadkit.NewRecord("ledgerload", "postgres", "issue-fifo", 64, s)
		rec.Spread, rec.Conns = c.spread(), conns
		out.Record(rec, fmt.Sprintf("PostgreSQL issue, 64 clients, FIFO %d", c.fifo))
	}
	ratio := many.Rate() / a64.Rate()
	out.Verdict(loadkit.Verdict{Tool: "ledgerload", Goal: fmt.Sprintf("PostgreSQL issue, 64 clients, ≥ %.1fx pgbench", loadkit.PGIssueVsAnchor),
		Value: fmt.Sprintf("%.0f/s vs %.0f/s (%.2fx)", many.Rate(), a64.Rate(), ratio), Met: ratio >= loadkit.PGIssueVsAnchor})
	out.Verdict(loadkit.Verdict{Tool: "ledgerload", Goal: fmt.Sprintf("PostgreSQL issue, 64 clients, p99 ≤ %v", loadkit.MaxP99),
		Value: fmt.Sprintf("%.1f ms (pgbench %.1f ms)", loadkit.Ms(many.P99), loadkit.Ms(a64.P99)), Met: many.P99 <= loadkit.MaxP99})
	return nil
}

// fifoStore admits at most cap(slots) write transactions at once, in
// the order they arrive (a channel's blocked senders are served first
// come, first served), instead of letting them wait in database/sql's
// pool, which hands a freed connection to a waiter chosen at random. It
// is the experiment behind -pg-fifo: how much of the latency tail is that
// choice, and so what a FIFO admission in ledger/postgres would give.
type fifoStore struct {
	ledger.Store
	slots chan struct{}
}

func (s *fifoStore) Update(ctx context.Context, fn func(ledger.Tx) error) error {
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.slots }()
	return s.Store.Update(ctx, fn)
}
