package portal

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/internal/ratelimit"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config configures the pages.
type Config struct {
	// Service is the licensing service (with signing keys).
	Service *signer.Service
	// Log receives internal errors; licence keys and tokens never.
	Log *slog.Logger
	// Secure marks cookies Secure even when this process sees plain HTTP
	// (TLS ends at a reverse proxy).
	Secure bool
	// Rate and Burst bound activations per client address; SignInRate
	// and SignInBurst bound sign-in attempts.
	Rate, SignInRate   float64
	Burst, SignInBurst int
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client address (the API's rule, ratelimit.ClientAddr).
	TrustedProxies []netip.Prefix
	// Tolerance is the API's machine policy for drifted UIDs.
	Tolerance licensing.Tolerance
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Brand names the vendor on every page (default "Licensing").
	Brand Brand
}

// Portal serves the pages. It is safe for concurrent use.
type Portal struct {
	cfg     Config
	svc     *signer.Service
	pages   map[string]*template.Template
	limits  *ratelimit.Limiter
	signIns *ratelimit.Limiter
	handler http.Handler
	// logoType is the media type of cfg.Brand.Logo, "" for none.
	logoType string
	overview *overviewCache
}

// Session lifetimes.
const (
	customerSession = time.Hour
	staffSession    = 8 * time.Hour
)

// New returns the pages over cfg.Service.
func New(cfg Config) (*Portal, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Rate == 0 {
		cfg.Rate, cfg.Burst = 1, 10
	}
	if cfg.SignInRate == 0 {
		cfg.SignInRate, cfg.SignInBurst = 0.2, 5
	}
	brand, logoType, err := CheckBrand(cfg.Brand)
	if err != nil {
		return nil, err
	}
	cfg.Brand = brand
	p := &Portal{cfg: cfg, svc: cfg.Service, pages: map[string]*template.Template{},
		limits: ratelimit.New(cfg.Rate, cfg.Burst, cfg.Now), signIns: ratelimit.New(cfg.SignInRate, cfg.SignInBurst, cfg.Now),
		logoType: logoType, overview: &overviewCache{}}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, err
		}
		p.pages[name] = t
	}
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /brand/logo", p.logo)
	mux.HandleFunc("GET /{$}", p.home)
	mux.HandleFunc("GET /activate", p.activateForm)
	mux.HandleFunc("POST /activate", p.activate)
	mux.HandleFunc("GET /licence/sign-in", p.licenceSignInForm)
	mux.HandleFunc("POST /licence/sign-in", p.licenceSignIn)
	mux.HandleFunc("GET /licence", p.myLicence)
	mux.HandleFunc("POST /licence/deactivate", p.myDeactivate)
	mux.HandleFunc("POST /licence/tokens", p.myTokens)
	mux.HandleFunc("POST /sign-out", p.signOut)
	mux.HandleFunc("GET /admin/sign-in", p.staffSignInForm)
	mux.HandleFunc("POST /admin/sign-in", p.staffSignIn)
	mux.HandleFunc("GET /admin", p.dashboard)
	mux.HandleFunc("GET /admin/licences.csv", p.exportCSV)
	mux.HandleFunc("GET /admin/licence", p.staffLicence)
	mux.HandleFunc("POST /admin/licence", p.staffAction)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		p.render(w, r, http.StatusNotFound, "message", page{Title: "Page not found", Message: "There is no page at this address."})
	})
	// Every state-changing request is a POST, refused when a browser says
	// it comes from another site (Sec-Fetch-Site, or Origin against Host).
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.render(w, r, http.StatusForbidden, "message", page{Title: "Request refused",
			Message: "This form was sent from another site, so it was not acted on. Open the page from this site and send it again."})
	}))
	p.handler = securityHeaders(csrf.Handler(p.withSession(mux)))
	return p, nil
}

// ServeHTTP serves the pages.
func (p *Portal) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.handler.ServeHTTP(w, r) }

// securityHeaders: no framing (clickjacking), no sniffing, scripts and
// styles only from this origin, nothing sent to other sites.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

var funcs = template.FuncMap{
	"day": func(d codec.Day) string {
		if d == codec.NoExpiry {
			return "never"
		}
		return d.String()
	},
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"join":    strings.Join,
	"grouped": grouped,
	"add1":    func(i int) int { return i + 1 },
}

// grouped writes a hyphenated code, licence key or machine UID so that a
// line breaks only at its hyphens, never inside a group: each group is
// kept whole, and a break opportunity follows each hyphen.
func grouped(s string) template.HTML {
	var b strings.Builder
	for i, g := range strings.Split(s, "-") {
		if i > 0 {
			b.WriteString("-<wbr>")
		}
		b.WriteString(`<span class="grp">`)
		b.WriteString(template.HTMLEscapeString(g))
		b.WriteString("</span>")
	}
	return template.HTML(b.String())
}

// page is what every template gets.
type page struct {
	// Name is the template's, marked on <main> for tests and styles.
	Name    string
	Title   string
	Message string
	Error   string
	// Staff and Customer say who is signed in.
	Staff    bool
	Admin    bool
	Customer bool
	Brand    Brand
	Data     any
}

func (p *Portal) render(w http.ResponseWriter, r *http.Request, status int, name string, pg page) {
	t := p.pages[name]
	pg.Name = name
	pg.Brand = p.cfg.Brand
	if sess, ok := session(r); ok {
		pg.Staff, pg.Admin, pg.Customer = sess.Scope != "", sess.Scope == licensing.ScopeAdmin, sess.Licence != ""
	}
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, "layout.html", pg); err != nil {
		p.cfg.Log.Error("rendering a page", "page", name, "err", err)
		http.Error(w, "the page could not be shown", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write([]byte(b.String()))
}

// fail shows a refusal in words, or logs an internal error and says only
// that something went wrong.
func (p *Portal) fail(w http.ResponseWriter, r *http.Request, name string, pg page, err error) {
	status, words := refusalWords(err)
	switch status {
	case http.StatusInternalServerError:
		p.cfg.Log.Error("a page failed", "path", r.URL.Path, "err", err)
		if errors.Is(err, context.Canceled) {
			return
		}
	case http.StatusServiceUnavailable:
		p.cfg.Log.Error("a page could not reach the ledger", "path", r.URL.Path, "err", err)
	}
	pg.Error = words
	var ref *licensing.Refusal
	if errors.As(err, &ref) && errors.Is(err, licensing.ErrSeatLimit) {
		pg.Data = seatLimit{Form: pg.Data, Holders: ref.Holders, Seats: ref.Seats}
		name = "seatlimit"
	}
	p.render(w, r, status, name, pg)
}

type seatLimit struct {
	Form    any
	Holders []licensing.Holder
	Seats   int
}

// refusalWords are the pages' words for the licensing refusals.
func refusalWords(err error) (int, string) {
	var ref *licensing.Refusal
	detail := ""
	if errors.As(err, &ref) {
		detail = ref.Detail
	}
	switch {
	case errors.Is(err, licensing.ErrLicenceTypo):
		return http.StatusBadRequest, "The licence key has a typo: its check symbol does not match. Compare it with your licence symbol by symbol (0 and O, 1 and I, 5 and S are easy to mix up)."
	case errors.Is(err, licensing.ErrUnknownLicence):
		return http.StatusNotFound, "There is no licence with this key. Check it against your licence document."
	case errors.Is(err, licensing.ErrInvalidRequest) && errors.As(err, new(*codec.Error)):
		return http.StatusBadRequest, "The request code was not read correctly: " + detail + ". Copy it again from the product, or re-type the group named."
	case errors.Is(err, licensing.ErrInvalidRequest):
		return http.StatusBadRequest, "That request code does not go with this licence: " + detail + ". Enter the licence key the product shows beside the request code."
	case errors.Is(err, licensing.ErrInvalidDeactivation):
		return http.StatusBadRequest, "The deactivation code was not read correctly: " + detail + ". Copy it again from the product."
	case errors.Is(err, licensing.ErrInvalidMachine):
		return http.StatusBadRequest, "The machine UID was not read correctly: " + detail + ". Copy it again from the product."
	case errors.Is(err, licensing.ErrSeatLimit):
		return http.StatusConflict, "Every seat of this licence is in use."
	case errors.Is(err, licensing.ErrLicenceExpired):
		return http.StatusForbidden, "This licence has expired. Ask your vendor to renew it."
	case errors.Is(err, licensing.ErrSuspended):
		return http.StatusForbidden, "This licence is suspended. Ask your vendor why."
	case errors.Is(err, licensing.ErrRevoked):
		return http.StatusForbidden, "This licence was revoked."
	case errors.Is(err, licensing.ErrWrongProduct):
		return http.StatusBadRequest, "This request code comes from another product than the licence's."
	case errors.Is(err, licensing.ErrNotActivated):
		return http.StatusNotFound, "That machine holds no seat on this licence."
	case errors.Is(err, licensing.ErrReleaseBudget):
		return http.StatusForbidden, "This licence's deactivations for the last 30 days are used up. Ask your vendor to free the seat."
	case errors.Is(err, licensing.ErrNoActiveKey), errors.Is(err, licensing.ErrNoTrustedKey):
		return http.StatusServiceUnavailable, "The vendor cannot sign codes for this product version at the moment. Please contact them."
	case errors.Is(err, licensing.ErrInvalid), errors.Is(err, licensing.ErrUnknownPlan):
		return http.StatusBadRequest, "That change was refused: " + detail + "."
	case licensing.ReasonCode(err) != "":
		return http.StatusBadRequest, "That was refused: " + detail + "."
	case errors.Is(err, ledger.ErrBusy), errors.Is(err, ledger.ErrFull), errors.Is(err, ledger.ErrReadOnly),
		errors.Is(err, ledger.ErrCannotOpen), errors.Is(err, ledger.ErrIO), errors.Is(err, ledger.ErrUnreachable),
		errors.Is(err, ledger.ErrStarting), errors.Is(err, ledger.ErrNoConnection), errors.Is(err, ledger.ErrTimeout):
		return http.StatusServiceUnavailable, "The licence server cannot reach its records right now. Please try again in a few minutes."
	}
	return http.StatusInternalServerError, "Something went wrong on our side. Please try again in a minute."
}

// limited applies a limiter to the request's client address, and says so
// in words when it is over.
func (p *Portal) limited(w http.ResponseWriter, r *http.Request, l *ratelimit.Limiter) bool {
	ok, d := l.Allow(ratelimit.Key(ratelimit.ClientAddr(r, p.cfg.TrustedProxies)))
	if ok {
		return false
	}
	secs := int(d.Seconds()) + 1
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	p.render(w, r, http.StatusTooManyRequests, "message", page{Title: "Too many attempts",
		Message: "Too many attempts from your address. Please wait " + strconv.Itoa(secs) + " seconds and try again."})
	return true
}

func (p *Portal) home(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, http.StatusOK, "home", page{Title: p.cfg.Brand.Name})
}

// form reads a posted form of at most 16 KiB. A larger declared length is
// refused before the first read, so a client that asked for
// "100 Continue" is answered instead of invited to send it.
func form(w http.ResponseWriter, r *http.Request) bool {
	const max = 16 << 10
	if r.ContentLength > max {
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, max)
	return r.ParseForm() == nil
}
