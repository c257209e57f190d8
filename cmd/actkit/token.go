package main

import (
	"crypto/rand"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"
)

func tokenCommand(e *env) *cli.Command {
	return withKeystoreFlags(&cli.Command{
		Name:  "token",
		Usage: "make, list and revoke API tokens for the admin API",
		Subcommands: []*cli.Command{
			{
				Name:  "new",
				Usage: "make an API token and print it once",
				Description: `The token is printed once on stdout and never stored: only its hash is
kept, in the ledger. Scopes: read (licences, machines, the audit trail) or
admin (also suspend, resume, revoke and release).

Example:
   actkit token new --scope read --name "finance dashboard" --expires-in 2160h`,
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "scope", Value: "read", Usage: "read or admin"},
					&cli.StringFlag{Name: "name", Usage: "what the token is for"},
					&cli.DurationFlag{Name: "expires-in", Value: 90 * 24 * time.Hour, Usage: "how long it lives"},
					jsonFlag,
				},
				Action: func(c *cli.Context) error {
					svc, err := openService(c, e, nil)
					if err != nil {
						return err
					}
					t, text, err := svc.NewToken(c.Context, rand.Reader, c.String("name"), c.String("scope"), c.Duration("expires-in"))
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
					fmt.Fprintln(tw, "ID\tSCOPE\tEXPIRES\tREVOKED\tNAME")
					for _, t := range ts {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%s\n", t.ID, t.Scope, t.Expires.Format(time.DateOnly), t.Revoked, printable(t.Name))
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
