package signer

import (
	"context"
	"fmt"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
)

// Deactivated is what a deactivation code named and freed.
type Deactivated struct {
	// Licence is the licence's display key, Product its product, Machine
	// the machine UID the code names.
	Licence, Product, Machine string
	// Serial is the serial of the activation the code gives up: the one
	// freed when the call succeeds.
	Serial uint64
	// Day is the day the product says it gave the code up.
	Day codec.Day
	// InUse is the licence's seats in use once the call ended.
	InUse int
}

// ReleaseCode frees the seat that a deactivation code gives up: the
// vendor's way (like Release, without a release budget) for a product that
// deactivated offline and showed the code to its customer
// (docs/format.md section 12). The code frees only the activation whose
// serial it names: if that machine's seat is held by another activation
// (it activated again after making the code) or by none (the code was
// used already), nothing is freed and the error is ErrNotActivated. The
// answer is filled in whenever the code parses.
func (s *Service) ReleaseCode(ctx context.Context, code string) (Deactivated, error) {
	return s.releaseCode(ctx, "", code, false)
}

// DeactivateCode is ReleaseCode at the customer's request (the licence
// API, the portal): the code's licence key must be licence, the caller's,
// and the release counts against the licence plan's release budget, as
// Deactivate does.
func (s *Service) DeactivateCode(ctx context.Context, licence, code string) (Deactivated, error) {
	norm, err := licensing.ParseLicenceKey(licence)
	if err != nil {
		return Deactivated{}, err
	}
	return s.releaseCode(ctx, norm, code, true)
}

func (s *Service) releaseCode(ctx context.Context, caller, code string, budgeted bool) (Deactivated, error) {
	dc, err := codec.ParseDeactivationCode(code)
	if err != nil {
		return Deactivated{}, &licensing.Refusal{Reason: licensing.ErrInvalidDeactivation, Detail: "the deactivation code is damaged: " + err.Error(), Err: err}
	}
	d := Deactivated{Product: dc.Product, Machine: dc.MachineUID.String(), Serial: dc.Serial, Day: dc.Day}
	if caller != "" && dc.LicenceKey != caller {
		// The code names its licence key; the caller authenticated with
		// theirs. One licence's key must not free another's seats.
		return d, &licensing.Refusal{Reason: licensing.ErrInvalidDeactivation, Detail: "the deactivation code is for another licence key"}
	}
	err = s.store.Update(ctx, func(tx ledger.Tx) error {
		seat, err := tx.Seat(dc.LicenceKey, d.Machine, ledger.SeatQuery{})
		if err != nil {
			return err
		}
		li, cur, found := seat.Licence, seat.Activation, seat.Activated
		d.Licence, d.InUse = li.Display, li.InUse
		if li.Product != dc.Product {
			return &licensing.Refusal{Reason: licensing.ErrWrongProduct, Licence: li.Display, Product: li.Product,
				Detail: "the deactivation code is for product " + dc.Product}
		}
		// The serial is what ties the code to one activation: a code made
		// before the machine activated again must not free the new seat.
		if !found || cur.Serial != dc.Serial {
			detail := fmt.Sprintf("serial %d on machine %s holds no seat", dc.Serial, d.Machine)
			if found {
				detail = fmt.Sprintf("serial %d on machine %s holds no seat: serial %d holds it now", dc.Serial, d.Machine, cur.Serial)
			}
			return &licensing.Refusal{Reason: licensing.ErrNotActivated, Licence: li.Display, Product: li.Product, Detail: detail}
		}
		if budgeted {
			if err := customerMayRelease(li); err != nil {
				return err
			}
			if err := s.withinReleaseBudget(tx, seat); err != nil {
				return err
			}
		}
		why := "released"
		if !budgeted {
			why = vendorReleased
		}
		if _, err = s.releaseSeat(tx, seat, why); err == nil {
			d.InUse -= cur.Seats
		}
		return err
	})
	return d, err
}

// customerMayRelease refuses a customer's release on a revoked licence
// (the licence API, the portal): a revoked licence may see its status but
// change nothing. Freeing one of its seats would give the customer
// nothing (it activates no machine again), while the machines that held
// it when it was revoked are the vendor's record; the vendor's own
// release (Release, ReleaseCode) still frees them. A suspended licence
// may: it is expected back, and the seat it frees is one it can use then.
func customerMayRelease(li licensing.Licence) error {
	if li.Status == licensing.Revoked {
		return &licensing.Refusal{Reason: licensing.ErrRevoked, Licence: li.Display, Product: li.Product,
			Detail: "a revoked licence's seats are freed only by the vendor"}
	}
	return nil
}

// withinReleaseBudget refuses a customer's release past the licence
// plan's budget for the release window (the rule Deactivate applies).
func (s *Service) withinReleaseBudget(tx ledger.Tx, seat ledger.Seat) error {
	li, pl := seat.Licence, seat.Plan
	if !seat.HasPlan || pl.ReleaseBudget <= 0 {
		return nil
	}
	n, err := tx.Releases(li.Key, s.now().Add(-licensing.ReleaseWindow))
	if err != nil {
		return err
	}
	if n >= pl.ReleaseBudget {
		return &licensing.Refusal{Reason: licensing.ErrReleaseBudget, Licence: li.Display, Product: li.Product,
			Detail: fmt.Sprintf("%d of %d used", n, pl.ReleaseBudget)}
	}
	return nil
}
