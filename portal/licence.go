package portal

import (
	"net/http"
	"strings"

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
	// secrets), Live how many of them are live, of at most MaxTokens;
	// NewToken is the text of one just made, shown this once.
	Tokens          []tokenRow
	Live, MaxTokens int
	NewToken        string
	// TokensLocked: the licence is suspended (or revoked), so its tokens
	// are listed but neither made nor revoked.
	TokensLocked bool
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
	msg, newToken := "", ""
	switch r.URL.Query().Get("done") {
	case "deactivated":
		msg = "The machine was deactivated: its seat is free for another machine."
	case "token":
		var ok bool
		if newToken, ok = p.takeFlash(w, r); ok {
			msg = "The API token was made. Copy it now: it is shown only this once."
		} else {
			msg = "The API token was made. It was shown only once and is not shown again: if you did not copy it, revoke it and make another."
		}
	case "token-revoked":
		msg = "The API token was revoked: it is refused from now on."
	}
	if newToken == "" {
		// A token the page did not ask to show is forgotten all the same.
		p.takeFlash(w, r)
	}
	p.showLicencePage(w, r, http.StatusOK, sess.Licence, msg, "", newToken)
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
	d := myLicence{Licence: li, ReadOnly: li.Status == licensing.Revoked, NewToken: newToken,
		TokensLocked: li.Status != licensing.Active, MaxTokens: licensing.MaxLicenceTokens}
	ts, err := p.svc.LicenceTokens(r.Context(), key)
	if err != nil {
		p.fail(w, r, "message", page{Title: "My licence"}, err)
		return
	}
	d.Tokens, d.Live = tokenRows(ts, p.cfg.Now())
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
// act. The deactivation forms ask, whatever the page showed; the token
// forms are refused by the service, in the transaction (myTokens).
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

func (p *Portal) signOut(w http.ResponseWriter, r *http.Request) {
	if err := p.endSession(w, r); err != nil {
		p.fail(w, r, "message", page{Title: "Sign out"}, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
