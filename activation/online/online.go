// Package online is the licence server for an activation.Client over
// HTTP: the licence API that the vendor's server answers (docs/api.md).
// It is its own package so that a product that must never open a socket
// links package activation without any network code.
//
// Every call has a timeout per attempt and is retried, with exponential
// backoff and jitter, when the server could not be reached or answered
// 408, 429 or 5xx, waiting at least what its Retry-After asks; those
// failures wrap activation.ErrOffline after the last attempt. Every other
// answer is final: a refusal is an *activation.ServerError wrapping
// activation.ErrRefused with the server's code. Retrying is safe: the
// server answers a repeated activation with the same seat and code.
package online

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/actkit/actkit/activation"
	"github.com/actkit/actkit/codec"
)

// Defaults for Options.
const (
	DefaultTimeout       = 10 * time.Second
	DefaultAttempts      = 3
	DefaultBackoff       = 500 * time.Millisecond
	DefaultMaxRetryAfter = time.Minute
	// maxAnswer caps an answer's body, read before decoding.
	maxAnswer = 64 << 10
)

// Options tune a Server; the zero value is the defaults.
type Options struct {
	// HTTPClient sends the requests (its Transport: proxies, TLS roots);
	// nil means a client of its own. Its Timeout, if any, also applies.
	HTTPClient *http.Client
	// Timeout bounds each attempt (DefaultTimeout).
	Timeout time.Duration
	// Attempts is how many times a call is tried when the server cannot
	// answer (DefaultAttempts; 1: no retry).
	Attempts int
	// Backoff is the first wait between attempts (DefaultBackoff),
	// doubled each time, with full jitter.
	Backoff time.Duration
	// MaxRetryAfter is the longest Retry-After waited for within a call
	// (DefaultMaxRetryAfter); a longer one ends the call with ErrOffline
	// and the wait in *activation.ServerError.RetryAfter, for the
	// Client's next attempt.
	MaxRetryAfter time.Duration
	// UserAgent names the product in requests.
	UserAgent string
}

// Server is the licence API at one base URL. It implements
// activation.Server and is safe for concurrent use.
type Server struct {
	base *url.URL
	opts Options
	// sleep waits between attempts; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
}

var _ activation.Server = (*Server)(nil)

// New returns the licence server at baseURL ("https://licence.example.com",
// the address of the vendor's licence server).
func New(baseURL string, opts Options) (*Server, error) {
	u, err := url.Parse(strings.TrimSuffix(baseURL, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("online: %q is not an http or https URL", baseURL)
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{}
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Attempts <= 0 {
		opts.Attempts = DefaultAttempts
	}
	if opts.Backoff <= 0 {
		opts.Backoff = DefaultBackoff
	}
	if opts.MaxRetryAfter <= 0 {
		opts.MaxRetryAfter = DefaultMaxRetryAfter
	}
	return &Server{base: u, opts: opts, sleep: sleep}, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// request is the body the licence API takes.
type request struct {
	MachineID   string `json:"machineId"`
	MachineName string `json:"machineName,omitempty"`
	// ProductVersion and TrustedKeys let the server sign with a key this
	// product's keyring holds (docs/api.md, "Which key signs").
	ProductVersion string        `json:"productVersion,omitempty"`
	TrustedKeys    []codec.KeyID `json:"trustedKeys,omitempty"`
	Certificates   bool          `json:"certificates,omitempty"`
	// KeyringVersion is sent, 0 included (a version 1 keyring), when the
	// caller installs the keyring update an answer carries before it
	// checks the code (activation.Request.InstallsUpdates): the server
	// may then sign for the keyring it will hold.
	KeyringVersion *uint32 `json:"keyringVersion,omitempty"`
	// Fresh asks for a code issued today (activation.Request.Fresh).
	Fresh bool `json:"fresh,omitempty"`
}

// keyringVersion is the request's keyringVersion: sent only by a caller
// that installs updates (the server reads its presence as saying so).
func keyringVersion(r activation.Request) *uint32 {
	if !r.InstallsUpdates {
		return nil
	}
	v := r.KeyringVersion
	return &v
}

// answer is what activate and validate answer (the fields this client
// reads; the server may add others).
type answer struct {
	Valid          *bool     `json:"valid"`
	Code           string    `json:"code"`
	Error          string    `json:"error"`
	ActivationCode string    `json:"activationCode"`
	Serial         uint64    `json:"serial"`
	ActiveCount    int       `json:"activeCount"`
	MaxActivations int       `json:"maxActivations"`
	ValidateAfter  time.Time `json:"validateAfter"`
	OfflineUntil   time.Time `json:"offlineGraceUntil"`
	Deactivated    bool      `json:"deactivated"`
	Certificate    string    `json:"certificate"`
	Keyring        string    `json:"keyring"`
}

// Activate takes (or finds) the machine's seat.
func (s *Server) Activate(ctx context.Context, r activation.Request) (activation.Answer, error) {
	a, date, err := s.call(ctx, "/api/licence/activate", r)
	if err != nil {
		return activation.Answer{}, err
	}
	return a.activation(date)
}

// Validate returns the machine's current code; a business outcome (valid
// false) is an *activation.ServerError with the server's code.
func (s *Server) Validate(ctx context.Context, r activation.Request) (activation.Answer, error) {
	a, date, err := s.call(ctx, "/api/licence/validate", r)
	if err != nil {
		return activation.Answer{}, err
	}
	if a.Valid == nil || !*a.Valid {
		return activation.Answer{}, &activation.ServerError{Err: activation.ErrRefused, Status: http.StatusOK, Code: a.Code, Message: a.Error}
	}
	return a.activation(date)
}

// Deactivate frees the machine's seat.
func (s *Server) Deactivate(ctx context.Context, r activation.Request) (activation.Deactivation, error) {
	a, _, err := s.call(ctx, "/api/licence/deactivate", r)
	if err != nil {
		return activation.Deactivation{}, err
	}
	return activation.Deactivation{Freed: a.Deactivated, ActiveCount: a.ActiveCount}, nil
}

// activation turns an answer into the Client's terms. The schedule comes
// as the server's instants; measured from the server's own Date, it
// means the same on a product whose clock is off.
func (a *answer) activation(date time.Time) (activation.Answer, error) {
	if a.ActivationCode == "" {
		return activation.Answer{}, &activation.ServerError{Err: activation.ErrRefused, Status: http.StatusOK, Message: "the answer carries no activation code"}
	}
	out := activation.Answer{Code: a.ActivationCode, Certificate: a.Certificate, Keyring: a.Keyring, Serial: a.Serial, ActiveCount: a.ActiveCount, MaxActivations: a.MaxActivations}
	if !a.ValidateAfter.IsZero() {
		out.ValidateEvery = a.ValidateAfter.Sub(date)
	}
	if !a.OfflineUntil.IsZero() {
		out.OfflineGrace = a.OfflineUntil.Sub(date)
	}
	return out, nil
}

// call posts r to path, retrying what may pass, and decodes a 200 answer.
func (s *Server) call(ctx context.Context, path string, r activation.Request) (*answer, time.Time, error) {
	body, err := json.Marshal(request{MachineID: r.MachineUID.String(), MachineName: r.MachineName,
		ProductVersion: r.ProductVersion, TrustedKeys: r.TrustedKeys, Certificates: r.Certificates, KeyringVersion: keyringVersion(r), Fresh: r.Fresh})
	if err != nil {
		return nil, time.Time{}, err
	}
	var last error
	for attempt := 0; attempt < s.opts.Attempts; attempt++ {
		a, date, err := s.attempt(ctx, path, r.LicenceKey, body)
		if err == nil || !errors.Is(err, activation.ErrOffline) {
			return a, date, err
		}
		last = err
		if ctx.Err() != nil || attempt == s.opts.Attempts-1 {
			break
		}
		// Full jitter over an exponential backoff, so that products that
		// lost the server together do not come back together.
		d := s.opts.Backoff << attempt
		d = d/2 + rand.N(d/2+1)
		var se *activation.ServerError
		if errors.As(err, &se) && se.RetryAfter > 0 {
			if se.RetryAfter > s.opts.MaxRetryAfter {
				break // the Client asks again later
			}
			// Never sooner than the server asked.
			d = se.RetryAfter + rand.N(se.RetryAfter/10+1)
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
			break
		}
		if err := s.sleep(ctx, d); err != nil {
			break
		}
	}
	return nil, time.Time{}, last
}

// attempt is one request. Its error wraps activation.ErrOffline when
// another attempt may pass.
func (s *Server) attempt(ctx context.Context, path, key string, body []byte) (*answer, time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.base.String()+path, bytes.NewReader(body))
	if err != nil {
		return nil, time.Time{}, err
	}
	// The key goes in the header, never in the URL: URLs end up in logs.
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if s.opts.UserAgent != "" {
		req.Header.Set("User-Agent", s.opts.UserAgent)
	}
	resp, err := s.opts.HTTPClient.Do(req)
	if err != nil {
		return nil, time.Time{}, &activation.ServerError{Err: activation.ErrOffline, Cause: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return nil, time.Time{}, &activation.ServerError{Err: activation.ErrOffline, Status: resp.StatusCode, Cause: err}
	}
	var a answer
	decoded := len(data) <= maxAnswer && json.Unmarshal(data, &a) == nil
	switch st := resp.StatusCode; {
	case st == http.StatusRequestTimeout || st == http.StatusTooManyRequests || st >= 500:
		return nil, time.Time{}, &activation.ServerError{Err: activation.ErrOffline, Status: st, Code: a.Code, Message: a.Error,
			RetryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now())}
	case st != http.StatusOK:
		return nil, time.Time{}, &activation.ServerError{Err: activation.ErrRefused, Status: st, Code: a.Code, Message: a.Error}
	case !decoded:
		// A 200 that is not the licence API's JSON is not an answer about
		// the licence: a captive portal's login page, a proxy's error.
		return nil, time.Time{}, &activation.ServerError{Err: activation.ErrOffline, Status: st,
			Cause: errors.New("the answer is not the licence server's")}
	}
	date, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		date = time.Now() // no Date: the answer's times are read against this clock
	}
	return &a, date, nil
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(h string, now time.Time) time.Duration {
	if h == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(h)); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
