package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/internal/pgtest"
	"github.com/actkit/actkit/ledger/postgres"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/server"
)

// syncBuffer is a log sink the server's goroutines write concurrently.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// take returns what was logged since the last take.
func (s *syncBuffer) take() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.b.String()
	s.b.Reset()
	return out
}

// TestDatabaseLossIs503: with the ledger on a PostgreSQL server of the
// test's own, the server stopped, crashed, and started as a standby that
// takes no connections (in recovery) makes every call a 503 with
// Retry-After, never a 500, and the log says what happened in words an
// operator can act on ("unreachable", "starting up or in recovery",
// never "locked by another process"); once the database is back, the
// same calls succeed.
func TestDatabaseLossIs503(t *testing.T) {
	c := pgtest.NewCluster(t)
	ctx := context.Background()
	store, err := postgres.Open(ctx, c.URL(), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc, _ := umenuService(t, store)
	li, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 10, Expires: codec.NoExpiry})
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	srv := httptest.NewServer(server.New(server.Config{Service: svc, Rate: 1e9, Burst: 1 << 30,
		Log: slog.New(slog.NewTextHandler(logs, nil))}))
	defer srv.Close()

	calls := []apiRequest{
		productCall("activate", li.Display, "machine-fingerprint-1"),
		productCall("validate", li.Display, "machine-fingerprint-1"),
		productCall("deactivate", li.Display, "machine-fingerprint-2"),
		{Method: "GET", Path: "/api/licence", Auth: bearer(li.Display)},
	}
	up := func(when string) {
		t.Helper()
		// Pooled connections from before may fail once each (503); the
		// calls must then succeed.
		deadline := time.Now().Add(30 * time.Second)
		for _, rq := range calls {
			for {
				r := send(t, srv.URL, rq)
				if r.Status == 200 {
					break
				}
				if r.Status != 503 || time.Now().After(deadline) {
					t.Fatalf("%s, %s: %d %s", when, rq, r.Status, r.Body)
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
		logs.take()
	}
	down := func(when string, words ...string) {
		t.Helper()
		for _, rq := range calls {
			r := send(t, srv.URL, rq)
			if r.Status != 503 || r.Header.Get("Retry-After") == "" || !strings.Contains(string(r.Body), server.CodeUnavailable) {
				t.Errorf("%s, %s: %d (Retry-After %q) %s", when, rq, r.Status, r.Header.Get("Retry-After"), r.Body)
			}
		}
		log := logs.take()
		for _, w := range words {
			if !strings.Contains(log, w) {
				t.Errorf("%s: the log does not say %q:\n%s", when, w, log)
			}
		}
		for _, w := range []string{"locked by another process", "internal error"} {
			if strings.Contains(log, w) {
				t.Errorf("%s: the log says %q:\n%s", when, w, log)
			}
		}
	}
	up("at first")

	c.Stop("fast")
	down("server stopped", "ledger database is unreachable")
	c.Start()
	up("after a restart")

	c.Stop("immediate")
	down("server crashed", "ledger database is unreachable")
	c.Start()
	up("after crash recovery")

	// A standby without hot_standby answers every connection with 57P03
	// (cannot_connect_now) for as long as it is in recovery: what a
	// database starting up says, made to last.
	c.Stop("fast")
	c.Write("standby.signal", "", false)
	c.Configure("hot_standby = off\n")
	c.Start()
	down("in recovery", "ledger database is starting up or in recovery")
	c.Stop("fast")
	c.Remove("standby.signal")
	c.Configure("hot_standby = on\n")
	c.Start()
	up("out of recovery")
}
