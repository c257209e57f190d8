package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/actkit/actkit/activation"
	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/internal/boundedfile"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/ledger/postgres"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/portal"
	"github.com/actkit/actkit/server"
	"github.com/actkit/actkit/verify"
	"github.com/urfave/cli/v2"
)

func serveCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "run the online activation API that products call",
		Description: `Serves the licence API (activate, validate, deactivate, the licence and its
machines, the public keyrings) over the same ledger and keys as the other
commands. The keystore is unlocked once at start from --identity or
--passphrase-file (never a prompt). Logs go to stderr as JSON lines; licence
keys are never logged. Stop with Ctrl-C or SIGTERM: requests in flight
finish first.

Behind a reverse proxy, serve plain HTTP on a loopback or private address
and name the proxy with --trusted-proxy, so that rate limits see the
client's address from X-Forwarded-For.

Examples:
   actkit serve --listen 127.0.0.1:8080 --identity vendor-identity.txt
   actkit serve --listen :8443 --tls-cert cert.pem --tls-key key.pem --passphrase-file pass.txt`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "listen", Value: "127.0.0.1:8080", Usage: "address to listen on (port 0: any free port)"},
			&cli.StringFlag{Name: "tls-cert", Usage: "TLS certificate file (PEM)"},
			&cli.StringFlag{Name: "tls-key", Usage: "TLS private key file (PEM)"},
			&cli.StringSliceFlag{Name: "trusted-proxy", Usage: "address or CIDR of a reverse proxy whose X-Forwarded-For is believed; repeatable"},
			&cli.Float64Flag{Name: "rate", Value: server.DefaultRate, Usage: "requests per second per licence key and per client address"},
			&cli.IntFlag{Name: "burst", Value: server.DefaultBurst, Usage: "requests allowed at once above the rate"},
			&cli.BoolFlag{Name: "pages", Value: true, Usage: "serve the web pages too: manual activation, My licence, the vendor dashboard (--pages=false: the API alone)"},
			&cli.BoolFlag{Name: "secure-cookies", Usage: "mark session cookies Secure although this process serves plain HTTP (TLS ends at a reverse proxy)"},
			&cli.StringFlag{Name: "vendor-name", Usage: "the vendor's name on the web pages (default \"Licensing\")"},
			&cli.StringFlag{Name: "vendor-logo", Usage: "a PNG, JPEG or SVG file (at most 256 KiB) shown beside the vendor's name on the web pages", TakesFile: true},
			&cli.StringFlag{Name: "debug-listen", Usage: "loopback address (127.0.0.1:6060) for a debug listener: net/http/pprof under /debug/pprof/, request and ledger counters at /debug/metrics; off unless given, refused for any address but a loopback one"},
			&cli.StringFlag{Name: "ledger-replica", Usage: "postgres:// URL of a hot standby of the PostgreSQL ledger: validations and licence reads go there, every write and seat decision to the ledger (see docs/operations.md)"},
			&cli.BoolFlag{Name: "allow-root-keys", Usage: "run although this home's keystore holds roots (product keys that can sign anything): only where the server is the workstation"},
			&cli.StringSliceFlag{Name: "keyring-update", Usage: "a root-signed keyring update ('actkit keys export --signed-version'): served, carried in answers, and its revoked delegated keys sign nothing here; repeatable (one per product)"},
			&cli.IntFlag{Name: "delegation-warning", Value: 7, Usage: "warn this many days before a delegation's last issue day"},
			&cli.StringFlag{Name: "machine-policy", Value: "default", Usage: "which changes of a machine's UID keep its seat on activation: default (one component other than the version, while another per-machine one matches: the product side's default policy) or exact"},
		}, keystoreFlags()...),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageError("serve takes flags only")
			}
			e.service = true
			if c.String("identity") == "" && c.String("passphrase-file") == "" && os.Getenv("ACTKIT_PASSPHRASE") == "" {
				return usageError("serve unlocks the keystore at start: give --identity, --passphrase-file or ACTKIT_PASSPHRASE (a service never prompts)")
			}
			if (c.String("tls-cert") == "") != (c.String("tls-key") == "") {
				return usageError("give both --tls-cert and --tls-key, or neither")
			}
			var proxies []netip.Prefix
			for _, p := range c.StringSlice("trusted-proxy") {
				pfx, err := netip.ParsePrefix(p)
				if err != nil {
					a, aerr := netip.ParseAddr(p)
					if aerr != nil {
						return usageError("--trusted-proxy %q: not an address or CIDR", p)
					}
					pfx = netip.PrefixFrom(a, a.BitLen())
				}
				proxies = append(proxies, pfx)
			}
			var tolerance licensing.Tolerance
			switch c.String("machine-policy") {
			case "default":
				tolerance = policyTolerance(activation.DefaultPolicy)
			case "exact":
			default:
				return usageError("--machine-policy %q: give default or exact", c.String("machine-policy"))
			}
			ks, err := loadKeys(c, e)
			if err != nil {
				return err
			}
			// A stolen server home must be a bounded incident: a root in it
			// signs anything, for ever. Delegated keys only, unless the
			// vendor says so.
			if ks.HasRoots(licensing.CheckpointKeys) && !c.Bool("allow-root-keys") {
				return refused(errors.New("this home's keystore holds root keys, which can sign any code for ever: a licence server signs with delegated keys"),
					"on the server: 'actkit keys request-delegation', on the workstation 'actkit keys delegate', then 'actkit keys install' here, with a keystore that holds no root (README, Key lifecycle)",
					"if this server is the workstation, start it with --allow-root-keys")
			}
			updates := map[string]*codec.Keyring{}
			for _, f := range c.StringSlice("keyring-update") {
				text, err := readTransfer(f)
				if err != nil {
					return err
				}
				kr, err := codec.ParseKeyring(text)
				if err == nil && kr.Version == 0 {
					err = errors.New("a version 1 keyring is not an update: export it with --signed-version")
				}
				if err == nil {
					_, err = verify.ParseKeyring(text) // its own roots must sign it
				}
				if err != nil {
					return refused(fmt.Errorf("%s: %w", f, err))
				}
				if old := updates[kr.Product]; old != nil {
					return usageError("--keyring-update: two updates for %s", kr.Product)
				}
				updates[kr.Product] = kr
				// A revoked delegated key (a stolen server's) signs nothing
				// here; its honest codes are signed again, under a key
				// that is valid, at their next validation.
				ks.RevokeDelegated(kr.Revoked)
			}
			svc, err := openService(c, e, ks)
			if err != nil {
				return err
			}
			// A product that installs the update an answer carries gets a
			// code for the keyring it will hold (a rotated root's release
			// included).
			svc = svc.WithKeyringUpdates(updates)
			if u := c.String("ledger-replica"); u != "" {
				rs, err := postgres.Open(c.Context, u, postgres.Options{})
				if err != nil {
					return ledgerError(fmt.Errorf("--ledger-replica: %w", err))
				}
				defer rs.Close()
				svc = svc.WithReplica(rs)
			}
			var metrics *server.Metrics
			var debug *server.HTTP
			if addr := c.String("debug-listen"); addr != "" {
				// Bound before anything is served, so a taken port or a
				// non-loopback address fails at once.
				metrics = server.NewMetrics()
				if debug, err = server.ListenDebug(addr, metrics); err != nil {
					if errors.Is(err, server.ErrNotLoopback) {
						return usageError("--debug-listen: %v", err)
					}
					return refused(fmt.Errorf("debug listener on %s: %w", addr, err))
				}
				defer debug.Shutdown(context.Background())
				svc = svc.WithStore(metrics.TimeLedger(svc.Store()))
			}
			log := slog.New(slog.NewJSONHandler(e.stderr, nil))
			cfg := server.Config{
				Service:  svc,
				Keyrings: func(context.Context) ([]*codec.Keyring, error) { return publicKeyrings(ks), nil },
				Updates:  updates,
				Ready: func(ctx context.Context) error {
					// The database answers and its schema is this build's.
					if r, ok := svc.Store().(interface{ Ready(context.Context) error }); ok {
						return r.Ready(ctx)
					}
					return svc.Store().View(ctx, func(ledger.Reader) error { return nil })
				},
				Log:            log,
				Rate:           c.Float64("rate"),
				Burst:          c.Int("burst"),
				TrustedProxies: proxies,
				Tolerance:      tolerance,
				Now:            e.now,
				Metrics:        metrics,
			}
			if c.Bool("pages") {
				brand := portal.Brand{Name: c.String("vendor-name")}
				if path := c.String("vendor-logo"); path != "" {
					if brand.Logo, err = boundedfile.ReadFile(path, portal.MaxLogoSize); err != nil {
						return refused(fmt.Errorf("reading --vendor-logo: %w", err), "give a PNG, JPEG or SVG file of at most 256 KiB")
					}
				}
				pages, err := portal.New(portal.Config{Service: svc, Log: log, Secure: c.Bool("secure-cookies") || c.String("tls-cert") != "",
					Tolerance: tolerance, Now: e.now, TrustedProxies: proxies, Brand: brand})
				if err != nil {
					return refused(err)
				}
				cfg.Pages = pages
			}
			api := server.New(cfg)
			hs, err := server.Listen(c.String("listen"), api, c.String("tls-cert"), c.String("tls-key"))
			if err != nil {
				return refused(fmt.Errorf("listening on %s: %w", c.String("listen"), err))
			}
			fmt.Fprintf(e.stderr, "actkit: serving the licence API on %s\n", hs.URL())
			if debug != nil {
				go debug.Serve()
				fmt.Fprintf(e.stderr, "actkit: debug listener (pprof, counters) on %s/debug/\n", debug.URL())
			}
			// A product without a signing key answers every activation with
			// NO_SIGNING_KEY: say so now rather than at the first customer.
			if products, err := svc.Products(c.Context); err == nil {
				for _, p := range products {
					_, _, derr := ks.Delegation(p.ID, codec.PurposeOnline, codec.DayOf(e.now()), nil)
					if _, err := ks.ActiveSigner(p.ID); err != nil && derr != nil {
						fmt.Fprintf(e.stderr, "actkit: warning: product %s has no active signing key: its activations will be refused until a delegation is installed ('actkit keys install'), or 'actkit keys new --product %s' where the server is the workstation, and a restart\n", p.ID, p.ID)
					}
				}
			}
			warnDelegations(e, log, ks, c.Int("delegation-warning"))
			ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
			go func() {
				// A long-running server warns again every day.
				t := time.NewTicker(24 * time.Hour)
				defer t.Stop()
				for {
					select {
					case <-ctx.Done():
						return
					case <-t.C:
						warnDelegations(e, log, ks, c.Int("delegation-warning"))
					}
				}
			}()
			defer stop()
			done := make(chan error, 1)
			go func() { done <- hs.Serve() }()
			select {
			case err := <-done:
				return refused(err)
			case <-ctx.Done():
			}
			fmt.Fprintln(e.stderr, "actkit: stopping: letting requests in flight finish")
			sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, context.Canceled) {
				return refused(err)
			}
			return <-done
		},
	}
}

// warnDelegations logs every installed delegation whose last issue day
// is within days of today, or past: renewal means bringing a new
// certificate from the workstation, which takes a person.
func warnDelegations(e *env, log *slog.Logger, ks *keygen.Keyset, days int) {
	today := codec.DayOf(e.now())
	for _, d := range ks.Delegated() {
		for _, cert := range d.Certificates {
			left := int(cert.NotAfter) - int(today)
			if left > days {
				continue
			}
			p := cert.Products[0]
			if left < 0 {
				log.Warn("delegation ended: codes are no longer signed with this key; bring a renewed one from the workstation",
					"product", p.Product, "key", p.KeyID.String(), "ended", cert.NotAfter.String())
				continue
			}
			log.Warn("delegation ends soon: renew it ('actkit keys request-delegation', 'actkit keys delegate', 'actkit keys install')",
				"product", p.Product, "key", p.KeyID.String(), "lastIssueDay", cert.NotAfter.String(), "daysLeft", left)
		}
	}
}

// policyTolerance applies a product-side match policy on the server: the
// same rule decides whether a product keeps its code offline and whether
// the server lets a drifted machine keep its seat.
func policyTolerance(p activation.MatchPolicy) licensing.Tolerance {
	return func(issued, now codec.MachineUID) (bool, string) {
		d := activation.CompareUIDs(issued, now)
		if d.Differing() == nil || !p.Matches(d) {
			return false, ""
		}
		return true, d.String()
	}
}

// publicKeyrings are the keyrings products may fetch: the products'
// Ed25519 keyrings, never one that would carry an HMAC secret, and not
// the ledger checkpoint key, which no product verifies.
func publicKeyrings(ks *keygen.Keyset) []*codec.Keyring {
	var out []*codec.Keyring
	for _, p := range ks.Products() {
		if p == licensing.CheckpointKeys {
			continue // the vendor's own key for ledger checkpoints: no product's
		}
		if kr, err := ks.Export(p, false); err == nil {
			out = append(out, kr)
		}
	}
	return out
}
