package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/internal/ratelimit"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"
)

func (s *Server) routes() {
	// /api/license/... is the documented US spelling of every product
	// path: the same handlers.
	for _, base := range []string{"/api/licence", "/api/license"} {
		s.mux.HandleFunc("POST "+base+"/activate", s.activate)
		s.mux.HandleFunc("POST "+base+"/validate", s.validate)
		s.mux.HandleFunc("POST "+base+"/deactivate", s.deactivate)
		s.mux.HandleFunc("GET "+base, s.licence)
	}
	s.mux.HandleFunc("GET /.well-known/actkit/keys.json", s.keys)
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"ok": true})
	})
	s.mux.HandleFunc("GET /readyz", s.ready)
	s.adminRoutes()
	// The same paths with another method: a problem, not the mux's text.
	for path := range allowed {
		s.mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allowed[path])
			writeProblem(w, r, newProblem(http.StatusMethodNotAllowed, CodeMethod))
		})
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Pages != nil && !strings.HasPrefix(r.URL.Path, "/api/") {
			s.cfg.Pages.ServeHTTP(w, r)
			return
		}
		writeProblem(w, r, newProblem(http.StatusNotFound, CodeRoute))
	})
}

// allowed is the Allow header of a 405 on each path.
var allowed = map[string]string{
	"/api/licence/activate": "POST", "/api/licence/validate": "POST", "/api/licence/deactivate": "POST",
	"/api/licence": "GET", "/.well-known/actkit/keys.json": "GET", "/healthz": "GET", "/readyz": "GET",
	"/api/license/activate": "POST", "/api/license/validate": "POST", "/api/license/deactivate": "POST", "/api/license": "GET",
}

// ActivateRequest is the body of activate, validate and deactivate. Field
// names are the ones products in the field send; new fields are added,
// never renamed.
type ActivateRequest struct {
	LicenceKey string `json:"licenceKey,omitempty"`
	// LicenseKey is licenceKey in US spelling, a documented alias.
	LicenseKey string `json:"licenseKey,omitempty"`
	// MachineID is an actkit machine UID, a request code, or another
	// stable fingerprint (a GUID) mapped to a fingerprint UID by
	// licensing.FingerprintUID.
	MachineID   string `json:"machineId"`
	MachineName string `json:"machineName,omitempty"`
	// Fresh asks activate and validate for a code issued today even if
	// the machine's code is unchanged (licensing.IssueRequest.Fresh): a
	// product in ClockTampering sends it, as only such a code moves it
	// out. The seat is kept; the old code is superseded, at most once a
	// day.
	Fresh bool `json:"fresh,omitempty"`
	Trust
}

// Trust is what a product says about the keys it accepts, so that the
// server signs only with a key that product's keyring holds, or refuses
// (NO_TRUSTED_KEY) before any seat is taken. Products built before these
// fields send neither: their codes are signed as for a release nothing is
// recorded of (docs/api.md, "Which key signs").
type Trust struct {
	// ProductVersion is the product's version ("4.2.17"): its release
	// line picks the key the vendor recorded for it (keys export
	// --release), as a request code's version does.
	ProductVersion string `json:"productVersion,omitempty"`
	// TrustedKeys are the key IDs the product's keyring holds (not
	// revoked); they outrank the release line.
	TrustedKeys []codec.KeyID `json:"trustedKeys,omitempty"`
	// Certificates says the product verifies a delegation certificate
	// that comes with the code (the answer's "certificate") and stores
	// the two together: a code signed by a key its keyring's root
	// delegated is then acceptable.
	Certificates bool `json:"certificates,omitempty"`
	// KeyringVersion is the version of the keyring the product holds (0:
	// a version 1 keyring); an answer carries the server's keyring update
	// when it is newer. Sent at all, it says the product installs that
	// update before checking the code, so the code is signed for the
	// keyring it will hold (a root rotation's new root).
	KeyringVersion *uint32 `json:"keyringVersion,omitempty"`
}

// held is the version of the keyring the product holds, 0 if it did not say.
func (t Trust) held() uint32 {
	if t.KeyringVersion == nil {
		return 0
	}
	return *t.KeyringVersion
}

// licensing is what the product said, as the rules take it: the licence
// API is the online channel. field says the caller is a client already
// in the field (caller.field).
func (t Trust) licensing(field bool) licensing.Trust {
	return licensing.Trust{Keys: t.TrustedKeys, Certificates: t.Certificates, Purpose: codec.PurposeOnline, Field: field,
		KeyringVersion: t.held(), Installs: t.KeyringVersion != nil}
}

// stated reports whether the product said anything of what it trusts:
// any of the fields an actkit product sends (activation/online sends them
// all). A product version counts: it lets the keyring the vendor
// recorded for its release line decide.
func (t Trust) stated() bool {
	return t.ProductVersion != "" || len(t.TrustedKeys) > 0 || t.Certificates || t.KeyringVersion != nil
}

// issueRequest fills in what the product said it trusts.
func (t Trust) issueRequest(ir licensing.IssueRequest, field bool) licensing.IssueRequest {
	if ir.Release == "" && t.ProductVersion != "" {
		ir.Release = licensing.ReleaseLine(t.ProductVersion)
	}
	ir.Trust = t.licensing(field)
	return ir
}

// Machine is a machine holding a seat.
type Machine struct {
	MachineUID string    `json:"machineUid"`
	Name       string    `json:"machineName,omitempty"`
	Serial     uint64    `json:"serial"`
	Since      time.Time `json:"activatedAt"`
	LastSeen   time.Time `json:"lastSeen"`
	Expires    codec.Day `json:"leaseEnds"`
}

// Activation is the answer of activate and validate: the signed
// entitlement (the activation code, checked offline by the product) and
// what it grants.
type Activation struct {
	MachineID      string      `json:"machineId"`
	MachineUID     string      `json:"machineUid"`
	MachineName    string      `json:"machineName,omitempty"`
	ActivatedAt    time.Time   `json:"activatedAt"`
	ActiveCount    int         `json:"activeCount"`
	MaxActivations int         `json:"maxActivations"`
	Code           string      `json:"activationCode"`
	Serial         uint64      `json:"serial"`
	KeyID          codec.KeyID `json:"keyId"`
	Product        string      `json:"product"`
	Features       []string    `json:"features"`
	Expires        codec.Day   `json:"expires"`
	LicenceExpires codec.Day   `json:"licenceExpires"`
	Plan           string      `json:"plan,omitempty"`
	Reissued       bool        `json:"reissued"`
	// MachineChanged says what changed when the machine's UID drifted
	// within the product's tolerance and its earlier activation (on
	// ReplacedMachineUID) gave this one its seat; absent otherwise.
	MachineChanged     string    `json:"machineChanged,omitempty"`
	ReplacedMachineUID string    `json:"replacedMachineUid,omitempty"`
	ValidateAfter      time.Time `json:"validateAfter"`
	OfflineUntil       time.Time `json:"offlineGraceUntil"`
	// Certificate is the delegation certificate of the key that signed
	// the code (docs/format.md section 13), absent for a root's code: the
	// product verifies the code with it and stores the two together.
	Certificate string `json:"certificate,omitempty"`
	// Keyring is the root-signed keyring update the server holds for the
	// product, when it is newer than the one the product said it holds:
	// the product checks it against its own roots (no rollback) and
	// installs it.
	Keyring string `json:"keyring,omitempty"`
}

// Validation is the answer of validate: always 200 for a well-formed
// request, with Valid false and a code for a business outcome (expired,
// revoked, seat lost), so that a client treats only network failures,
// 408, 429 and 5xx as "offline".
type Validation struct {
	Valid bool   `json:"valid"`
	Code  string `json:"code,omitempty"`
	Error string `json:"error,omitempty"`
	*Activation
}

// readJSON decodes a request body: JSON only, capped before decoding,
// unknown fields refused.
func (s *Server) readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			writeProblem(w, r, newProblem(http.StatusUnsupportedMediaType, CodeUnsupportedType))
			return false
		}
	}
	if r.ContentLength > s.cfg.MaxBody {
		// Refused on the declared length, before the first read: reading
		// is what makes net/http send "100 Continue" to a client that
		// asked (Expect: 100-continue), which would then send its whole
		// body into a reset instead of seeing this answer.
		writeProblem(w, r, newProblem(http.StatusRequestEntityTooLarge, CodeBodyTooLarge))
		return false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeProblem(w, r, newProblem(http.StatusRequestEntityTooLarge, CodeBodyTooLarge))
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		// The client sent its body too slowly: a 408, which clients treat
		// as "offline", not as an answer about the request.
		writeProblem(w, r, newProblem(http.StatusRequestTimeout, CodeTimeout))
		return false
	}
	if err != nil {
		writeProblem(w, r, newProblem(http.StatusBadRequest, CodeInvalid))
		return false
	}
	// Every body is a JSON object: null, an array or a bare value would
	// otherwise decode as an empty request.
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		p := newProblem(http.StatusBadRequest, CodeInvalid)
		p.Detail = "the body must be a JSON object"
		writeProblem(w, r, p)
		return false
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("more than one JSON value")
	}
	if err == nil {
		err = exactFieldNames(body, v)
	}
	if err != nil {
		p := newProblem(http.StatusBadRequest, CodeInvalid)
		p.Detail = "the body is not the JSON object this endpoint takes: " + err.Error()
		writeProblem(w, r, p)
		return false
	}
	return true
}

// exactFieldNames refuses a field whose name matches one of v's only
// when case is ignored ("machineID"), which encoding/json would take: the
// documented names are the API, and a client that sends another spelling
// would break on any server that reads JSON as written.
func exactFieldNames(body []byte, v any) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return err
	}
	names := jsonNames(reflect.TypeOf(v))
	for k := range fields {
		if !names[k] {
			for n := range names {
				if strings.EqualFold(n, k) {
					return fmt.Errorf("unknown field %q (names are case-sensitive: %q)", k, n)
				}
			}
			return fmt.Errorf("unknown field %q", k)
		}
	}
	return nil
}

// jsonNames are the JSON field names of a struct (or pointer to one),
// embedded structs' included.
func jsonNames(t reflect.Type) map[string]bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	out := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-":
		case f.Anonymous && name == "":
			for n := range jsonNames(f.Type) {
				out[n] = true
			}
		case name != "":
			out[name] = true
		case f.IsExported():
			out[f.Name] = true
		}
	}
	return out
}

// licenceKey takes the licence key from the bearer or from the body; both
// given must agree. Without a usable key, why says what was wrong in the
// words of a 401's detail (never repeating either).
func licenceKey(bearer, body string) (key, why string) {
	switch {
	case bearer == "" && body == "":
		return "", "no licence key: send it as 'Authorization: Bearer <licence key>' or as licenceKey in the body, or send an API token"
	case bearer == "":
		return body, ""
	case body == "" || body == bearer:
		return bearer, ""
	}
	return "", "the licenceKey in the body is not the licence key in the Authorization header: send one, or the same in both"
}

// unauthorized is the 401 for a call without a usable licence key, with
// why (licenceKey's words, which never repeat a key).
func unauthorized(why string) Problem {
	p := newProblem(http.StatusUnauthorized, CodeUnauthorized)
	p.Detail = why
	return p
}

// limited applies the per-client and per-licence rate limits.
func (s *Server) limited(w http.ResponseWriter, r *http.Request, key string) bool {
	if ok, d := s.limits.Allow("ip/" + ratelimit.Key(s.clientAddr(r))); !ok {
		retryAfter(w, r, d)
		return true
	}
	if key != "" {
		// Licence keys are limited (and would be logged) by the hash of
		// their one normal form, so that spelling a key with look-alikes
		// (O for 0) or in lower case does not buy a fresh budget.
		norm, _, err := codec.LicenceKeyBinding(key)
		if err != nil {
			norm = strings.ToUpper(key)
		}
		sum := sha256.Sum256([]byte(norm))
		return s.limitedBy(w, r, "key/"+hex.EncodeToString(sum[:8]))
	}
	return false
}

// limitedBy applies the rate limit of one bucket.
func (s *Server) limitedBy(w http.ResponseWriter, r *http.Request, bucket string) bool {
	if ok, d := s.limits.Allow(bucket); !ok {
		retryAfter(w, r, d)
		return true
	}
	return false
}

// machine resolves a machineId for the licence: a UID, a request code
// (whose licence key must be the caller's), or a fingerprint.
func (s *Server) machine(ctx context.Context, key, id string) (string, error) {
	uid, _, err := s.resolveMachine(ctx, key, id)
	return uid, err
}

// resolveMachine is machine also returning, for a fingerprint, the UID
// the 15-bit mapping gave it (licensing.LegacyFingerprintUID): the UID
// activations recorded before fingerprint UIDs are under. It is the zero
// UID for a UID or request code.
func (s *Server) resolveMachine(ctx context.Context, key, id string) (string, codec.MachineUID, error) {
	var none codec.MachineUID
	id = strings.TrimSpace(id)
	if id == "" {
		return "", none, &licensing.Refusal{Reason: licensing.ErrInvalidMachine, Detail: "machineId is empty"}
	}
	u, perr := codec.ParseMachineUID(id)
	if perr == nil {
		return u.String(), none, nil
	}
	if looksLikeRequestCode(id) {
		rc, err := s.requestCode(key, id)
		if err != nil {
			return "", none, err
		}
		return rc.MachineUID.String(), none, nil
	}
	if codec.HasUIDShape(id) {
		// Written as a UID is written (XXXXX-XXXXX-XXXXX-XXXXX): a
		// mistyped UID, refused rather than read as the fingerprint of a
		// machine that does not exist. Other text that fails as a UID (20
		// hex digits) is a fingerprint.
		detail := "the machine UID has a typo"
		if !errors.Is(perr, codec.ErrTypo) {
			detail = perr.Error()
		}
		return "", none, &licensing.Refusal{Reason: licensing.ErrInvalidMachine, Detail: detail, Err: perr}
	}
	product, err := s.svc.LicenceProduct(ctx, key)
	if err != nil {
		return "", none, err
	}
	if u, err = licensing.FingerprintUID(product, id); err != nil {
		return "", none, err
	}
	former, err := licensing.LegacyFingerprintUID(product, id)
	return u.String(), former, err
}

// looksLikeRequestCode: grouped text is a request code, damaged or not,
// never a fingerprint: a mistyped request code must be refused, not
// mapped to another machine.
func looksLikeRequestCode(id string) bool { return codec.HasGroupedShape(id) }

// requestCode parses a request code sent as machineId; it must be for the
// caller's licence key.
func (s *Server) requestCode(key, id string) (codec.RequestCode, error) {
	rc, err := codec.ParseRequestCode(id)
	if err != nil {
		return rc, &licensing.Refusal{Reason: licensing.ErrInvalidRequest, Detail: err.Error(), Err: err}
	}
	norm, err := licensing.ParseLicenceKey(key)
	if err != nil {
		return rc, err
	}
	if rc.LicenceKey != norm {
		return rc, &licensing.Refusal{Reason: licensing.ErrInvalidRequest, Detail: "the request code is for another licence key"}
	}
	return rc, nil
}

func (s *Server) activate(w http.ResponseWriter, r *http.Request) {
	var req ActivateRequest
	if !s.readJSON(w, r, &req) {
		return
	}
	c, ok := s.caller(w, r, req, true)
	if !ok {
		return
	}
	key := c.key
	ir := req.issueRequest(licensing.IssueRequest{Licence: key, Name: req.MachineName, Tolerance: s.cfg.Tolerance, Fresh: req.Fresh}, c.field(req))
	if id := strings.TrimSpace(req.MachineID); looksLikeRequestCode(id) {
		// The request code's product and version take part: another
		// product's code is refused, and the key is chosen for the
		// product's release line.
		ir.Request = id // the rules check that it is the caller's licence's
	} else {
		uid, former, err := s.resolveMachine(r.Context(), key, req.MachineID)
		if err != nil {
			writeProblem(w, r, s.problemFor(r, err))
			return
		}
		// A fingerprint's activation recorded under its 15-bit UID moves
		// to its fingerprint UID, keeping its one seat.
		ir.Machine, ir.Former = uid, former
	}
	is, err := s.svc.Issue(r.Context(), ir)
	if err != nil {
		writeProblem(w, r, s.problemFor(r, err))
		return
	}
	writeJSON(w, http.StatusOK, s.answer(req.MachineID, is, req.held()))
}

// answer builds the activation answer from an issued code: the record
// carries the licence's seats and its plan's schedule, so the answer costs
// no read at all.
func (s *Server) answer(machineID string, is signer.Issued, held uint32) *Activation {
	now := s.cfg.Now().UTC()
	every, grace := s.cfg.ValidateEvery, s.cfg.OfflineGrace
	if is.ValidateHours > 0 {
		every = time.Duration(is.ValidateHours) * time.Hour
	}
	if is.OfflineGraceDays > 0 {
		grace = time.Duration(is.OfflineGraceDays) * 24 * time.Hour
	}
	return &Activation{MachineID: machineID, MachineUID: is.Machine, MachineName: is.MachineName, ActivatedAt: is.ActivatedAt,
		ActiveCount: is.InUse, MaxActivations: is.LicenceSeats, Code: is.Code, Serial: is.Serial, KeyID: is.KeyID,
		Product: is.Product, Features: is.Features, Expires: is.Expires, LicenceExpires: is.LicenceExpires, Plan: is.Plan,
		Reissued: is.Reissued, MachineChanged: is.MachineChanged, ReplacedMachineUID: is.DriftedFrom,
		ValidateAfter: now.Add(every), OfflineUntil: now.Add(grace), Certificate: certText(is.Certificate), Keyring: s.update(is.Product, held)}
}

// update is the product's keyring update, if the product holds an older
// keyring than it.
func (s *Server) update(product string, held uint32) string {
	if u := s.cfg.Updates[product]; u != nil && u.Version > held {
		return u.String()
	}
	return ""
}

// certText is a certificate's text, "" for none.
func certText(c *codec.Certificate) string {
	if c == nil {
		return ""
	}
	return c.String()
}

func (s *Server) validate(w http.ResponseWriter, r *http.Request) {
	var req ActivateRequest
	if !s.readJSON(w, r, &req) {
		return
	}
	c, ok := s.caller(w, r, req, true)
	if !ok {
		return
	}
	key := c.key
	uid, former, err := s.resolveMachine(r.Context(), key, req.MachineID)
	if err != nil {
		writeProblem(w, r, s.problemFor(r, err))
		return
	}
	// A validation reads; it writes only to renew a lease, re-take a
	// lapsed seat, or mark the machine seen (daily).
	validate := s.svc.Validate
	if req.Fresh {
		validate = s.svc.ValidateFresh
	}
	v, err := validate(r.Context(), key, uid, req.licensing(c.field(req)))
	if errors.Is(err, licensing.ErrNotActivated) && former != (codec.MachineUID{}) {
		// A fingerprint activated before fingerprint UIDs: its seat is
		// under the 15-bit UID until its next activation moves it.
		v, err = validate(r.Context(), key, former.String(), req.licensing(c.field(req)))
	}
	is := v.Issued
	var ref *licensing.Refusal
	if errors.As(err, &ref) && ref.Reason != licensing.ErrLicenceTypo && ref.Reason != licensing.ErrInvalidMachine {
		p := s.problemFor(r, err)
		writeJSON(w, http.StatusOK, Validation{Valid: false, Code: p.Code, Error: p.Error})
		return
	}
	if err != nil {
		writeProblem(w, r, s.problemFor(r, err))
		return
	}
	writeJSON(w, http.StatusOK, Validation{Valid: true, Activation: s.answer(req.MachineID, is, req.held())})
}

// DeactivateRequest is the body of deactivate: the machine, as for
// activate, or the deactivation code a product showed when it gave up its
// code offline (docs/format.md section 12), which names the machine and
// the serial it gives up; not both.
type DeactivateRequest struct {
	ActivateRequest
	DeactivationCode string `json:"deactivationCode,omitempty"`
}

// Deactivation is the answer of deactivate.
type Deactivation struct {
	Deactivated bool   `json:"deactivated"`
	MachineUID  string `json:"machineUid"`
	Serial      uint64 `json:"serial,omitempty"`
	ActiveCount int    `json:"activeCount"`
}

func (s *Server) deactivate(w http.ResponseWriter, r *http.Request) {
	var req DeactivateRequest
	if !s.readJSON(w, r, &req) {
		return
	}
	c, ok := s.caller(w, r, req.ActivateRequest, req.DeactivationCode != "")
	if !ok {
		return
	}
	key := c.key
	if key == "" {
		// A token acting for several licences, and only a machine named:
		// the licence is the one that machine holds a seat on.
		if key, ok = s.machineLicence(w, r, *c.token, req.MachineID); !ok {
			return
		}
	}
	var uid string
	var serial uint64
	var inUse int
	var err error
	switch {
	case req.DeactivationCode != "" && req.MachineID != "":
		p := newProblem(http.StatusBadRequest, CodeInvalid)
		p.Detail = "give machineId or deactivationCode, not both"
		writeProblem(w, r, p)
		return
	case req.DeactivationCode != "":
		// The code frees only the activation whose serial it names, within
		// the release budget, and only for the caller's licence.
		var d signer.Deactivated
		d, err = s.svc.DeactivateCode(r.Context(), key, req.DeactivationCode)
		uid, inUse = d.Machine, d.InUse
		if err == nil {
			serial = d.Serial
		}
	default:
		var former codec.MachineUID
		if uid, former, err = s.resolveMachine(r.Context(), key, req.MachineID); err != nil {
			writeProblem(w, r, s.problemFor(r, err))
			return
		}
		serial, inUse, err = s.svc.DeactivateSeats(r.Context(), key, uid)
		if errors.Is(err, licensing.ErrNotActivated) && former != (codec.MachineUID{}) {
			// A seat still under the fingerprint's 15-bit UID.
			if serial, inUse, err = s.svc.DeactivateSeats(r.Context(), key, former.String()); err == nil {
				uid = former.String()
			}
		}
	}
	if err != nil && !errors.Is(err, licensing.ErrNotActivated) {
		writeProblem(w, r, s.problemFor(r, err))
		return
	}
	// Deactivating twice is not an error: the second says nothing was held.
	writeJSON(w, http.StatusOK, Deactivation{Deactivated: err == nil, MachineUID: uid, Serial: serial, ActiveCount: inUse})
}

// LicenceInfo is the answer of GET /api/licence.
type LicenceInfo struct {
	Product  string    `json:"product"`
	Plan     string    `json:"plan,omitempty"`
	Status   string    `json:"status"`
	Expires  codec.Day `json:"expires"`
	Features []string  `json:"features"`
	Seats    int       `json:"maxActivations"`
	InUse    int       `json:"activeCount"`
	Machines []Machine `json:"machines"`
}

func (s *Server) licence(w http.ResponseWriter, r *http.Request) {
	// A GET has no body: a token acting for several licences names one in
	// a header (never in the URL, which proxies log).
	req := ActivateRequest{LicenceKey: r.Header.Get("X-Licence-Key"), LicenseKey: r.Header.Get("X-License-Key")}
	c, ok := s.caller(w, r, req, true)
	if !ok {
		return
	}
	key := c.key
	li, err := s.svc.Licence(r.Context(), key)
	if err != nil {
		writeProblem(w, r, s.problemFor(r, err))
		return
	}
	info := LicenceInfo{Product: li.Product, Plan: li.Plan, Status: string(li.Status), Expires: li.Expires, Features: li.Features,
		Seats: li.Seats, InUse: li.InUse, Machines: []Machine{}}
	for _, h := range li.Holders {
		info.Machines = append(info.Machines, machineOf(h))
	}
	writeJSON(w, http.StatusOK, info)
}

// machineOf describes a seat holder.
func machineOf(h licensing.Holder) Machine {
	return Machine{MachineUID: h.Machine, Name: h.Name, Serial: h.Serial, Since: h.Since, LastSeen: h.LastSeen, Expires: h.Expires}
}

// KeysDocument is /.well-known/actkit/keys.json: every product's public
// keyring, for products that update their pinned keys on rotation.
type KeysDocument struct {
	Keyrings map[string]string `json:"keyrings"`
	// Updates are the root-signed keyring updates, by product: what a
	// product installs after checking them against the roots it holds.
	Updates map[string]string `json:"updates,omitempty"`
}

func (s *Server) keys(w http.ResponseWriter, r *http.Request) {
	doc := KeysDocument{Keyrings: map[string]string{}}
	if s.cfg.Keyrings != nil {
		krs, err := s.cfg.Keyrings(r.Context())
		if err != nil {
			writeProblem(w, r, s.problemFor(r, err))
			return
		}
		for _, kr := range krs {
			doc.Keyrings[kr.Product] = kr.String()
		}
	}
	for p, u := range s.cfg.Updates {
		if doc.Updates == nil {
			doc.Updates = map[string]string{}
		}
		doc.Updates[p] = u.String()
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(doc)
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Ready != nil {
		if err := s.cfg.Ready(r.Context()); err != nil {
			s.log.WarnContext(r.Context(), "not ready", "err", err)
			writeProblem(w, r, newProblem(http.StatusServiceUnavailable, CodeUnavailable))
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"ready": true})
}
