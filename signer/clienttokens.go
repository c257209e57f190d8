package signer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
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
	if scope == licensing.ScopeLicence {
		return t, text, s.insertLicenceToken(ctx, t, false)
	}
	return t, text, s.insertToken(ctx, t)
}

// NewCustomerToken makes a customer API token for the licence with key
// (as typed) at its customer's request (the portal's licence page): as
// NewClientToken with scope licence, but refused (ErrSuspended,
// ErrRevoked) unless the licence is active when the token is stored.
func (s *Service) NewCustomerToken(ctx context.Context, rand io.Reader, key, name string, ttl time.Duration) (licensing.Token, string, error) {
	li, err := s.Licence(ctx, key)
	if err != nil {
		return licensing.Token{}, "", err
	}
	t, text, err := licensing.NewClientToken(rand, name, licensing.ScopeLicence, li.Key, s.now(), ttl)
	if err != nil {
		return t, "", err
	}
	return t, text, s.insertLicenceToken(ctx, t, true)
}

// insertLicenceToken stores a licence token in the transaction that
// locks its licence's row and counts the licence's live tokens, so that
// MaxLicenceTokens holds however many instances make tokens at once; with
// active, the licence must also be neither suspended nor revoked.
func (s *Service) insertLicenceToken(ctx context.Context, t licensing.Token, active bool) error {
	now := s.now()
	return s.store.Update(ctx, func(tx ledger.Tx) error {
		li, err := tx.LicenceForUpdate(t.Subject)
		if err != nil {
			return err
		}
		if active {
			if err := changeable(li); err != nil {
				return err
			}
		}
		all, err := tx.Tokens()
		if err != nil {
			return err
		}
		n := 0
		for _, o := range all {
			if o.Scope == licensing.ScopeLicence && o.Subject == li.Key && o.Live(now) {
				n++
			}
		}
		if n >= licensing.MaxLicenceTokens {
			return &licensing.Refusal{Reason: licensing.ErrTokenLimit, Licence: li.Display,
				Detail: fmt.Sprintf("it has %d live API tokens, the most it may have; revoke one first", n)}
		}
		if err := tx.InsertToken(t); err != nil {
			return err
		}
		return audit(tx, now, ledger.TokenChain(), ledger.ActionTokenNew, t.ID, ledger.NewTokenEvent(t))
	})
}

// changeable refuses a suspended or revoked licence's customer: they may
// look at it, not change its tokens.
func changeable(li licensing.Licence) error {
	switch li.Status {
	case licensing.Suspended:
		return &licensing.Refusal{Reason: licensing.ErrSuspended, Licence: li.Display, Detail: "its API tokens cannot be changed while it is suspended"}
	case licensing.Revoked:
		return &licensing.Refusal{Reason: licensing.ErrRevoked, Licence: li.Display, Detail: "its API tokens cannot be changed"}
	}
	return nil
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

// RevokeLicenceToken revokes a token of the licence with key at its
// customer's request (the portal): a customer revokes only their
// licence's own live tokens, and only while the licence is active
// (ErrSuspended, ErrRevoked), checked in the transaction that revokes.
func (s *Service) RevokeLicenceToken(ctx context.Context, key, id string) error {
	li, err := s.Licence(ctx, key)
	if err != nil {
		return err
	}
	now := s.now()
	return s.store.Update(ctx, func(tx ledger.Tx) error {
		li, err := tx.LicenceForUpdate(li.Key)
		if err != nil {
			return err
		}
		if err := changeable(li); err != nil {
			return err
		}
		t, found, err := tx.Token(id)
		if err != nil {
			return err
		}
		if !found || t.Scope != licensing.ScopeLicence || t.Subject != li.Key || t.Revoked {
			return &licensing.Refusal{Reason: licensing.ErrInvalid, Detail: "this licence has no live API token " + printableID(id)}
		}
		if ok, err := tx.RevokeToken(id); err != nil || !ok {
			if err == nil {
				err = &licensing.Refusal{Reason: licensing.ErrInvalid, Detail: "this licence has no live API token " + printableID(id)}
			}
			return err
		}
		return audit(tx, now, ledger.TokenChain(), ledger.ActionTokenRevoke, id, map[string]any{})
	})
}

// printableID is a token ID as a refusal may repeat it: twelve hex
// digits, or nothing (a form's field is anything the client sent, even a
// whole token's text).
func printableID(id string) string {
	if len(id) != 12 || strings.Trim(id, "0123456789abcdef") != "" {
		return "with that ID"
	}
	return id
}
