package signer

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"time"

	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
)

// Portal sessions live in the ledger, not in one process: behind a load
// balancer every instance knows every session, a restart signs no one
// out, and a staff session ends the moment its API token is revoked or
// expires, because its scope is read from the token each time.

// ErrNoSession is the one answer to a session token that is unknown,
// expired or malformed, or whose API token no longer holds: the caller
// signs in again.
var ErrNoSession = errors.New("no such session (signed out, expired, or its API token was revoked)")

// sessionTokenLen is the length of a session token's text: 32 random
// bytes, base64url without padding.
const sessionTokenLen = 43

// Session is a signed-in portal session: a customer's licence, or a
// member of the vendor's staff with their API token's scope.
type Session struct {
	// Licence is the licence's normal form, for a customer.
	Licence string
	// Scope is licensing.ScopeRead or ScopeAdmin, for staff; "" for a
	// customer.
	Scope   string
	Expires time.Time
}

// StartCustomerSession signs a customer in to one licence and returns the
// session token for their cookie; only its hash is stored.
func (s *Service) StartCustomerSession(ctx context.Context, rand io.Reader, licence string, ttl time.Duration) (string, error) {
	// The licence must exist: any text of letters and digits parses (it
	// may be an imported legacy key), so parsing alone proves nothing.
	li, err := s.Licence(ctx, licence)
	if err != nil {
		return "", err
	}
	return s.startSession(ctx, rand, ledger.Session{Licence: li.Key}, ttl)
}

// StartStaffSession signs a member of staff in with an API token they
// presented (CheckToken accepted it) and returns the session token. The
// session never outlives the API token.
func (s *Service) StartStaffSession(ctx context.Context, rand io.Reader, tok licensing.Token, ttl time.Duration) (string, error) {
	if tok.ID == "" {
		return "", ErrTokenRefused
	}
	return s.startSession(ctx, rand, ledger.Session{Token: tok.ID}, ttl)
}

func (s *Service) startSession(ctx context.Context, rand io.Reader, sess ledger.Session, ttl time.Duration) (string, error) {
	var b [32]byte
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return "", err
	}
	text := base64.RawURLEncoding.EncodeToString(b[:])
	h := sha256.Sum256([]byte(text))
	sess.Hash, sess.Created = h[:], s.now()
	sess.Expires = sess.Created.Add(ttl)
	if err := s.store.Update(ctx, func(tx ledger.Tx) error { return tx.InsertSession(sess) }); err != nil {
		return "", err
	}
	return text, nil
}

// Session returns the live session of a token, or ErrNoSession. A staff
// session has its API token's scope as it is now.
func (s *Service) Session(ctx context.Context, text string) (Session, error) {
	if len(text) != sessionTokenLen {
		return Session{}, ErrNoSession
	}
	h := sha256.Sum256([]byte(text))
	var ls ledger.Session
	var tok licensing.Token
	var found, tokFound bool
	// Read, not View: every page a signed-in person opens asks, and a
	// token revoked between the two reads is refused on the next page.
	err := s.store.Read(ctx, func(r ledger.Reader) (err error) {
		if ls, found, err = r.Session(h[:]); err != nil || !found || ls.Token == "" {
			return err
		}
		tok, tokFound, err = r.Token(ls.Token)
		return err
	})
	if err != nil {
		return Session{}, err
	}
	now := s.now()
	if !found || !now.Before(ls.Expires) {
		return Session{}, ErrNoSession
	}
	if ls.Token == "" {
		return Session{Licence: ls.Licence, Expires: ls.Expires}, nil
	}
	if !tokFound || tok.Revoked || !now.Before(tok.Expires) {
		return Session{}, ErrNoSession
	}
	exp := ls.Expires
	if tok.Expires.Before(exp) {
		exp = tok.Expires
	}
	return Session{Scope: tok.Scope, Expires: exp}, nil
}

// EndSession signs a session out; an unknown token is not an error.
func (s *Service) EndSession(ctx context.Context, text string) error {
	if len(text) != sessionTokenLen {
		return nil
	}
	h := sha256.Sum256([]byte(text))
	return s.store.Update(ctx, func(tx ledger.Tx) error { return tx.DeleteSession(h[:]) })
}
