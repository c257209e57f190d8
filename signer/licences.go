package signer

import (
	"context"
	"io"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
)

// NewLicence creates a licence and returns it with its new key, drawn
// from rand (crypto/rand.Reader in production).
func (s *Service) NewLicence(ctx context.Context, rand io.Reader, spec licensing.LicenceSpec) (licensing.Licence, error) {
	var out licensing.Licence
	err := s.store.Update(ctx, func(tx ledger.Tx) error {
		p, err := tx.Product(spec.Product)
		if err != nil {
			return err
		}
		now := s.now()
		if spec.Plan != "" {
			pl, err := findPlan(tx, p.ID, spec.Plan)
			if err != nil {
				return err
			}
			spec = spec.FromPlan(pl, codec.DayOf(now))
		}
		li, err := licensing.NewLicence(rand, p, spec, codec.DayOf(now), now)
		if err != nil {
			return err
		}
		if err := tx.InsertLicence(li); err != nil {
			return err
		}
		if err := audit(tx, now, ledger.LicenceChain(li.Key), ledger.ActionLicenceNew, li.Display, ledger.NewLicenceEvent(li, "")); err != nil {
			return err
		}
		out, err = tx.Licence(li.Key)
		return err
	})
	return out, err
}

// Licence returns a licence, its seats in use and the machines holding
// them.
func (s *Service) Licence(ctx context.Context, key string) (licensing.Licence, error) {
	norm, err := licensing.ParseLicenceKey(key)
	if err != nil {
		return licensing.Licence{}, err
	}
	var li licensing.Licence
	read := func(r ledger.Reader) (err error) {
		li, err = r.Licence(norm)
		return err
	}
	// From the replica if there is one; a licence it does not know yet
	// (made since its last replay), or a replica that failed, is read
	// from the primary.
	if s.readReplica(ctx, true, read) {
		return li, nil
	}
	err = s.store.View(ctx, read)
	return li, err
}

// Licences lists licences, of one product or all.
func (s *Service) Licences(ctx context.Context, product string) ([]licensing.Licence, error) {
	var out []licensing.Licence
	err := s.store.View(ctx, func(r ledger.Reader) (err error) {
		out, err = r.Licences(product)
		return err
	})
	return out, err
}

// change applies one recorded change to a licence; the audit entry
// records the licence's terms after it.
func (s *Service) change(ctx context.Context, key, action, reason string, fn func(li *licensing.Licence) error) (licensing.Licence, error) {
	norm, err := licensing.ParseLicenceKey(key)
	if err != nil {
		return licensing.Licence{}, err
	}
	var out licensing.Licence
	err = s.store.Update(ctx, func(tx ledger.Tx) error {
		li, err := tx.LicenceForUpdate(norm)
		if err != nil {
			return err
		}
		if err := li.Changeable(); err != nil {
			return err
		}
		if err := fn(&li); err != nil {
			return err
		}
		if err := tx.UpdateLicence(li); err != nil {
			return err
		}
		if err := audit(tx, s.now(), ledger.LicenceChain(li.Key), action, li.Display, ledger.NewLicenceEvent(li, reason)); err != nil {
			return err
		}
		out, err = tx.Licence(norm)
		return err
	})
	return out, err
}

// Suspend stops issuing for a licence until Resume; codes already issued
// keep working offline until they expire.
func (s *Service) Suspend(ctx context.Context, key, reason string) (licensing.Licence, error) {
	return s.setStatus(ctx, key, licensing.Suspended, "licence.suspend", reason)
}

// Resume lifts a suspension.
func (s *Service) Resume(ctx context.Context, key, reason string) (licensing.Licence, error) {
	return s.setStatus(ctx, key, licensing.Active, "licence.resume", reason)
}

// Revoke ends a licence for good: no more codes, no changes.
func (s *Service) Revoke(ctx context.Context, key, reason string) (licensing.Licence, error) {
	return s.setStatus(ctx, key, licensing.Revoked, "licence.revoke", reason)
}

func (s *Service) setStatus(ctx context.Context, key string, status licensing.Status, action, reason string) (licensing.Licence, error) {
	return s.change(ctx, key, action, reason, func(li *licensing.Licence) error {
		li.Status = status
		return nil
	})
}

// Extend sets a new expiry day (or codec.NoExpiry).
func (s *Service) Extend(ctx context.Context, key string, expires codec.Day) (licensing.Licence, error) {
	return s.change(ctx, key, "licence.extend", "", func(li *licensing.Licence) error {
		li.Expires = expires
		return nil
	})
}

// SetSeats changes the number of seats; it cannot go below the seats in
// use.
func (s *Service) SetSeats(ctx context.Context, key string, seats int) (licensing.Licence, error) {
	return s.change(ctx, key, "licence.seats", "", func(li *licensing.Licence) error {
		if err := licensing.CheckSeats(seats, li.InUse); err != nil {
			return err
		}
		li.Seats = seats
		return nil
	})
}
