package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
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
	return &cli.Command{
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
	}
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
			licenceChange(e, "revoke", "end a licence for good", []cli.Flag{reason},
				func(c *cli.Context, svc *signer.Service, key string) (licensing.Licence, error) {
					return svc.Revoke(c.Context, key, c.String("reason"))
				}),
			licenceChange(e, "extend", "set a new expiry day", []cli.Flag{&cli.StringFlag{Name: "expires", Usage: "YYYY-MM-DD or never"}},
				func(c *cli.Context, svc *signer.Service, key string) (licensing.Licence, error) {
					if c.String("expires") == "" {
						return licensing.Licence{}, usageError("--expires is required")
					}
					d, err := parseExpiry(c.String("expires"))
					if err != nil {
						return licensing.Licence{}, err
					}
					return svc.Extend(c.Context, key, d)
				}),
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
	return &cli.Command{
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
	}
}

func licenceListCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:        "list",
		Usage:       "list licences",
		Description: "Example:\n   actkit licence list --product umenu",
		Flags:       []cli.Flag{&cli.StringFlag{Name: "product", Usage: "only this product's"}, jsonFlag},
		Action: func(c *cli.Context) error {
			svc, err := openService(c, e, nil)
			if err != nil {
				return err
			}
			list, err := svc.Licences(c.Context, c.String("product"))
			if err != nil {
				return failed(c, e, err)
			}
			if c.Bool("json") {
				return writeJSON(e.stdout, list)
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "LICENCE\tPRODUCT\tSTATUS\tSEATS\tEXPIRES\tCUSTOMER")
			for _, li := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d/%d\t%s\t%s\n", li.Display, li.Product, li.Status, li.InUse, li.Seats, li.Expires, printable(li.Customer))
			}
			return tw.Flush()
		},
	}
}
