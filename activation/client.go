package activation

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/actkit/actkit/codec"
)

// Defaults for Client.
const (
	// DefaultOfflineGrace is how long an online activation runs on its
	// last answer when the answer names no offline grace of its own.
	DefaultOfflineGrace = 7 * 24 * time.Hour
	// DefaultValidateEvery is how long until the next validation when the
	// answer names no time.
	DefaultValidateEvery = 24 * time.Hour
	// DefaultRetryOffline is how soon Watch asks again after the server
	// could not be reached.
	DefaultRetryOffline = time.Hour
)

// Client is the whole product side: the offline Config and Check, and,
// with a Server, activation with a licence key, validation on the
// server's schedule and deactivation. Every code an answer carries is
// verified offline, exactly as a typed one, before it is stored; only an
// answer that the licence is no longer valid (revoked, suspended, expired,
// seat lost) or that its key is not accepted takes the licence away:
// when the server cannot be reached, or answers 408, 429 or 5xx, the
// product keeps its grace.
//
// A Client is safe for concurrent use by one process (its methods take
// turns); two processes must not share a state file.
type Client struct {
	// Config is the offline setup: keyring, state file, first-run grace,
	// match policy, state key.
	Config Config
	// Server is the licence server (activation/online.New); nil: offline
	// only, as Check and Activate.
	Server Server
	// Machine is this machine's UID (package machine, or the product's).
	Machine codec.MachineUID
	// LicenceKey, if set, is activated online at start-up when the
	// product is not activated yet ("activate on first use").
	LicenceKey string
	// MachineName is sent with activations, for the vendor's records.
	MachineName string
	// ProductVersion goes into request codes.
	ProductVersion string
	// OfflineGrace is how long an online activation runs on its last
	// answer when the server names no grace (DefaultOfflineGrace).
	OfflineGrace time.Duration
	// RetryOffline is how soon Watch asks again after the server could
	// not be reached (DefaultRetryOffline), jittered.
	RetryOffline time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu sync.Mutex
	// minWait is the shortest wait of Watch (a minute; tests lower it).
	minWait time.Duration
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// opened is a state file opened for one call.
type opened struct {
	cfg      Config
	s        *stateFile
	eff, now time.Time
	early    *Status
}

func (c *Client) open() (*opened, error) {
	o := &opened{cfg: c.Config, now: c.now()}
	if err := o.cfg.defaults(); err != nil {
		return nil, err
	}
	var err error
	o.s, o.eff, o.early, err = o.cfg.open(o.now, c.Machine)
	if err != nil {
		return nil, err
	}
	return o, nil
}

func (o *opened) status(current codec.MachineUID) Status {
	return o.cfg.evaluate(o.s, o.eff, o.early, current)
}

func (o *opened) save(uid codec.MachineUID) error {
	if err := save(o.cfg.StatePath, o.s, newStateKey(o.cfg.StateKey, o.cfg.Keyring.Product(), uid)); err != nil {
		return fmt.Errorf("activation: writing %s: %w", o.cfg.StatePath, err)
	}
	return nil
}

// Status is Check at the Client's clock: the state from the state file
// alone, without the network.
func (c *Client) Status() (Status, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Check(c.Config, c.Machine, c.now())
}

// Start is what a product calls at start-up: the state from the state
// file and, with a Server, the online step that is due: the first
// activation with LicenceKey, or a validation once ValidateAfter has
// passed (or of a suspended or expired licence, which the vendor may
// resume or extend). The Status is always the one to act on; the error
// says why the online step did not happen (errors.Is ErrOffline: show a
// warning and keep going on the grace the Status gives).
func (c *Client) Start(ctx context.Context) (Status, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, err := Check(c.Config, c.Machine, c.now())
	if err != nil || c.Server == nil {
		return st, err
	}
	online := !st.ValidateAfter.IsZero()
	switch {
	case (st.State == InGrace || st.State == ActivationRequired) && c.LicenceKey != "":
		return c.activate(ctx, c.LicenceKey)
	case online && !c.now().Before(st.ValidateAfter) &&
		(st.State == Activated || st.State == ActivatedOffline || st.State == ValidationRequired || st.State == Expired):
		return c.validate(ctx)
	case (st.State == Revoked || st.State == Expired) && recoverable[st.ServerCode]:
		return c.validate(ctx)
	case st.State == ClockTampering:
		// An online activation asks for a fresh code (validate says
		// when): the way out of a clock that once ran ahead.
		return c.validate(ctx)
	}
	return st, nil
}

// Activate activates this machine online with a licence key: the server
// takes (or finds) its seat, and its code, verified offline, is stored
// with the server's schedule. On any failure nothing is stored and the
// Status is the one from before.
func (c *Client) Activate(ctx context.Context, licenceKey string) (Status, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.activate(ctx, licenceKey)
}

func (c *Client) activate(ctx context.Context, licenceKey string) (Status, error) {
	o, err := c.open()
	if err != nil {
		return Status{State: ActivationRequired, Reason: err}, err
	}
	if c.Server == nil {
		return o.status(c.Machine), ErrNoServer
	}
	if norm, err := codec.NormalizeLicenceKey(licenceKey); err == nil {
		licenceKey = norm
	}
	req := c.request(o, licenceKey, c.Machine)
	// In ClockTampering only a code issued today is stored (accept): ask
	// for one, rather than the machine's code again.
	req.Fresh = o.early != nil && o.early.State == ClockTampering
	ans, err := c.Server.Activate(ctx, req)
	if err != nil {
		return o.status(c.Machine), err
	}
	o.install(ans.Keyring)
	st, err := o.cfg.accept(o.s, o.eff, o.early, licenceKey, ans.Code, ans.Certificate, c.Machine, o.now, c.schedule(ans))
	if err != nil {
		return o.status(c.Machine), fmt.Errorf("activation: the licence server's code was not stored: %w", err)
	}
	st.ActiveCount, st.MaxActivations = ans.ActiveCount, ans.MaxActivations
	return st, nil
}

// ActivateCode activates this machine offline with a code the user typed
// or pasted (Activate, the package function).
func (c *Client) ActivateCode(licenceKey, code string) (Status, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Activate(c.Config, licenceKey, code, c.Machine, c.now())
}

// RequestCode returns the request code for offline activation, for
// licenceKey or, if empty, the Client's LicenceKey.
func (c *Client) RequestCode(licenceKey string) (string, error) {
	if licenceKey == "" {
		licenceKey = c.LicenceKey
	}
	return RequestCode(c.Config, licenceKey, c.Machine, c.ProductVersion)
}

// Validate asks the server about the stored activation now. A valid
// answer's code, verified offline, replaces the stored one with a new
// schedule; an answer that the licence is no longer valid takes it away
// (Revoked, SeatLost, Expired, with the server's code); anything else
// (ErrOffline, another refusal, a code that does not verify) leaves the
// state as it was, with its grace running, and is the error.
//
// In ClockTampering an online activation (one stored from the server's
// answer, or taken away by a suspension or expiry the vendor may undo)
// asks for a fresh code: one the server signs today, on the same seat.
// It ends ClockTampering only as a typed fresh code does (see
// FreshCodeWindow): issued after every code stored, and valid at this
// clock's reading. The server dates it by its own clock, so a clock wound
// back reads it as not yet valid and stays in ClockTampering, and a
// licence the server no longer serves (expired, revoked) gets no code at
// all. An offline activation is not asked about: its way out is a fresh
// code from the vendor, typed in.
func (c *Client) Validate(ctx context.Context) (Status, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.validate(ctx)
}

func (c *Client) validate(ctx context.Context) (Status, error) {
	o, err := c.open()
	if err != nil {
		return Status{State: ActivationRequired, Reason: err}, err
	}
	s := o.s
	tampering := o.early != nil && o.early.State == ClockTampering
	if tampering && (c.Server == nil || s.Released != 0 || (s.Online == nil && !recoverable[s.Lost])) {
		return *o.early, nil
	}
	if c.Server == nil {
		return o.status(c.Machine), ErrNoServer
	}
	if s.Released != 0 || (s.Code == "" && s.Lost == "") {
		return o.status(c.Machine), ErrNotActivated
	}
	// The seat is held by the UID the code was issued for, which the match
	// policy has accepted as this machine.
	issued, err := codec.ParseMachineUID(s.MachineUID)
	if err != nil {
		return o.status(c.Machine), err
	}
	req := c.request(o, s.LicenceKey, issued)
	req.Fresh = tampering
	ans, err := c.Server.Validate(ctx, req)
	var se *ServerError
	switch {
	case err == nil:
		o.install(ans.Keyring)
		if _, err := o.cfg.accept(s, o.eff, o.early, s.LicenceKey, ans.Code, ans.Certificate, issued, o.now, c.schedule(ans)); err != nil {
			return o.status(c.Machine), fmt.Errorf("activation: the licence server's code was not stored: %w", err)
		}
		if tampering {
			// accept believed the clock: the fresh code proved its date.
			o.early, o.eff = nil, s.LatestSeen
		}
		st := o.status(c.Machine)
		st.ActiveCount, st.MaxActivations = ans.ActiveCount, ans.MaxActivations
		return st, nil
	case errors.Is(err, ErrRefused) && errors.As(err, &se) && takesAway(se.Code):
		// The server says the licence is no longer valid here: the code
		// is not used again. The licence key and machine stay, so that a
		// suspended or expired licence can be validated again.
		s.Code, s.Certificate, s.Online, s.Lost = "", "", nil, se.Code
		if err := o.save(issued); err != nil {
			return Status{State: lostStates[se.Code], ServerCode: se.Code, Reason: err}, err
		}
		return lostStatus(se.Code, s.LicenceKey, err), nil
	}
	return o.status(c.Machine), err
}

// install takes a keyring update from an answer: checked against the
// keyring in use (its roots' signatures, a version above it, not
// expired), it replaces it for this call and is stored with the state
// the call saves. One that fails any check is ignored: the keyring held
// stays, and the code is checked with it.
func (o *opened) install(update string) {
	if update == "" {
		return
	}
	kr, err := o.cfg.Keyring.Update(update, o.now)
	if err != nil || kr.Version() <= o.cfg.Keyring.Version() {
		return
	}
	at := o.now
	o.cfg.Keyring, o.s.Keyring, o.s.KeyringAt = kr, kr.Text(), &at
}

// request is what the Client sends about machine: with the product's
// version and the keys its keyring pins, so that the server signs only
// with a key this product accepts (a release shipped before a rotation
// keeps working online).
func (c *Client) request(o *opened, licenceKey string, machine codec.MachineUID) Request {
	return Request{LicenceKey: licenceKey, MachineUID: machine, MachineName: c.MachineName,
		ProductVersion: c.ProductVersion, TrustedKeys: o.cfg.Keyring.KeyIDs(), Certificates: true, KeyringVersion: o.cfg.Keyring.Version(), InstallsUpdates: true}
}

// Deactivate gives up this machine's code: the product stops using it at
// once, and the seat is freed online. When the server cannot be reached
// (or there is none) the Status carries the DeactivationCode for the
// customer to give the vendor, who frees the seat with it; Status shows
// it again until a later activation. The error says why the seat was not
// freed online.
func (c *Client) Deactivate(ctx context.Context) (Status, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	o, err := c.open()
	if err != nil {
		return Status{State: ActivationRequired, Reason: err}, err
	}
	s := o.s
	if s.Released != 0 {
		return o.status(c.Machine), nil
	}
	if s.Code == "" {
		return o.status(c.Machine), ErrNotActivated
	}
	issued, err := codec.ParseMachineUID(s.MachineUID)
	if err != nil {
		return o.status(c.Machine), err
	}
	code, err := codec.DecodeCode(s.Code)
	if err != nil {
		return o.status(c.Machine), err
	}
	text, err := codec.DeactivationCode{Product: o.cfg.Keyring.Product(), LicenceKey: s.LicenceKey, MachineUID: issued,
		Serial: code.Serial, Day: codec.DayOf(o.eff)}.Text()
	if err != nil {
		return o.status(c.Machine), err
	}
	// The code is given up before the server is asked: whatever happens
	// next, this product does not use it again.
	s.Code, s.Certificate, s.Online, s.Released, s.Deactivation = "", "", nil, code.Serial, text
	if err := o.save(issued); err != nil {
		return Status{State: ActivationRequired, Reason: err}, err
	}
	st := Status{State: Deactivated, LicenceKey: s.LicenceKey, DeactivationCode: text}
	if c.Server == nil {
		return st, nil
	}
	d, err := c.Server.Deactivate(ctx, c.request(o, s.LicenceKey, issued))
	if err != nil {
		return st, err
	}
	s.Deactivation = ""
	if err := o.save(issued); err != nil {
		return st, err
	}
	st.DeactivationCode, st.ActiveCount = "", d.ActiveCount
	return st, nil
}

// Watch runs Start now and again whenever the next online step is due
// (the server's ValidateAfter, with jitter; after RetryOffline when the
// server was not reached, or later if it asked with Retry-After), calling
// notify with each result, until ctx ends (its error) or there is
// nothing left to do online (nil: an offline activation, a deactivated,
// revoked or changed machine).
func (c *Client) Watch(ctx context.Context, notify func(Status, error)) error {
	for {
		st, err := c.Start(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		notify(st, err)
		wait, ok := c.nextWait(st, err)
		if !ok {
			return nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// nextWait is how long Watch waits before the next Start, if at all.
func (c *Client) nextWait(st Status, err error) (time.Duration, bool) {
	if c.Server == nil {
		return 0, false
	}
	retry := c.RetryOffline
	if retry <= 0 {
		retry = DefaultRetryOffline
	}
	var se *ServerError
	if errors.As(err, &se) && se.RetryAfter > retry {
		retry = se.RetryAfter
	}
	var wait time.Duration
	online := !st.ValidateAfter.IsZero()
	switch {
	case online && st.State == Activated && err == nil:
		wait = st.ValidateAfter.Sub(c.now())
	case online && (st.State == Activated || st.State == ActivatedOffline || st.State == ValidationRequired || st.State == Expired):
		wait = retry
	case (st.State == InGrace || st.State == ActivationRequired) && c.LicenceKey != "" && err != nil:
		wait = retry
	case (st.State == Revoked || st.State == Expired) && recoverable[st.ServerCode]:
		wait = retry
	case st.State == ClockTampering && err != nil:
		// The fresh code was not had (no answer, or not fresh yet): ask
		// again. Without an online activation validate asks nothing and
		// says no error.
		wait = retry
	default:
		return 0, false
	}
	// Jitter spreads the products that started together (after a power
	// cut, a server restart) over a tenth of the wait: a thundering herd
	// at the licence server is what makes it answer 429 and 503. A time
	// already past (a slow Start) is due now.
	wait = max(wait, 0)
	wait += rand.N(wait/10 + 1)
	minWait := c.minWait
	if minWait == 0 {
		minWait = time.Minute
	}
	return max(wait, minWait), true
}

// schedule turns an answer into its schedule, with the Client's
// defaults for what the answer leaves out. The server's times are taken
// as sent (only the code is signed; TLS is what protects the rest), but
// a validation is never due after the offline grace ends.
func (c *Client) schedule(a Answer) *schedule {
	grace := a.OfflineGrace
	if grace <= 0 {
		grace = c.OfflineGrace
	}
	if grace <= 0 {
		grace = DefaultOfflineGrace
	}
	every := a.ValidateEvery
	if every <= 0 {
		every = DefaultValidateEvery
	}
	return &schedule{every: min(every, grace), grace: grace}
}
