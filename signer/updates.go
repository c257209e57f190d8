package signer

import (
	"slices"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/licensing"
)

// WithKeyringUpdates returns a service like s that knows the root-signed
// keyring updates its answers carry, by product: a product that installs
// the update before checking its code (licensing.Trust.Installs) gets a
// code for the keyring it will then hold. That is how a release whose
// keyring trusts only a root that was rotated out and revoked still
// activates: the rotation, signed by that root, comes with a code of the
// new root.
func (s *Service) WithKeyringUpdates(updates map[string]*codec.Keyring) *Service {
	c := *s
	c.updates = updates
	return &c
}

// trustAfterUpdate is what a product accepts once it has installed the
// keyring update the answer carries, if it will install it; otherwise
// trust as it said it. The product's own checks (docs/format.md section
// 14) decide; this errs on the side of not counting on the update:
//   - a product that holds the update already trusts its keys, and its
//     rotated-out roots issue no delegation it accepts;
//   - a product holding an older keyring installs the update if the
//     update has not expired and is signed by enough of that keyring's
//     roots. The roots are not sent, only every key the keyring trusts:
//     a version 1 keyring's Ed25519 keys are its roots and its threshold
//     is 1, so one of them signing is enough; for a version 2 keyring,
//     every key it trusts must have signed (or be a delegated key the
//     update lists), which covers its roots whatever its threshold.
func (s *Service) trustAfterUpdate(product string, t licensing.Trust) licensing.Trust {
	u := s.updates[product]
	if u == nil || !t.Installs || len(t.Keys) == 0 || t.KeyringVersion > u.Version {
		return t
	}
	roots := make([]codec.KeyID, 0, len(u.Roots))
	for _, r := range u.Roots {
		roots = append(roots, r.ID)
	}
	if t.KeyringVersion == u.Version {
		t.Issuers = roots
		return t
	}
	if codec.DayOf(s.now()) > u.Expires {
		return t
	}
	signed := func(id codec.KeyID) bool {
		return slices.ContainsFunc(u.Signatures, func(sg codec.KeyringSignature) bool { return sg.KeyID == id })
	}
	var keys, delegated []codec.KeyID
	for _, k := range append(slices.Clone(u.Roots), u.Keys...) {
		keys = append(keys, k.ID)
	}
	for _, c := range u.Delegations {
		if p, ok := c.For(product); ok {
			delegated = append(delegated, p.KeyID)
		}
	}
	installs := false
	if t.KeyringVersion == 0 {
		installs = slices.ContainsFunc(t.Keys, signed)
	} else {
		installs = !slices.ContainsFunc(t.Keys, func(id codec.KeyID) bool { return !signed(id) && !slices.Contains(delegated, id) })
	}
	if !installs {
		return t
	}
	t.Keys, t.Issuers = append(keys, delegated...), roots
	return t
}
