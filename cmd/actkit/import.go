package main

import (
	"errors"
	"fmt"

	"github.com/actkit/actkit/internal/boundedfile"
	"github.com/actkit/actkit/signer"
	"github.com/urfave/cli/v2"
)

func licenceImportCommand(e *env) *cli.Command {
	return withKeystoreFlags(&cli.Command{
		Name:      "import",
		Usage:     "bring licences over from another licensing system, with the keys customers hold",
		ArgsUsage: "FILE.csv",
		Description: `The CSV file has a header naming at least key, customer, expires
(YYYY-MM-DD, or never or empty) and seats or plan; features is optional.
Semicolon- and tab-separated files, Excel's "CSV UTF-8" and "sep=;" are
read as batch files are. Keys of the product's legacy pattern (actkit
product change P --legacy-keys PATTERN) or actkit keys.

Every row is checked first; if any is refused (malformed, duplicate,
unknown plan) nothing is imported and the report says why. Otherwise all
are recorded in one transaction, each in the audit trail. Rows already
imported with the same terms are "unchanged": a re-run imports nothing new.

Example:
   actkit licence import --product umenu customers.csv`,
		Flags: []cli.Flag{&cli.StringFlag{Name: "product", Usage: "product ID", Required: true}, jsonFlag},
		Action: func(c *cli.Context) error {
			path, err := oneArg(c, "FILE.csv")
			if err != nil {
				return err
			}
			f, err := boundedfile.Open(path)
			if err != nil {
				return refused(fmt.Errorf("import file: %w", err))
			}
			defer f.Close()
			svc, err := openService(c, e, nil)
			if err != nil {
				return err
			}
			rep, err := svc.ImportLicences(c.Context, c.String("product"), f)
			if err != nil && !errors.Is(err, signer.ErrImportRefused) {
				return failed(c, e, err)
			}
			if c.Bool("json") {
				if werr := writeJSON(e.stdout, rep); werr != nil {
					return werr
				}
			} else {
				for _, r := range rep.Rows {
					if r.Outcome == "refused" {
						fmt.Fprintf(e.stdout, "line %d: refused: %s\n", r.Line, printable(r.Why))
					} else {
						fmt.Fprintf(e.stdout, "line %d: %s %s\n", r.Line, r.Outcome, r.Key)
					}
				}
			}
			if err != nil {
				return refused(fmt.Errorf("%d of %d rows refused: nothing imported", rep.Refused, len(rep.Rows)))
			}
			fmt.Fprintf(e.stderr, "%d licences imported, %d unchanged\n", rep.Imported, len(rep.Rows)-rep.Imported)
			return nil
		},
	})
}
