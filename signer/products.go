package signer

import (
	"context"

	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
)

// AddProduct records a product. Feature names map, in order, to bits 0,
// 1, 2, ...; the prefix starts its licence keys (default: the product ID
// in upper case, letters and digits only).
func (s *Service) AddProduct(ctx context.Context, id, prefix string, features []string) (licensing.Product, error) {
	now := s.now()
	p, err := licensing.NewProduct(id, prefix, features, now)
	if err != nil {
		return p, err
	}
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
