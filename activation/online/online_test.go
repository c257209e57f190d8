package online

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actkit/actkit/activation"
	"github.com/actkit/actkit/codec"
)

var uid = codec.MachineUID{Version: codec.UIDVersion, Slots: [codec.NumSlots]uint16{1, 2, 3}}

const key = "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM"

// script is a licence server that answers each request with the next of
// its replies (the last one repeated) and records what it was sent.
type script struct {
	mu      sync.Mutex
	replies []func(w http.ResponseWriter)
	got     []*http.Request
	bodies  []string
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	b, _ := io.ReadAll(r.Body)
	s.got = append(s.got, r)
	s.bodies = append(s.bodies, string(b))
	reply := s.replies[min(len(s.got), len(s.replies))-1]
	s.mu.Unlock()
	reply(w)
}

func status(code int, body string, header ...string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
}

// newServer serves the script and returns a Server for it whose waits
// are recorded instead of slept.
func newServer(t *testing.T, sc *script, opts Options) (*Server, *[]time.Duration) {
	t.Helper()
	hs := httptest.NewServer(sc)
	t.Cleanup(hs.Close)
	s, err := New(hs.URL, opts)
	if err != nil {
		t.Fatal(err)
	}
	var waits []time.Duration
	s.sleep = func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return ctx.Err() }
	return s, &waits
}

// TestActivateAndValidate: the request carries the key in the header
// and the machine's UID in the body; the answer's schedule is measured
// from the server's Date, so a server clock a year off gives the same
// durations.
func TestActivateAndValidate(t *testing.T) {
	date := time.Date(2027, 12, 1, 10, 0, 0, 0, time.UTC) // the server's clock, a year ahead
	body := func(valid string) string {
		b, _ := json.Marshal(map[string]any{"activationCode": "CODE", "serial": 7, "activeCount": 1, "maxActivations": 3,
			"validateAfter": date.Add(6 * time.Hour), "offlineGraceUntil": date.Add(72 * time.Hour), "plan": "x"})
		if valid != "" {
			return strings.TrimSuffix(string(b), "}") + `,"valid":` + valid + "}"
		}
		return string(b)
	}
	sc := &script{replies: []func(http.ResponseWriter){
		status(200, body(""), "Date", date.Format(http.TimeFormat)),
		status(200, body("true"), "Date", date.Format(http.TimeFormat)),
		status(200, `{"valid":false,"code":"LICENCE_REVOKED","error":"The licence was revoked."}`),
	}}
	s, _ := newServer(t, sc, Options{UserAgent: "umenu/4.2.17"})
	ctx := context.Background()
	r := activation.Request{LicenceKey: key, MachineUID: uid, MachineName: "PLANT-PC"}
	a, err := s.Activate(ctx, r)
	want := activation.Answer{Code: "CODE", Serial: 7, ActiveCount: 1, MaxActivations: 3, ValidateEvery: 6 * time.Hour, OfflineGrace: 72 * time.Hour}
	if err != nil || a != want {
		t.Fatalf("activate: %+v %v", a, err)
	}
	g := sc.got[0]
	if g.URL.Path != "/api/licence/activate" || g.Header.Get("Authorization") != "Bearer "+key || g.Header.Get("Content-Type") != "application/json" ||
		g.Header.Get("User-Agent") != "umenu/4.2.17" || sc.bodies[0] != `{"machineId":"`+uid.String()+`","machineName":"PLANT-PC"}` ||
		strings.Contains(g.URL.String(), key) {
		t.Fatalf("request: %s %v %s", g.URL, g.Header, sc.bodies[0])
	}
	if a, err := s.Validate(ctx, r); err != nil || a != want || sc.got[1].URL.Path != "/api/licence/validate" {
		t.Fatalf("validate: %+v %v", a, err)
	}
	_, err = s.Validate(ctx, r)
	var se *activation.ServerError
	if !errors.Is(err, activation.ErrRefused) || !errors.As(err, &se) || se.Code != "LICENCE_REVOKED" || se.Status != 200 || se.Message != "The licence was revoked." {
		t.Fatalf("validate, revoked: %v", err)
	}
}

// TestOfflineAnswersAreRetried: unreachable, 408, 429 and 5xx are tried
// again with a growing, jittered backoff and end as ErrOffline; a
// Retry-After is waited for at least as long as asked, and one past
// MaxRetryAfter ends the call at once with the wait for the Client.
func TestOfflineAnswersAreRetried(t *testing.T) {
	ctx := context.Background()
	r := activation.Request{LicenceKey: key, MachineUID: uid}
	for _, st := range []int{408, 429, 500, 502, 503, 504} {
		sc := &script{replies: []func(http.ResponseWriter){status(st, `{"code":"X"}`)}}
		s, waits := newServer(t, sc, Options{Attempts: 4, Backoff: time.Second})
		_, err := s.Activate(ctx, r)
		var se *activation.ServerError
		if !errors.Is(err, activation.ErrOffline) || !errors.As(err, &se) || se.Status != st || len(sc.got) != 4 || len(*waits) != 3 {
			t.Fatalf("%d: %v, %d requests, waits %v", st, err, len(sc.got), *waits)
		}
		for i, w := range *waits {
			base := time.Second << i
			if w < base/2 || w > base {
				t.Fatalf("%d: wait %d is %v, want %v to %v", st, i, w, base/2, base)
			}
		}
	}
	// Two failures, then the answer.
	sc := &script{replies: []func(http.ResponseWriter){status(503, ""), status(503, ""), status(200, `{"activationCode":"C"}`)}}
	s, _ := newServer(t, sc, Options{})
	if a, err := s.Activate(ctx, r); err != nil || a.Code != "C" {
		t.Fatalf("after two 503s: %+v %v", a, err)
	}
	// Retry-After in seconds and as a date.
	sc = &script{replies: []func(http.ResponseWriter){status(429, "", "Retry-After", "7"), status(200, `{"activationCode":"C"}`)}}
	s, waits := newServer(t, sc, Options{Backoff: time.Millisecond})
	if _, err := s.Activate(ctx, r); err != nil || len(*waits) != 1 || (*waits)[0] < 7*time.Second || (*waits)[0] > 8*time.Second {
		t.Fatalf("Retry-After 7: %v %v", err, *waits)
	}
	at := time.Now().Add(20 * time.Second).UTC().Format(http.TimeFormat)
	sc = &script{replies: []func(http.ResponseWriter){status(503, "", "Retry-After", at), status(200, `{"activationCode":"C"}`)}}
	s, waits = newServer(t, sc, Options{Backoff: time.Millisecond})
	if _, err := s.Activate(ctx, r); err != nil || len(*waits) != 1 || (*waits)[0] < 18*time.Second {
		t.Fatalf("Retry-After as a date: %v %v", err, *waits)
	}
	sc = &script{replies: []func(http.ResponseWriter){status(429, "", "Retry-After", "3600")}}
	s, waits = newServer(t, sc, Options{})
	_, err := s.Activate(ctx, r)
	var se *activation.ServerError
	if !errors.Is(err, activation.ErrOffline) || !errors.As(err, &se) || se.RetryAfter != time.Hour || len(*waits) != 0 || len(sc.got) != 1 {
		t.Fatalf("Retry-After past the maximum: %v %v %d", err, *waits, len(sc.got))
	}
	// Nobody listening.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	s, _ = New("http://"+addr, Options{Attempts: 2, Backoff: time.Millisecond})
	if _, err := s.Validate(ctx, r); !errors.Is(err, activation.ErrOffline) {
		t.Fatalf("nobody listening: %v", err)
	}
}

// TestRefusalsAreFinal: any other answer is tried once: a problem with
// its code, a page that is not the API's (no code), and a 200 that is not
// JSON (a captive portal) is offline, not an answer about the licence.
func TestRefusalsAreFinal(t *testing.T) {
	ctx := context.Background()
	r := activation.Request{LicenceKey: key, MachineUID: uid}
	for _, c := range []struct {
		reply      func(http.ResponseWriter)
		sentinel   error
		status     int
		code       string
		requests   int
		deactivate bool
	}{
		{status(409, `{"code":"SEAT_LIMIT_EXCEEDED","error":"Seat limit exceeded."}`), activation.ErrRefused, 409, "SEAT_LIMIT_EXCEEDED", 1, false},
		{status(401, `{"code":"UNAUTHORIZED"}`), activation.ErrRefused, 401, "UNAUTHORIZED", 1, false},
		{status(403, `{"code":"LICENCE_REVOKED"}`), activation.ErrRefused, 403, "LICENCE_REVOKED", 1, false},
		{status(404, `<html>not here</html>`), activation.ErrRefused, 404, "", 1, false},
		{status(200, `<html>log in to the hotel wifi</html>`), activation.ErrOffline, 200, "", 3, false},
		{status(200, `{"machineUid":"x"}`), activation.ErrRefused, 200, "", 1, false}, // an answer without a code
		{status(409, `{"code":"RELEASE_BUDGET_EXHAUSTED"}`), activation.ErrRefused, 409, "RELEASE_BUDGET_EXHAUSTED", 1, true},
	} {
		sc := &script{replies: []func(http.ResponseWriter){c.reply}}
		s, _ := newServer(t, sc, Options{})
		var err error
		if c.deactivate {
			_, err = s.Deactivate(ctx, r)
		} else {
			_, err = s.Activate(ctx, r)
		}
		var se *activation.ServerError
		if !errors.Is(err, c.sentinel) || !errors.As(err, &se) || se.Status != c.status || se.Code != c.code || len(sc.got) != c.requests {
			t.Errorf("%d %s: %v after %d requests", c.status, c.code, err, len(sc.got))
		}
	}
	sc := &script{replies: []func(http.ResponseWriter){status(200, `{"deactivated":true,"activeCount":2}`)}}
	s, _ := newServer(t, sc, Options{})
	if d, err := s.Deactivate(ctx, r); err != nil || !d.Freed || d.ActiveCount != 2 || sc.got[0].URL.Path != "/api/licence/deactivate" {
		t.Fatalf("deactivate: %+v %v", d, err)
	}
}

// TestTimeouts: an attempt that takes longer than Timeout is offline, and
// the caller's context ends the call.
func TestTimeouts(t *testing.T) {
	release := make(chan struct{})
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body) // so that the server notices the client going away
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hs.Close()
	defer close(release) // before Close, which waits for the handlers
	s, err := New(hs.URL, Options{Timeout: 50 * time.Millisecond, Attempts: 2, Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := s.Activate(context.Background(), activation.Request{LicenceKey: key, MachineUID: uid}); !errors.Is(err, activation.ErrOffline) {
		t.Fatalf("slow server: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("two attempts of 50ms took %v", d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	s, _ = New(hs.URL, Options{Timeout: time.Minute, Attempts: 5})
	if _, err := s.Activate(ctx, activation.Request{LicenceKey: key, MachineUID: uid}); !errors.Is(err, activation.ErrOffline) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the caller's deadline: %v", err)
	}
	for _, bad := range []string{"", "licence.example.com", "ftp://x", "http://"} {
		if _, err := New(bad, Options{}); err == nil {
			t.Errorf("New(%q) accepted", bad)
		}
	}
}

// TestKeyringVersionSaysTheCallerInstalls: keyringVersion is sent, 0
// included, only for a caller that installs the update an answer carries
// (activation.Client): the server may then sign for the keyring it will
// hold (a root rotation's new root), which a caller that does not would
// refuse.
func TestKeyringVersionSaysTheCallerInstalls(t *testing.T) {
	ok := `{"activationCode":"CODE","serial":1}`
	sc := &script{replies: []func(http.ResponseWriter){status(200, ok), status(200, ok), status(200, ok)}}
	s, _ := newServer(t, sc, Options{})
	uid := codec.MachineUID{Version: codec.UIDVersion}
	for _, r := range []activation.Request{
		{LicenceKey: "K", MachineUID: uid},
		{LicenceKey: "K", MachineUID: uid, KeyringVersion: 3},
		{LicenceKey: "K", MachineUID: uid, InstallsUpdates: true},
	} {
		if _, err := s.Activate(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	for i, want := range []string{"", "", `"keyringVersion":0`} {
		if got := strings.Contains(sc.bodies[i], "keyringVersion"); got != (want != "") || !strings.Contains(sc.bodies[i], want) {
			t.Errorf("request %d: %s, want %q", i, sc.bodies[i], want)
		}
	}
}
