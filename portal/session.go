package portal

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/actkit/actkit/signer"
)

// Sessions are kept by the service in the ledger (signer.Session): every
// instance behind a load balancer knows them, a restart signs no one out,
// and a staff session ends when its API token is revoked. The cookie
// holds the session's token; the ledger only its hash.

const cookieName = "actkit_session"

type sessionKey struct{}

// withSession reads the request's session once, if it has a cookie, and
// puts it in the request's context for the handlers and the layout.
func (p *Portal) withSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(cookieName)
		if err != nil || strings.HasPrefix(r.URL.Path, "/static/") {
			next.ServeHTTP(w, r)
			return
		}
		sess, err := p.svc.Session(r.Context(), c.Value)
		switch {
		case err == nil:
			r = r.WithContext(context.WithValue(r.Context(), sessionKey{}, sess))
		case errors.Is(err, signer.ErrNoSession):
			// Signed out, expired or revoked: the page asks to sign in.
		default:
			// The ledger cannot be read: say so, rather than showing a
			// sign-in form that cannot work either.
			p.fail(w, r, "message", page{Title: "Not available"}, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// session returns the request's live session.
func session(r *http.Request) (signer.Session, bool) {
	s, ok := r.Context().Value(sessionKey{}).(signer.Session)
	return s, ok
}

// setSession sets the cookie of a session the service started, and ends
// the session the browser held before, if any: signing in again leaves no
// live session behind that no cookie holds.
func (p *Portal) setSession(w http.ResponseWriter, r *http.Request, token string, ttl time.Duration) {
	if c, err := r.Cookie(cookieName); err == nil {
		if err := p.svc.EndSession(r.Context(), c.Value); err != nil {
			p.cfg.Log.Error("ending the previous session", "err", err) // it expires on its own
		}
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: token, Path: "/", MaxAge: int(ttl.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: p.cfg.Secure || r.TLS != nil})
}

// endSession clears the session's cookie, whatever happens next, and
// signs the session out in the ledger; an error means the ledger still
// holds it until it expires.
func (p *Portal) endSession(w http.ResponseWriter, r *http.Request) error {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: p.cfg.Secure || r.TLS != nil})
	if c, err := r.Cookie(cookieName); err == nil {
		return p.svc.EndSession(r.Context(), c.Value)
	}
	return nil
}

// random is where session tokens come from.
var random = rand.Reader
