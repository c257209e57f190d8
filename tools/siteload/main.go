// Command siteload measures the licence API at site-licence scale (issue
// 24): every client activates new machines on ONE licence, first a fresh
// one, then one that already holds -machines live machines (50,000 by
// default), at 1, 16 and 64 clients; then validations of the machines
// activated, on both licences. The server runs in process over real HTTP
// on 127.0.0.1, with drift matching on (`actkit serve`'s default policy).
//
// Each actkit run is interleaved with a same-run anchor of issue 24's
// activation transaction at the same concurrency, on one licence too (lock
// the licence's row, insert the activation, bump the seat counter, append
// the audit entry: four statements and the commit): on PostgreSQL pgbench
// with tools/ledgerload/anchor-site.sql, before and after the two actkit
// runs (their mean is the anchor); on SQLite the same transaction by hand
// on a ledger file of its own with the ledger's schema and pragmas.
//
//	go run ./tools/siteload [-backends postgres,sqlite] [-machines 50000] [-for 5s] [-json]
//
// PostgreSQL runs in a fresh database the tool makes on the server of -pg
// (else ACTKIT_TEST_POSTGRES, else loadkit.DefaultServer) and drops at the
// end; SQLite in a temporary folder. Run it from the module root.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/actkit/actkit/activation"
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
	backends  []string
	server    string
	machines  int
	runFor    time.Duration
	perRun    int
	anchorDir string
	clients   []int
}

func main() {
	var c config
	backends := flag.String("backends", "postgres,sqlite", "ledger backends, comma-separated")
	flag.StringVar(&c.server, "pg", "", "PostgreSQL server to make the fresh database on (default $ACTKIT_TEST_POSTGRES, else "+loadkit.DefaultServer+")")
	flag.IntVar(&c.machines, "machines", 50000, "live machines on the large licence before the runs")
	flag.DurationVar(&c.runFor, "for", 5*time.Second, "time bound of each run (actkit and anchor)")
	flag.IntVar(&c.perRun, "per-run", 3000, "count bound of each actkit activation run (the large licence has 65,535 seats)")
	flag.StringVar(&c.anchorDir, "anchor-dir", "tools/ledgerload", "folder of anchor-site.sql and anchor-schema.sql")
	clients := flag.String("clients", "1,16,64", "client counts, comma-separated")
	asJSON := flag.Bool("json", false, "write JSON lines for tools/benchreport")
	flag.Parse()
	c.backends = strings.Split(*backends, ",")
	for _, s := range strings.Split(*clients, ",") {
		var n int
		if _, err := fmt.Sscan(s, &n); err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "siteload: -clients: %q is not a count\n", s)
			os.Exit(2)
		}
		c.clients = append(c.clients, n)
	}
	if err := run(c, loadkit.Stdout(*asJSON)); err != nil {
		fmt.Fprintln(os.Stderr, "siteload:", err)
		os.Exit(1)
	}
}

func run(c config, out *loadkit.Output) error {
	ctx := context.Background()
	out.Note("siteload %s: %d CPUs, %s; one licence per run, %d live machines on the large one, runs of at most %v or %d activations",
		time.Now().UTC().Format(time.RFC3339), runtime.NumCPU(), runtime.Version(), c.machines, c.runFor, c.perRun)
	for _, b := range c.backends {
		if err := c.backend(ctx, b, out); err != nil {
			return fmt.Errorf("%s: %w", b, err)
		}
	}
	return nil
}

// site is one backend's ledger, served over HTTP, with its anchor.
type site struct {
	svc    *signer.Service
	url    string
	hc     *http.Client
	next   int
	anchor func(clients int) (loadkit.Stats, error)
}

// tolerance is `actkit serve`'s default: activation.DefaultPolicy.
func tolerance(issued, now codec.MachineUID) (bool, string) {
	d := activation.CompareUIDs(issued, now)
	if d.Differing() == nil || !activation.DefaultPolicy.Matches(d) {
		return false, ""
	}
	return true, d.String()
}

func (c config) backend(ctx context.Context, backend string, out *loadkit.Output) error {
	var store ledger.Store
	var anchor func(clients int) (loadkit.Stats, error)
	// analyze, on PostgreSQL, brings the planner's statistics up to date,
	// as autovacuum does on a server that runs it (the test cluster does
	// not, and the anchor's setup analyzed the tables while empty).
	analyze := func() error { return nil }
	switch backend {
	case "postgres", "pg":
		backend = "postgres"
		dbURL, drop, err := loadkit.FreshDatabase(ctx, loadkit.Server(c.server))
		if err != nil {
			return err
		}
		defer func() {
			if err := drop(); err != nil {
				fmt.Fprintln(os.Stderr, "siteload: dropping the database:", err)
			}
		}()
		s, err := postgres.Open(ctx, dbURL, postgres.Options{})
		if err != nil {
			return err
		}
		defer s.Close()
		store = s
		analyze = func() error {
			db, err := sql.Open("pgx", dbURL)
			if err != nil {
				return err
			}
			defer db.Close()
			_, err = db.ExecContext(ctx, "ANALYZE")
			return err
		}
		a := loadkit.Anchor{URL: dbURL, Licences: 1, Dir: c.anchorDir, Script: "anchor-site.sql"}
		if err := a.Setup(ctx); err != nil {
			return err
		}
		anchor = func(clients int) (loadkit.Stats, error) {
			if err := a.Reset(ctx); err != nil {
				return loadkit.Stats{}, err
			}
			return a.Run(ctx, clients, c.runFor)
		}
	case "sqlite":
		dir, err := os.MkdirTemp("", "siteload-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		s, err := sqlite.Open(ctx, filepath.Join(dir, "ledger.db"), sqlite.Options{})
		if err != nil {
			return err
		}
		defer s.Close()
		store = s
		sa, err := newSQLiteAnchor(ctx, filepath.Join(dir, "anchor.db"))
		if err != nil {
			return err
		}
		defer sa.Close()
		anchor = func(clients int) (loadkit.Stats, error) { return sa.run(ctx, clients, c.runFor) }
	default:
		return fmt.Errorf("unknown backend %q (postgres, sqlite)", backend)
	}
	k, err := keygen.Generate(bytes.NewReader(bytes.Repeat([]byte{42}, 32)), "umenu", codec.Ed25519, time.Now(), nil)
	if err != nil {
		return err
	}
	svc := signer.New(store, keygen.NewKeyset(k), signer.Options{})
	if _, err := svc.AddProduct(ctx, "umenu", "", []string{"export"}); err != nil {
		return err
	}
	srv := httptest.NewServer(server.New(server.Config{Service: svc, Rate: 1e9, Burst: 1 << 30, Tolerance: tolerance}))
	defer srv.Close()
	st := &site{svc: svc, url: srv.URL, hc: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxIdleConns: 64}, Timeout: 30 * time.Second}, anchor: anchor}

	big, err := st.licence(ctx)
	if err != nil {
		return err
	}
	t0 := time.Now()
	for done := 0; done < c.machines; done += 5000 {
		if err := st.fill(ctx, big, min(5000, c.machines-done)); err != nil {
			return err
		}
		if err := analyze(); err != nil {
			return err
		}
	}
	how := ""
	if backend == "postgres" {
		how = ", statistics analyzed every 5,000 as autovacuum would"
	}
	out.Note("%s: the large licence holds %d live machines (filled in %.1f s, batches of 500%s)", backend, c.machines, time.Since(t0).Seconds(), how)
	activated := map[string][]int{}
	var fresh string
	// got holds the 64-client figures the goals judge.
	got := map[string]loadkit.Stats{}
	for _, clients := range c.clients {
		// A fresh licence for each concurrency: it starts empty.
		if fresh, err = st.licence(ctx); err != nil {
			return err
		}
		a1, err := anchor(clients)
		if err != nil {
			return err
		}
		for _, lic := range []struct{ name, key string }{{"fresh", fresh}, {"large", big}} {
			// Warm-up: connections opened, statements prepared.
			if _, err := st.activate(lic.key, min(4*clients, 64), clients, c.runFor, nil); err != nil {
				return err
			}
			s, err := st.activate(lic.key, c.perRun, clients, c.runFor, activated)
			if err != nil {
				return err
			}
			if clients == 64 {
				got["activate-"+lic.name] = s
			}
			rec := loadkit.NewRecord("siteload", backend, "activate-"+lic.name, clients, s)
			rec.Spread = st.size(ctx, lic.name, lic.key)
			out.Record(rec, fmt.Sprintf("%s activations, %s licence, %2d clients", backend, lic.name, clients))
		}
		a2, err := anchor(clients)
		if err != nil {
			return err
		}
		if err := analyze(); err != nil {
			return err
		}
		a := mean(a1, a2)
		if clients == 64 {
			got["anchor"] = a
		}
		arec := loadkit.NewRecord("siteload", backend+"-anchor", "anchor", clients, a)
		arec.Spread = "one licence; mean of a run before and after actkit's"
		out.Record(arec, fmt.Sprintf("%s anchor (same transaction by hand), %2d clients", backend, clients))
	}
	for _, lic := range []struct{ name, key string }{{"fresh", fresh}, {"large", big}} {
		ms := activated[lic.key]
		if len(ms) == 0 {
			continue
		}
		s, err := loadkit.Run(4*c.perRun, 64, c.runFor, func(_, i int) error {
			return st.post("/api/licence/validate", lic.key, loadkit.SiteUID(ms[i%len(ms)]), `"valid":true`)
		})
		if err != nil {
			return err
		}
		got["validate-"+lic.name] = s
		rec := loadkit.NewRecord("siteload", backend, "validate-"+lic.name, 64, s)
		rec.Spread = st.size(ctx, lic.name, lic.key)
		out.Record(rec, fmt.Sprintf("%s validations, %s licence, 64 clients", backend, lic.name))
	}
	verdicts(out, backend, got)
	return nil
}

// verdicts judges issue 24's goals on the 64-client figures.
func verdicts(out *loadkit.Output, backend string, got map[string]loadkit.Stats) {
	a, ok := got["anchor"]
	if !ok {
		return // no 64-client run
	}
	name := map[string]string{"postgres": "PostgreSQL", "sqlite": "SQLite"}[backend]
	if a.Ops == 0 {
		out.Verdict(loadkit.Verdict{Tool: "siteload", Goal: name + " goals against the anchor at 64 clients",
			Value: "not judged: the anchor completed no transaction", Met: false})
	}
	for _, lic := range []string{"fresh", "large"} {
		s := got["activate-"+lic]
		q := s.Rate() / a.Rate()
		if a.Ops > 0 {
			out.Verdict(loadkit.Verdict{Tool: "siteload", Goal: fmt.Sprintf("%s activations, %s licence, 64 clients, ≥ %.1fx the anchor", name, lic, loadkit.SiteVsAnchor),
				Value: fmt.Sprintf("%.0f/s vs %.0f/s (%.2fx)", s.Rate(), a.Rate(), q), Met: q >= loadkit.SiteVsAnchor})
		}
		if backend == "postgres" {
			out.Verdict(loadkit.Verdict{Tool: "siteload", Goal: fmt.Sprintf("%s activations, %s licence, 64 clients, p99 ≤ %v", name, lic, loadkit.MaxP99),
				Value: fmt.Sprintf("%.1f ms (anchor %.1f ms)", loadkit.Ms(s.P99), loadkit.Ms(a.P99)), Met: s.P99 <= loadkit.MaxP99})
		}
		if v, ok := got["validate-"+lic]; ok && a.Ops > 0 {
			q := v.Rate() / a.Rate()
			out.Verdict(loadkit.Verdict{Tool: "siteload", Goal: fmt.Sprintf("%s validations, %s licence, ≥ %.0fx the anchor's activations", name, lic, loadkit.SiteValidationsVsAnchor),
				Value: fmt.Sprintf("%.0f/s vs %.0f/s (%.2fx)", v.Rate(), a.Rate(), q), Met: q >= loadkit.SiteValidationsVsAnchor})
		}
	}
	f, l := got["activate-fresh"], got["activate-large"]
	q := f.Rate() / l.Rate()
	out.Verdict(loadkit.Verdict{Tool: "siteload", Goal: fmt.Sprintf("%s activation on the large licence ≤ %.1fx the time on the fresh one", name, loadkit.SiteLargeVsFresh),
		Value: fmt.Sprintf("%.0f/s vs %.0f/s (%.2fx)", l.Rate(), f.Rate(), q), Met: q <= loadkit.SiteLargeVsFresh})
}

// mean is the mean of two anchor runs: rates averaged, the slower
// percentiles kept.
func mean(a, b loadkit.Stats) loadkit.Stats {
	rate := (a.Rate() + b.Rate()) / 2
	ops := a.Ops + b.Ops
	if ops == 0 || rate == 0 {
		return loadkit.Stats{Elapsed: a.Elapsed + b.Elapsed}
	}
	return loadkit.Stats{Ops: ops, Elapsed: time.Duration(float64(ops) / rate * 1e9),
		P50: (a.P50 + b.P50) / 2, P99: max(a.P99, b.P99), Mean: (a.Mean + b.Mean) / 2}
}

func (st *site) licence(ctx context.Context) (string, error) {
	li, err := st.svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: codec.MaxSeats, Expires: codec.NoExpiry})
	return li.Display, err
}

// size says how many machines a licence held after a run (its seat
// counter: every machine here holds one seat).
func (st *site) size(ctx context.Context, name, key string) string {
	norm, err := licensing.ParseLicenceKey(key)
	var li licensing.Licence
	if err == nil {
		err = st.svc.Store().Read(ctx, func(r ledger.Reader) (err error) {
			li, err = r.Terms(norm)
			return err
		})
	}
	if err != nil {
		return name + " licence"
	}
	return fmt.Sprintf("%s licence, %d live machines after the run", name, li.InUse)
}

// fill activates n machines on a licence through the batch path.
func (st *site) fill(ctx context.Context, key string, n int) error {
	for base := 0; base < n; base += 500 {
		rows := make([]signer.BatchRow, min(500, n-base))
		for i := range rows {
			rows[i].Request = licensing.IssueRequest{Licence: key, Machine: loadkit.SiteUID(st.next)}
			st.next++
		}
		if err := st.svc.IssueBatch(ctx, rows, 500, nil); err != nil {
			return err
		}
		for _, r := range rows {
			if r.Err != nil {
				return r.Err
			}
		}
	}
	return nil
}

// activate runs n activations of new machines on one licence from
// clients clients; the machines activated are added to done[key].
func (st *site) activate(key string, n, clients int, d time.Duration, done map[string][]int) (loadkit.Stats, error) {
	base := st.next
	st.next += n
	ok := make([]bool, n)
	s, err := loadkit.Run(n, clients, d, func(_, i int) error {
		err := st.post("/api/licence/activate", key, loadkit.SiteUID(base+i), `"reissued":false`)
		ok[i] = err == nil
		return err
	})
	if done != nil {
		for i, v := range ok {
			if v {
				done[key] = append(done[key], base+i)
			}
		}
	}
	return s, err
}

func (st *site) post(path, key, machine, want string) error {
	return loadkit.Post(st.hc, st.url+path, key, `{"machineId":"`+machine+`"}`, want)
}

// sqliteAnchor is the SQLite anchor: issue 24's activation transaction
// written by hand on a ledger file of its own (the ledger's schema, made
// by sqlite.Open, and its pragmas: WAL, synchronous=FULL, BEGIN
// IMMEDIATE), all clients on one licence: read the licence's row, insert
// the activation (whose trigger bumps the seat counter), append the
// audit entry after the chain's head, commit.
type sqliteAnchor struct {
	db   *sql.DB
	next int
}

const anchorKey = "ANCHORLICENCE0000001"

func newSQLiteAnchor(ctx context.Context, path string) (*sqliteAnchor, error) {
	s, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		return nil, err
	}
	s.Close()
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "busy_timeout(30000)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", (&url.URL{Scheme: "file", OmitHost: true, Path: filepath.ToSlash(path), RawQuery: q.Encode()}).String())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	for _, stmt := range []string{
		"INSERT INTO products(id, licence_prefix, features, created) VALUES ('umenu', 'UMENU', '[]', '2026-12-01T00:00:00Z')",
		"INSERT INTO licences(key, display, product, seats, expires, features, customer, status, created) VALUES ('" + anchorKey + "', 'UMENU-ANCHO-RLICE-NCE0000001', 'umenu', 65535, NULL, 0, '', 'active', '2026-12-01T00:00:00Z')",
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			db.Close()
			return nil, err
		}
	}
	return &sqliteAnchor{db: db}, nil
}

func (a *sqliteAnchor) Close() error { return a.db.Close() }

func (a *sqliteAnchor) run(ctx context.Context, clients int, d time.Duration) (loadkit.Stats, error) {
	if _, err := a.db.ExecContext(ctx, "DELETE FROM activations"); err != nil { // frees the seats: no trigger on DELETE, so reset the counter too
		return loadkit.Stats{}, err
	}
	if _, err := a.db.ExecContext(ctx, "UPDATE licences SET in_use = 0"); err != nil {
		return loadkit.Stats{}, err
	}
	base := a.next
	a.next += 1 << 20
	return loadkit.Run(1<<20, clients, d, func(_, i int) error {
		tx, err := a.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		var seats, inUse int
		if err := tx.QueryRowContext(ctx, "SELECT seats, in_use FROM licences WHERE key = ?", anchorKey).Scan(&seats, &inUse); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO activations(licence, machine, seats, key_id, issued, expires, features, created, name)
			VALUES (?, ?, 1, 'b7a2', 20788, NULL, 0, '2026-12-01T10:00:00.000000001Z', '')`, anchorKey, loadkit.SiteUID(base+i)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit(chain, seq, at, action, subject, detail, prev, hash)
			SELECT 'licence/`+anchorKey+`', COALESCE(MAX(seq), 0) + 1, '2026-12-01T10:00:00.000000001Z', 'code.issue', 'UMENU-ANCHO-RLICE-NCE0000001',
				'{"serial":1,"machine":"19DSX-5JRR5-00000-0000E","keyId":"b7a2","issued":"2026-12-01","expires":"","seats":1,"features":0}', randomblob(32), randomblob(32)
			FROM audit WHERE chain = 'licence/`+anchorKey+`'`); err != nil {
			return err
		}
		return tx.Commit()
	})
}
