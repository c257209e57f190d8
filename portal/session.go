package portal

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"sync"
	"time"
)

// A session is a signed-in customer (one licence) or a member of the
// vendor's staff (an API token's scope).
type session struct {
	licence string // the licence's normal form, for a customer
	scope   string // "read" or "admin", for staff
	expires time.Time
}

// sessions keeps sessions by the SHA-256 of their token: the token itself
// is only in the browser's cookie, so a memory dump or a log does not
// carry one that works. Sessions live in this process (a restart signs
// everyone out); behind a load balancer, route a client to one instance.
type sessions struct {
	mu   sync.Mutex
	byID map[[32]byte]session
	now  func() time.Time
}

const cookieName = "actkit_session"

func newSessions(now func() time.Time) *sessions {
	return &sessions{byID: map[[32]byte]session{}, now: now}
}

// start makes a session and sets its cookie.
func (s *sessions) start(w http.ResponseWriter, r *http.Request, sess session, ttl time.Duration, secure bool) {
	var b [32]byte
	rand.Read(b[:])
	token := base64.RawURLEncoding.EncodeToString(b[:])
	sess.expires = s.now().Add(ttl)
	s.mu.Lock()
	for id, old := range s.byID { // forget the expired ones
		if s.now().After(old.expires) {
			delete(s.byID, id)
		}
	}
	s.byID[sha256.Sum256([]byte(token))] = sess
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: token, Path: "/", MaxAge: int(ttl.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secure || r.TLS != nil})
}

// get returns the request's live session.
func (s *sessions) get(r *http.Request) (session, bool) {
	c, err := r.Cookie(cookieName)
	if err != nil || len(c.Value) > 64 {
		return session{}, false
	}
	id := sha256.Sum256([]byte(c.Value))
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.byID[id]
	if !ok || s.now().After(sess.expires) {
		delete(s.byID, id)
		return session{}, false
	}
	return sess, true
}

// end forgets the request's session and clears its cookie.
func (s *sessions) end(w http.ResponseWriter, r *http.Request, secure bool) {
	if c, err := r.Cookie(cookieName); err == nil {
		s.mu.Lock()
		delete(s.byID, sha256.Sum256([]byte(c.Value)))
		s.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secure || r.TLS != nil})
}
