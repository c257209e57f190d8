package portal

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/licensing"
)

// activateForm is what the manual-activation form was given, shown again
// with an error.
type activateForm struct {
	Licence, Request string
}

// issuedCode is the result page's data.
type issuedCode struct {
	Code   string
	Groups []Group
	// QR is a data: URI made here from the code (html/template refuses
	// data: URIs from strings, rightly, so it is marked safe).
	QR      template.URL
	Licence string
	Machine string
	Expires codec.Day
}

func (p *Portal) activateForm(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, http.StatusOK, "activate", page{Title: "Get an activation code", Data: activateForm{}})
}

// activate issues a code for a licence key and the request code (or the
// machine UID) the product shows: the same rules as the API and the CLI,
// through the signer service.
func (p *Portal) activate(w http.ResponseWriter, r *http.Request) {
	if p.limited(w, r, p.limits) {
		return
	}
	if !form(w, r) {
		p.render(w, r, http.StatusBadRequest, "activate", page{Title: "Get an activation code", Error: "The form could not be read.", Data: activateForm{}})
		return
	}
	f := activateForm{Licence: strings.TrimSpace(r.PostFormValue("licence")), Request: strings.TrimSpace(r.PostFormValue("request"))}
	pg := page{Title: "Get an activation code", Data: f}
	if f.Licence == "" || f.Request == "" {
		pg.Error = "Enter both the licence key and the request code (or the machine UID) that the product shows."
		p.render(w, r, http.StatusBadRequest, "activate", pg)
		return
	}
	is, err := p.svc.Issue(r.Context(), issueRequest(f.Licence, f.Request, p.cfg.Tolerance))
	if err != nil {
		p.fail(w, r, "activate", pg, err)
		return
	}
	res, err := p.result(is.Code, is.Licence, is.Machine, is.Expires)
	if err != nil {
		p.fail(w, r, "activate", pg, err)
		return
	}
	p.render(w, r, http.StatusOK, "code", page{Title: "Your activation code", Data: res})
}

// issueRequest reads what the customer pasted: a machine UID (four
// groups of five), or else a request code, which carries its own licence
// key (the rules refuse one made for another key than the one typed).
func issueRequest(licence, pasted string, tol licensing.Tolerance) licensing.IssueRequest {
	compact := strings.Join(strings.Fields(pasted), "")
	// The portal is a channel: it signs with a delegated key for the portal
	// when the release's keyring lists one (a typed code carries no
	// certificate).
	req := licensing.IssueRequest{Licence: licence, Tolerance: tol, Trust: licensing.Trust{Purpose: codec.PurposePortal}}
	if _, err := codec.NormalizeMachineUID(compact); err == nil || looksLikeUID(compact) {
		req.Machine = compact
	} else {
		req.Request = compact
	}
	return req
}

// looksLikeUID: four hyphenated groups of five upper-case symbols is a
// machine UID, even with a typo (so the typo is reported as one).
func looksLikeUID(s string) bool {
	gs := strings.Split(s, "-")
	if len(gs) != 4 {
		return false
	}
	for _, g := range gs {
		if len(g) != 5 || strings.ToUpper(g) != g {
			return false
		}
	}
	return true
}

func (p *Portal) result(code, licence, machine string, expires codec.Day) (issuedCode, error) {
	qr, err := qrDataURI(code)
	if err != nil {
		return issuedCode{}, err
	}
	return issuedCode{Code: code, Groups: groups(code), QR: template.URL(qr), Licence: licence, Machine: machine, Expires: expires}, nil
}
