package signer

import (
	"context"

	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
)

// Plans returns a product's plans (licence types).
func (s *Service) Plans(ctx context.Context, product string) ([]licensing.Plan, error) {
	var out []licensing.Plan
	err := s.store.View(ctx, func(r ledger.Reader) (err error) {
		out, err = r.Plans(product)
		return err
	})
	return out, err
}

// PutPlan adds or changes a plan. Licences already made keep their
// seats, expiry and features; leases, validation and the release budget
// follow the plan from now on.
func (s *Service) PutPlan(ctx context.Context, pl licensing.Plan) (licensing.Plan, error) {
	err := s.store.Update(ctx, func(tx ledger.Tx) error {
		p, err := tx.Product(pl.Product)
		if err != nil {
			return err
		}
		if pl.Features == nil {
			pl.Features = []string{}
		}
		if err := pl.Validate(p); err != nil {
			return err
		}
		if err := tx.PutPlan(pl); err != nil {
			return err
		}
		return audit(tx, s.now(), ledger.ProductChain(p.ID), ledger.ActionProductPlan, p.ID, pl)
	})
	return pl, err
}

// plan finds a licence's plan in a transaction; a licence without one
// (or whose plan was removed) has no lease and no release budget.
func plan(r ledger.Reader, li licensing.Licence) (licensing.Plan, bool, error) {
	if li.Plan == "" {
		return licensing.Plan{}, false, nil
	}
	return r.Plan(li.Product, li.Plan)
}

// findPlan looks a plan up by ID for a new licence or a change.
func findPlan(r ledger.Reader, product, id string) (licensing.Plan, error) {
	pl, ok, err := r.Plan(product, id)
	if err == nil && !ok {
		err = &licensing.Refusal{Reason: licensing.ErrUnknownPlan, Product: product, Detail: "plan " + id}
	}
	return pl, err
}

// LicenceChange changes a licence's plan, seats, features or customer;
// nil fields stay as they are.
type LicenceChange struct {
	Plan     *string
	Seats    *int
	Features *[]string
	Customer *string
}

// ChangeLicence applies a change, recorded in the audit trail with the
// licence's terms after it. A new plan brings its seats and features
// unless the change names them.
func (s *Service) ChangeLicence(ctx context.Context, key string, c LicenceChange) (licensing.Licence, error) {
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
		p, err := tx.Product(li.Product)
		if err != nil {
			return err
		}
		seats, features := c.Seats, c.Features
		if c.Plan != nil {
			pl, err := findPlan(tx, li.Product, *c.Plan)
			if err != nil {
				return err
			}
			li.Plan = pl.ID
			if seats == nil {
				seats = &pl.Seats
			}
			if features == nil {
				features = &pl.Features
			}
		}
		if seats != nil {
			if err := licensing.CheckSeats(*seats, li.InUse); err != nil {
				return err
			}
			li.Seats = *seats
		}
		if features != nil {
			bits, err := p.FeatureBits(*features)
			if err != nil {
				return err
			}
			li.Bits, li.Features = bits, p.FeatureNames(bits)
		}
		if c.Customer != nil {
			if len(*c.Customer) > licensing.MaxCustomerLen {
				return &licensing.Refusal{Reason: licensing.ErrInvalid, Detail: "customer text is too long"}
			}
			li.Customer = *c.Customer
		}
		if err := tx.UpdateLicence(li); err != nil {
			return err
		}
		if err := audit(tx, s.now(), ledger.LicenceChain(li.Key), "licence.change", li.Display, ledger.NewLicenceEvent(li, "")); err != nil {
			return err
		}
		out, err = tx.Licence(norm)
		return err
	})
	return out, err
}
