package main

import (
	"crypto/rand"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/actkit/actkit/licensing"
	"github.com/urfave/cli/v2"
)

// tokenFor is what a token acts for, as token list shows it: a licence
// token's licence by the end of its key only (the vendor finds it with
// actkit licence list), a customer's or product's by name.
func tokenFor(t licensing.Token) string {
	switch {
	case t.Scope == licensing.ScopeLicence && len(t.Subject) > 5:
		return "…" + t.Subject[len(t.Subject)-5:]
	case t.Subject == "":
		return "-"
	}
	return t.Subject
}

func tokenCommand(e *env) *cli.Command {
	return withKeystoreFlags(&cli.Command{
		Name:  "token",
		Usage: "make, list and revoke API tokens (the admin API's, and customers')",
		Subcommands: []*cli.Command{
			{
				Name:  "new",
				Usage: "make an API token and print it once",
				Description: `The token is printed once on stdout and never stored: only its hash is
kept, in the ledger. Scopes: read (licences, machines, the audit trail) or
admin (also suspend, resume, revoke and release), for the admin API; and
customer API tokens for the product endpoints (activate, validate,
deactivate, GET licence; docs/api.md): licence (--licence KEY), customer
(--customer NAME: every licence naming that customer) or product
(--product P: the request's licence key decides).

Examples:
   actkit token new --scope read --name "finance dashboard" --expires-in 2160h
   actkit token new --scope licence --licence UMENU-4R0B-1KQ2-M9TU --name "Excel add-in"`,
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "scope", Value: "read", Usage: "read, admin, licence, customer or product"},
					&cli.StringFlag{Name: "licence", Aliases: []string{"license"}, Usage: "the licence a licence token acts for"},
					&cli.StringFlag{Name: "customer", Usage: "the customer a customer token acts for"},
					&cli.StringFlag{Name: "product", Usage: "the product a product token acts for"},
					&cli.StringFlag{Name: "name", Usage: "what the token is for"},
					&cli.DurationFlag{Name: "expires-in", Value: 90 * 24 * time.Hour, Usage: "how long it lives"},
					jsonFlag,
				},
				Action: func(c *cli.Context) error {
					svc, err := openService(c, e, nil)
					if err != nil {
						return err
					}
					scope := c.String("scope")
					subject, given := "", 0
					for _, f := range []string{"licence", "customer", "product"} {
						if c.String(f) != "" {
							subject, given = c.String(f), given+1
							if f != scope {
								return usageError("--%s is for --scope %s", f, f)
							}
						}
					}
					var t licensing.Token
					var text string
					if licensing.IsClientScope(scope) {
						if given == 0 {
							return usageError("--scope %s needs --%s", scope, scope)
						}
						t, text, err = svc.NewClientToken(c.Context, rand.Reader, c.String("name"), scope, subject, c.Duration("expires-in"))
					} else {
						t, text, err = svc.NewToken(c.Context, rand.Reader, c.String("name"), scope, c.Duration("expires-in"))
					}
					if err != nil {
						return failed(c, e, err)
					}
					if c.Bool("json") {
						return writeJSON(e.stdout, map[string]any{"token": text, "id": t.ID, "scope": t.Scope, "expires": t.Expires})
					}
					fmt.Fprintln(e.stdout, text)
					fmt.Fprintf(e.stderr, "token %s (%s scope) expires %s; it is shown only now\n", t.ID, t.Scope, t.Expires.Format(time.RFC3339))
					return nil
				},
			},
			{
				Name:        "list",
				Usage:       "list API tokens (never their secrets)",
				Description: "Example:\n   actkit token list",
				Flags:       []cli.Flag{jsonFlag},
				Action: func(c *cli.Context) error {
					svc, err := openService(c, e, nil)
					if err != nil {
						return err
					}
					ts, err := svc.Tokens(c.Context)
					if err != nil {
						return failed(c, e, err)
					}
					if c.Bool("json") {
						return writeJSON(e.stdout, ts)
					}
					tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "ID\tSCOPE\tFOR\tEXPIRES\tREVOKED\tNAME")
					for _, t := range ts {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\t%s\n", t.ID, t.Scope, printable(tokenFor(t)), t.Expires.Format(time.DateOnly), t.Revoked, printable(t.Name))
					}
					return tw.Flush()
				},
			},
			{
				Name:        "revoke",
				Usage:       "revoke an API token at once",
				ArgsUsage:   "ID",
				Description: "Example:\n   actkit token revoke 3f9a1c2b7d4e",
				Action: func(c *cli.Context) error {
					id, err := oneArg(c, "ID")
					if err != nil {
						return err
					}
					svc, err := openService(c, e, nil)
					if err != nil {
						return err
					}
					if err := svc.RevokeToken(c.Context, id); err != nil {
						return failed(c, e, err)
					}
					fmt.Fprintf(e.stderr, "token %s revoked\n", id)
					return nil
				},
			},
		},
	})
}
