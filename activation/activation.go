package activation

import (
	"errors"
	"fmt"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/verify"
)

// Defaults for Config.
const (
	DefaultGrace          = 7 * 24 * time.Hour
	DefaultClockTolerance = 2 * time.Hour
)

// Config is the product's activation setup.
type Config struct {
	// Keyring is the product's pinned keyring (verify.ParseKeyring of the
	// text the vendor exported).
	Keyring *verify.Keyring
	// StatePath is where the state file lives (a per-machine location the
	// product can write, e.g. under os.UserConfigDir or ProgramData).
	StatePath string
	// Grace is how long the product runs before activation is required.
	Grace time.Duration
	// ClockTolerance is how far the clock may go back behind the latest
	// time seen (NTP steps, manual corrections) before tampering is
	// suspected.
	ClockTolerance time.Duration
	// Policy decides whether a changed machine is still the same one; the
	// zero value means DefaultPolicy (ExactPolicy for the classic recipe).
	Policy MatchPolicy
	// StateKey is a secret of the product's own (a few random bytes
	// compiled in) that keys the state file's MAC, so that its first-run
	// time cannot be edited by someone who reads actkit's source. Optional:
	// without it the MAC still stops hand edits and copies between
	// machines. Changing it makes existing state files read as damaged.
	// With it, a version 1 state file (earlier releases) keeps only a
	// stored code that verifies, never its grace period.
	StateKey []byte
}

func (c *Config) defaults() error {
	if c.Keyring == nil || c.StatePath == "" {
		return errors.New("activation: Config needs a Keyring and a StatePath")
	}
	if c.Grace == 0 {
		c.Grace = DefaultGrace
	}
	if c.ClockTolerance == 0 {
		c.ClockTolerance = DefaultClockTolerance
	}
	if c.Policy.isZero() {
		c.Policy = DefaultPolicy
	}
	return nil
}

// open loads the state, starting it on first run, and moves the latest
// time seen forward. It returns the effective time (the later of now and
// the latest time seen), or a ClockTampering status.
func (c *Config) open(now time.Time, current codec.MachineUID) (*stateFile, time.Time, *Status, error) {
	key := newStateKey(c.StateKey, c.Keyring.Product(), current)
	s, err := load(c.StatePath, key)
	if err == nil && s != nil && s.Version == 1 {
		s, err = c.migrate(s, now)
	}
	var note error
	switch {
	case errors.Is(err, errDamaged):
		// A damaged file must not hand out a fresh grace period: start one
		// that is already over.
		s = &stateFile{FirstRun: now.Add(-c.Grace), LatestSeen: now}
		note = fmt.Errorf("%w; the grace period is not restarted", errDamaged)
	case err != nil:
		return nil, now, nil, fmt.Errorf("activation: reading %s: %w", c.StatePath, err)
	case s == nil:
		s = &stateFile{FirstRun: now, LatestSeen: now}
	}
	if s.Keyring != "" && s.KeyringAt != nil {
		// The installed update, checked again against the keyring the
		// product was built with (its roots' signatures, no rollback):
		// the state file is only as trustworthy as its MAC.
		if kr, err := c.Keyring.Update(s.Keyring, *s.KeyringAt); err == nil {
			c.Keyring = kr
		}
	}
	if now.Before(s.LatestSeen.Add(-c.ClockTolerance)) {
		st := &Status{State: ClockTampering, LicenceKey: s.LicenceKey,
			Reason: fmt.Errorf("it reads %s, but this product already ran at %s", now.UTC().Format(time.RFC3339), s.LatestSeen.Format(time.RFC3339))}
		return s, now, st, nil
	}
	eff := now
	if s.LatestSeen.After(eff) {
		eff = s.LatestSeen // the latest time seen only moves forward
	}
	s.LatestSeen = eff
	if err := save(c.StatePath, s, key); err != nil {
		return nil, now, nil, fmt.Errorf("activation: writing %s: %w", c.StatePath, err)
	}
	if note != nil {
		return s, eff, &Status{State: ActivationRequired, Reason: note}, nil
	}
	return s, eff, nil, nil
}

// migrate reads a version 1 state file, whose checksum anyone can
// recompute: with it, a forged file could say that the product first ran
// today and so restart the grace period. Once the product has a StateKey
// such a file grants nothing it cannot prove. One that carries a code
// verifying for its licence key and machine keeps that code (the vendor's
// signature is the evidence, not the file), with a grace period that is
// already over; any other is damaged, which starts no grace period either.
// Without a StateKey the version 2 MAC key comes from public values and
// is no harder to forge than version 1, so the file is read as it is.
func (c *Config) migrate(s *stateFile, now time.Time) (*stateFile, error) {
	if len(c.StateKey) == 0 {
		return s, nil
	}
	uid, err := codec.ParseMachineUID(s.MachineUID)
	if s.Code == "" || err != nil {
		return nil, errDamaged
	}
	at := now
	if s.LatestSeen.After(at) {
		at = s.LatestSeen
	}
	st := status(*c, s.LicenceKey, s.Code, s.Certificate, uid, at)
	if st.State != Activated {
		return nil, errDamaged
	}
	if over := s.LatestSeen.Add(-c.Grace); s.FirstRun.After(over) {
		s.FirstRun = over
	}
	s.IssuedSeen = max(s.IssuedSeen, st.Terms.Issued)
	return s, nil
}

// Check returns the licence state on this machine at time now. It
// records the first run and the latest time seen; the error is only for
// a state file that cannot be read or written. Check never opens a
// socket: the online states (ActivatedOffline, ValidationRequired,
// SeatLost, Revoked, Deactivated) come from what a Client stored.
func Check(cfg Config, current codec.MachineUID, now time.Time) (Status, error) {
	if err := cfg.defaults(); err != nil {
		return Status{}, err
	}
	s, eff, early, err := cfg.open(now, current)
	if err != nil {
		return Status{State: ActivationRequired, Reason: err}, err
	}
	return cfg.evaluate(s, eff, early, current), nil
}

// evaluate is Check's answer for an opened state.
func (c *Config) evaluate(s *stateFile, eff time.Time, early *Status, current codec.MachineUID) Status {
	if early != nil && (early.State == ClockTampering || s.Code == "") {
		return *early
	}
	switch {
	case s.Released != 0:
		return Status{State: Deactivated, LicenceKey: s.LicenceKey, DeactivationCode: s.Deactivation}
	case s.Lost != "":
		return lostStatus(s.Lost, s.LicenceKey, nil)
	case s.Code == "":
		left := c.Grace - eff.Sub(s.FirstRun)
		if left > 0 {
			return Status{State: InGrace, GraceLeft: left}
		}
		return Status{State: ActivationRequired}
	}
	issued, err := codec.ParseMachineUID(s.MachineUID)
	if err != nil {
		return Status{State: Invalid, Reason: err, LicenceKey: s.LicenceKey}
	}
	diff := CompareUIDs(issued, current)
	if !c.Policy.Matches(diff) {
		return Status{State: MachineChanged, Changes: diff, LicenceKey: s.LicenceKey}
	}
	// The code is bound to the UID it was issued for; the policy has just
	// accepted this machine as that one.
	st := status(*c, s.LicenceKey, s.Code, s.Certificate, issued, eff)
	if s.Online == nil {
		return st
	}
	// An online code is used on the last answer's terms only until the
	// offline grace ends; the server is asked again from ValidateAfter
	// (an expired one too: validation renews a lease).
	on := s.Online
	st.ValidateAfter, st.OfflineUntil = on.ValidateAfter, on.OfflineUntil
	if st.State != Activated {
		return st
	}
	switch {
	case !eff.Before(on.OfflineUntil):
		st.State, st.Reason = ValidationRequired, fmt.Errorf("the licence server last answered at %s", on.Contact.Format(time.RFC3339))
	case !eff.Before(on.ValidateAfter):
		st.State, st.GraceLeft = ActivatedOffline, on.OfflineUntil.Sub(eff)
	}
	return st
}

func status(cfg Config, licence, code, cert string, uid codec.MachineUID, at time.Time) Status {
	// A code from the licence server may be signed by a key a root of
	// this keyring delegated: it is checked with that certificate,
	// against the delegation's limits.
	terms, err := cfg.Keyring.VerifyDelegated(code, cert, verify.Binding{Product: cfg.Keyring.Product(), LicenceKey: licence, MachineUID: uid.String()}, at)
	var ve *verify.Error
	errors.As(err, &ve)
	switch {
	case err == nil:
		return Status{State: Activated, Terms: terms, LicenceKey: licence}
	case errors.Is(err, verify.ErrExpired):
		return Status{State: Expired, ExpiredOn: ve.Day, Reason: err, LicenceKey: licence}
	case errors.Is(err, verify.ErrNotYetValid):
		return Status{State: ClockTampering, Reason: err, LicenceKey: licence}
	}
	return Status{State: Invalid, Reason: err, LicenceKey: licence}
}

// Activate checks a code typed or pasted by the user and, if it is valid
// for this licence key and machine, stores it. On failure the state is
// unchanged and the error is the verifier's (errors.Is with the verify
// sentinels; for a single typo the *verify.Error carries a suggestion),
// or ErrGivenUp for the code this machine gave up by deactivating. A
// typed code is an offline activation: it is never validated online.
func Activate(cfg Config, licenceKey, code string, current codec.MachineUID, now time.Time) (Status, error) {
	if err := cfg.defaults(); err != nil {
		return Status{}, err
	}
	s, eff, early, err := cfg.open(now, current)
	if err != nil {
		return Status{State: ActivationRequired, Reason: err}, err
	}
	return cfg.accept(s, eff, early, licenceKey, code, "", current, now, nil)
}

// schedule is how an online answer says to use its code: validate again
// after every, use it without an answer for grace.
type schedule struct{ every, grace time.Duration }

// accept verifies a code, typed or from the licence server's answer (the
// same checks for both), for licenceKey on machine uid and stores it with
// its online schedule (nil for a typed code).
func (c *Config) accept(s *stateFile, eff time.Time, early *Status, licenceKey, code, cert string, uid codec.MachineUID, now time.Time, sch *schedule) (Status, error) {
	if norm, err := codec.NormalizeLicenceKey(licenceKey); err == nil {
		licenceKey = norm // keys typed with look-alikes (O for 0) are read correctly
	}
	if early != nil && early.State == ClockTampering {
		// The clock is behind the latest time seen. A code the vendor
		// issued after every code this product stored is evidence of
		// today's date: if it verifies at the clock's reading and was
		// issued within FreshCodeWindow of it, the clock is believed and
		// the latest time seen moves back to it. An old code kept from
		// before cannot do this: its issue day is not after the stored
		// one's.
		st := status(*c, licenceKey, code, cert, uid, now)
		if st.State != Activated || !c.fresh(st.Terms.Issued, s.IssuedSeen, now) {
			return *early, early.Reason
		}
		s.LatestSeen, eff = now, now
		if s.FirstRun.After(now) {
			s.FirstRun = now
		}
	}
	st := status(*c, licenceKey, code, cert, uid, eff)
	if st.State != Activated {
		return st, st.Reason
	}
	if sch == nil && s.Released != 0 && st.Terms.Serial == s.Released && licenceKey == s.LicenceKey {
		// This machine gave that code up and showed a deactivation code
		// for it: typed in again, it would hold a seat the vendor freed.
		return Status{State: Deactivated, LicenceKey: s.LicenceKey, DeactivationCode: s.Deactivation}, ErrGivenUp
	}
	canon, _ := codec.CanonicalText(code)
	s.LicenceKey, s.Code, s.Certificate, s.MachineUID = licenceKey, canon, cert, uid.String()
	s.IssuedSeen = max(s.IssuedSeen, st.Terms.Issued)
	s.Lost, s.Released, s.Deactivation = "", 0, ""
	s.Online = nil
	if sch != nil {
		s.Online = &onlineState{Contact: eff, ValidateAfter: eff.Add(sch.every), OfflineUntil: eff.Add(sch.grace)}
		st.ValidateAfter, st.OfflineUntil = s.Online.ValidateAfter, s.Online.OfflineUntil
	}
	if err := save(c.StatePath, s, newStateKey(c.StateKey, c.Keyring.Product(), uid)); err != nil {
		return Status{State: ActivationRequired, Reason: err}, fmt.Errorf("activation: writing %s: %w", c.StatePath, err)
	}
	return st, nil
}

// FreshCodeWindow is how long after its issue day a code can still move a
// product out of ClockTampering: a code issued today, typed in this week.
const FreshCodeWindow = 7 * 24 * time.Hour

// fresh reports whether a code issued on day issued is fresh evidence of
// the date at now: issued after every code stored before, and now within
// FreshCodeWindow of its issue day.
func (c *Config) fresh(issued, seen codec.Day, now time.Time) bool {
	return issued > seen && !now.After(issued.End().Add(FreshCodeWindow))
}

// RequestCode returns the request code the user sends to the vendor.
func RequestCode(cfg Config, licenceKey string, current codec.MachineUID, productVersion string) (string, error) {
	if cfg.Keyring == nil {
		return "", errors.New("activation: Config needs a Keyring")
	}
	if norm, err := codec.NormalizeLicenceKey(licenceKey); err == nil {
		licenceKey = norm
	}
	return codec.RequestCode{Product: cfg.Keyring.Product(), LicenceKey: licenceKey, MachineUID: current, ProductVersion: productVersion}.Text()
}
