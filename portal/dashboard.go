package portal

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"
)

func (p *Portal) staffSignInForm(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, http.StatusOK, "signin", page{Title: "Vendor dashboard: sign in", Data: signIn{Action: "/admin/sign-in", Label: "API token", Name: "token", Secret: true}})
}

// staffSignIn signs staff in with an API token; the session has the
// token's scope (read, or admin to change things).
func (p *Portal) staffSignIn(w http.ResponseWriter, r *http.Request) {
	if p.limited(w, r, p.signIns) {
		return
	}
	f := signIn{Action: "/admin/sign-in", Label: "API token", Name: "token", Secret: true}
	if !form(w, r) {
		p.render(w, r, http.StatusBadRequest, "signin", page{Title: "Vendor dashboard: sign in", Error: "The form could not be read.", Data: f})
		return
	}
	tok, err := p.svc.CheckToken(r.Context(), strings.TrimSpace(r.PostFormValue("token")), licensing.ScopeRead)
	if err != nil {
		// Never say which part of a token was wrong.
		p.render(w, r, http.StatusUnauthorized, "signin", page{Title: "Vendor dashboard: sign in", Error: "That token is not valid (wrong, expired or revoked).", Data: f})
		return
	}
	token, err := p.svc.StartStaffSession(r.Context(), random, tok, staffSession)
	if err != nil {
		p.fail(w, r, "signin", page{Title: "Vendor dashboard: sign in", Data: f}, err)
		return
	}
	p.setSession(w, r, token, staffSession)
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
}

// staff returns the signed-in staff session, or sends the browser to
// sign in.
func (p *Portal) staff(w http.ResponseWriter, r *http.Request) (signer.Session, bool) {
	sess, ok := session(r)
	if !ok || sess.Scope == "" {
		http.Redirect(w, r, "/admin/sign-in", http.StatusSeeOther)
		return signer.Session{}, false
	}
	return sess, true
}

type dashboard struct {
	Query    string
	Days     int
	Expiring bool
	Licences []licensing.Licence
	CSV      string
	// Overview is shown on the dashboard's first page (no search).
	Overview *overview
}

// dashboard searches licences (by part of a key, a customer or a machine
// UID), or lists those expiring within N days.
func (p *Portal) dashboard(w http.ResponseWriter, r *http.Request) {
	if _, ok := p.staff(w, r); !ok {
		return
	}
	// The first page is the overview, not a list of every licence: its
	// cost stays that of a few aggregate statements on a large ledger.
	if q := r.URL.Query(); !q.Has("q") && !q.Has("expiring") {
		o, err := p.overview.get(r.Context(), p.svc, p.cfg.Now())
		if err != nil {
			p.fail(w, r, "message", page{Title: "Vendor dashboard"}, err)
			return
		}
		v := newOverview(o)
		p.render(w, r, http.StatusOK, "dashboard", page{Title: "Vendor dashboard", Data: dashboard{Overview: &v}})
		return
	}
	d, err := p.search(r)
	if err != nil {
		p.fail(w, r, "message", page{Title: "Vendor dashboard"}, err)
		return
	}
	p.render(w, r, http.StatusOK, "dashboard", page{Title: "Vendor dashboard", Data: d})
}

func (p *Portal) search(r *http.Request) (dashboard, error) {
	q := r.URL.Query()
	d := dashboard{Query: strings.TrimSpace(q.Get("q"))}
	var err error
	if days := q.Get("expiring"); days != "" {
		n, perr := strconv.Atoi(days)
		if perr != nil || n < 0 || n > 3650 {
			n = 30
		}
		d.Days, d.Expiring = n, true
		d.Licences, err = p.svc.Expiring(r.Context(), n)
		d.CSV = "/admin/licences.csv?expiring=" + strconv.Itoa(n)
	} else {
		d.Licences, err = p.svc.Search(r.Context(), d.Query, "")
		d.CSV = "/admin/licences.csv?q=" + url.QueryEscape(d.Query)
	}
	return d, err
}

// exportCSV writes the search as CSV, with spreadsheet formulas in
// customer text neutralized.
func (p *Portal) exportCSV(w http.ResponseWriter, r *http.Request) {
	if _, ok := p.staff(w, r); !ok {
		return
	}
	d, err := p.search(r)
	if err != nil {
		p.fail(w, r, "message", page{Title: "Vendor dashboard"}, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="licences.csv"`)
	cw := csv.NewWriter(w)
	cw.Write([]string{"licence", "product", "plan", "customer", "status", "seats", "in_use", "expires", "features"})
	for _, li := range d.Licences {
		exp := li.Expires.String()
		cw.Write(signer.SafeCSV(li.Display, li.Product, li.Plan, li.Customer, string(li.Status),
			strconv.Itoa(li.Seats), strconv.Itoa(li.InUse), exp, strings.Join(li.Features, " ")))
	}
	cw.Flush()
}

type staffLicence struct {
	Licence licensing.Licence
	Audit   []ledger.Entry
	Plans   []licensing.Plan
	Issued  *issuedCode
}

func (p *Portal) staffLicence(w http.ResponseWriter, r *http.Request) {
	if _, ok := p.staff(w, r); !ok {
		return
	}
	p.showStaffLicence(w, r, http.StatusOK, r.URL.Query().Get("key"), doneMessages[r.URL.Query().Get("done")], "", nil)
}

var doneMessages = map[string]string{
	"released":  "The machine was deactivated: its seat is free.",
	"suspended": "The licence is suspended: its machines stop at their next validation.",
	"resumed":   "The licence is active again.",
	"revoked":   "The licence is revoked for good: its machines stop at their next validation, and no new code is issued for it.",
	"changed":   "The licence was changed.",
}

func (p *Portal) showStaffLicence(w http.ResponseWriter, r *http.Request, status int, key, message, errText string, issued *issuedCode) {
	li, err := p.svc.Licence(r.Context(), key)
	if err != nil {
		p.fail(w, r, "message", page{Title: "Licence"}, err)
		return
	}
	d := staffLicence{Licence: li, Issued: issued}
	if d.Audit, err = p.svc.LicenceAudit(r.Context(), key, 50); err != nil {
		p.fail(w, r, "message", page{Title: "Licence"}, err)
		return
	}
	if d.Plans, err = p.svc.Plans(r.Context(), li.Product); err != nil {
		p.fail(w, r, "message", page{Title: "Licence"}, err)
		return
	}
	p.render(w, r, status, "staff_licence", page{Title: "Licence " + li.Display, Message: message, Error: errText, Data: d})
}

// staffAction changes a licence: deactivate a machine, suspend, resume,
// change its plan, seats or features, or issue a code by request code.
// Only an admin-scope session may.
func (p *Portal) staffAction(w http.ResponseWriter, r *http.Request) {
	sess, ok := p.staff(w, r)
	if !ok {
		return
	}
	if !form(w, r) {
		p.render(w, r, http.StatusBadRequest, "message", page{Title: "Licence", Error: "The form could not be read."})
		return
	}
	key := r.PostFormValue("key")
	if sess.Scope != licensing.ScopeAdmin {
		p.showStaffLicence(w, r, http.StatusForbidden, key, "", "Your token may read, not change: sign in with an admin token.", nil)
		return
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if reason == "" {
		reason = "dashboard"
	}
	action := r.PostFormValue("action")
	if statusChanges[action] != "" && r.PostFormValue("confirm") != "yes" {
		p.confirmStatus(w, r, key, action, reason)
		return
	}
	var err error
	done := ""
	switch action {
	case "release":
		_, err = p.svc.Release(r.Context(), key, r.PostFormValue("machine"))
		done = "released"
	case "release-code":
		// The vendor's way: no release budget.
		_, err = p.svc.ReleaseCode(r.Context(), strings.Join(strings.Fields(r.PostFormValue("code")), ""))
		done = "released"
	case "suspend":
		_, err = p.svc.Suspend(r.Context(), key, reason)
		done = "suspended"
	case "resume":
		_, err = p.svc.Resume(r.Context(), key, reason)
		done = "resumed"
	case "revoke":
		_, err = p.svc.Revoke(r.Context(), key, reason)
		done = "revoked"
	case "change":
		var c signer.LicenceChange
		if v := strings.TrimSpace(r.PostFormValue("plan")); v != "" {
			c.Plan = &v
		}
		if v := strings.TrimSpace(r.PostFormValue("seats")); v != "" {
			n, perr := strconv.Atoi(v)
			if perr != nil {
				p.showStaffLicence(w, r, http.StatusBadRequest, key, "", "Seats must be a whole number.", nil)
				return
			}
			c.Seats = &n
		}
		if r.PostForm.Has("features") {
			f := strings.FieldsFunc(r.PostFormValue("features"), func(c rune) bool { return c == ',' || c == ' ' })
			c.Features = &f
		}
		_, err = p.svc.ChangeLicence(r.Context(), key, c)
		done = "changed"
	case "issue":
		is, ierr := p.svc.Issue(r.Context(), licensing.IssueRequest{Licence: key, Request: strings.Join(strings.Fields(r.PostFormValue("request")), ""), Tolerance: p.cfg.Tolerance, Trust: licensing.Trust{Purpose: codec.PurposePortal}})
		if ierr == nil {
			res, rerr := p.result(is.Code, is.Licence, is.Machine, is.Expires)
			if rerr == nil {
				p.showStaffLicence(w, r, http.StatusOK, key, "A code was issued for machine "+is.Machine+".", "", &res)
				return
			}
			ierr = rerr
		}
		err = ierr
	default:
		p.showStaffLicence(w, r, http.StatusBadRequest, key, "", "Unknown action.", nil)
		return
	}
	if err != nil {
		status, words := refusalWords(err)
		if status == http.StatusInternalServerError {
			p.fail(w, r, "message", page{Title: "Licence"}, err)
			return
		}
		p.showStaffLicence(w, r, status, key, "", words, nil)
		return
	}
	http.Redirect(w, r, "/admin/licence?key="+url.QueryEscape(key)+"&done="+done, http.StatusSeeOther)
}

// statusChanges are the actions that change a licence's status, which the
// dashboard asks to confirm first, with the button that confirms.
var statusChanges = map[string]string{"suspend": "Suspend the licence", "resume": "Resume the licence", "revoke": "Revoke the licence for good"}

type confirmation struct {
	Key, Action, Reason, Question, Button string
	Effects                               []string
}

// confirmStatus shows what a status change will do and asks to confirm
// it: the page's form repeats the request with confirm=yes. Nothing
// changes until then (and a cross-site POST is refused before either).
func (p *Portal) confirmStatus(w http.ResponseWriter, r *http.Request, key, action, reason string) {
	li, err := p.svc.Licence(r.Context(), key)
	if err != nil {
		p.fail(w, r, "message", page{Title: "Licence"}, err)
		return
	}
	c := confirmation{Key: li.Display, Action: action, Reason: reason, Button: statusChanges[action]}
	held := fmt.Sprintf("%d machine(s) hold seats", li.InUse)
	who := li.Display
	if li.Customer != "" {
		who += " (" + li.Customer + ")"
	}
	switch action {
	case "suspend":
		c.Question = "Suspend licence " + who + "?"
		c.Effects = []string{held + ": products that validate online stop at their next validation.",
			"Codes already on machines keep working offline until they expire (leases bound that).",
			"No new code is issued until the licence is resumed."}
	case "resume":
		c.Question = "Resume licence " + who + "?"
		c.Effects = []string{"The licence becomes active: its machines validate again and new codes can be issued."}
	case "revoke":
		c.Question = "Revoke licence " + who + " for good?"
		c.Effects = []string{held + ": products that validate online stop at their next validation.",
			"Codes already on machines keep working offline until they expire (leases bound that).",
			"This cannot be undone: a revoked licence is never resumed and no new code is issued for it."}
	}
	p.render(w, r, http.StatusOK, "confirm", page{Title: "Confirm: " + strings.ToLower(statusChanges[action]), Data: c})
}
