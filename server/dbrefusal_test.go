package server_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/internal/pgtest"
	"github.com/actkit/actkit/ledger/postgres"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/server"
	"github.com/jackc/pgx/v5"
)

// refusalLog checks what one failing call logged: the words an operator
// acts on, and never the words of another cause.
func refusalLog(t *testing.T, when, log string, words ...string) {
	t.Helper()
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

// TestTooManyConnectionsIs503: a database server that refuses the
// ledger's connections for want of room (SQLSTATE 53300, here the
// CONNECTION LIMIT of the role the server connects as: max_connections
// cannot change while the server runs) makes the calls 503 with
// Retry-After, and the log says the database refused the connection,
// too many connections, never that the ledger is locked; once the limit
// is lifted, the same calls succeed.
func TestTooManyConnectionsIs503(t *testing.T) {
	base := pgtest.ServerURL(t)
	ctx := context.Background()
	// A role of the test's own: a superuser is never held to a
	// connection limit.
	var b [6]byte
	rand.Read(b[:])
	role := "actkit_test_role_" + hex.EncodeToString(b[:])
	if err := pgtest.Exec(base, "CREATE ROLE "+role+" LOGIN"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := pgtest.Exec(base, "DROP ROLE "+role); err != nil {
			t.Errorf("dropping the test role: %v", err)
		}
	})
	loc := pgtest.NewDatabase(t)
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	db := strings.TrimPrefix(u.Path, "/")
	if err := pgtest.Exec(base, "ALTER DATABASE "+db+" OWNER TO "+role); err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	store, err := postgres.Open(ctx, u.String(), postgres.Options{})
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
		{Method: "GET", Path: "/api/licence", Auth: bearer(li.Display)},
		productCall("deactivate", li.Display, "machine-fingerprint-1"),
	}
	for _, rq := range calls {
		if r := send(t, srv.URL, rq); r.Status != 200 {
			t.Fatalf("at first, %s: %d %s", rq, r.Status, r.Body)
		}
	}
	logs.take()

	// No new connection for the role; the ones the pool holds are ended,
	// so that every call needs a new one.
	if err := pgtest.Exec(base, "ALTER ROLE "+role+" CONNECTION LIMIT 0",
		"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '"+role+"'"); err != nil {
		t.Fatal(err)
	}
	// A pooled connection ended under the server fails once
	// (unreachable); after that, every call meets the limit.
	deadline := time.Now().Add(30 * time.Second)
	refused := 0
	for refused < 2*len(calls) {
		for _, rq := range calls {
			r := send(t, srv.URL, rq)
			if r.Status != 503 || r.Header.Get("Retry-After") == "" || !strings.Contains(string(r.Body), server.CodeUnavailable) {
				t.Fatalf("connection limit reached, %s: %d (Retry-After %q) %s", rq, r.Status, r.Header.Get("Retry-After"), r.Body)
			}
			log := logs.take()
			if strings.Contains(log, "ledger database is unreachable") && !strings.Contains(log, "too many connections") {
				continue // a pooled connection, ended
			}
			refusalLog(t, "connection limit reached, "+rq.String(), log,
				"ledger unavailable", "ledger database refused the connection (too many connections)", "too many connections for role")
			refused++
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s, %d calls met the connection limit", refused)
		}
	}

	if err := pgtest.Exec(base, "ALTER ROLE "+role+" CONNECTION LIMIT -1"); err != nil {
		t.Fatal(err)
	}
	for _, rq := range calls {
		if r := send(t, srv.URL, rq); r.Status != 200 {
			t.Fatalf("limit lifted, %s: %d %s", rq, r.Status, r.Body)
		}
	}
}

// TestStatementTimeoutIs503: a statement that runs past the ledger's
// statement timeout (SQLSTATE 57014; here an activation waiting for a
// licence row that another session holds, with a lock timeout longer
// than the statement timeout) is a 503 with Retry-After, logged as a
// statement that timed out, not as a locked ledger; nothing is recorded,
// and once the row is free the activation succeeds.
func TestStatementTimeoutIs503(t *testing.T) {
	loc := pgtest.NewDatabase(t)
	ctx := context.Background()
	store, err := postgres.Open(ctx, loc, postgres.Options{StatementTimeout: time.Second, LockTimeout: time.Minute})
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

	// Another session holds the licence's row, as a stalled client would.
	holder, err := pgx.Connect(ctx, loc)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close(ctx)
	tx, err := holder.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "SELECT 1 FROM licences WHERE key = $1 FOR UPDATE", li.Key); err != nil {
		t.Fatal(err)
	}
	activate := productCall("activate", li.Display, "machine-fingerprint-1")
	r := send(t, srv.URL, activate)
	if r.Status != 503 || r.Header.Get("Retry-After") == "" || !strings.Contains(string(r.Body), server.CodeUnavailable) {
		t.Fatalf("row held past the statement timeout: %d (Retry-After %q) %s", r.Status, r.Header.Get("Retry-After"), r.Body)
	}
	refusalLog(t, "row held past the statement timeout", logs.take(),
		"ledger unavailable", "a ledger statement timed out", "statement timeout")
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := svc.Licence(ctx, li.Display); err != nil || got.InUse != 0 {
		t.Fatalf("the call that timed out recorded something: %d in use (%v)", got.InUse, err)
	}
	if r := send(t, srv.URL, activate); r.Status != 200 {
		t.Fatalf("row free: %d %s", r.Status, r.Body)
	}
}
