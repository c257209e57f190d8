package signer

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
)

// ErrNotCovered is the refusal of a licence that a customer API token
// does not act for: the caller learns only that.
var ErrNotCovered = &licensing.Refusal{Reason: licensing.ErrNotCovered, Detail: "the API token does not act for this licence"}

// NewClientToken makes a customer API token (docs/api.md) acting for one
// licence (scope licensing.ScopeLicence, subject a licence key as typed),
// every licence of one customer (ScopeCustomer, subject the customer as
// the licences name it) or every licence of one product (ScopeProduct,
// subject a product ID). As with NewToken, its text is returned once and
// only its hash is stored, and the audit trail records it as stored.
func (s *Service) NewClientToken(ctx context.Context, rand io.Reader, name, scope, subject string, ttl time.Duration) (licensing.Token, string, error) {
	var err error
	switch scope {
	case licensing.ScopeLicence:
		var li licensing.Licence
		if li, err = s.Licence(ctx, subject); err == nil {
			subject = li.Key
		}
	case licensing.ScopeCustomer:
		var ls []licensing.Licence
		if ls, err = s.CustomerLicences(ctx, subject); err == nil && len(ls) == 0 {
			err = &licensing.Refusal{Reason: licensing.ErrUnknownLicence, Detail: "no licence names that customer"}
		}
	case licensing.ScopeProduct:
		_, err = s.Product(ctx, subject)
	}
	if err != nil {
		return licensing.Token{}, "", err
	}
	t, text, err := licensing.NewClientToken(rand, name, scope, subject, s.now(), ttl)
	if err != nil {
		return t, "", err
	}
	return t, text, s.insertToken(ctx, t)
}

// CheckClientToken accepts a customer API token's text; anything else
// (unknown, wrong, expired, revoked, an admin token) is ErrTokenRefused.
func (s *Service) CheckClientToken(ctx context.Context, text string) (licensing.Token, error) {
	t, err := s.token(ctx, text)
	if err != nil {
		return t, err
	}
	if !t.AcceptsClient(text, s.now()) {
		return licensing.Token{}, ErrTokenRefused
	}
	return t, nil
}

// token reads the token that text names, or ErrTokenRefused.
func (s *Service) token(ctx context.Context, text string) (licensing.Token, error) {
	id, ok := licensing.TokenID(text)
	if !ok {
		return licensing.Token{}, ErrTokenRefused
	}
	var t licensing.Token
	var found bool
	err := s.store.View(ctx, func(r ledger.Reader) (err error) {
		t, found, err = r.Token(id)
		return err
	})
	if err != nil {
		return t, err
	}
	if !found {
		return licensing.Token{}, ErrTokenRefused
	}
	return t, nil
}

// Covers returns the licence with key (as typed) if token t acts for it,
// else ErrNotCovered; an unknown key is ErrNotCovered too, so that a
// token's holder cannot probe for other customers' keys.
func (s *Service) Covers(ctx context.Context, t licensing.Token, key string) (licensing.Licence, error) {
	li, err := s.Licence(ctx, key)
	if errors.Is(err, licensing.ErrUnknownLicence) {
		return licensing.Licence{}, ErrNotCovered
	}
	if err != nil {
		return li, err
	}
	if !covers(t, li) {
		return licensing.Licence{}, ErrNotCovered
	}
	return li, nil
}

func covers(t licensing.Token, li licensing.Licence) bool {
	switch t.Scope {
	case licensing.ScopeLicence:
		return li.Key == t.Subject
	case licensing.ScopeCustomer:
		return li.Customer == t.Subject
	case licensing.ScopeProduct:
		return li.Product == t.Subject
	}
	return false
}

// Covered lists the licences a licence or customer token acts for; a
// product token's are not listed (its request names the licence).
func (s *Service) Covered(ctx context.Context, t licensing.Token) ([]licensing.Licence, error) {
	switch t.Scope {
	case licensing.ScopeLicence:
		li, err := s.Licence(ctx, t.Subject)
		if err != nil {
			return nil, err
		}
		return []licensing.Licence{li}, nil
	case licensing.ScopeCustomer:
		return s.CustomerLicences(ctx, t.Subject)
	}
	return nil, nil
}

// CustomerLicences lists the licences whose customer is exactly customer.
func (s *Service) CustomerLicences(ctx context.Context, customer string) ([]licensing.Licence, error) {
	all, err := s.Licences(ctx, "")
	if err != nil {
		return nil, err
	}
	out := []licensing.Licence{}
	for _, li := range all {
		if customer != "" && li.Customer == customer {
			out = append(out, li)
		}
	}
	return out, nil
}

// LicenceTokens lists the customer API tokens that act for exactly the
// licence with key (the portal's licence page), never their secrets.
func (s *Service) LicenceTokens(ctx context.Context, key string) ([]licensing.Token, error) {
	li, err := s.Licence(ctx, key)
	if err != nil {
		return nil, err
	}
	all, err := s.Tokens(ctx)
	if err != nil {
		return nil, err
	}
	out := []licensing.Token{}
	for _, t := range all {
		if t.Scope == licensing.ScopeLicence && t.Subject == li.Key {
			out = append(out, t)
		}
	}
	return out, nil
}

// RevokeLicenceToken revokes a token of the licence with key (the
// portal): a customer revokes only their licence's own tokens.
func (s *Service) RevokeLicenceToken(ctx context.Context, key, id string) error {
	ts, err := s.LicenceTokens(ctx, key)
	if err != nil {
		return err
	}
	for _, t := range ts {
		if t.ID == id {
			return s.RevokeToken(ctx, id)
		}
	}
	return &licensing.Refusal{Reason: licensing.ErrInvalid, Detail: "no live token " + id + " of this licence"}
}
