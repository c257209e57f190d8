package licensing

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"io"
	"strings"
	"time"

	"github.com/mr-tron/base58"
)

// Token scopes.
const (
	// ScopeAdmin reads and changes licences and machines.
	ScopeAdmin = "admin"
	// ScopeRead reads licences, machines and the audit trail.
	ScopeRead = "read"
	// ScopeLicence, ScopeCustomer and ScopeProduct are customer API
	// tokens: they act on the product endpoints (activate, validate,
	// deactivate, GET licence) for one licence (Subject: its key's normal
	// form), for every licence of one customer (Subject: the customer, as
	// the licences name it), or for every licence of one product
	// (Subject: the product ID; the request's licence key decides). They
	// never reach the admin API.
	ScopeLicence  = "licence"
	ScopeCustomer = "customer"
	ScopeProduct  = "product"
)

// MaxLicenceTokens bounds the live (unrevoked, unexpired) customer API
// tokens of one licence (scope licence): a customer who makes tokens on
// the portal in a loop fills neither the ledger nor the token list.
const MaxLicenceTokens = 10

// IsClientScope reports a customer API token's scope.
func IsClientScope(scope string) bool {
	return scope == ScopeLicence || scope == ScopeCustomer || scope == ScopeProduct
}

// Token is an API token for the vendor's own tools: its public ID and the
// hash of its secret, never the secret.
type Token struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Scope   string    `json:"scope"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
	Revoked bool      `json:"revoked"`
	// Subject is what a customer API token acts for (see ScopeLicence);
	// "" for the admin API's tokens.
	Subject string `json:"subject,omitempty"`
	Hash    []byte `json:"-"`
}

const tokenPrefix = "actk_"

// NewToken draws a token; the text (shown once, never stored) is
// "actk_<id>_<secret>".
func NewToken(rand io.Reader, name, scope string, now time.Time, ttl time.Duration) (Token, string, error) {
	if scope != ScopeAdmin && scope != ScopeRead {
		return Token{}, "", refuse(ErrInvalid, "the scope is admin or read")
	}
	return newToken(rand, name, scope, "", now, ttl)
}

// NewClientToken draws a customer API token acting for subject (see
// ScopeLicence), which the caller has checked exists.
func NewClientToken(rand io.Reader, name, scope, subject string, now time.Time, ttl time.Duration) (Token, string, error) {
	if !IsClientScope(scope) {
		return Token{}, "", refuse(ErrInvalid, "a customer token's scope is licence, customer or product")
	}
	if subject == "" || len(subject) > MaxCustomerLen {
		return Token{}, "", refuse(ErrInvalid, "a %s token needs its %s", scope, scope)
	}
	return newToken(rand, name, scope, subject, now, ttl)
}

func newToken(rand io.Reader, name, scope, subject string, now time.Time, ttl time.Duration) (Token, string, error) {
	if ttl <= 0 || ttl > 5*365*24*time.Hour {
		return Token{}, "", refuse(ErrInvalid, "a token lives 1 second to 5 years")
	}
	if len(name) > 64 {
		return Token{}, "", refuse(ErrInvalid, "the name is at most 64 bytes")
	}
	var id [6]byte
	var secret [24]byte
	if _, err := io.ReadFull(rand, id[:]); err != nil {
		return Token{}, "", err
	}
	if _, err := io.ReadFull(rand, secret[:]); err != nil {
		return Token{}, "", err
	}
	t := Token{ID: hex.EncodeToString(id[:]), Name: name, Scope: scope, Subject: subject, Created: now.UTC(), Expires: now.UTC().Add(ttl)}
	text := tokenPrefix + t.ID + "_" + base58.Encode(secret[:])
	t.Hash = tokenHash(text)
	return t, text, nil
}

func tokenHash(text string) []byte {
	h := sha256.Sum256([]byte(text))
	return h[:]
}

// TokenID returns the public ID of a token's text, or false if it does not
// look like a token.
func TokenID(text string) (string, bool) {
	rest, ok := strings.CutPrefix(text, tokenPrefix)
	if !ok || len(text) > 128 {
		return "", false
	}
	id, _, ok := strings.Cut(rest, "_")
	return id, ok && len(id) == 12
}

// Accepts reports whether text is this token's text, it is live at now
// and it grants scope.
func (t Token) Accepts(text, scope string, now time.Time) bool {
	return t.live(text, now) && !IsClientScope(t.Scope) && (t.Scope == scope || t.Scope == ScopeAdmin)
}

// AcceptsClient reports whether text is this token's text, it is live at
// now and it is a customer API token.
func (t Token) AcceptsClient(text string, now time.Time) bool {
	return t.live(text, now) && IsClientScope(t.Scope)
}

// Live reports whether the token is neither revoked nor expired at now.
func (t Token) Live(now time.Time) bool { return !t.Revoked && now.Before(t.Expires) }

func (t Token) live(text string, now time.Time) bool {
	return subtle.ConstantTimeCompare(tokenHash(text), t.Hash) == 1 && !t.Revoked && now.Before(t.Expires)
}

// LooksLikeToken reports text shaped like an API token ("actk_..."): a
// bearer so shaped is a token, never a licence key.
func LooksLikeToken(text string) bool { return strings.HasPrefix(text, tokenPrefix) }
