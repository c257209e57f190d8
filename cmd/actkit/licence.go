package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"
	"github.com/urfave/cli/v2"
)

func printLicence(w io.Writer, li licensing.Licence) {
	fmt.Fprintf(w, "licence   %s\n", li.Display)
	fmt.Fprintf(w, "product   %s\n", li.Product)
	if li.Plan != "" {
		fmt.Fprintf(w, "plan      %s\n", li.Plan)
	}
	fmt.Fprintf(w, "customer  %s\n", printable(li.Customer))
	fmt.Fprintf(w, "status    %s\n", li.Status)
	fmt.Fprintf(w, "expires   %s\n", li.Expires)
	fmt.Fprintf(w, "features  %s\n", strings.Join(li.Features, ","))
	fmt.Fprintf(w, "seats     %d in use of %d\n", li.InUse, li.Seats)
	for _, h := range li.Holders {
		fmt.Fprintf(w, "  %s  serial %d  since %s\n", h.Machine, h.Serial, h.Since.Format(time.DateOnly))
	}
}

func licenceOut(c *cli.Context, e *env, li licensing.Licence) error {
	if c.Bool("json") {
		return writeJSON(e.stdout, li)
	}
	printLicence(e.stdout, li)
	return nil
}

func parseExpiry(s string) (codec.Day, error) {
	if s == "" || s == "never" {
		return codec.NoExpiry, nil
	}
	d, err := codec.ParseDay(s)
	if err != nil {
		return 0, usageError("--expires: %v", err)
	}
	return d, nil
}

func licenceChange(e *env, name, usage string, flags []cli.Flag, apply func(c *cli.Context, svc *signer.Service, key string) (licensing.Licence, error)) *cli.Command {
	return withKeystoreFlags(&cli.Command{
		Name:        name,
		Usage:       usage,
		ArgsUsage:   "KEY",
		Description: "Recorded in the audit trail.\n\nExample:\n   actkit licence " + name + " UMENU-7KQ2X-M4RTA-9VWCE-H3NPM",
		Flags:       append(flags, jsonFlag),
		Action: func(c *cli.Context) error {
			key, err := oneArg(c, "KEY")
			if err != nil {
				return err
			}
			svc, err := openService(c, e, nil)
			if err != nil {
				return err
			}
			li, err := apply(c, svc, key)
			if err != nil {
				var ce *cliError
				if errors.As(err, &ce) {
					return err
				}
				return failed(c, e, err)
			}
			return licenceOut(c, e, li)
		},
	})
}

func licenceCommand(e *env) *cli.Command {
	reason := &cli.StringFlag{Name: "reason", Usage: "why, for the audit trail"}
	return &cli.Command{
		Name:    "licence",
		Aliases: []string{"license"},
		Usage:   "create, show and change licences",
		Subcommands: []*cli.Command{
			licenceNewCommand(e),
			licenceChangeCommand(e),
			licenceChange(e, "show", "show a licence: terms, seats in use, machines", nil,
				func(c *cli.Context, svc *signer.Service, key string) (licensing.Licence, error) {
					return svc.Licence(c.Context, key)
				}),
			licenceListCommand(e),
			licenceChange(e, "suspend", "stop issuing for a licence until resumed", []cli.Flag{reason},
				func(c *cli.Context, svc *signer.Service, key string) (licensing.Licence, error) {
					return svc.Suspend(c.Context, key, c.String("reason"))
				}),
			licenceChange(e, "resume", "lift a suspension", []cli.Flag{reason},
				func(c *cli.Context, svc *signer.Service, key string) (licensing.Licence, error) {
					return svc.Resume(c.Context, key, c.String("reason"))
				}),
			licenceRevokeCommand(e, reason),
			licenceExtendCommand(e),
			licenceCodesCommand(e),
			licenceReportCommand(e),
			licenceChange(e, "seats", "change the number of seats", []cli.Flag{&cli.IntFlag{Name: "set", Usage: "new number of seats"}},
				func(c *cli.Context, svc *signer.Service, key string) (licensing.Licence, error) {
					if !c.IsSet("set") {
						return licensing.Licence{}, usageError("--set N is required")
					}
					return svc.SetSeats(c.Context, key, c.Int("set"))
				}),
		},
	}
}

func licenceNewCommand(e *env) *cli.Command {
	return withKeystoreFlags(&cli.Command{
		Name:  "new",
		Usage: "create a licence and print its key",
		Description: `Prints the new licence key on stdout (details on stderr, or all with --json).

With --plan the licence type gives the seats, the term and the features
(and, online, leases, validation and the release budget); --seats,
--expires and --features given as well override it.

Examples:
   actkit licence new --product umenu --seats 2 --expires 2027-11-23 --features export,api --customer "ACME Plant 3"
   actkit licence new --product umenu --plan pro-annual --customer "ACME Plant 3"`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "product", Usage: "product ID"},
			&cli.StringFlag{Name: "plan", Usage: "licence type (see 'actkit plan list')"},
			&cli.IntFlag{Name: "seats", Value: 1, Usage: "number of machines"},
			&cli.StringFlag{Name: "expires", Usage: "last valid day, YYYY-MM-DD (default: never)"},
			&cli.StringFlag{Name: "features", Usage: "comma-separated feature names"},
			&cli.StringFlag{Name: "customer", Usage: "free text: who the licence is for"},
			jsonFlag,
		},
		Action: func(c *cli.Context) error {
			if c.String("product") == "" {
				return usageError("--product is required")
			}
			exp, err := parseExpiry(c.String("expires"))
			if err != nil {
				return err
			}
			var feats []string
			if f := c.String("features"); f != "" {
				feats = strings.Split(f, ",")
			}
			spec := licensing.LicenceSpec{Product: c.String("product"), Seats: c.Int("seats"),
				Expires: exp, Features: feats, Customer: c.String("customer"), Plan: c.String("plan")}
			if spec.Plan != "" {
				// What the vendor did not name comes from the plan.
				if !c.IsSet("seats") {
					spec.Seats = 0
				}
				if !c.IsSet("expires") {
					spec.Expires = 0
				}
			}
			svc, err := openService(c, e, nil)
			if err != nil {
				return err
			}
			li, err := svc.NewLicence(c.Context, rand.Reader, spec)
			if err != nil {
				return failed(c, e, err)
			}
			if c.Bool("json") {
				return writeJSON(e.stdout, li)
			}
			fmt.Fprintln(e.stdout, li.Display)
			fmt.Fprintf(e.stderr, "licence for %s: %d seats, expires %s, features %s\n", li.Product, li.Seats, li.Expires, strings.Join(li.Features, ","))
			return nil
		},
	})
}

func licenceRevokeCommand(e *env, reason cli.Flag) *cli.Command {
	return withKeystoreFlags(&cli.Command{
		Name:      "revoke",
		Usage:     "end a licence for good",
		ArgsUsage: "KEY",
		Description: `No code is issued for it again and it can never be changed. Codes that
machines hold keep working offline until they expire: revocation does not
reach them. Shows the machines holding seats and asks first on a terminal;
--yes for scripts, --dry-run to see what it would do. Recorded in the
audit trail.

Example:
   actkit licence revoke UMENU-7KQ2X-M4RTA-9VWCE-H3NPM --reason "refunded" --yes`,
		Flags: []cli.Flag{reason, yesFlag, dryRunFlag, jsonFlag},
		Action: func(c *cli.Context) error {
			key, err := oneArg(c, "KEY")
			if err != nil {
				return err
			}
			svc, err := openService(c, e, nil)
			if err != nil {
				return err
			}
			// An unknown or revoked licence has nothing to confirm: the
			// revocation itself refuses it.
			if li, err := svc.Licence(c.Context, key); err == nil && li.Status != licensing.Revoked {
				var fx effects
				fx.add("revoke licence %s (%s, customer %q) for good: no new codes, no more changes", li.Display, li.Product, li.Customer)
				if len(li.Holders) == 0 {
					fx.add("no machine holds a seat")
				} else {
					fx.add("%s; their codes keep working offline until they expire:", plural(len(li.Holders), "machine holds a seat", "machines hold seats"))
					for i, h := range li.Holders {
						if i == 10 {
							fx.add("  and %d more", len(li.Holders)-i)
							break
						}
						fx.add("  %s (serial %d): %s", h.Machine, h.Serial, untilText(h.Expires))
					}
				}
				if done, err := proceed(c, e, fx, "Revoke this licence?"); done || err != nil {
					return err
				}
			}
			li, err := svc.Revoke(c.Context, key, c.String("reason"))
			if err != nil {
				return failed(c, e, err)
			}
			return licenceOut(c, e, li)
		},
	})
}

// untilText says how long a code keeps working offline.
func untilText(d codec.Day) string {
	if d == codec.NoExpiry {
		return "never expires"
	}
	return "until " + d.String()
}

// plural is "1 machine holds a seat" or "2 machines hold seats".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
