package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/licensing"
)

// Product calls from clients already in the field (docs/api.md, "Clients
// already in the field"): the bearer is the licence key, as always, or a
// customer API token (licensing.ScopeLicence, ScopeCustomer,
// ScopeProduct) acting for the licence that the body's licenceKey (or
// licenseKey) names.

// caller is what a product call acts for: the licence key (as typed, or
// the ledger's form of it) and, when the bearer was a customer API token,
// that token.
type caller struct {
	key   string
	token *licensing.Token
}

// field reports whether the call is a client already in the field
// (docs/api.md, "Clients already in the field"): it says nothing of what
// it trusts, it came with a customer API token or an imported (legacy)
// licence key, and its machine is not a request code. No actkit product
// that cannot take a delegation certificate ever sent a token or a legacy
// key (activation/online states its trust since it takes either), so such
// a caller checks codes with no actkit keyring, and a code under the
// server's delegation, with its certificate, serves it
// (licensing.Trust.Field). A request code comes from an actkit product
// whose code is typed, with no certificate: never a field client. The
// licence key of actkit's own format as bearer, with nothing stated, is a
// product built before trustedKeys, and keeps the refusal.
func (c caller) field(req ActivateRequest) bool {
	if req.stated() || looksLikeRequestCode(strings.TrimSpace(req.MachineID)) {
		return false
	}
	if c.token != nil {
		return true
	}
	_, legacy, err := codec.LicenceKeyBinding(c.key)
	return err == nil && legacy
}

// bearer returns the Authorization header's bearer, or why it cannot be
// one.
func bearer(r *http.Request) (tok, why string) {
	a := r.Header.Get("Authorization")
	if a == "" {
		return "", ""
	}
	scheme, tok, ok := strings.Cut(a, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", "the Authorization header must be 'Bearer <licence key>' or 'Bearer <API token>'"
	}
	return strings.TrimSpace(tok), ""
}

// bodyKey is the request's licence key: licenceKey or its US spelling
// licenseKey (one, or both the same).
func bodyKey(req ActivateRequest) (string, bool) {
	switch {
	case req.LicenseKey == "":
		return req.LicenceKey, true
	case req.LicenceKey == "" || req.LicenceKey == req.LicenseKey:
		return req.LicenseKey, true
	}
	return "", false
}

// caller authenticates a product call: rate limits first, then the
// licence key (bearer or body) or the customer API token. needKey says
// whether the call must name one licence (all but a deactivation by
// machine alone); without it, a token covering several licences returns
// a caller with no key, and the handler chooses. It writes the problem
// and returns false when the call cannot go on.
func (s *Server) caller(w http.ResponseWriter, r *http.Request, req ActivateRequest, needKey bool) (caller, bool) {
	// Whatever a problem's detail says from here on, it never carries
	// these keys in full (hide).
	hide(w, req.LicenceKey, req.LicenseKey)
	body, ok := bodyKey(req)
	if !ok {
		writeProblem(w, r, unauthorized("licenceKey and licenseKey differ: send one"))
		return caller{}, false
	}
	tok, why := bearer(r)
	if why != "" {
		writeProblem(w, r, unauthorized(why))
		return caller{}, false
	}
	if !licensing.LooksLikeToken(tok) {
		hide(w, tok)
		key, why := licenceKey(tok, body)
		if why != "" {
			writeProblem(w, r, unauthorized(why))
			return caller{}, false
		}
		if s.limited(w, r, key) {
			return caller{}, false
		}
		if err := s.legacyTyped(r.Context(), key); err != nil {
			writeProblem(w, r, s.problemFor(r, err))
			return caller{}, false
		}
		return caller{key: key}, true
	}
	// A customer API token: limited by its ID (never by its secret, which
	// is never logged or answered), then checked.
	if s.limited(w, r, "") || s.limitedBy(w, r, "tok/"+tokenKey(tok)) {
		return caller{}, false
	}
	t, err := s.svc.CheckClientToken(r.Context(), tok)
	if err != nil {
		var ref *licensing.Refusal
		if errors.As(err, &ref) {
			writeProblem(w, r, newProblem(http.StatusUnauthorized, CodeToken))
			return caller{}, false
		}
		writeProblem(w, r, s.problemFor(r, err))
		return caller{}, false
	}
	c := caller{token: &t}
	if body != "" {
		li, err := s.svc.Covers(r.Context(), t, body)
		if err == nil {
			err = s.legacyTyped(r.Context(), body)
		}
		if err != nil {
			writeProblem(w, r, s.problemFor(r, err))
			return caller{}, false
		}
		c.key = li.Key
		hide(w, li.Key, li.Display)
	} else if t.Scope == licensing.ScopeLicence {
		c.key = t.Subject
	} else if needKey || t.Scope == licensing.ScopeProduct {
		if t.Scope == licensing.ScopeCustomer {
			if ls, err := s.svc.Covered(r.Context(), t); err == nil && len(ls) == 1 {
				c.key = ls[0].Key
			}
		}
		if c.key == "" {
			p := newProblem(http.StatusBadRequest, CodeKeyRequired)
			p.Detail = "this API token acts for several licences: name one with licenceKey"
			writeProblem(w, r, p)
			return caller{}, false
		}
	}
	hide(w, c.key)
	if c.key != "" && s.limited(w, r, c.key) {
		return caller{}, false
	}
	return c, true
}

// tokenKey is what a token is rate-limited by: the hash of its text.
func tokenKey(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:8])
}

// legacyTyped refuses a legacy (imported) licence key typed in a way its
// product does not accept: the ledger finds such a key by its binding
// form, which folds look-alikes, but unless the vendor said look-alikes
// resolve (--legacy-lookalikes) the key must be typed with the symbols it
// was given, since it has no check symbol (docs/format.md section 9.2).
// An actkit key costs nothing here.
func (s *Server) legacyTyped(ctx context.Context, key string) error {
	if _, legacy, err := codec.LicenceKeyBinding(key); err != nil || !legacy {
		return nil // an actkit key, or refused by the call itself
	}
	li, err := s.svc.Licence(ctx, key)
	if err != nil {
		return nil // the call itself says so
	}
	if li.Display == key {
		return nil // the ledger's own form (a token's licence)
	}
	p, err := s.svc.Product(ctx, li.Product)
	if err != nil {
		return err
	}
	if pat, err := codec.ParseKeyPattern(p.LegacyKeys); err == nil {
		if n, err := pat.Normalize(key, p.LegacyLookalikes); err == nil && n == li.Display {
			return nil
		}
	}
	return &licensing.Refusal{Reason: licensing.ErrUnknownLicence, Detail: "no such licence"}
}

// machineLicence finds the licence, among those token t acts for, on
// which the machine holds a seat, for a deactivation that names only the
// machine. None: the first licence (the answer then says nothing was
// held, as deactivating twice does). More than one: 409
// MACHINE_ON_SEVERAL_LICENCES naming them (masked), since freeing a seat
// the customer did not mean is worse than asking.
func (s *Server) machineLicence(w http.ResponseWriter, r *http.Request, t licensing.Token, machineID string) (string, bool) {
	ls, err := s.svc.Covered(r.Context(), t)
	if err == nil && len(ls) == 0 {
		err = &licensing.Refusal{Reason: licensing.ErrUnknownLicence, Detail: "the API token's licences are gone"}
	}
	if err != nil {
		writeProblem(w, r, s.problemFor(r, err))
		return "", false
	}
	var on []licensing.Licence
	for _, li := range ls {
		uid, err := s.machine(r.Context(), li.Key, machineID)
		if err != nil {
			writeProblem(w, r, s.problemFor(r, err))
			return "", false
		}
		for _, h := range li.Holders {
			if h.Machine == uid {
				on = append(on, li)
				break
			}
		}
	}
	switch len(on) {
	case 0:
		return ls[0].Key, true
	case 1:
		return on[0].Key, true
	}
	p := newProblem(http.StatusConflict, CodeMachineAmbiguous)
	p.Detail = "the machine holds a seat on more than one of this API token's licences: name one with licenceKey"
	for _, li := range on {
		p.Licences = append(p.Licences, maskedKey(li.Display))
	}
	writeProblem(w, r, p)
	return "", false
}
