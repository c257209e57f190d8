package signer

import (
	"context"
	"io"
	"time"

	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
)

// ErrTokenRefused is the one answer to a token that is unknown, wrong,
// expired, revoked or without the scope: the caller learns nothing more.
var ErrTokenRefused = &licensing.Refusal{Reason: licensing.ErrInvalid, Detail: "the API token is not valid for this"}

// NewToken makes an API token; its text is returned once and only its
// hash is stored. The audit trail records the token as stored (its hash,
// never its secret), so that a token added or changed by hand is named by
// ledger verify.
func (s *Service) NewToken(ctx context.Context, rand io.Reader, name, scope string, ttl time.Duration) (licensing.Token, string, error) {
	t, text, err := licensing.NewToken(rand, name, scope, s.now(), ttl)
	if err != nil {
		return t, "", err
	}
	return t, text, s.insertToken(ctx, t)
}

// insertToken records a new token and its audit entry in one transaction.
func (s *Service) insertToken(ctx context.Context, t licensing.Token) error {
	return s.store.Update(ctx, func(tx ledger.Tx) error {
		if err := tx.InsertToken(t); err != nil {
			return err
		}
		return audit(tx, s.now(), ledger.TokenChain(), ledger.ActionTokenNew, t.ID, ledger.NewTokenEvent(t))
	})
}

// Tokens lists the API tokens (never their secrets).
func (s *Service) Tokens(ctx context.Context) ([]licensing.Token, error) {
	var out []licensing.Token
	err := s.store.View(ctx, func(r ledger.Reader) (err error) {
		out, err = r.Tokens()
		return err
	})
	return out, err
}

// RevokeToken revokes an API token at once.
func (s *Service) RevokeToken(ctx context.Context, id string) error {
	return s.store.Update(ctx, func(tx ledger.Tx) error {
		ok, err := tx.RevokeToken(id)
		if err != nil {
			return err
		}
		if !ok {
			return &licensing.Refusal{Reason: licensing.ErrInvalid, Detail: "no live token " + id}
		}
		return audit(tx, s.now(), ledger.TokenChain(), ledger.ActionTokenRevoke, id, map[string]any{})
	})
}

// CheckToken accepts a token's text for a scope.
func (s *Service) CheckToken(ctx context.Context, text, scope string) (licensing.Token, error) {
	t, err := s.token(ctx, text)
	if err != nil {
		return t, err
	}
	if !t.Accepts(text, scope, s.now()) {
		return licensing.Token{}, ErrTokenRefused
	}
	return t, nil
}
