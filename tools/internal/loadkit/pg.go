package loadkit

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// DefaultServer is the PostgreSQL server the tools make their databases
// on when neither a flag nor ACTKIT_TEST_POSTGRES names one: the one the
// ledger's own tests use.
const DefaultServer = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Server returns the server URL: flag if set, else ACTKIT_TEST_POSTGRES,
// else DefaultServer.
func Server(flag string) string {
	if flag != "" {
		return flag
	}
	if u := os.Getenv("ACTKIT_TEST_POSTGRES"); u != "" {
		return u
	}
	return DefaultServer
}

// FreshDatabase creates an empty database on the server at base and
// returns its URL and a function that drops it (forcing out any session
// left over), so that a run measures an empty ledger and leaves nothing
// behind.
func FreshDatabase(ctx context.Context, base string) (string, func() error, error) {
	var b [6]byte
	rand.Read(b[:])
	name := "actkit_load_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, err
	}
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("creating database %s: %w", name, err)
	}
	drop := func() error {
		defer admin.Close()
		_, err := admin.ExecContext(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)")
		return err
	}
	u, err := url.Parse(base)
	if err != nil {
		drop()
		return "", nil, err
	}
	u.Path = "/" + name
	return u.String(), drop, nil
}

// Anchor is the pgbench baseline: the hand-written transaction of one
// issue (ScriptPath) run by pgbench on scratch tables (SchemaPath) in the
// ledger's own database, so that actkit's figures stand next to what the
// same server does for the same work in the same run.
type Anchor struct {
	URL      string
	Licences int
	// Dir holds the committed scripts (tools/ledgerload, from the module
	// root).
	Dir string
	// Script is the pgbench script's file in Dir; "" is anchor.sql.
	Script string
}

// ScriptPath is the pgbench script, SchemaPath its scratch tables.
func (a Anchor) ScriptPath() string {
	if a.Script != "" {
		return filepath.Join(a.Dir, a.Script)
	}
	return filepath.Join(a.Dir, "anchor.sql")
}

// Reset frees the scratch licences' seats (the activations stay), so that
// runs after runs never meet the seat limit.
func (a Anchor) Reset(ctx context.Context) error {
	db, err := sql.Open("pgx", a.URL)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, "UPDATE anchor_licences SET in_use = 0")
	return err
}

// SchemaPath is the anchor's scratch tables and their seed.
func (a Anchor) SchemaPath() string { return filepath.Join(a.Dir, "anchor-schema.sql") }

// Setup creates and seeds the scratch tables.
func (a Anchor) Setup(ctx context.Context) error {
	ddl, err := os.ReadFile(a.SchemaPath())
	if err != nil {
		return fmt.Errorf("the anchor's tables (run from the module root): %w", err)
	}
	if _, err := exec.LookPath("pgbench"); err != nil {
		return fmt.Errorf("the anchor needs pgbench on PATH: %w", err)
	}
	// Tables left by an earlier run that was stopped go first.
	if err := a.Drop(ctx); err != nil {
		return err
	}
	db, err := sql.Open("pgx", a.URL)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, strings.ReplaceAll(string(ddl), ":nlic", strconv.Itoa(a.Licences)))
	return err
}

// Drop removes the scratch tables: from a database the tool did not
// make, and before making them.
func (a Anchor) Drop(ctx context.Context) error {
	db, err := sql.Open("pgx", a.URL)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, "DROP TABLE IF EXISTS anchor_audit, anchor_activations, anchor_licences, anchor_products")
	return err
}

var (
	tpsLine  = regexp.MustCompile(`(?m)^tps = ([0-9.]+)`)
	noneDone = regexp.MustCompile(`(?m)^number of transactions actually processed: 0$`)
)

// Run runs pgbench for d with clients connections (-j 2 threads when
// there are several: the machine's cores) and reads every transaction's
// latency from its log.
func (a Anchor) Run(ctx context.Context, clients int, d time.Duration) (Stats, error) {
	logs, err := os.MkdirTemp("", "pgbench-log-")
	if err != nil {
		return Stats{}, err
	}
	defer os.RemoveAll(logs)
	script, err := filepath.Abs(a.ScriptPath())
	if err != nil {
		return Stats{}, err
	}
	jobs := min(clients, 2)
	args := []string{"-n", "-M", "prepared", "-f", script, "-D", "nlic=" + strconv.Itoa(a.Licences), "-D", "nclients=" + strconv.Itoa(clients),
		"-c", strconv.Itoa(clients), "-j", strconv.Itoa(jobs), "-T", strconv.Itoa(max(1, int(d.Seconds()))),
		"-l", "--log-prefix", filepath.Join(logs, "tx"), a.URL}
	var out []byte
	// The server's max_connections is shared with whatever else runs on
	// it (other tests): a run refused for it waits and tries again.
	for try := 0; ; try++ {
		cmd := exec.CommandContext(ctx, "pgbench", args...)
		cmd.Dir = logs
		if out, err = cmd.CombinedOutput(); err == nil {
			break
		}
		if try < 5 && strings.Contains(string(out), "too many clients") {
			stale, _ := filepath.Glob(filepath.Join(logs, "tx.*"))
			for _, f := range stale {
				os.Remove(f)
			}
			time.Sleep(3 * time.Second)
			continue
		}
		return Stats{}, fmt.Errorf("pgbench: %v\n%s", err, out)
	}
	if noneDone.Match(out) {
		// The server completed nothing in d (a hot row's lock queue on a
		// machine too busy to serve it): a run of no transactions.
		return Stats{Elapsed: d}, nil
	}
	m := tpsLine.FindSubmatch(out)
	if m == nil {
		return Stats{}, fmt.Errorf("pgbench printed no tps:\n%s", out)
	}
	tps, _ := strconv.ParseFloat(string(m[1]), 64)
	files, _ := filepath.Glob(filepath.Join(logs, "tx.*"))
	var lat []time.Duration
	for _, f := range files {
		if lat, err = readLog(f, lat); err != nil {
			return Stats{}, err
		}
	}
	if len(lat) == 0 {
		return Stats{}, fmt.Errorf("pgbench logged no transactions:\n%s", out)
	}
	// pgbench's own tps excludes connecting; elapsed is made to match it.
	s := Stats{Ops: len(lat), Elapsed: time.Duration(float64(len(lat)) / tps * 1e9)}
	s.Mean = time.Duration(float64(s.Elapsed) * float64(clients) / float64(s.Ops))
	s.Percentiles(lat)
	return s, nil
}

// readLog appends the latencies of a pgbench transaction log (-l):
// "client_id transaction_no time script_no time_epoch time_us", time in
// microseconds.
func readLog(path string, lat []time.Duration) ([]time.Duration, error) {
	f, err := os.Open(path)
	if err != nil {
		return lat, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 3 {
			continue
		}
		us, err := strconv.ParseInt(fs[2], 10, 64)
		if err != nil {
			return lat, fmt.Errorf("%s: %q: %w", path, sc.Text(), err)
		}
		lat = append(lat, time.Duration(us)*time.Microsecond)
	}
	return lat, sc.Err()
}
