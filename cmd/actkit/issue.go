package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"
	"github.com/urfave/cli/v2"
)

func issueCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "issue",
		Usage: "issue an activation code (recorded before it is printed)",
		Description: `Prints the activation code alone on stdout (details on stderr, or all of it
with --json), so scripts can capture it. A machine that already holds a
seat gets its code again without taking another. Refusals exit 1 with a
stable code: unknown-licence, licence-typo, expired, suspended, revoked,
wrong-product, no-active-key, seat-limit, invalid-machine, invalid-request.

Examples:
   actkit issue --licence UMENU-7KQ2X-M4RTA-9VWCE-H3NPM --machine 19DSX-5JRR5-00000-0000E
   actkit issue --request 8EidTuZKrYG-WYKi9rcewu4-...
   actkit issue --batch requests.csv -o codes.csv
   actkit issue --batch requests.csv --lease 30 -o codes.csv --json

A batch file is a CSV file with a header line, separated by commas or
semicolons (as spreadsheets in many locales save it; a byte-order mark is
skipped). Its results have the input's columns, then serial, code, status
and error, in the input's separator. --lease is the lease of rows whose
lease column is empty or missing; --release and --key apply to every row;
--json prints a summary (and, without -o, every row) as JSON.`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "licence", Aliases: []string{"license"}, Usage: "licence key"},
			&cli.StringFlag{Name: "machine", Usage: "machine UID"},
			&cli.StringFlag{Name: "request", Usage: "request code (instead of --licence and --machine)"},
			&cli.IntFlag{Name: "lease", Usage: "make the code expire this many days after today (or at the licence's expiry if sooner)"},
			&cli.StringFlag{Name: "release", Usage: "the product release line the code is for (4.2), when there is no request code to say it"},
			&cli.StringFlag{Name: "key", Usage: "sign with this key ID instead of the one the release trusts"},
			&cli.BoolFlag{Name: "fresh", Usage: "for a machine holding its seat: a new code dated today even if nothing changed (a product stuck on 'clock tampering suspected' after its clock ran ahead accepts only such a code)"},
			&cli.StringFlag{Name: "batch", Usage: "CSV file of requests: columns licence,machine or request (and optional lease); --lease, --release and --key apply to every row"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "with --batch: write results to this CSV file (default and -: stdout; with --json, the rows as JSON)"},
			jsonFlag,
		}, keystoreFlags()...),
		Action: func(c *cli.Context) error {
			if c.Int("lease") < 0 {
				return usageError("--lease takes a number of days (0: no lease)")
			}
			if k := c.String("key"); k != "" {
				if _, err := codec.ParseKeyID(k); err != nil {
					return usageError("--key: %v", err)
				}
			}
			// What every code asks for: the batch's rows too.
			def := licensing.IssueRequest{LeaseDays: c.Int("lease"), Release: c.String("release"), Key: c.String("key")}
			if c.String("batch") != "" {
				if c.Bool("fresh") {
					return usageError("--fresh is for one machine: give --licence and --machine, or --request")
				}
				return issueBatch(c, e, def)
			}
			def.Fresh = c.Bool("fresh")
			if c.String("output") != "" {
				return usageError("-o is for the results of --batch; a single code goes to stdout")
			}
			req := def
			req.Licence, req.Machine, req.Request = c.String("licence"), c.String("machine"), c.String("request")
			if req.Request == "" && (req.Licence == "" || req.Machine == "") {
				return usageError("give --request, or --licence and --machine")
			}
			svc, err := openForSigning(c, e)
			if err != nil {
				return err
			}
			is, err := svc.Issue(c.Context, req)
			if err != nil {
				return failed(c, e, err)
			}
			return issuedOut(c, e, is)
		},
	}
}

func issuedOut(c *cli.Context, e *env, is signer.Issued) error {
	if c.Bool("json") {
		return writeJSON(e.stdout, is)
	}
	fmt.Fprintln(e.stdout, is.Code)
	what := "issued"
	if is.Reissued {
		what = "re-issued (no new seat)"
	}
	fmt.Fprintf(e.stderr, "%s serial %d for %s on %s: expires %s, features %s\n", what, is.Serial, is.Licence, is.Machine, is.Expires, strings.Join(is.Features, ","))
	return nil
}

func releaseCommand(e *env) *cli.Command {
	return withKeystoreFlags(&cli.Command{
		Name:  "release",
		Usage: "free a machine's seat on a licence",
		Description: `The released serial is recorded. The code on that machine keeps working
offline until it expires: use leases (--lease) where that matters. Shows
what it will do and asks first on a terminal; --yes for scripts, --dry-run
to see what it would do.

--code frees the seat named by the deactivation code a product showed when
it was deactivated without reaching the licence server: only the activation
whose serial the code names (a machine that activated again since keeps its
new seat), and only once.

Examples:
   actkit release --licence UMENU-7KQ2X-M4RTA-9VWCE-H3NPM --machine 19DSX-5JRR5-00000-0000E --yes
   actkit release --code DEACTIVATION-CODE --yes`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "licence", Aliases: []string{"license"}, Usage: "the licence key the seat is on"},
			&cli.StringFlag{Name: "machine", Usage: "the machine UID whose seat is freed"},
			&cli.StringFlag{Name: "code", Usage: "the deactivation code a product showed (instead of --licence and --machine)"},
			yesFlag, dryRunFlag,
			jsonFlag,
		},
		Action: func(c *cli.Context) error {
			if c.String("code") != "" {
				if c.String("licence") != "" || c.String("machine") != "" {
					return usageError("give --code, or --licence and --machine, not both")
				}
				return releaseCode(c, e, c.String("code"))
			}
			if c.String("licence") == "" || c.String("machine") == "" {
				return usageError("--licence and --machine are required, or --code")
			}
			svc, err := openService(c, e, nil)
			if err != nil {
				return err
			}
			if li, h, ok := holder(c, svc, c.String("licence"), c.String("machine")); ok {
				var fx effects
				fx.add("free the seat of machine %s on licence %s (customer %q): serial %d, since %s", h.Machine, li.Display, li.Customer, h.Serial, h.Since.Format(time.DateOnly))
				fx.add("its code keeps working offline: %s", untilText(h.Expires))
				fx.add("seats in use: %d of %d, then %d", li.InUse, li.Seats, li.InUse-h.Seats)
				if done, err := proceed(c, e, fx, "Free this seat?"); done || err != nil {
					return err
				}
			}
			serial, err := svc.Release(c.Context, c.String("licence"), c.String("machine"))
			if err != nil {
				return failed(c, e, err)
			}
			if c.Bool("json") {
				return writeJSON(e.stdout, map[string]any{"released": serial})
			}
			fmt.Fprintf(e.stdout, "released serial %d\n", serial)
			return nil
		},
	})
}

// releaseCode frees the seat a deactivation code gives up
// (signer.Service.ReleaseCode: the vendor's release, no budget).
func releaseCode(c *cli.Context, e *env, code string) error {
	dc, err := codec.ParseDeactivationCode(code)
	if err != nil {
		return refused(fmt.Errorf("the deactivation code: %w", err), "ask the customer to copy the deactivation code again from the product")
	}
	svc, err := openService(c, e, nil)
	if err != nil {
		return err
	}
	if li, h, ok := holder(c, svc, dc.LicenceKey, dc.MachineUID.String()); ok && h.Serial == dc.Serial {
		var fx effects
		fx.add("free the seat of machine %s on licence %s (customer %q): serial %d, since %s", h.Machine, li.Display, li.Customer, h.Serial, h.Since.Format(time.DateOnly))
		fx.add("the product says it gave the code up on %s", dc.Day)
		fx.add("seats in use: %d of %d, then %d", li.InUse, li.Seats, li.InUse-h.Seats)
		if done, err := proceed(c, e, fx, "Free this seat?"); done || err != nil {
			return err
		}
	}
	d, err := svc.ReleaseCode(c.Context, code)
	if err != nil {
		return failed(c, e, err)
	}
	if c.Bool("json") {
		return writeJSON(e.stdout, map[string]any{"released": d.Serial, "licence": d.Licence, "machine": d.Machine, "givenUpOn": d.Day})
	}
	fmt.Fprintf(e.stdout, "released serial %d (licence %s, machine %s; the product gave it up on %s)\n", d.Serial, d.Licence, d.Machine, d.Day)
	return nil
}

// holder returns the licence and the machine's seat on it, if it holds
// one: what a release or transfer would change. Anything else (an unknown
// licence, a machine without a seat) is left to the command itself to
// refuse, with its stable code.
func holder(c *cli.Context, svc *signer.Service, licence, machine string) (licensing.Licence, licensing.Holder, bool) {
	li, err := svc.Licence(c.Context, licence)
	if err != nil {
		return li, licensing.Holder{}, false
	}
	m, err := codec.ParseMachineUID(machine)
	if err != nil {
		return li, licensing.Holder{}, false
	}
	for _, h := range li.Holders {
		if h.Machine == m.String() {
			return li, h, true
		}
	}
	return li, licensing.Holder{}, false
}

func transferCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "transfer",
		Usage: "move a seat from one machine to another in one step",
		Description: `Releases the old machine's seat and issues a code for the new machine in one
transaction: both happen or neither does. The old machine's code keeps
working offline until it expires. Shows what it will do and asks first on
a terminal; --yes for scripts, --dry-run to see what it would do.

Example:
   actkit transfer --licence UMENU-7KQ2X-M4RTA-9VWCE-H3NPM --from 19DSX-5JRR5-00000-0000E --to 18J8C-GJRR5-00000-0000R --yes`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "licence", Aliases: []string{"license"}, Usage: "the licence key whose seat moves"},
			&cli.StringFlag{Name: "from", Usage: "machine UID giving up its seat"},
			&cli.StringFlag{Name: "to", Usage: "machine UID receiving it"},
			yesFlag, dryRunFlag,
			jsonFlag,
		}, keystoreFlags()...),
		Action: func(c *cli.Context) error {
			if c.String("licence") == "" || c.String("from") == "" || c.String("to") == "" {
				return usageError("--licence, --from and --to are required")
			}
			svc, err := openForSigning(c, e)
			if err != nil {
				return err
			}
			if li, h, ok := holder(c, svc, c.String("licence"), c.String("from")); ok {
				if _, _, holds := holder(c, svc, c.String("licence"), c.String("to")); !holds {
					to, _ := codec.ParseMachineUID(c.String("to"))
					var fx effects
					fx.add("move the seat of licence %s (customer %q) from machine %s (serial %d) to %s", li.Display, li.Customer, h.Machine, h.Serial, to)
					fx.add("%s's code keeps working offline: %s", h.Machine, untilText(h.Expires))
					fx.add("%s gets a new code, printed once the move is recorded", to)
					if done, err := proceed(c, e, fx, "Move this seat?"); done || err != nil {
						return err
					}
				}
			}
			is, released, err := svc.Transfer(c.Context, c.String("licence"), c.String("from"), c.String("to"))
			if err != nil {
				return failed(c, e, err)
			}
			fmt.Fprintf(e.stderr, "released serial %d\n", released)
			return issuedOut(c, e, is)
		},
	}
}
