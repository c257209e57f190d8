package portal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/actkit/actkit/licensing"
)

// Customer API tokens on My licence. A token made on the page is shown
// once, on the page the browser is redirected to (post/redirect/get), so
// that reloading that page neither shows the token again nor sends the
// form again and makes another. The token travels from the POST to that
// GET in a one-time cookie (flashCookie), sealed with a key derived from
// the session's own token: the ledger never holds it, any instance behind
// a load balancer can open it, and it is useless without the session
// cookie. The GET deletes the cookie as it shows the token.

// Token lifetimes offered on the page, in days.
const (
	defaultTokenDays = 1825
	maxTokenDays     = 1825
)

const flashCookie = "actkit_new_token"

// tokenRow is one of the licence's tokens as the page lists it: what
// `actkit token list` shows of it (ID, name, dates), never the secret.
type tokenRow struct {
	licensing.Token
	Expired bool
}

// tokenRows lists ts for the page, with the number of live ones.
func tokenRows(ts []licensing.Token, now time.Time) ([]tokenRow, int) {
	rows := make([]tokenRow, 0, len(ts))
	live := 0
	for _, t := range ts {
		r := tokenRow{Token: t, Expired: !now.Before(t.Expires)}
		if t.Live(now) {
			live++
		}
		rows = append(rows, r)
	}
	return rows, live
}

// myTokens makes (action new: a name and an optional lifetime in days)
// or revokes (action revoke: an ID) a customer API token of the signed-in
// licence. Like every form of the portal it is refused from another
// origin (CrossOriginProtection, in New); a suspended or revoked licence
// is refused with 403, by the service in the transaction that would
// change the tokens.
func (p *Portal) myTokens(w http.ResponseWriter, r *http.Request) {
	sess, ok := p.licenceForm(w, r)
	if !ok {
		return
	}
	var err error
	switch r.PostFormValue("action") {
	case "new":
		days := defaultTokenDays
		if s := strings.TrimSpace(r.PostFormValue("days")); s != "" {
			d, derr := strconv.Atoi(s)
			if derr != nil || d < 1 || d > maxTokenDays {
				p.showMyLicence(w, r, http.StatusBadRequest, sess.Licence, "", "A token lives 1 to "+strconv.Itoa(maxTokenDays)+" days (leave the field empty for "+strconv.Itoa(defaultTokenDays)+").")
				return
			}
			days = d
		}
		name := strings.TrimSpace(r.PostFormValue("name"))
		var text string
		if _, text, err = p.svc.NewCustomerToken(r.Context(), rand.Reader, sess.Licence, name, time.Duration(days)*24*time.Hour); err == nil {
			p.setFlash(w, r, text)
			http.Redirect(w, r, "/licence?done=token", http.StatusSeeOther)
			return
		}
	case "revoke":
		if err = p.svc.RevokeLicenceToken(r.Context(), sess.Licence, r.PostFormValue("id")); err == nil {
			http.Redirect(w, r, "/licence?done=token-revoked", http.StatusSeeOther)
			return
		}
	default:
		p.showMyLicence(w, r, http.StatusBadRequest, sess.Licence, "", "The form could not be read.")
		return
	}
	status, words := refusalWords(err)
	switch {
	case status == http.StatusInternalServerError:
		p.fail(w, r, "message", page{Title: "My licence"}, err)
		return
	case licensing.ReasonCode(err) == "token-limit":
		status, words = http.StatusConflict, "This licence already has "+strconv.Itoa(licensing.MaxLicenceTokens)+" live API tokens, the most it may have. Revoke one you no longer use, then make the new one."
	case licensing.ReasonCode(err) == "suspended":
		words = "This licence is suspended: its API tokens cannot be made or revoked until your vendor resumes it."
	case licensing.ReasonCode(err) == "revoked":
		words = "This licence was revoked: its API tokens cannot be made or revoked."
	}
	p.showMyLicence(w, r, status, sess.Licence, "", words)
}

// setFlash puts a token just made in the one-time cookie, sealed for the
// request's session; if it cannot (no session cookie), the token is not
// shown, and the page says to revoke it and make another.
func (p *Portal) setFlash(w http.ResponseWriter, r *http.Request, text string) {
	aead, ok := flashAEAD(r)
	if !ok {
		return
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(text)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return
	}
	sealed := aead.Seal(nonce, nonce, []byte(text), []byte(flashCookie))
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString(sealed), Path: "/licence",
		MaxAge: 300, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: p.cfg.Secure || r.TLS != nil})
}

// takeFlash returns the token the one-time cookie holds, if any, and
// deletes the cookie: the token is shown on this page only.
func (p *Portal) takeFlash(w http.ResponseWriter, r *http.Request) (string, bool) {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return "", false
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/licence", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: p.cfg.Secure || r.TLS != nil})
	aead, ok := flashAEAD(r)
	sealed, err := base64.RawURLEncoding.DecodeString(c.Value)
	if !ok || err != nil || len(sealed) < aead.NonceSize() {
		return "", false
	}
	text, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], []byte(flashCookie))
	if err != nil || !licensing.LooksLikeToken(string(text)) {
		return "", false
	}
	return string(text), true
}

// flashAEAD is the cipher sealing the one-time cookie: AES-256-GCM under
// a key derived from the session cookie's token, which the ledger holds
// only the hash of.
func flashAEAD(r *http.Request) (cipher.AEAD, bool) {
	c, err := r.Cookie(cookieName)
	if err != nil || c.Value == "" {
		return nil, false
	}
	key := sha256.Sum256([]byte("actkit portal one-time token cookie\x00" + c.Value))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, false
	}
	aead, err := cipher.NewGCM(block)
	return aead, err == nil
}
