package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/actkit/actkit/internal/atomicfile"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"
	"github.com/urfave/cli/v2"
)

// codeFieldsJSON is one machine's code in 'licence codes --json' and
// 'licence extend --reissue --json'.
type machineCodeJSON struct {
	Machine string         `json:"machine"`
	Status  string         `json:"status"`
	Code    *signer.Issued `json:"code,omitempty"`
	Reason  string         `json:"reason,omitempty"`
	Error   string         `json:"error,omitempty"`
}

// codeStatus is a machine's line in a list of codes: "renewed" (a new
// code), "unchanged" (its code is still the right one), "current" (for
// 'licence codes'), or why it has no code.
func codeStatus(mc signer.MachineCode, renewal bool) (status, msg string) {
	switch {
	case mc.Err != nil:
		if code := licensing.ReasonCode(mc.Err); code != "" {
			return code, mc.Err.Error()
		}
		return "error", mc.Err.Error()
	case !renewal:
		return "current", ""
	case mc.Issued.Replaced != 0:
		return "renewed", ""
	}
	return "unchanged", ""
}

func codesJSON(codes []signer.MachineCode, renewal bool) []machineCodeJSON {
	out := make([]machineCodeJSON, len(codes))
	for i, mc := range codes {
		out[i] = machineCodeJSON{Machine: mc.Machine, Code: mc.Issued}
		out[i].Status, out[i].Error = codeStatus(mc, renewal)
		if mc.Err != nil {
			out[i].Reason = licensing.ReasonCode(mc.Err)
		}
	}
	return out
}

// writeCodesCSV writes a licence's codes, one machine per row.
func writeCodesCSV(w io.Writer, li licensing.Licence, codes []signer.MachineCode, renewal bool) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"licence", "machine", "name", "serial", "code", "expires", "status", "error"})
	for _, mc := range codes {
		status, msg := codeStatus(mc, renewal)
		serial, code, expires, name := "", "", "", ""
		if is := mc.Issued; is != nil {
			serial, code, expires, name = strconv.FormatUint(is.Serial, 10), is.Code, is.Expires.String(), is.MachineName
		}
		cw.Write(signer.SafeCSV(li.Display, mc.Machine, name, serial, code, expires, status, msg))
	}
	cw.Flush()
	return cw.Error()
}

func licenceExtendCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "extend",
		Usage:     "set a new expiry day; with --reissue, new codes for every machine",
		ArgsUsage: "KEY",
		Description: `Recorded in the audit trail. The codes machines hold keep their old expiry
until they get new ones: with --reissue the new expiry and a new code for
every machine holding a seat are recorded in one transaction (each machine
keeps its seat and its signing key), and the codes, signed once that is
durable, are written as CSV to -o FILE (atomically; stdout without -o):
licence, machine, name, serial, code, expires, status (renewed, unchanged,
or why a machine got none) and error.

Examples:
   actkit licence extend UMENU-7KQ2X-M4RTA-9VWCE-H3NPM --expires 2028-11-23
   actkit licence extend UMENU-7KQ2X-M4RTA-9VWCE-H3NPM --expires 2028-11-23 --reissue -o codes.csv`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "expires", Usage: "YYYY-MM-DD or never"},
			&cli.BoolFlag{Name: "reissue", Usage: "also give every machine holding a seat a new code"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "with --reissue: write the codes to this CSV file (-: stdout)"},
			jsonFlag,
		}, keystoreFlags()...),
		Action: func(c *cli.Context) error {
			key, err := oneArg(c, "KEY")
			if err != nil {
				return err
			}
			if c.String("expires") == "" {
				return usageError("--expires is required")
			}
			d, err := parseExpiry(c.String("expires"))
			if err != nil {
				return err
			}
			if !c.Bool("reissue") {
				if c.String("output") != "" {
					return usageError("-o is for the codes of --reissue")
				}
				svc, err := openService(c, e, nil)
				if err != nil {
					return err
				}
				li, err := svc.Extend(c.Context, key, d)
				if err != nil {
					return failed(c, e, err)
				}
				return licenceOut(c, e, li)
			}
			svc, err := openForSigning(c, e)
			if err != nil {
				return err
			}
			var li licensing.Licence
			var codes []signer.MachineCode
			extend := func() (err error) {
				li, codes, err = svc.ExtendReissue(c.Context, key, d)
				return err
			}
			out := outputPath(c)
			switch {
			case out != "":
				// The temporary file is made first, so an unwritable path
				// changes nothing; the codes are written once recorded.
				recorded := false
				err = atomicfile.Write(atomicfile.OS, out, 0o600, func(w io.Writer) error {
					if err := extend(); err != nil {
						return err
					}
					recorded = true
					return writeCodesCSV(w, li, codes, true)
				})
				if err != nil && recorded {
					return refused(fmt.Errorf("writing %s: %w; the renewal is recorded", out, err),
						fmt.Sprintf("'actkit licence codes %s --csv' lists the new codes again", key))
				}
			case c.Bool("json"):
				if err = extend(); err == nil {
					err = writeJSON(e.stdout, map[string]any{"licence": li, "codes": codesJSON(codes, true)})
				}
			default:
				if err = extend(); err == nil {
					err = writeCodesCSV(e.stdout, li, codes, true)
				}
			}
			if err != nil {
				return failed(c, e, err)
			}
			renewed, failedN := 0, 0
			for _, mc := range codes {
				if mc.Err != nil {
					failedN++
				} else if mc.Issued.Replaced != 0 {
					renewed++
				}
			}
			if !c.Bool("json") {
				fmt.Fprintf(e.stderr, "licence %s now expires %s: %d machines, %d new codes", li.Display, li.Expires, len(codes), renewed)
				if out != "" {
					fmt.Fprintf(e.stderr, ", written to %s", out)
				}
				fmt.Fprintln(e.stderr)
			}
			if failedN > 0 {
				if c.Bool("json") {
					return &cliError{status: exitRefused, err: errSilent}
				}
				return refused(fmt.Errorf("%d machines got no new code; see the status and error columns", failedN),
					"they keep their current codes until those expire")
			}
			return nil
		},
	}
}

func licenceCodesCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "codes",
		Usage:     "list the current code of every machine holding a seat",
		ArgsUsage: "KEY",
		Description: `Signs each recorded activation again, which gives the code the machine was
sent: to send a customer their codes again, without touching the ledger.

Examples:
   actkit licence codes UMENU-7KQ2X-M4RTA-9VWCE-H3NPM
   actkit licence codes UMENU-7KQ2X-M4RTA-9VWCE-H3NPM --csv > codes.csv`,
		Flags: append([]cli.Flag{csvFlag, jsonFlag}, keystoreFlags()...),
		Action: func(c *cli.Context) error {
			key, err := oneArg(c, "KEY")
			if err != nil {
				return err
			}
			if c.Bool("csv") && c.Bool("json") {
				return usageError("give --csv or --json, not both")
			}
			svc, err := openForSigning(c, e)
			if err != nil {
				return err
			}
			li, codes, err := svc.Codes(c.Context, key)
			if err != nil {
				return failed(c, e, err)
			}
			switch {
			case c.Bool("json"):
				err = writeJSON(e.stdout, map[string]any{"licence": li.Display, "codes": codesJSON(codes, false)})
			case c.Bool("csv"):
				err = writeCodesCSV(e.stdout, li, codes, false)
			default:
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "MACHINE\tSERIAL\tEXPIRES\tCODE")
				for _, mc := range codes {
					if mc.Err != nil {
						fmt.Fprintf(tw, "%s\t\t\t(none: %s)\n", mc.Machine, printable(mc.Err.Error()))
						continue
					}
					fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", mc.Machine, mc.Issued.Serial, mc.Issued.Expires, mc.Issued.Code)
				}
				err = tw.Flush()
			}
			return err
		},
	}
}
