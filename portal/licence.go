package portal

import (
	"net/http"
	"strings"

	"github.com/actkit/actkit/licensing"
)

// myLicence is the "My licence" page's data.
type myLicence struct {
	Licence      licensing.Licence
	Machines     []machineRow
	Used, Budget int
	// ReadOnly: the licence is revoked. Its customer may still sign in
	// and see its status, but nothing on the page changes state.
	ReadOnly bool
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
	li, err := p.svc.Licence(r.Context(), key)
	if err != nil {
		p.fail(w, r, "message", page{Title: "My licence"}, err)
		return
	}
	d := myLicence{Licence: li, ReadOnly: li.Status == licensing.Revoked}
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

// myDeactivate frees one of the signed-in licence's seats, within its
// release budget.
func (p *Portal) myDeactivate(w http.ResponseWriter, r *http.Request) {
	sess, ok := session(r)
	if !ok || sess.Licence == "" {
		http.Redirect(w, r, "/licence/sign-in", http.StatusSeeOther)
		return
	}
	if !form(w, r) {
		p.showMyLicence(w, r, http.StatusBadRequest, sess.Licence, "", "The form could not be read.")
		return
	}
	// A revoked licence's session may look, not act: refused here, for
	// every form, whatever the page showed.
	li, err := p.svc.Licence(r.Context(), sess.Licence)
	if err != nil {
		p.fail(w, r, "message", page{Title: "My licence"}, err)
		return
	}
	if li.Status == licensing.Revoked {
		p.showMyLicence(w, r, http.StatusForbidden, sess.Licence, "", "This licence was revoked: nothing on it can be changed.")
		return
	}
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
