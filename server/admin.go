package server

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"
)

// The admin API, for the vendor's own tools: API tokens (actkit token
// new), never licence keys. Read scope reads; admin scope also changes.
func (s *Server) adminRoutes() {
	s.mux.HandleFunc("GET /api/admin/licences", s.admin(licensing.ScopeRead, s.adminLicences))
	s.mux.HandleFunc("POST /api/admin/licences", s.admin(licensing.ScopeAdmin, s.adminNewLicence))
	s.mux.HandleFunc("GET /api/admin/licences/{key}", s.admin(licensing.ScopeRead, s.adminLicence))
	s.mux.HandleFunc("POST /api/admin/licences/{key}/{action}", s.admin(licensing.ScopeAdmin, s.adminAction))
	s.mux.HandleFunc("GET /api/admin/audit", s.admin(licensing.ScopeRead, s.adminAudit))
}

// admin checks the API token for scope before the handler runs.
func (s *Server) admin(scope string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.limited(w, r, "") {
			return
		}
		auth := r.Header.Get("Authorization")
		scheme, tok, ok := strings.Cut(auth, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			writeProblem(w, r, newProblem(http.StatusUnauthorized, CodeToken))
			return
		}
		if _, err := s.svc.CheckToken(r.Context(), strings.TrimSpace(tok), scope); err != nil {
			var ref *licensing.Refusal
			if errors.As(err, &ref) {
				writeProblem(w, r, newProblem(http.StatusForbidden, CodeToken))
				return
			}
			writeProblem(w, r, s.problemFor(r, err))
			return
		}
		h(w, r)
	}
}

// AdminLicence is a licence as the admin API shows it.
type AdminLicence struct {
	Key string `json:"licenceKey"`
	LicenceInfo
	Customer string `json:"customer"`
}

func adminLicence(li licensing.Licence) AdminLicence {
	a := AdminLicence{Key: li.Display, Customer: li.Customer, LicenceInfo: LicenceInfo{Product: li.Product, Plan: li.Plan,
		Status: string(li.Status), Expires: li.Expires, Features: li.Features, Seats: li.Seats, InUse: li.InUse, Machines: []Machine{}}}
	for _, h := range li.Holders {
		a.Machines = append(a.Machines, machineOf(h))
	}
	return a
}

// adminLicences searches licences: q matches a key, a customer or a
// machine UID (case-insensitive substring); product filters.
func (s *Server) adminLicences(w http.ResponseWriter, r *http.Request) {
	found, err := s.svc.Search(r.Context(), r.URL.Query().Get("q"), r.URL.Query().Get("product"))
	if err != nil {
		writeProblem(w, r, s.problemFor(r, err))
		return
	}
	out := []AdminLicence{}
	for _, li := range found {
		out = append(out, adminLicence(li))
	}
	writeJSON(w, http.StatusOK, map[string]any{"licences": out})
}

func (s *Server) adminLicence(w http.ResponseWriter, r *http.Request) {
	li, err := s.svc.Licence(r.Context(), r.PathValue("key"))
	if err != nil {
		writeProblem(w, r, s.problemFor(r, err))
		return
	}
	writeJSON(w, http.StatusOK, adminLicence(li))
}

// adminAction: suspend, resume, revoke (body: {"reason"}), release (body:
// {"machineId"}), change (body: {"plan", "seats", "features",
// "customer"}, each optional), transfer (body: {"from", "to"}: a seat
// moved from one machine to another in one step; the answer carries the
// new machine's code).
func (s *Server) adminAction(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Reason    string    `json:"reason,omitempty"`
		MachineID string    `json:"machineId,omitempty"`
		Plan      *string   `json:"plan,omitempty"`
		Seats     *int      `json:"seats,omitempty"`
		Features  *[]string `json:"features,omitempty"`
		Customer  *string   `json:"customer,omitempty"`
		From      string    `json:"from,omitempty"`
		To        string    `json:"to,omitempty"`
	}
	if !s.readJSON(w, r, &body) {
		return
	}
	key := r.PathValue("key")
	// Each action takes its own fields: one that belongs to another
	// action is a mistake, refused before anything changes.
	given := map[string]bool{"reason": body.Reason != "", "machineId": body.MachineID != "", "plan": body.Plan != nil, "seats": body.Seats != nil,
		"features": body.Features != nil, "customer": body.Customer != nil, "from": body.From != "", "to": body.To != ""}
	takes := map[string][]string{"suspend": {"reason"}, "resume": {"reason"}, "revoke": {"reason"}, "release": {"machineId"},
		"change": {"plan", "seats", "features", "customer"}, "transfer": {"from", "to"}}
	if fields, known := takes[r.PathValue("action")]; known {
		for name, set := range given {
			if set && !slices.Contains(fields, name) {
				p := newProblem(http.StatusBadRequest, CodeInvalid)
				p.Detail = fmt.Sprintf("%s does not take %q (it takes %s)", r.PathValue("action"), name, strings.Join(fields, ", "))
				writeProblem(w, r, p)
				return
			}
		}
	}
	var li licensing.Licence
	var err error
	switch r.PathValue("action") {
	case "suspend":
		li, err = s.svc.Suspend(r.Context(), key, body.Reason)
	case "resume":
		li, err = s.svc.Resume(r.Context(), key, body.Reason)
	case "revoke":
		li, err = s.svc.Revoke(r.Context(), key, body.Reason)
	case "release":
		var uid string
		if uid, err = s.machine(r.Context(), key, body.MachineID); err == nil {
			if _, err = s.svc.Release(r.Context(), key, uid); err == nil {
				li, err = s.svc.Licence(r.Context(), key)
			}
		}
	case "change":
		li, err = s.svc.ChangeLicence(r.Context(), key, signer.LicenceChange{Plan: body.Plan, Seats: body.Seats, Features: body.Features, Customer: body.Customer})
	case "transfer":
		var from, to string
		if from, err = s.machine(r.Context(), key, body.From); err == nil {
			if to, err = s.machine(r.Context(), key, body.To); err == nil {
				var is signer.Issued
				if is, _, err = s.svc.Transfer(r.Context(), key, from, to); err == nil {
					if li, err = s.svc.Licence(r.Context(), key); err == nil {
						writeJSON(w, http.StatusOK, map[string]any{"licence": adminLicence(li), "activationCode": is.Code, "machineUid": is.Machine, "serial": is.Serial})
						return
					}
				}
			}
		}
	default:
		writeProblem(w, r, newProblem(http.StatusNotFound, CodeRoute))
		return
	}
	if err != nil {
		writeProblem(w, r, s.problemFor(r, err))
		return
	}
	writeJSON(w, http.StatusOK, adminLicence(li))
}

// adminNewLicence makes a licence (body: {"product", "plan", "seats",
// "expires", "features", "customer"}); a plan brings its seats, term and
// features, which the body may override.
func (s *Server) adminNewLicence(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Product  string   `json:"product"`
		Plan     string   `json:"plan,omitempty"`
		Seats    int      `json:"seats,omitempty"`
		Expires  string   `json:"expires,omitempty"`
		Features []string `json:"features,omitempty"`
		Customer string   `json:"customer,omitempty"`
	}
	if !s.readJSON(w, r, &body) {
		return
	}
	spec := licensing.LicenceSpec{Product: body.Product, Plan: body.Plan, Seats: body.Seats, Features: body.Features, Customer: body.Customer}
	switch body.Expires {
	case "":
		if body.Plan == "" {
			spec.Expires = codec.NoExpiry
		}
	case "never":
		spec.Expires = codec.NoExpiry
	default:
		d, err := codec.ParseDay(body.Expires)
		if err != nil {
			p := newProblem(http.StatusBadRequest, CodeInvalid)
			p.Detail = "expires: a date YYYY-MM-DD or never"
			writeProblem(w, r, p)
			return
		}
		spec.Expires = d
	}
	li, err := s.svc.NewLicence(r.Context(), rand.Reader, spec)
	if err != nil {
		writeProblem(w, r, s.problemFor(r, err))
		return
	}
	writeJSON(w, http.StatusCreated, adminLicence(li))
}

func (s *Server) adminAudit(w http.ResponseWriter, r *http.Request) {
	since, limit := int64(0), 100
	q := r.URL.Query()
	var err error
	if v := q.Get("since"); v != "" {
		if since, err = strconv.ParseInt(v, 10, 64); err != nil || since < 0 {
			writeProblem(w, r, invalidParam("since must be an audit entry ID: a whole number, 0 or more"))
			return
		}
	}
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 1000 {
			writeProblem(w, r, invalidParam("limit must be a whole number from 1 to 1000 (default 100)"))
			return
		}
	}
	entries, err := s.svc.Audit(r.Context(), since, limit)
	if err != nil {
		writeProblem(w, r, s.problemFor(r, err))
		return
	}
	if entries == nil {
		writeJSON(w, http.StatusOK, map[string]any{"entries": []any{}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": entries})
}

// invalidParam is the problem for a query parameter out of its range.
func invalidParam(detail string) Problem {
	p := newProblem(http.StatusBadRequest, CodeInvalid)
	p.Detail = detail
	return p
}
