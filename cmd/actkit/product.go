package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"
)

var (
	legacyKeysFlag       = &cli.StringFlag{Name: "legacy-keys", Usage: "pattern of licence keys imported from another system, e.g. 'UMENU-XXXX-XXXX-XXXX'"}
	legacyLookalikesFlag = &cli.BoolFlag{Name: "legacy-lookalikes", Usage: "accept legacy keys typed with look-alikes (O for 0, I or L for 1)"}
)

func productCommand(e *env) *cli.Command {
	return withKeystoreFlags(&cli.Command{
		Name:  "product",
		Usage: "add, change and list products",
		Subcommands: []*cli.Command{
			{
				Name:      "add",
				Usage:     "add a product",
				ArgsUsage: "PRODUCT",
				Description: `Feature names map, in order, to the bits carried in codes (bit 0, 1, ...).
The licence prefix starts the product's licence keys.

Example:
   actkit product add umenu --features export,cloud,api --licence-prefix UMENU`,
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "features", Usage: "comma-separated feature names"},
					&cli.StringFlag{Name: "licence-prefix", Aliases: []string{"license-prefix"}, Usage: "prefix of licence keys (default: the product ID)"},
					legacyKeysFlag, legacyLookalikesFlag,
					jsonFlag,
				},
				Action: func(c *cli.Context) error {
					id, err := oneArg(c, "PRODUCT")
					if err != nil {
						return err
					}
					var feats []string
					if f := c.String("features"); f != "" {
						for _, n := range strings.Split(f, ",") {
							feats = append(feats, strings.TrimSpace(n))
						}
					}
					svc, err := openService(c, e, nil)
					if err != nil {
						return err
					}
					p, err := svc.AddLegacyProduct(c.Context, id, c.String("licence-prefix"), feats, c.String("legacy-keys"), c.Bool("legacy-lookalikes"))
					if err != nil {
						return failed(c, e, err)
					}
					if c.Bool("json") {
						return writeJSON(e.stdout, p)
					}
					fmt.Fprintf(e.stdout, "product %s added: licence keys start %s-, features %s\n", p.ID, p.LicencePrefix, strings.Join(p.Features, ","))
					return nil
				},
			},
			{
				Name:      "change",
				Usage:     "change a product's legacy licence key pattern",
				ArgsUsage: "PRODUCT",
				Description: `The pattern is the shape of the licence keys customers already hold from
another licensing system, for actkit licence import (docs/format.md
section 9.2): X one letter or digit, # one digit, @ one letter, - or space
a separator, any other letter or digit itself, \X a literal X. An empty
pattern removes it. Without --legacy-lookalikes a key must be typed with
the symbols it was given (O is not 0).

Example:
   actkit product change umenu --legacy-keys 'UMENU-XXXX-XXXX-XXXX'`,
				Flags: []cli.Flag{legacyKeysFlag, legacyLookalikesFlag, jsonFlag},
				Action: func(c *cli.Context) error {
					id, err := oneArg(c, "PRODUCT")
					if err != nil {
						return err
					}
					if !c.IsSet("legacy-keys") {
						return usageError("say what to change: --legacy-keys PATTERN (and --legacy-lookalikes)")
					}
					svc, err := openService(c, e, nil)
					if err != nil {
						return err
					}
					p, err := svc.ChangeProductKeys(c.Context, id, c.String("legacy-keys"), c.Bool("legacy-lookalikes"))
					if err != nil {
						return failed(c, e, err)
					}
					if c.Bool("json") {
						return writeJSON(e.stdout, p)
					}
					fmt.Fprintf(e.stdout, "product %s: legacy keys %q, look-alikes resolved: %v\n", p.ID, p.LegacyKeys, p.LegacyLookalikes)
					return nil
				},
			},
			{
				Name:        "list",
				Usage:       "list products",
				Description: "Example:\n   actkit product list --json",
				Flags:       []cli.Flag{jsonFlag},
				Action: func(c *cli.Context) error {
					svc, err := openService(c, e, nil)
					if err != nil {
						return err
					}
					ps, err := svc.Products(c.Context)
					if err != nil {
						return failed(c, e, err)
					}
					if c.Bool("json") {
						return writeJSON(e.stdout, ps)
					}
					tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "PRODUCT\tPREFIX\tFEATURES")
					for _, p := range ps {
						fmt.Fprintf(tw, "%s\t%s\t%s\n", p.ID, p.LicencePrefix, strings.Join(p.Features, ","))
					}
					return tw.Flush()
				},
			},
		},
	})
}
