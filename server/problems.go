package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
)

// Problem codes of the API, stable: products in the field match them.
const (
	CodeSeatLimit       = "SEAT_LIMIT_EXCEEDED"
	CodeNotFound        = "LICENCE_NOT_FOUND"
	CodeKeyTypo         = "LICENCE_KEY_TYPO"
	CodeExpired         = "LICENCE_EXPIRED"
	CodeSuspended       = "LICENCE_SUSPENDED"
	CodeRevoked         = "LICENCE_REVOKED"
	CodeInvalidMachine  = "INVALID_MACHINE_ID"
	CodeRateLimited     = "RATE_LIMITED"
	CodeNotActivated    = "NOT_ACTIVATED"
	CodeActivated       = "ALREADY_ACTIVATED"
	CodeReleaseBudget   = "RELEASE_BUDGET_EXHAUSTED"
	CodePlan            = "PLAN_NOT_FOUND"
	CodeWrongProduct    = "WRONG_PRODUCT"
	CodeNoKey           = "NO_SIGNING_KEY"
	CodeNoTrustedKey    = "NO_TRUSTED_KEY"
	CodeInvalidRequest  = "INVALID_REQUEST_CODE"
	CodeInvalidDeact    = "INVALID_DEACTIVATION_CODE"
	CodeTimeout         = "REQUEST_TIMEOUT"
	CodeInvalid         = "INVALID_REQUEST"
	CodeUnauthorized    = "UNAUTHORIZED"
	CodeToken           = "INVALID_TOKEN"
	CodeBodyTooLarge    = "BODY_TOO_LARGE"
	CodeUnsupportedType = "UNSUPPORTED_MEDIA_TYPE"
	CodeMethod          = "METHOD_NOT_ALLOWED"
	CodeRoute           = "NOT_FOUND"
	CodeUnavailable     = "UNAVAILABLE"
	// Customer API tokens (docs/api.md, "Clients already in the field").
	CodeNotCovered       = "LICENCE_NOT_COVERED"
	CodeMachineAmbiguous = "MACHINE_ON_SEVERAL_LICENCES"
	CodeKeyRequired      = "LICENCE_KEY_REQUIRED"
	CodeInternal         = "INTERNAL"
)

// reasonProblems maps every licensing reason to its HTTP status and code:
// the one table from the rules to the API.
var reasonProblems = map[error]struct {
	status int
	code   string
}{
	licensing.ErrUnknownLicence: {http.StatusNotFound, CodeNotFound},
	licensing.ErrLicenceTypo:    {http.StatusBadRequest, CodeKeyTypo},
	licensing.ErrLicenceExpired: {http.StatusForbidden, CodeExpired},
	licensing.ErrSuspended:      {http.StatusForbidden, CodeSuspended},
	licensing.ErrRevoked:        {http.StatusForbidden, CodeRevoked},
	licensing.ErrWrongProduct:   {http.StatusBadRequest, CodeWrongProduct},
	licensing.ErrNoActiveKey:    {http.StatusServiceUnavailable, CodeNoKey},
	// A release whose keyring holds no key that can sign is not helped by
	// asking again: a final answer (409), not a 503 a client retries, and
	// never one that takes a licence away.
	licensing.ErrNoTrustedKey: {http.StatusConflict, CodeNoTrustedKey},
	// The server's delegated key cannot sign these terms (features, the
	// serial range): as final, and as harmless, as no trusted key.
	licensing.ErrOutsideDelegation:   {http.StatusConflict, CodeNoTrustedKey},
	licensing.ErrSeatLimit:           {http.StatusConflict, CodeSeatLimit},
	licensing.ErrNotActivated:        {http.StatusNotFound, CodeNotActivated},
	licensing.ErrActivated:           {http.StatusConflict, CodeActivated},
	licensing.ErrReleaseBudget:       {http.StatusConflict, CodeReleaseBudget},
	licensing.ErrUnknownPlan:         {http.StatusNotFound, CodePlan},
	licensing.ErrInvalidMachine:      {http.StatusBadRequest, CodeInvalidMachine},
	licensing.ErrInvalidRequest:      {http.StatusBadRequest, CodeInvalidRequest},
	licensing.ErrInvalidDeactivation: {http.StatusBadRequest, CodeInvalidDeact},
	licensing.ErrUnknownProduct:      {http.StatusNotFound, CodeNotFound},
	licensing.ErrExists:              {http.StatusConflict, CodeInvalid},
	licensing.ErrInvalid:             {http.StatusBadRequest, CodeInvalid},
	licensing.ErrNotCovered:          {http.StatusForbidden, CodeNotCovered},
	licensing.ErrMachineAmbiguous:    {http.StatusConflict, CodeMachineAmbiguous},
	// Tokens are made by the CLI and the portal, never by the API: no
	// code of its own.
	licensing.ErrTokenLimit: {http.StatusConflict, CodeInvalid},
}

// messages are the words for each code: what a user reads in the product.
var messages = map[string]string{
	CodeSeatLimit:        "Seat limit exceeded. Deactivate a machine first.",
	CodeNotFound:         "No such licence. Check the licence key.",
	CodeKeyTypo:          "The licence key has a typo. Compare it with the key you were given.",
	CodeExpired:          "The licence has expired.",
	CodeSuspended:        "The licence is suspended. Contact the vendor.",
	CodeRevoked:          "The licence was revoked.",
	CodeInvalidMachine:   "The machine ID is not valid.",
	CodeRateLimited:      "Too many requests. Try again later.",
	CodeNotActivated:     "This machine is not activated on the licence.",
	CodeActivated:        "This machine is already activated on the licence.",
	CodeReleaseBudget:    "This licence has used its deactivations for the last 30 days. Contact the vendor to move a seat.",
	CodePlan:             "No such licence type.",
	CodeWrongProduct:     "The licence is for another product.",
	CodeNoKey:            "The licence server cannot sign codes for this product right now.",
	CodeNoTrustedKey:     "The licence server has no key this release of the product accepts. Update the product, or activate offline.",
	CodeInvalidRequest:   "The request code is not valid. Copy it again from the product.",
	CodeInvalidDeact:     "The deactivation code is not valid. Copy it again from the product.",
	CodeTimeout:          "The request was sent too slowly. Try again.",
	CodeInvalid:          "The request is not valid.",
	CodeUnauthorized:     "A licence key or API token is needed (Authorization: Bearer <licence key>).",
	CodeToken:            "An API token with the right scope is needed (Authorization: Bearer actk_...).",
	CodeBodyTooLarge:     "The request body is too large.",
	CodeUnsupportedType:  "Send JSON (Content-Type: application/json).",
	CodeMethod:           "This method is not allowed here.",
	CodeRoute:            "No such endpoint.",
	CodeUnavailable:      "The licence server is not ready. Try again later.",
	CodeInternal:         "The licence server failed. Try again later.",
	CodeNotCovered:       "This API token does not act for that licence.",
	CodeMachineAmbiguous: "This machine is activated on more than one licence. Say which licence to deactivate it on.",
	CodeKeyRequired:      "Say which licence: this API token acts for several.",
}

// Problem is an RFC 9457 problem with the API's own "error" and "code".
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	Error    string `json:"error"`
	Code     string `json:"code"`
	// Machines lists the machines holding the seats (SEAT_LIMIT_EXCEEDED):
	// the user sees which one to deactivate.
	Machines []Machine `json:"machines,omitempty"`
	// Licences names the licences a machine holds seats on
	// (MACHINE_ON_SEVERAL_LICENCES), masked ("UMENU-…-H3NPM").
	Licences []string `json:"licences,omitempty"`
	// ActiveCount is the seats in use (SEAT_LIMIT_EXCEEDED): Machines
	// lists only the newest holders (licensing.MaxShownHolders).
	ActiveCount int `json:"activeCount,omitempty"`
	// Group is the group of a typo, when it can be named.
	RequestID string `json:"requestId,omitempty"`
}

// problemFor turns an error into a problem; internal failures are logged
// and never described to the client.
func (s *Server) problemFor(r *http.Request, err error) Problem {
	var ref *licensing.Refusal
	if errors.As(err, &ref) {
		p := reasonProblems[ref.Reason]
		if p.code == "" {
			p.status, p.code = http.StatusBadRequest, CodeInvalid
		}
		pr := newProblem(p.status, p.code)
		named := *ref
		if named.Licence != "" {
			named.Licence = maskedKey(named.Licence) // the answer names the licence, never its key
		}
		pr.Detail = named.Error()
		if ref.Reason == licensing.ErrSeatLimit {
			for _, h := range ref.Holders {
				pr.Machines = append(pr.Machines, machineOf(h))
			}
			pr.ActiveCount = ref.InUse
		}
		return pr
	}
	switch {
	case errors.Is(err, ledger.ErrBusy), errors.Is(err, ledger.ErrFull), errors.Is(err, ledger.ErrReadOnly),
		errors.Is(err, ledger.ErrCannotOpen), errors.Is(err, ledger.ErrIO), errors.Is(err, ledger.ErrUnreachable),
		errors.Is(err, ledger.ErrStarting), errors.Is(err, ledger.ErrNoConnection), errors.Is(err, ledger.ErrTimeout):
		s.log.ErrorContext(r.Context(), "ledger unavailable", "err", err)
		return newProblem(http.StatusServiceUnavailable, CodeUnavailable)
	case errors.Is(err, r.Context().Err()) && r.Context().Err() != nil:
		return newProblem(http.StatusServiceUnavailable, CodeUnavailable)
	}
	s.log.ErrorContext(r.Context(), "internal error", "err", err)
	return newProblem(http.StatusInternalServerError, CodeInternal)
}

func newProblem(status int, code string) Problem {
	return Problem{Type: "https://actkit.dev/problems/" + code, Title: http.StatusText(status), Status: status,
		Error: messages[code], Code: code}
}

// writeProblem writes a problem as application/problem+json.
func writeProblem(w http.ResponseWriter, r *http.Request, p Problem) {
	p.Instance = r.URL.Path
	p.RequestID = requestID(r.Context())
	if sw, ok := w.(*statusWriter); ok {
		sw.code = p.Code
		p.Detail = maskHidden(p.Detail, sw.hidden)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	if p.Status == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "1") // a client retries, keeping its grace meanwhile
	}
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// retryAfter writes a 429 with Retry-After in whole seconds (at least 1).
func retryAfter(w http.ResponseWriter, r *http.Request, d time.Duration) {
	secs := int(d/time.Second) + 1
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeProblem(w, r, newProblem(http.StatusTooManyRequests, CodeRateLimited))
}
