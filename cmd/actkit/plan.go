package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"
	"github.com/urfave/cli/v2"
)

func planCommand(e *env) *cli.Command {
	product := &cli.StringFlag{Name: "product", Usage: "product ID"}
	return withKeystoreFlags(&cli.Command{
		Name:  "plan",
		Usage: "licence types: what a licence of each type grants",
		Subcommands: []*cli.Command{
			{
				Name:      "add",
				Usage:     "add or change a licence type",
				ArgsUsage: "ID",
				Description: `Every product starts with core (free, 1 seat), pro-monthly and pro-annual
(3 seats, every feature, leases of 14 and 30 days, 6 deactivations in 30
days) and custom. Changing a plan leaves existing licences' seats, expiry
and features as they are; leases, validation and the release budget follow
the plan from then on. Recorded in the audit trail.

Example:
   actkit plan add site --product umenu --name "Site licence" --seats 25 --term-months 12 --features export,api --lease-days 30`,
				Flags: []cli.Flag{product,
					&cli.StringFlag{Name: "name", Usage: "the name people see"},
					&cli.IntFlag{Name: "seats", Value: 1, Usage: "machines per licence"},
					&cli.IntFlag{Name: "term-months", Usage: "how long a new licence runs (0: perpetual)"},
					&cli.StringFlag{Name: "features", Usage: "comma-separated feature names"},
					&cli.IntFlag{Name: "lease-days", Usage: "codes expire this many days after issue and are renewed online (0: no lease)"},
					&cli.IntFlag{Name: "validate-hours", Value: licensing.DefaultValidateHours, Usage: "how often products validate online"},
					&cli.IntFlag{Name: "offline-grace-days", Value: licensing.DefaultOfflineGraceDays, Usage: "how long products run without reaching the server"},
					&cli.IntFlag{Name: "release-budget", Usage: "customer deactivations allowed in 30 days (0: no limit)"},
					jsonFlag},
				Action: func(c *cli.Context) error {
					id, err := oneArg(c, "ID")
					if err != nil {
						return err
					}
					if c.String("product") == "" {
						return usageError("--product is required")
					}
					pl := licensing.Plan{Product: c.String("product"), ID: id, Name: c.String("name"), Seats: c.Int("seats"),
						TermMonths: c.Int("term-months"), Features: []string{}, LeaseDays: c.Int("lease-days"),
						ValidateHours: c.Int("validate-hours"), OfflineGraceDays: c.Int("offline-grace-days"), ReleaseBudget: c.Int("release-budget")}
					if f := c.String("features"); f != "" {
						pl.Features = strings.Split(f, ",")
					}
					if pl.Name == "" {
						pl.Name = id
					}
					svc, err := openService(c, e, nil)
					if err != nil {
						return err
					}
					if pl, err = svc.PutPlan(c.Context, pl); err != nil {
						return failed(c, e, err)
					}
					return planOut(c, e, []licensing.Plan{pl})
				},
			},
			{
				Name:        "list",
				Usage:       "list a product's licence types",
				Description: "Example:\n   actkit plan list --product umenu",
				Flags:       []cli.Flag{product, jsonFlag},
				Action: func(c *cli.Context) error {
					if c.String("product") == "" {
						return usageError("--product is required")
					}
					svc, err := openService(c, e, nil)
					if err != nil {
						return err
					}
					pls, err := svc.Plans(c.Context, c.String("product"))
					if err != nil {
						return failed(c, e, err)
					}
					return planOut(c, e, pls)
				},
			},
			{
				Name:        "show",
				Usage:       "show one licence type",
				ArgsUsage:   "ID",
				Description: "Example:\n   actkit plan show pro-annual --product umenu",
				Flags:       []cli.Flag{product, jsonFlag},
				Action: func(c *cli.Context) error {
					id, err := oneArg(c, "ID")
					if err != nil {
						return err
					}
					svc, err := openService(c, e, nil)
					if err != nil {
						return err
					}
					pls, err := svc.Plans(c.Context, c.String("product"))
					if err != nil {
						return failed(c, e, err)
					}
					for _, pl := range pls {
						if pl.ID == id {
							return planOut(c, e, []licensing.Plan{pl})
						}
					}
					return failed(c, e, &licensing.Refusal{Reason: licensing.ErrUnknownPlan, Product: c.String("product"), Detail: "plan " + id})
				},
			},
		},
	})
}

func planOut(c *cli.Context, e *env, pls []licensing.Plan) error {
	if c.Bool("json") {
		return writeJSON(e.stdout, pls)
	}
	printPlans(e.stdout, pls)
	return nil
}

func printPlans(w io.Writer, pls []licensing.Plan) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PLAN\tNAME\tSEATS\tTERM\tLEASE\tVALIDATE\tGRACE\tRELEASES/30d\tFEATURES")
	for _, p := range pls {
		term, lease, budget := "perpetual", "none", "no limit"
		switch {
		case p.TermMonths == 1:
			term = "1 month"
		case p.TermMonths > 1:
			term = fmt.Sprintf("%d months", p.TermMonths)
		}
		if p.LeaseDays > 0 {
			lease = fmt.Sprintf("%d days", p.LeaseDays)
		}
		if p.ReleaseBudget > 0 {
			budget = fmt.Sprint(p.ReleaseBudget)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%dh\t%dd\t%s\t%s\n", p.ID, printable(p.Name), p.Seats, term, lease, p.ValidateHours, p.OfflineGraceDays, budget, strings.Join(p.Features, ","))
	}
	tw.Flush()
}

// licenceChangeCommand changes a licence's plan, seats, features or
// customer in one audited step.
func licenceChangeCommand(e *env) *cli.Command {
	return withKeystoreFlags(&cli.Command{
		Name:      "change",
		Usage:     "change a licence's plan, seats, features or customer",
		ArgsUsage: "KEY",
		Description: `A new plan brings its seats and features unless --seats or --features say
otherwise. Recorded in the audit trail.

Example:
   actkit licence change UMENU-7KQ2X-M4RTA-9VWCE-H3NPM --plan pro-annual --customer "ACME Plant 4"`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "plan", Usage: "new licence type"},
			&cli.IntFlag{Name: "seats", Usage: "new number of seats"},
			&cli.StringFlag{Name: "features", Usage: "new comma-separated feature names (\"\" for none)"},
			&cli.StringFlag{Name: "customer", Usage: "new customer text"},
			jsonFlag,
		},
		Action: func(c *cli.Context) error {
			key, err := oneArg(c, "KEY")
			if err != nil {
				return err
			}
			var ch signer.LicenceChange
			if c.IsSet("plan") {
				p := c.String("plan")
				ch.Plan = &p
			}
			if c.IsSet("seats") {
				n := c.Int("seats")
				ch.Seats = &n
			}
			if c.IsSet("features") {
				f := []string{}
				if s := c.String("features"); s != "" {
					f = strings.Split(s, ",")
				}
				ch.Features = &f
			}
			if c.IsSet("customer") {
				cu := c.String("customer")
				ch.Customer = &cu
			}
			if ch == (signer.LicenceChange{}) {
				return usageError("say what to change: --plan, --seats, --features or --customer")
			}
			svc, err := openService(c, e, nil)
			if err != nil {
				return err
			}
			li, err := svc.ChangeLicence(c.Context, key, ch)
			if err != nil {
				return failed(c, e, err)
			}
			return licenceOut(c, e, li)
		},
	})
}
