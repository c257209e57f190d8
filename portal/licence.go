package portal

import (
	"crypto/rand"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"
)

// myLicence is the "My licence" page's data.
type myLicence struct {
	Licence      licensing.Licence
	Machines     []machineRow
	Used, Budget int
	// ReadOnly: the licence is revoked. Its customer may still sign in
	// and see its status, but nothing on the page changes state.
	ReadOnly bool
	// Tokens are the licence's customer API tokens (never their
	// secrets); NewToken is the text of one just made, shown this once.
	Tokens   []licensing.Token
	NewToken string
}

type machineRow struct {
	licensing.Holder
	Code string
}

func (p *Portal) licenceSignInForm(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, http.StatusOK, "signin", page{Title: "My licence: sign in", Data: signIn{Action: "/licence/sign-in", Label: "Licence key", Name: "licence"}})
}

type signIn struct {
	Action, Label, Name, Value string
	Secret                     bool
}

// licenceSignIn signs a customer in with their licence key.
func (p *Portal) licenceSignIn(w http.ResponseWriter, r *http.Request) {
	if p.limited(w, r, p.signIns) {
		return
	}
	f := signIn{Action: "/licence/sign-in", Label: "Licence key", Name: "licence"}
	if !form(w, r) {
		p.render(w, r, http.StatusBadRequest, "signin", page{Title: "My licence: sign in", Error: "The form could not be read.", Data: f})
		return
	}
	f.Value = strings.TrimSpace(r.PostFormValue("licence"))
	li, err := p.svc.Licence(r.Context(), f.Value)
	if err != nil {
		p.fail(w, r, "signin", page{Title: "My licence: sign in", Data: f}, err)
		return
	}
	token, err := p.svc.StartCustomerSession(r.Context(), random, li.Key, customerSession)
	if err != nil {
		p.fail(w, r, "signin", page{Title: "My licence: sign in", Data: f}, err)
		return
	}
	p.setSession(w, r, token, customerSession)
	http.Redirect(w, r, "/licence", http.StatusSeeOther)
}

func (p *Portal) myLicence(w http.ResponseWriter, r *http.Request) {
	sess, ok := session(r)
	if !ok || sess.Licence == "" {
		http.Redirect(w, r, "/licence/sign-in", http.StatusSeeOther)
		return
	}
	msg := ""
	if r.URL.Query().Get("done") == "deactivated" {
		msg = "The machine was deactivated: its seat is free for another machine."
	}
	p.showMyLicence(w, r, http.StatusOK, sess.Licence, msg, "")
}

func (p *Portal) showMyLicence(w http.ResponseWriter, r *http.Request, status int, key, message, errText string) {
	p.showLicencePage(w, r, status, key, message, errText, "")
}

// showLicencePage renders the licence page; newToken, if set, is a token
// just made, shown in this answer only (never in a URL, a log or a
// redirect).
func (p *Portal) showLicencePage(w http.ResponseWriter, r *http.Request, status int, key, message, errText, newToken string) {
	li, err := p.svc.Licence(r.Context(), key)
	if err != nil {
		p.fail(w, r, "message", page{Title: "My licence"}, err)
		return
	}
	d := myLicence{Licence: li, ReadOnly: li.Status == licensing.Revoked, NewToken: newToken}
	if d.Tokens, err = p.svc.LicenceTokens(r.Context(), key); err != nil {
		p.fail(w, r, "message", page{Title: "My licence"}, err)
		return
	}
	if d.Used, d.Budget, err = p.svc.ReleaseBudget(r.Context(), key); err != nil {
		p.fail(w, r, "message", page{Title: "My licence"}, err)
		return
	}
	for _, h := range li.Holders {
		row := machineRow{Holder: h}
		// The current code, signed again: nothing is written.
		if is, _, err := p.svc.Current(r.Context(), key, h.Machine); err == nil {
			row.Code = is.Code
		}
		d.Machines = append(d.Machines, row)
	}
	p.render(w, r, status, "licence", page{Title: "My licence", Message: message, Error: errText, Data: d})
}

// licenceForm is the signed-in customer's session and their form, read;
// otherwise it has answered (to sign in, or that the form is unreadable).
func (p *Portal) licenceForm(w http.ResponseWriter, r *http.Request) (signer.Session, bool) {
	sess, ok := session(r)
	if !ok || sess.Licence == "" {
		http.Redirect(w, r, "/licence/sign-in", http.StatusSeeOther)
		return sess, false
	}
	if !form(w, r) {
		p.showMyLicence(w, r, http.StatusBadRequest, sess.Licence, "", "The form could not be read.")
		return sess, false
	}
	return sess, true
}

// mayChange answers 403 for a revoked licence: its session may look, not
// act. Every form of My licence asks, whatever the page showed.
func (p *Portal) mayChange(w http.ResponseWriter, r *http.Request, sess signer.Session) bool {
	li, err := p.svc.Licence(r.Context(), sess.Licence)
	if err != nil {
		p.fail(w, r, "message", page{Title: "My licence"}, err)
		return false
	}
	if li.Status == licensing.Revoked {
		p.showMyLicence(w, r, http.StatusForbidden, sess.Licence, "", "This licence was revoked: nothing on it can be changed.")
		return false
	}
	return true
}

// myDeactivate frees one of the signed-in licence's seats, within its
// release budget.
func (p *Portal) myDeactivate(w http.ResponseWriter, r *http.Request) {
	sess, ok := p.licenceForm(w, r)
	if !ok {
		return
	}
	if !p.mayChange(w, r, sess) {
		return
	}
	var err error
	if code := strings.Join(strings.Fields(r.PostFormValue("code")), ""); code != "" {
		// A machine that is offline for good gave its code up and showed
		// a deactivation code: the seat it names is freed.
		_, err = p.svc.DeactivateCode(r.Context(), sess.Licence, code)
	} else {
		_, err = p.svc.Deactivate(r.Context(), sess.Licence, r.PostFormValue("machine"))
	}
	if err != nil {
		status, words := refusalWords(err)
		if status == http.StatusInternalServerError {
			p.fail(w, r, "message", page{Title: "My licence"}, err)
			return
		}
		p.showMyLicence(w, r, status, sess.Licence, "", words)
		return
	}
	http.Redirect(w, r, "/licence?done=deactivated", http.StatusSeeOther)
}

// myTokens makes (action new: a name and a lifetime in days) or revokes
// (action revoke: an ID) a customer API token of the signed-in licence.
// Like every form of the portal it is refused from another origin.
func (p *Portal) myTokens(w http.ResponseWriter, r *http.Request) {
	sess, ok := p.licenceForm(w, r)
	if !ok || !p.mayChange(w, r, sess) {
		return
	}
	var err error
	switch r.PostFormValue("action") {
	case "new":
		days, derr := strconv.Atoi(r.PostFormValue("days"))
		if derr != nil || days < 1 || days > 1825 {
			p.showMyLicence(w, r, http.StatusBadRequest, sess.Licence, "", "A token lives 1 to 1825 days.")
			return
		}
		var text string
		_, text, err = p.svc.NewClientToken(r.Context(), rand.Reader, r.PostFormValue("name"), licensing.ScopeLicence, sess.Licence, time.Duration(days)*24*time.Hour)
		if err == nil {
			p.showLicencePage(w, r, http.StatusOK, sess.Licence, "The API token was made. Copy it now: it is shown only this once.", "", text)
			return
		}
	case "revoke":
		if err = p.svc.RevokeLicenceToken(r.Context(), sess.Licence, r.PostFormValue("id")); err == nil {
			p.showMyLicence(w, r, http.StatusOK, sess.Licence, "The API token was revoked.", "")
			return
		}
	default:
		p.showMyLicence(w, r, http.StatusBadRequest, sess.Licence, "", "The form could not be read.")
		return
	}
	status, words := refusalWords(err)
	if status == http.StatusInternalServerError {
		p.fail(w, r, "message", page{Title: "My licence"}, err)
		return
	}
	p.showMyLicence(w, r, status, sess.Licence, "", words)
}

func (p *Portal) signOut(w http.ResponseWriter, r *http.Request) {
	if err := p.endSession(w, r); err != nil {
		p.fail(w, r, "message", page{Title: "Sign out"}, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
