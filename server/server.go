package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/internal/ratelimit"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"
)

// Defaults for Config.
const (
	DefaultMaxBody        = 16 << 10
	DefaultRate           = 5 // requests per second per licence key and per client address
	DefaultBurst          = 20
	DefaultValidateEvery  = 24 * time.Hour
	DefaultOfflineGrace   = 7 * 24 * time.Hour
	DefaultRequestTimeout = 10 * time.Second
)

// Config is what a Server serves.
type Config struct {
	// Service is the licensing service (with signing keys).
	Service *signer.Service
	// Keyrings returns the products' public keyrings, for
	// /.well-known/actkit/keys.json (HMAC keys are never published).
	Keyrings func(ctx context.Context) ([]*codec.Keyring, error)
	// Updates are the root-signed keyring updates (version 2 keyrings,
	// docs/format.md section 14) the workstation made, by product: served
	// in /.well-known/actkit/keys.json and carried in the answers of
	// products that hold an older keyring.
	Updates map[string]*codec.Keyring
	// Ready reports whether the ledger is reachable and current, for
	// /readyz; nil means always ready.
	Ready func(ctx context.Context) error
	// Log receives one line per request (with a request ID) and every
	// internal error; licence keys are never logged in full.
	Log *slog.Logger
	// Rate and Burst bound requests per licence key and per client
	// address (token buckets).
	Rate  float64
	Burst int
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client address; from anywhere else the header is ignored.
	TrustedProxies []netip.Prefix
	// MaxBody caps a request body, read before any work.
	MaxBody int64
	// ValidateEvery is when products should validate next; OfflineGrace
	// how long they may run on their last answer without reaching us.
	ValidateEvery, OfflineGrace time.Duration
	// Tolerance, if set, lets a product's machine whose UID drifted (an
	// unplugged cable, a replaced adapter) keep its seat on activation,
	// its earlier activation replaced in the same transaction. The
	// front end sets it from the products' match policy; nil: any change
	// of UID is another machine.
	Tolerance licensing.Tolerance
	// Pages, if set, serves every path outside /api/ that the API does
	// not (the portal's pages).
	Pages http.Handler
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Metrics, if set, counts every request by status and problem code
	// (shown by the debug listener, ListenDebug).
	Metrics *Metrics
}

// Server is the activation API.
type Server struct {
	cfg     Config
	svc     *signer.Service
	log     *slog.Logger
	mux     *http.ServeMux
	limits  *ratelimit.Limiter
	handler http.Handler
}

// New returns the API over cfg.Service.
func New(cfg Config) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Rate == 0 {
		cfg.Rate, cfg.Burst = DefaultRate, DefaultBurst
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.ValidateEvery == 0 {
		cfg.ValidateEvery = DefaultValidateEvery
	}
	if cfg.OfflineGrace == 0 {
		cfg.OfflineGrace = DefaultOfflineGrace
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{cfg: cfg, svc: cfg.Service, log: cfg.Log, mux: http.NewServeMux(), limits: ratelimit.New(cfg.Rate, cfg.Burst, cfg.Now)}
	s.routes()
	s.handler = s.recoverer(s.logged(s.mux))
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

type ctxKey int

const requestIDKey ctxKey = 0

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// statusWriter remembers the status (and the problem code, set by
// writeProblem) for the log line and the counters.
type statusWriter struct {
	http.ResponseWriter
	status int
	code   string
	// hidden are the texts a problem's detail must not carry in full
	// (hide, maskHidden).
	hidden []string
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write is a 200 when nothing set a status first, as net/http makes it.
func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// loggedPath is the request's path as the log shows it: the licence key
// of an admin URL (/api/admin/licences/KEY/...) becomes {key}, since a
// licence key is a secret of its customer's and is never logged in full.
func loggedPath(path string) string {
	const licences = "/api/admin/licences/"
	rest, ok := strings.CutPrefix(path, licences)
	if !ok || rest == "" {
		return path
	}
	if _, action, found := strings.Cut(rest, "/"); found {
		return licences + "{key}/" + action
	}
	return licences + "{key}"
}

// logged gives each request an ID (echoed in X-Request-ID and in
// problems) and logs one line for it: method, path, status, duration,
// client address. Never a body, a licence key or a token.
func (s *Server) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b [8]byte
		rand.Read(b[:])
		id := hex.EncodeToString(b[:])
		w.Header().Set("X-Request-ID", id)
		ctx, cancel := context.WithTimeout(context.WithValue(r.Context(), requestIDKey, id), DefaultRequestTimeout)
		defer cancel()
		sw := &statusWriter{ResponseWriter: w}
		start := time.Now()
		next.ServeHTTP(sw, r.WithContext(ctx))
		status := sw.status
		if status == 0 {
			status = http.StatusOK // nothing written: net/http sends 200
		}
		s.cfg.Metrics.request(status, sw.code)
		s.log.InfoContext(ctx, "request", "id", id, "method", r.Method, "path", loggedPath(r.URL.Path), "status", status,
			"ms", time.Since(start).Milliseconds(), "client", s.clientAddr(r).String())
	})
}

// recoverer turns a panic into a 500 problem and a log line, never a
// dropped connection.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "panic", "value", v)
				writeProblem(w, r, newProblem(http.StatusInternalServerError, CodeInternal))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// clientAddr is the client's address (see ratelimit.ClientAddr).
func (s *Server) clientAddr(r *http.Request) netip.Addr {
	return ratelimit.ClientAddr(r, s.cfg.TrustedProxies)
}
