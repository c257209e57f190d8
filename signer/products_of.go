package signer

import (
	"context"
	"sync"

	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
)

// maxRemembered bounds the licences whose product a service remembers:
// past it, the memory starts over, so a flood of distinct keys costs
// reads, never memory.
const maxRemembered = 1 << 16

// productsOf remembers the product of each licence it was asked about. A
// licence's product is fixed when it is made (UpdateLicence changes
// seats, expiry, features, customer, status and plan, never the
// product) and licences are never deleted, so an answer never goes
// stale.
type productsOf struct {
	mu sync.Mutex
	m  map[string]string
}

// LicenceProduct returns the product a licence (any spelling of its key)
// is for: what a fingerprint sent as a machine ID is mapped with. After
// the first call for a licence it reads nothing, so a product that sends
// fingerprints pays no extra round trip per request; the first reads the
// licence's terms in one statement, without its machines.
func (s *Service) LicenceProduct(ctx context.Context, key string) (string, error) {
	norm, err := licensing.ParseLicenceKey(key)
	if err != nil {
		return "", err
	}
	s.products.mu.Lock()
	p, ok := s.products.m[norm]
	s.products.mu.Unlock()
	if ok {
		return p, nil
	}
	var li licensing.Licence
	read := func(r ledger.Reader) (err error) {
		li, err = r.Terms(norm)
		return err
	}
	// A licence's product never changes, so a replica that knows the
	// licence answers it as the primary would; one that does not (a
	// licence made a moment ago) leaves it to the primary.
	if !s.readReplica(ctx, false, read) {
		if err := s.store.Read(ctx, read); err != nil {
			return "", err
		}
	}
	s.products.mu.Lock()
	defer s.products.mu.Unlock()
	if s.products.m == nil || len(s.products.m) >= maxRemembered {
		s.products.m = map[string]string{}
	}
	s.products.m[norm] = li.Product
	return li.Product, nil
}
