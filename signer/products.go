package signer

import (
	"context"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
)

// AddProduct records a product. Feature names map, in order, to bits 0,
// 1, 2, ...; the prefix starts its licence keys (default: the product ID
// in upper case, letters and digits only).
func (s *Service) AddProduct(ctx context.Context, id, prefix string, features []string) (licensing.Product, error) {
	return s.AddLegacyProduct(ctx, id, prefix, features, "", false)
}

// AddLegacyProduct records a product, as AddProduct does, whose customers
// hold licence keys from another licensing system of the shape pattern
// (codec.KeyPattern; "" for none), accepted with look-alikes resolved if
// lookalikes (docs/format.md section 9.2).
func (s *Service) AddLegacyProduct(ctx context.Context, id, prefix string, features []string, pattern string, lookalikes bool) (licensing.Product, error) {
	now := s.now()
	p, err := licensing.NewProduct(id, prefix, features, now)
	if err != nil {
		return p, err
	}
	if err := checkPattern(pattern); err != nil {
		return p, err
	}
	p.LegacyKeys, p.LegacyLookalikes = pattern, lookalikes && pattern != ""
	err = s.store.Update(ctx, func(tx ledger.Tx) error {
		if err := tx.InsertProduct(p); err != nil {
			return err
		}
		if err := audit(tx, now, ledger.ProductChain(p.ID), ledger.ActionProductAdd, p.ID, p); err != nil {
			return err
		}
		// Every product starts with the default licence types.
		for _, pl := range licensing.DefaultPlans(p) {
			if err := tx.PutPlan(pl); err != nil {
				return err
			}
			if err := audit(tx, now, ledger.ProductChain(p.ID), ledger.ActionProductPlan, p.ID, pl); err != nil {
				return err
			}
		}
		return nil
	})
	return p, err
}

// Product returns a product.
func (s *Service) Product(ctx context.Context, id string) (licensing.Product, error) {
	var p licensing.Product
	err := s.store.View(ctx, func(r ledger.Reader) (err error) {
		p, err = r.Product(id)
		return err
	})
	return p, err
}

// Products lists the products.
func (s *Service) Products(ctx context.Context) ([]licensing.Product, error) {
	var out []licensing.Product
	err := s.store.View(ctx, func(r ledger.Reader) (err error) {
		out, err = r.Products()
		return err
	})
	return out, err
}

// checkPattern refuses a legacy key pattern that does not parse.
func checkPattern(pattern string) error {
	if pattern == "" {
		return nil
	}
	if _, err := codec.ParseKeyPattern(pattern); err != nil {
		return &licensing.Refusal{Reason: licensing.ErrInvalid, Detail: err.Error(), Err: err}
	}
	return nil
}

// ChangeProductKeys sets a product's legacy licence key pattern ("" for
// none) and whether look-alikes resolve, in one audited step. Licences
// already imported keep their keys: the pattern decides which spellings
// the server accepts and what the next import takes.
func (s *Service) ChangeProductKeys(ctx context.Context, id, pattern string, lookalikes bool) (licensing.Product, error) {
	if err := checkPattern(pattern); err != nil {
		return licensing.Product{}, err
	}
	var p licensing.Product
	err := s.store.Update(ctx, func(tx ledger.Tx) (err error) {
		if p, err = tx.Product(id); err != nil {
			return err
		}
		p.LegacyKeys, p.LegacyLookalikes = pattern, lookalikes && pattern != ""
		if err := tx.UpdateProductKeys(p); err != nil {
			return err
		}
		return audit(tx, s.now(), ledger.ProductChain(p.ID), ledger.ActionProductKeys, p.ID,
			ledger.ProductKeysEvent{LegacyKeys: p.LegacyKeys, LegacyLookalikes: p.LegacyLookalikes})
	})
	return p, err
}
