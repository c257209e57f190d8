package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"
)

func productCommand(e *env) *cli.Command {
	return withKeystoreFlags(&cli.Command{
		Name:  "product",
		Usage: "add and list products",
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
					p, err := svc.AddProduct(c.Context, id, c.String("licence-prefix"), feats)
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
