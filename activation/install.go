package activation

import (
	"errors"
	"fmt"
	"time"

	"github.com/actkit/actkit/codec"
)

// ErrUpdateRefusesCode: the keyring update would refuse the activation
// code this machine holds (it revokes the delegated key or root that
// signed it). It is not installed, so that an honest customer is never
// locked out by a revocation; the way on is a new activation code
// (RequestCode, then Activate), and then the update.
var ErrUpdateRefusesCode = errors.New("this keyring update refuses the activation code this machine holds")

// InstallKeyring installs a root-signed keyring update given to the
// product by hand: the air-gapped site's counterpart of the update an
// online answer carries. It is checked as every update is
// (verify.Keyring.Update: signed by the roots of the keyring in use, a
// version not below it, not expired) at the effective time (the later
// of now and the latest time this product saw), so a clock wound back
// cannot install an expired update. The same update again changes
// nothing and is no error.
//
// Unlike an update in an online answer, which is ignored when it fails
// a check, this returns the verifier's error (errors.Is with
// verify.ErrRolledBack, ErrUpdateExpired, ErrInsufficientSignatures,
// ...): the person who carried the file over needs to know it did not
// take. An update that would refuse the stored code is refused with
// ErrUpdateRefusesCode. The Status is the state after the call.
func InstallKeyring(cfg Config, update string, current codec.MachineUID, now time.Time) (Status, error) {
	if err := cfg.defaults(); err != nil {
		return Status{}, err
	}
	s, eff, early, err := cfg.open(now, current)
	if err != nil {
		return Status{State: ActivationRequired, Reason: err}, err
	}
	before := cfg.evaluate(s, eff, early, current)
	kr, err := cfg.Keyring.Update(update, eff)
	if err != nil {
		return before, fmt.Errorf("activation: keyring update not installed: %w", err)
	}
	if kr.Version() == cfg.Keyring.Version() {
		return before, nil // installed already
	}
	if s.Code != "" {
		uid, uerr := codec.ParseMachineUID(s.MachineUID)
		if uerr == nil {
			was := status(cfg, s.LicenceKey, s.Code, s.Certificate, uid, eff)
			after := cfg
			after.Keyring = kr
			if is := status(after, s.LicenceKey, s.Code, s.Certificate, uid, eff); was.State == Activated && is.State != Activated {
				return before, fmt.Errorf("%w (%w): ask the vendor for a new activation code first, then install the update", ErrUpdateRefusesCode, is.Reason)
			}
		}
	}
	at := eff
	cfg.Keyring, s.Keyring, s.KeyringAt = kr, kr.Text(), &at
	if err := save(cfg.StatePath, s, newStateKey(cfg.StateKey, cfg.Keyring.Product(), current)); err != nil {
		return before, fmt.Errorf("activation: writing %s: %w", cfg.StatePath, err)
	}
	return cfg.evaluate(s, eff, early, current), nil
}

// InstallKeyring is the package's InstallKeyring at the Client's clock,
// for the Client's machine.
func (c *Client) InstallKeyring(update string) (Status, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return InstallKeyring(c.Config, update, c.Machine, c.now())
}
