package activation_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actkit/actkit/activation"
	"github.com/actkit/actkit/codec"
)

// fakeServer is a licence server for the Client's tests: it signs codes
// with the fixture's key, or answers what the test sets.
type fakeServer struct {
	t  *testing.T
	f  *fixture
	mu sync.Mutex
	// err, if set, is every call's answer.
	err error
	// code, if set, replaces the code the server would sign.
	code string
	// serial and issued are the next code's.
	serial uint64
	issued time.Time
	every  time.Duration
	// lease, if set, makes codes expire that long after issue.
	lease time.Duration
	calls []string
}

func (s *fakeServer) answer(r activation.Request) (activation.Answer, error) {
	if s.err != nil {
		return activation.Answer{}, s.err
	}
	code := s.code
	if code == "" {
		var err error
		expires := codec.NoExpiry
		if s.lease > 0 {
			expires = codec.DayOf(s.issued.Add(s.lease))
		}
		code, err = codec.Sign(s.f.key, codec.Binding{Product: "umenu", LicenceKey: r.LicenceKey, MachineUID: r.MachineUID.String()},
			codec.Payload{Issued: codec.DayOf(s.issued), Expires: expires, Seats: 1, Serial: s.serial})
		if err != nil {
			s.t.Fatal(err)
		}
	}
	return activation.Answer{Code: code, Serial: s.serial, ActiveCount: 1, MaxActivations: 2, ValidateEvery: s.every}, nil
}

func (s *fakeServer) Activate(_ context.Context, r activation.Request) (activation.Answer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, "activate "+r.MachineUID.String())
	return s.answer(r)
}

func (s *fakeServer) Validate(_ context.Context, r activation.Request) (activation.Answer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, "validate "+r.MachineUID.String())
	return s.answer(r)
}

func (s *fakeServer) Deactivate(_ context.Context, r activation.Request) (activation.Deactivation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, "deactivate "+r.MachineUID.String())
	if s.err != nil {
		return activation.Deactivation{}, s.err
	}
	return activation.Deactivation{Freed: true}, nil
}

func (s *fakeServer) set(err error) { s.mu.Lock(); s.err = err; s.mu.Unlock() }

var normLicence, _ = codec.NormalizeLicenceKey(licence)

var offline = &activation.ServerError{Err: activation.ErrOffline, Cause: errors.New("connection refused")}

func refusal(status int, code string) error {
	return &activation.ServerError{Err: activation.ErrRefused, Status: status, Code: code}
}

// clientFixture is a Client on the fixture's state file, with a fake
// server and a clock the test moves.
func clientFixture(t *testing.T) (*activation.Client, *fakeServer, *time.Time) {
	f := newFixture(t)
	now := t0
	srv := &fakeServer{t: t, f: f, serial: 21, issued: t0}
	c := &activation.Client{Config: f.cfg, Server: srv, Machine: f.here, LicenceKey: licence, ProductVersion: "4.2.17",
		Now: func() time.Time { return now }}
	return c, srv, &now
}

// expect returns a check that a call gave the state want without error.
func expect(t *testing.T, want activation.State) func(activation.Status, error) activation.Status {
	return func(st activation.Status, err error) activation.Status {
		t.Helper()
		if err != nil || st.State != want {
			t.Fatalf("%v (%v), want %v", st, err, want)
		}
		return st
	}
}

// TestClientOnlineLifecycle: the first start activates online; the next
// validation is due at the server's time; the server gone, the product
// runs on the last answer for the offline grace (7 days by default) and
// stops after it, keeping its code; the server back, it recovers.
func TestClientOnlineLifecycle(t *testing.T) {
	c, srv, now := clientFixture(t)
	st := expect(t, activation.Activated)(c.Start(context.Background()))
	if st.Terms.Serial != 21 || st.ActiveCount != 1 || st.MaxActivations != 2 || !st.ValidateAfter.Equal(t0.Add(24*time.Hour)) ||
		!st.OfflineUntil.Equal(t0.Add(7*24*time.Hour)) {
		t.Fatalf("first start: %+v", st)
	}
	// Before the validation is due, a start asks nothing.
	*now = t0.Add(23 * time.Hour)
	expect(t, activation.Activated)(c.Start(context.Background()))
	if len(srv.calls) != 1 {
		t.Fatalf("calls: %v", srv.calls)
	}
	srv.set(offline)
	*now = t0.Add(3 * 24 * time.Hour)
	st, err := c.Start(context.Background())
	if st.State != activation.ActivatedOffline || !st.Licensed() || !errors.Is(err, activation.ErrOffline) ||
		!strings.Contains(st.String(), "4 day(s) of offline grace left") {
		t.Fatalf("offline, day 3: %v (%v)", st, err)
	}
	*now = t0.Add(7 * 24 * time.Hour)
	st, err = c.Start(context.Background())
	if st.State != activation.ValidationRequired || st.Licensed() || !errors.Is(err, activation.ErrOffline) {
		t.Fatalf("offline, day 7: %v (%v)", st, err)
	}
	// Check alone (no network) says the same.
	if st := check(t, fixtureOf(c), c.Machine, t0.Add(8*24*time.Hour)); st.State != activation.ValidationRequired {
		t.Fatalf("check, day 8: %v", st)
	}
	srv.set(nil)
	srv.serial, srv.issued = 22, t0.Add(8*24*time.Hour)
	*now = t0.Add(8*24*time.Hour + time.Hour)
	st = expect(t, activation.Activated)(c.Start(context.Background()))
	if st.Terms.Serial != 22 || !st.ValidateAfter.Equal(now.Add(24*time.Hour)) {
		t.Fatalf("recovered: %+v", st)
	}
	if got := strings.Join(srv.calls, ","); strings.Count(got, "validate") != 3 || !strings.HasPrefix(got, "activate") {
		t.Fatalf("calls: %s", got)
	}
}

// fixtureOf is a Client's configuration as a fixture, for check.
func fixtureOf(c *activation.Client) *fixture { return &fixture{cfg: c.Config} }

// TestClientScheduleFromTheServer: the server's validation interval and
// offline grace are used, a validation is never due after the grace, and
// without them the defaults apply (a Client's OfflineGrace first).
func TestClientScheduleFromTheServer(t *testing.T) {
	for _, c := range []struct {
		name                      string
		every, grace, clientGrace time.Duration
		wantEvery, wantGrace      time.Duration
	}{
		{"the server's", 6 * time.Hour, 3 * 24 * time.Hour, 0, 6 * time.Hour, 3 * 24 * time.Hour},
		{"the defaults", 0, 0, 0, 24 * time.Hour, 7 * 24 * time.Hour},
		{"the client's grace", 0, 0, 2 * 24 * time.Hour, 24 * time.Hour, 2 * 24 * time.Hour},
		{"an interval past the grace", 30 * 24 * time.Hour, 24 * time.Hour, 0, 24 * time.Hour, 24 * time.Hour},
	} {
		cl, _, _ := clientFixture(t)
		cl.OfflineGrace = c.clientGrace
		cl.Server = scheduled{c.every, c.grace, cl.Server}
		st := expect(t, activation.Activated)(cl.Start(context.Background()))
		if !st.ValidateAfter.Equal(t0.Add(c.wantEvery)) || !st.OfflineUntil.Equal(t0.Add(c.wantGrace)) {
			t.Errorf("%s: validate after %v, offline until %v", c.name, st.ValidateAfter, st.OfflineUntil)
		}
	}
}

type scheduled struct {
	every, grace time.Duration
	activation.Server
}

func (s scheduled) Activate(ctx context.Context, r activation.Request) (activation.Answer, error) {
	a, err := s.Server.Activate(ctx, r)
	a.ValidateEvery, a.OfflineGrace = s.every, s.grace
	return a, err
}

// TestOnlyLicenceAnswersTakeTheLicenceAway: a validation that cannot reach
// the server, or gets 408, 429 or 5xx, or a refusal that is not about the
// licence, leaves the code and its grace; revoked, suspended, expired, a
// seat lost and an authentication failure take it away, for good (Check
// says so without the network) until a validation or an activation
// brings it back.
func TestOnlyLicenceAnswersTakeTheLicenceAway(t *testing.T) {
	keep := []error{
		offline,
		&activation.ServerError{Err: activation.ErrOffline, Status: 408},
		&activation.ServerError{Err: activation.ErrOffline, Status: 429, Code: "RATE_LIMITED", RetryAfter: time.Minute},
		&activation.ServerError{Err: activation.ErrOffline, Status: 500, Code: "INTERNAL"},
		&activation.ServerError{Err: activation.ErrOffline, Status: 503, Code: "UNAVAILABLE"},
		refusal(400, "INVALID_MACHINE_ID"),
		refusal(404, ""), // a proxy's page, not the licence API's answer
		refusal(409, "RELEASE_BUDGET_EXHAUSTED"),
		errors.New("something else"),
	}
	for _, e := range keep {
		c, srv, now := clientFixture(t)
		expect(t, activation.Activated)(c.Start(context.Background()))
		srv.set(e)
		*now = t0.Add(2 * 24 * time.Hour)
		st, err := c.Validate(context.Background())
		if st.State != activation.ActivatedOffline || !errors.Is(err, e) {
			t.Errorf("%v: %v (%v)", e, st, err)
		}
		if st, _ := c.Status(); st.State != activation.ActivatedOffline {
			t.Errorf("%v, afterwards: %v", e, st)
		}
	}
	for _, tc := range []struct {
		code string
		want activation.State
		text string
	}{
		{"LICENCE_REVOKED", activation.Revoked, "revoked"},
		{"LICENCE_SUSPENDED", activation.Revoked, "suspended"},
		{"LICENCE_NOT_FOUND", activation.Revoked, "no longer accepts"},
		{"UNAUTHORIZED", activation.Revoked, "no longer accepts"},
		{"LICENCE_EXPIRED", activation.Expired, "licence server says the licence has expired"},
		{"NOT_ACTIVATED", activation.SeatLost, "no longer holds a seat"},
		{"SEAT_LIMIT_EXCEEDED", activation.SeatLost, "no longer holds a seat"},
	} {
		c, srv, now := clientFixture(t)
		expect(t, activation.Activated)(c.Start(context.Background()))
		srv.set(refusal(200, tc.code))
		*now = t0.Add(2 * 24 * time.Hour)
		st, err := c.Validate(context.Background())
		if err != nil || st.State != tc.want || st.ServerCode != tc.code || st.Licensed() || !strings.Contains(st.String(), tc.text) {
			t.Errorf("%s: %v (%v)", tc.code, st, err)
		}
		if st, _ := c.Status(); st.State != tc.want || st.ServerCode != tc.code || st.LicenceKey != normLicence {
			t.Errorf("%s, afterwards: %v", tc.code, st)
		}
		// The server gone again changes nothing: the licence stays away.
		srv.set(offline)
		*now = t0.Add(3 * 24 * time.Hour)
		if st, _ := c.Start(context.Background()); st.State != tc.want {
			t.Errorf("%s, offline later: %v", tc.code, st)
		}
		// A suspended licence resumed, an expired one extended: the next
		// start asks again and is activated. The others need an activation.
		srv.set(nil)
		*now = t0.Add(4 * 24 * time.Hour)
		st, _ = c.Start(context.Background())
		recovers := tc.code == "LICENCE_SUSPENDED" || tc.code == "LICENCE_EXPIRED"
		if (st.State == activation.Activated) != recovers {
			t.Errorf("%s, the server valid again: %v", tc.code, st)
		}
		expect(t, activation.Activated)(c.Activate(context.Background(), licence))
	}
}

// TestClientRenewsAnExpiredLease: an online code whose lease ran out
// while the server was away is expired, and the next start validates and
// stores the renewed one.
func TestClientRenewsAnExpiredLease(t *testing.T) {
	c, srv, now := clientFixture(t)
	srv.lease = 2 * 24 * time.Hour
	expect(t, activation.Activated)(c.Start(context.Background()))
	srv.set(offline)
	*now = t0.Add(4 * 24 * time.Hour)
	if st, err := c.Start(context.Background()); st.State != activation.Expired || !errors.Is(err, activation.ErrOffline) {
		t.Fatalf("the lease over, offline: %v (%v)", st, err)
	}
	srv.set(nil)
	srv.issued, srv.serial = *now, 23
	st := expect(t, activation.Activated)(c.Start(context.Background()))
	if st.Terms.Serial != 23 {
		t.Fatalf("renewed: %v", st)
	}
}

// TestClientVerifiesEveryAnswer: a code from the server is stored only if
// it verifies, exactly as a typed one: not one for another machine, a
// forged one, or garbage. A refused first activation leaves the grace
// period running; a refused validation keeps the stored code.
func TestClientVerifiesEveryAnswer(t *testing.T) {
	c, srv, now := clientFixture(t)
	fx := srv.f
	other, err := codec.Sign(fx.key, codec.Binding{Product: "umenu", LicenceKey: licence, MachineUID: machineUID("nic-9").String()},
		codec.Payload{Issued: codec.DayOf(t0), Expires: codec.NoExpiry, Seats: 1, Serial: 30})
	if err != nil {
		t.Fatal(err)
	}
	good := fx.code(t, fx.here, codec.NoExpiry)
	forged := []byte(good)
	forged[len(forged)/2] ^= 1
	bad := []string{other, string(forged), "not a code", good[:40]}
	for _, code := range bad {
		srv.code = code
		st, err := c.Start(context.Background())
		if st.State != activation.InGrace || err == nil {
			t.Fatalf("first activation with %q: %v (%v)", code, st, err)
		}
	}
	srv.code = ""
	expect(t, activation.Activated)(c.Start(context.Background()))
	*now = t0.Add(2 * 24 * time.Hour)
	for _, code := range bad {
		srv.code = code
		st, err := c.Validate(context.Background())
		if st.State != activation.ActivatedOffline || err == nil {
			t.Fatalf("validation with %q: %v (%v)", code, st, err)
		}
	}
}

// TestClientDeactivate: deactivated online, the product stops using its
// code and the seat is free; it does not activate itself again at the
// next start. Offline, it stops all the same and shows a deactivation
// code that names its licence, machine and serial; that code typed in
// again is refused, a new one activates.
func TestClientDeactivate(t *testing.T) {
	c, srv, now := clientFixture(t)
	expect(t, activation.Activated)(c.Start(context.Background()))
	st, err := c.Deactivate(context.Background())
	if err != nil || st.State != activation.Deactivated || st.DeactivationCode != "" || st.Licensed() ||
		srv.calls[len(srv.calls)-1] != "deactivate "+c.Machine.String() {
		t.Fatalf("online: %v (%v) %v", st, err, srv.calls)
	}
	*now = t0.Add(time.Hour)
	st = expect(t, activation.Deactivated)(c.Start(context.Background()))
	if len(srv.calls) != 2 || !strings.Contains(st.String(), "the seat is free") {
		t.Fatalf("after deactivation: %v %v", st, srv.calls)
	}
	if _, err := c.Validate(context.Background()); !errors.Is(err, activation.ErrNotActivated) {
		t.Fatalf("validate after deactivation: %v", err)
	}

	// Offline, with a typed code.
	g := newFixture(t)
	typed := g.code(t, g.here, codec.NoExpiry) // serial 7
	off := &activation.Client{Config: g.cfg, Server: &fakeServer{t: t, f: g, err: offline}, Machine: g.here, Now: func() time.Time { return t0 }}
	expect(t, activation.Activated)(off.ActivateCode(licence, typed))
	st, err = off.Deactivate(context.Background())
	if st.State != activation.Deactivated || !errors.Is(err, activation.ErrOffline) || st.Licensed() {
		t.Fatalf("offline: %v (%v)", st, err)
	}
	dc, perr := codec.ParseDeactivationCode(st.DeactivationCode)
	if perr != nil || dc.Serial != 7 || dc.MachineUID != g.here || dc.LicenceKey != normLicence || dc.Product != "umenu" || dc.Day != codec.DayOf(t0) {
		t.Fatalf("deactivation code %q: %+v %v", st.DeactivationCode, dc, perr)
	}
	if st, _ := off.Status(); st.State != activation.Deactivated || st.DeactivationCode == "" || !strings.Contains(st.String(), st.DeactivationCode) {
		t.Fatalf("status after offline deactivation: %v", st)
	}
	if st, err := off.ActivateCode(licence, typed); !errors.Is(err, activation.ErrGivenUp) || st.Licensed() {
		t.Fatalf("the code given up, typed again: %v (%v)", st, err)
	}
	fresh, _ := codec.Sign(g.key, codec.Binding{Product: "umenu", LicenceKey: licence, MachineUID: g.here.String()},
		codec.Payload{Issued: codec.DayOf(t0), Expires: codec.NoExpiry, Seats: 1, Serial: 8})
	expect(t, activation.Activated)(off.ActivateCode(licence, fresh))

	// Without a server, deactivation is the code alone.
	h := newFixture(t)
	none := &activation.Client{Config: h.cfg, Machine: h.here, Now: func() time.Time { return t0 }}
	if _, err := none.Deactivate(context.Background()); !errors.Is(err, activation.ErrNotActivated) {
		t.Fatalf("nothing to deactivate: %v", err)
	}
	expect(t, activation.Activated)(none.ActivateCode(licence, h.code(t, h.here, codec.NoExpiry)))
	if st, err := none.Deactivate(context.Background()); err != nil || st.DeactivationCode == "" {
		t.Fatalf("no server: %v (%v)", st, err)
	}
}

// TestClientWatch: Watch activates, then validates whenever the server's
// interval has passed, and stops when its context ends.
func TestClientWatch(t *testing.T) {
	c, srv, _ := clientFixture(t)
	c.Now = nil // Watch sleeps on the real clock
	srv.issued = time.Now()
	srv.every = 20 * time.Millisecond
	activation.SetMinWait(c, time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var seen []string
	err := c.Watch(ctx, func(st activation.Status, err error) {
		seen = append(seen, fmt.Sprint(st.State, err))
		if len(seen) == 4 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) || len(seen) != 4 {
		t.Fatalf("watch: %v %v", err, seen)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.calls) != 4 || !strings.HasPrefix(srv.calls[0], "activate") || !strings.HasPrefix(srv.calls[3], "validate") {
		t.Fatalf("calls: %v", srv.calls)
	}
	// Nothing to watch without a server, nor for a typed code.
	c.Server = nil
	if err := c.Watch(context.Background(), func(activation.Status, error) {}); err != nil {
		t.Fatal(err)
	}
	g := newFixture(t)
	typed := &activation.Client{Config: g.cfg, Server: &fakeServer{t: t, f: g}, Machine: g.here, LicenceKey: licence}
	activation.SetMinWait(typed, time.Millisecond)
	expect(t, activation.Activated)(typed.ActivateCode(licence, g.code(t, g.here, codec.NoExpiry)))
	calls := 0
	ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := typed.Watch(ctx, func(activation.Status, error) { calls++ }); err != nil || calls != 1 {
		t.Fatalf("watching an offline activation: %v after %d calls", err, calls)
	}
}
