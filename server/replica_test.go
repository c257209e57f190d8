package server_test

import (
	"context"
	"crypto/rand"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/internal/pgtest"
	"github.com/actkit/actkit/ledger/postgres"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/server"
)

// ledgerCount is how many transactions of op a Metrics timed.
func ledgerCount(t *testing.T, m *server.Metrics, op string) int {
	t.Helper()
	var b strings.Builder
	m.WriteTo(&b)
	for _, line := range strings.Split(b.String(), "\n") {
		if n, ok := strings.CutPrefix(line, `actkit_ledger_seconds_count{op="`+op+`"} `); ok {
			v, err := strconv.Atoi(n)
			if err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			return v
		}
	}
	return 0
}

// TestReadReplica: with a hot standby of the test's own (initdb,
// pg_basebackup, streaming replication on 127.0.0.1), validations and
// GET licence read the standby and never the primary while it is current;
// while its replay is paused, a machine activated since and a licence
// made since are found on the primary, never NOT_ACTIVATED or
// LICENCE_NOT_FOUND; activations always write the primary; and with the
// standby stopped in the middle of a load of validations, every one
// still succeeds, from the primary.
func TestReadReplica(t *testing.T) {
	primary := pgtest.NewCluster(t)
	standby := pgtest.NewStandby(t, primary)
	ctx := context.Background()
	pstore, err := postgres.Open(ctx, primary.URL(), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pstore.Close()
	onPrimary, onReplica := server.NewMetrics(), server.NewMetrics()
	svc, _ := umenuService(t, onPrimary.TimeLedger(pstore))
	li, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 50, Expires: codec.NoExpiry})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"machine-fingerprint-a", "machine-fingerprint-b"} {
		u, _ := licensing.FingerprintUID("umenu", m)
		if _, err := svc.Issue(ctx, licensing.IssueRequest{Licence: li.Display, Machine: u.String()}); err != nil {
			t.Fatal(err)
		}
	}
	// The standby has replayed the primary's last write.
	waitReplayed(t, primary, standby)
	rstore, err := postgres.Open(ctx, standby.URL(), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rstore.Close()
	srv := httptest.NewServer(server.New(server.Config{Service: svc.WithReplica(onReplica.TimeLedger(rstore)), Rate: 1e9, Burst: 1 << 30}))
	defer srv.Close()
	valid := func(machine string) {
		t.Helper()
		if r := send(t, srv.URL, productCall("validate", li.Display, machine)); r.Status != 200 || r.json()["valid"] != true {
			t.Fatalf("validate %s: %d %s", machine, r.Status, r.Body)
		}
	}

	before, beforeReplica := ledgerCount(t, onPrimary, "read")+ledgerCount(t, onPrimary, "view"), ledgerCount(t, onReplica, "read")
	for range 5 {
		valid("machine-fingerprint-a")
	}
	if r := send(t, srv.URL, apiRequest{Method: "GET", Path: "/api/licence", Auth: bearer(li.Display)}); r.Status != 200 || r.json()["activeCount"] != float64(2) {
		t.Fatalf("GET licence: %d %s", r.Status, r.Body)
	}
	if got := ledgerCount(t, onPrimary, "read") + ledgerCount(t, onPrimary, "view"); got != before {
		t.Errorf("validations of a current replica read the primary %d times", got-before)
	}
	if got := ledgerCount(t, onReplica, "read"); got < beforeReplica+5 {
		t.Errorf("validations read the replica %d times, want 5", got-beforeReplica)
	}

	// The standby stops replaying: what happens on the primary now is
	// not on it.
	if err := pgtest.Exec(standby.URL(), "SELECT pg_wal_replay_pause()"); err != nil {
		t.Fatal(err)
	}
	if r := send(t, srv.URL, productCall("activate", li.Display, "machine-fingerprint-c")); r.Status != 200 {
		t.Fatalf("activate: %d %s", r.Status, r.Body)
	}
	valid("machine-fingerprint-c")
	fresh, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 1, Expires: codec.NoExpiry})
	if err != nil {
		t.Fatal(err)
	}
	if r := send(t, srv.URL, apiRequest{Method: "GET", Path: "/api/licence", Auth: bearer(fresh.Display)}); r.Status != 200 {
		t.Fatalf("GET a licence the replica does not have yet: %d %s", r.Status, r.Body)
	}
	// A machine that holds no seat anywhere is NOT_ACTIVATED, from the
	// primary.
	if r := send(t, srv.URL, productCall("validate", li.Display, "machine-fingerprint-never")); r.json()["valid"] != false || r.json()["code"] != "NOT_ACTIVATED" {
		t.Fatalf("validate a machine without a seat: %s", r.Body)
	}
	if err := pgtest.Exec(standby.URL(), "SELECT pg_wal_replay_resume()"); err != nil {
		t.Fatal(err)
	}

	// The standby stops under a load of validations: none fails.
	var wg sync.WaitGroup
	var ok, failed atomic.Int64
	var firstFailure atomic.Value
	stop := make(chan struct{})
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := []string{"machine-fingerprint-a", "machine-fingerprint-b", "machine-fingerprint-c"}[w%3]
			for {
				select {
				case <-stop:
					return
				default:
				}
				r := send(t, srv.URL, productCall("validate", li.Display, m))
				if r.Status == 200 && r.json()["valid"] == true {
					ok.Add(1)
				} else {
					failed.Add(1)
					firstFailure.CompareAndSwap(nil, string(r.Body))
				}
			}
		}()
	}
	time.Sleep(500 * time.Millisecond)
	atStop := ok.Load()
	standby.Stop("fast")
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()
	if failed.Load() != 0 || atStop == 0 || ok.Load() <= atStop {
		t.Fatalf("with the standby stopped mid-load: %d validations before the stop, %d after, %d failed (first: %v)", atStop, ok.Load()-atStop, failed.Load(), firstFailure.Load())
	}
	t.Logf("%d validations before the standby stopped, %d after, none failed", atStop, ok.Load()-atStop)
}

// waitReplayed waits until standby has replayed everything primary has
// written so far.
func waitReplayed(t *testing.T, primary, standby *pgtest.Cluster) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		// pg_last_wal_replay_lsn on the standby against the primary's
		// current WAL position.
		err := pgtest.Exec(primary.URL(), "DO $$ BEGIN IF (SELECT count(*) FROM pg_stat_replication WHERE replay_lsn >= pg_current_wal_lsn()) = 0 THEN RAISE EXCEPTION 'behind'; END IF; END $$")
		if err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the standby did not catch up in 30 s")
}
