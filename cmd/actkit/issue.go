package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/actkit/actkit/internal/atomicfile"
	"github.com/actkit/actkit/internal/boundedfile"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"
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
   actkit issue --batch requests.csv -o codes.csv`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "licence", Aliases: []string{"license"}, Usage: "licence key"},
			&cli.StringFlag{Name: "machine", Usage: "machine UID"},
			&cli.StringFlag{Name: "request", Usage: "request code (instead of --licence and --machine)"},
			&cli.IntFlag{Name: "lease", Usage: "make the code expire this many days after today (or at the licence's expiry if sooner)"},
			&cli.StringFlag{Name: "release", Usage: "the product release line the code is for (4.2), when there is no request code to say it"},
			&cli.StringFlag{Name: "key", Usage: "sign with this key ID instead of the one the release trusts"},
			&cli.StringFlag{Name: "batch", Usage: "CSV file of requests: columns licence,machine or request (and optional lease)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "with --batch: write results to this CSV file (default stdout)"},
			jsonFlag,
		}, keystoreFlags()...),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageError("issue takes flags only")
			}
			if c.String("batch") != "" {
				return issueBatch(c, e)
			}
			req := licensing.IssueRequest{Licence: c.String("licence"), Machine: c.String("machine"), Request: c.String("request"),
				LeaseDays: c.Int("lease"), Release: c.String("release"), Key: c.String("key")}
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

func issueBatch(c *cli.Context, e *env) error {
	path := c.String("batch")
	f, err := boundedfile.Open(path)
	if err != nil {
		return refused(fmt.Errorf("batch file: %w", err))
	}
	defer f.Close()
	header, rows, err := signer.ReadBatch(f)
	if err != nil {
		return refused(err, "the first line names the columns: licence,machine or request")
	}
	out := c.String("output")
	if out != "" {
		// Find out now, before anything is issued, whether the results
		// can be written where they are asked for.
		probe, err := os.CreateTemp(filepath.Dir(out), ".actkit-probe-*")
		if err != nil {
			return refused(fmt.Errorf("cannot write the results next to %s: %w", out, err), "choose another -o path; nothing was issued")
		}
		probe.Close()
		os.Remove(probe.Name())
	}
	svc, err := openForSigning(c, e)
	if err != nil {
		return err
	}
	progress := func(done, total int) {}
	if fd, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(fd.Fd())) && len(rows) > 200 {
		progress = func(done, total int) {
			const width = 30
			n := done * width / total
			fmt.Fprintf(e.stderr, "\r[%s%s] %d/%d", strings.Repeat("#", n), strings.Repeat(".", width-n), done, total)
			if done == total {
				fmt.Fprintln(e.stderr)
			}
		}
	}
	batchErr := svc.IssueBatch(c.Context, rows, 200, progress)
	write := func(w io.Writer) error { return signer.WriteBatch(w, header, rows) }
	issued, refusedN, skipped := 0, 0, 0
	for _, r := range rows {
		switch {
		case r.Issued != nil:
			issued++
		case r.Err != nil:
			refusedN++
		default:
			skipped++
		}
	}
	if out != "" {
		// The output holds licence keys: owner-only, like the ledger.
		if err := atomicfile.Write(atomicfile.OS, out, 0o600, write); err != nil {
			return refused(fmt.Errorf("writing %s: %w; the %d codes are recorded in the ledger", out, err, issued),
				"run the same file again with another -o path: recorded rows get their codes again, without new seats")
		}
	} else if err := write(e.stdout); err != nil {
		return err
	}
	summary := fmt.Sprintf("%d rows: %d codes, %d refused", len(rows), issued, refusedN)
	if skipped > 0 {
		summary += fmt.Sprintf(", %d not processed", skipped)
	}
	fmt.Fprintln(e.stderr, summary)
	if batchErr != nil {
		return refused(batchErr, "run the same file again: rows already issued are not issued twice")
	}
	if refusedN > 0 {
		return refused(fmt.Errorf("%d rows were refused; see the status and error columns", refusedN))
	}
	return nil
}

func releaseCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "release",
		Usage: "free a machine's seat on a licence",
		Description: `The released serial is recorded. The code on that machine keeps working
offline until it expires: use leases (--lease) where that matters.

Example:
   actkit release --licence UMENU-7KQ2X-M4RTA-9VWCE-H3NPM --machine 19DSX-5JRR5-00000-0000E`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "licence", Aliases: []string{"license"}},
			&cli.StringFlag{Name: "machine"},
			jsonFlag,
		},
		Action: func(c *cli.Context) error {
			if c.String("licence") == "" || c.String("machine") == "" {
				return usageError("--licence and --machine are required")
			}
			svc, err := openService(c, e, nil)
			if err != nil {
				return err
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
	}
}

func transferCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "transfer",
		Usage: "move a seat from one machine to another in one step",
		Description: `Releases the old machine's seat and issues a code for the new machine in one
transaction: both happen or neither does.

Example:
   actkit transfer --licence UMENU-7KQ2X-M4RTA-9VWCE-H3NPM --from 19DSX-5JRR5-00000-0000E --to 18J8C-GJRR5-00000-0000R`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "licence", Aliases: []string{"license"}},
			&cli.StringFlag{Name: "from", Usage: "machine UID giving up its seat"},
			&cli.StringFlag{Name: "to", Usage: "machine UID receiving it"},
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
			is, released, err := svc.Transfer(c.Context, c.String("licence"), c.String("from"), c.String("to"))
			if err != nil {
				return failed(c, e, err)
			}
			fmt.Fprintf(e.stderr, "released serial %d\n", released)
			return issuedOut(c, e, is)
		},
	}
}
