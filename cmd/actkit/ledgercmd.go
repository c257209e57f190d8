package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/internal/atomicfile"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/signer"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

// openLedger opens ledger.db in the actkit home, once per run; run
// closes it when the command returns.
func openLedger(c *cli.Context, e *env) (*signer.Ledger, error) {
	if e.ledger != nil {
		return e.ledger, nil
	}
	home, err := homeDir(c, true)
	if err != nil {
		return nil, err
	}
	l, err := signer.Open(filepath.Join(home, "ledger.db"), signer.Options{Now: e.now})
	if err != nil {
		return nil, refused(err)
	}
	e.ledger = l
	return l, nil
}

// openForSigning opens the ledger and the keystore's keys: what every
// command that records and signs needs.
func openForSigning(c *cli.Context, e *env) (*signer.Ledger, *keygen.Keyset, error) {
	l, err := openLedger(c, e)
	if err != nil {
		return nil, nil, err
	}
	ks, err := loadKeys(c, e)
	return l, ks, err
}

// loadKeys opens the keystore for signing.
func loadKeys(c *cli.Context, e *env) (*keygen.Keyset, error) {
	s, err := openStore(c, e)
	if err != nil {
		return nil, err
	}
	ks, err := s.Load()
	if err != nil {
		return nil, keystoreError(err)
	}
	return ks, nil
}

// ledgerError turns a refusal into its message and hint; the stable code
// goes first so that scripts reading stderr can match it.
func ledgerError(err error) error {
	var r *signer.Refusal
	if errors.As(err, &r) {
		hints := []string{}
		if r.Hint != "" {
			hints = append(hints, r.Hint)
		}
		return refused(fmt.Errorf("%s: %s", r.Code, r.Message), hints...)
	}
	return refused(err)
}

func productCommand(e *env) *cli.Command {
	return &cli.Command{
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
					l, err := openLedger(c, e)
					if err != nil {
						return err
					}
					p, err := l.AddProduct(signer.Product{ID: id, LicencePrefix: c.String("licence-prefix"), Features: feats})
					if err != nil {
						return ledgerError(err)
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
					l, err := openLedger(c, e)
					if err != nil {
						return err
					}
					ps, err := l.Products()
					if err != nil {
						return ledgerError(err)
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
	}
}

type licenceJSON struct {
	signer.Licence
	Expires string `json:"expires"`
}

func printLicence(w io.Writer, li signer.Licence) {
	fmt.Fprintf(w, "licence   %s\n", li.Key)
	fmt.Fprintf(w, "product   %s\n", li.Product)
	fmt.Fprintf(w, "customer  %s\n", li.Customer)
	fmt.Fprintf(w, "status    %s\n", li.Status)
	fmt.Fprintf(w, "expires   %s\n", li.Expires)
	fmt.Fprintf(w, "features  %s\n", strings.Join(li.Features, ","))
	fmt.Fprintf(w, "seats     %d in use of %d\n", li.InUse, li.Seats)
	for _, h := range li.Holders {
		fmt.Fprintf(w, "  %s  serial %d  since %s\n", h.Machine, h.Serial, h.Since)
	}
}

func licenceOut(c *cli.Context, e *env, li signer.Licence) error {
	if c.Bool("json") {
		return writeJSON(e.stdout, licenceJSON{li, li.Expires.String()})
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

func licenceChange(e *env, name, usage string, flags []cli.Flag, apply func(c *cli.Context, l *signer.Ledger, key string) (signer.Licence, error)) *cli.Command {
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
			l, err := openLedger(c, e)
			if err != nil {
				return err
			}
			li, err := apply(c, l, key)
			if err != nil {
				var ce *cliError
				if errors.As(err, &ce) {
					return err
				}
				return ledgerError(err)
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
			{
				Name:  "new",
				Usage: "create a licence and print its key",
				Description: `Prints the new licence key on stdout (details on stderr, or all with --json).

Example:
   actkit licence new --product umenu --seats 2 --expires 2027-11-23 --features export,api --customer "ACME Plant 3"`,
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "product", Usage: "product ID"},
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
					l, err := openLedger(c, e)
					if err != nil {
						return err
					}
					li, err := l.NewLicence(rand.Reader, signer.LicenceSpec{Product: c.String("product"), Seats: c.Int("seats"),
						Expires: exp, Features: feats, Customer: c.String("customer")})
					if err != nil {
						return ledgerError(err)
					}
					if c.Bool("json") {
						return writeJSON(e.stdout, licenceJSON{li, li.Expires.String()})
					}
					fmt.Fprintln(e.stdout, li.Key)
					fmt.Fprintf(e.stderr, "licence for %s: %d seats, expires %s, features %s\n", li.Product, li.Seats, li.Expires, strings.Join(li.Features, ","))
					return nil
				},
			},
			licenceChange(e, "show", "show a licence: terms, seats in use, machines", nil,
				func(c *cli.Context, l *signer.Ledger, key string) (signer.Licence, error) { return l.Licence(key) }),
			{
				Name:        "list",
				Usage:       "list licences",
				Description: "Example:\n   actkit licence list --product umenu",
				Flags:       []cli.Flag{&cli.StringFlag{Name: "product", Usage: "only this product's"}, jsonFlag},
				Action: func(c *cli.Context) error {
					l, err := openLedger(c, e)
					if err != nil {
						return err
					}
					list, err := l.Licences(c.String("product"))
					if err != nil {
						return ledgerError(err)
					}
					if c.Bool("json") {
						out := []licenceJSON{}
						for _, li := range list {
							out = append(out, licenceJSON{li, li.Expires.String()})
						}
						return writeJSON(e.stdout, out)
					}
					tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "LICENCE\tPRODUCT\tSTATUS\tSEATS\tEXPIRES\tCUSTOMER")
					for _, li := range list {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%d/%d\t%s\t%s\n", li.Key, li.Product, li.Status, li.InUse, li.Seats, li.Expires, li.Customer)
					}
					return tw.Flush()
				},
			},
			licenceChange(e, "suspend", "stop issuing for a licence until resumed", []cli.Flag{reason},
				func(c *cli.Context, l *signer.Ledger, key string) (signer.Licence, error) {
					return l.Suspend(key, c.String("reason"))
				}),
			licenceChange(e, "resume", "lift a suspension", []cli.Flag{reason},
				func(c *cli.Context, l *signer.Ledger, key string) (signer.Licence, error) {
					return l.Resume(key, c.String("reason"))
				}),
			licenceChange(e, "revoke", "end a licence for good", []cli.Flag{reason},
				func(c *cli.Context, l *signer.Ledger, key string) (signer.Licence, error) {
					return l.Revoke(key, c.String("reason"))
				}),
			licenceChange(e, "extend", "set a new expiry day", []cli.Flag{&cli.StringFlag{Name: "expires", Usage: "YYYY-MM-DD or never"}},
				func(c *cli.Context, l *signer.Ledger, key string) (signer.Licence, error) {
					if c.String("expires") == "" {
						return signer.Licence{}, usageError("--expires is required")
					}
					d, err := parseExpiry(c.String("expires"))
					if err != nil {
						return signer.Licence{}, err
					}
					return l.Extend(key, d)
				}),
			licenceChange(e, "seats", "change the number of seats", []cli.Flag{&cli.IntFlag{Name: "set", Usage: "new number of seats"}},
				func(c *cli.Context, l *signer.Ledger, key string) (signer.Licence, error) {
					if !c.IsSet("set") {
						return signer.Licence{}, usageError("--set N is required")
					}
					return l.SetSeats(key, c.Int("set"))
				}),
		},
	}
}

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
			req := signer.IssueRequest{Licence: c.String("licence"), Machine: c.String("machine"), Request: c.String("request"), LeaseDays: c.Int("lease")}
			if req.Request == "" && (req.Licence == "" || req.Machine == "") {
				return usageError("give --request, or --licence and --machine")
			}
			l, ks, err := openForSigning(c, e)
			if err != nil {
				return err
			}
			is, err := l.Issue(ks, req)
			if err != nil {
				if c.Bool("json") {
					writeJSON(e.stdout, refusalJSON(err))
					return &cliError{status: exitRefused, err: errSilent}
				}
				return ledgerError(err)
			}
			return issuedOut(c, e, is)
		},
	}
}

func refusalJSON(err error) map[string]any {
	out := map[string]any{"ok": false, "error": err.Error(), "code": signer.RefusalCode(err)}
	var r *signer.Refusal
	if errors.As(err, &r) {
		out["hint"] = r.Hint
		if r.Holders != nil {
			out["holders"] = r.Holders
		}
	}
	return out
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
	st, err := os.Stat(path)
	if err != nil {
		return refused(fmt.Errorf("batch file: %w", err))
	}
	if st.Size() > 256<<20 {
		return refused(fmt.Errorf("batch file %s is larger than 256 MiB; split it", path))
	}
	f, err := os.Open(path)
	if err != nil {
		return refused(err)
	}
	defer f.Close()
	header, rows, err := signer.ReadBatch(f)
	if err != nil {
		return refused(err, "the first line names the columns: licence,machine or request")
	}
	l, ks, err := openForSigning(c, e)
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
	batchErr := l.IssueBatch(ks, rows, 200, progress)
	write := func(w io.Writer) error { return signer.WriteBatch(w, header, rows) }
	if out := c.String("output"); out != "" {
		if err := atomicfile.Write(atomicfile.OS, out, 0o644, write); err != nil {
			return refused(fmt.Errorf("writing %s: %w", out, err))
		}
	} else if err := write(e.stdout); err != nil {
		return err
	}
	issued, refusedN := 0, 0
	for _, r := range rows {
		if r.Issued != nil {
			issued++
		} else {
			refusedN++
		}
	}
	fmt.Fprintf(e.stderr, "%d rows: %d codes, %d refused\n", len(rows), issued, refusedN)
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
			l, err := openLedger(c, e)
			if err != nil {
				return err
			}
			serial, err := l.Release(c.String("licence"), c.String("machine"))
			if err != nil {
				return ledgerError(err)
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
			l, ks, err := openForSigning(c, e)
			if err != nil {
				return err
			}
			is, released, err := l.Transfer(ks, c.String("licence"), c.String("from"), c.String("to"))
			if err != nil {
				return ledgerError(err)
			}
			fmt.Fprintf(e.stderr, "released serial %d\n", released)
			return issuedOut(c, e, is)
		},
	}
}

func ledgerCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "ledger",
		Usage: "check, checkpoint and back up the seat ledger",
		Subcommands: []*cli.Command{
			{
				Name:  "verify",
				Usage: "check the audit chain (and, given one, a recorded checkpoint)",
				Description: `Walks the hash chain of the audit trail and names the first entry that was
changed, deleted or reordered. With --checkpoint it also proves that the
chain was not cut back below a checkpoint recorded earlier.

Example:
   actkit ledger verify --checkpoint "actkit-checkpoint v1 size=42 head=..."`,
				Flags: append([]cli.Flag{&cli.StringFlag{Name: "checkpoint", Usage: "a line printed by 'actkit ledger checkpoint'"}, jsonFlag}, keystoreFlags()...),
				Action: func(c *cli.Context) error {
					l, err := openLedger(c, e)
					if err != nil {
						return err
					}
					if err := l.IntegrityCheck(); err != nil {
						return refused(err, "restore the ledger from a backup ('actkit ledger backup')")
					}
					n, head, err := l.VerifyChain()
					if err != nil {
						return refused(err, "compare with your latest backup and checkpoint to find what was changed")
					}
					if cp := c.String("checkpoint"); cp != "" {
						parsed, err := signer.ParseCheckpoint(cp)
						if err != nil {
							return usageError("--checkpoint: %v", err)
						}
						ks, err := loadKeys(c, e)
						if err != nil {
							return err
						}
						if err := l.VerifyCheckpoint(parsed, ks); err != nil {
							return refused(err)
						}
					}
					if c.Bool("json") {
						return writeJSON(e.stdout, map[string]any{"ok": true, "entries": n, "head": fmt.Sprintf("%x", head)})
					}
					fmt.Fprintf(e.stdout, "audit chain intact: %d entries, head %x\n", n, head)
					return nil
				},
			},
			{
				Name:  "checkpoint",
				Usage: "print the audit chain's size and head, signed",
				Description: `Record the line somewhere else (print it, mail it to yourself): 'ledger
verify --checkpoint LINE' later proves nothing up to it was changed or cut.
Signed with the product's active key under the ledger-checkpoint label.

Example:
   actkit ledger checkpoint --product umenu >> checkpoints.txt`,
				Flags: append([]cli.Flag{&cli.StringFlag{Name: "product", Usage: "sign with this product's active key"}, jsonFlag}, keystoreFlags()...),
				Action: func(c *cli.Context) error {
					if c.String("product") == "" {
						return usageError("--product is required")
					}
					l, ks, err := openForSigning(c, e)
					if err != nil {
						return err
					}
					key, err := ks.Active(c.String("product"))
					if err != nil {
						return keystoreError(err)
					}
					cp, err := l.Checkpoint(key)
					if err != nil {
						return refused(err)
					}
					if c.Bool("json") {
						return writeJSON(e.stdout, map[string]any{"checkpoint": cp.String(), "size": cp.Size, "head": fmt.Sprintf("%x", cp.Head), "key": cp.KeyID.String()})
					}
					fmt.Fprintln(e.stdout, cp)
					return nil
				},
			},
			{
				Name:        "backup",
				Usage:       "write a consistent copy of the ledger while issuing goes on",
				ArgsUsage:   "FILE",
				Description: "Example:\n   actkit ledger backup /media/usb/ledger-2026-11-23.db",
				Action: func(c *cli.Context) error {
					path, err := oneArg(c, "FILE")
					if err != nil {
						return err
					}
					l, err := openLedger(c, e)
					if err != nil {
						return err
					}
					if err := l.Backup(path); err != nil {
						return ledgerError(err)
					}
					fmt.Fprintf(e.stderr, "backed up to %s\n", path)
					return nil
				},
			},
			{
				Name:        "audit",
				Usage:       "print audit entries",
				Description: "Example:\n   actkit ledger audit --since 100 --json",
				Flags:       []cli.Flag{&cli.Int64Flag{Name: "since", Usage: "entries after this sequence number"}, &cli.IntFlag{Name: "limit", Value: 100}, jsonFlag},
				Action: func(c *cli.Context) error {
					l, err := openLedger(c, e)
					if err != nil {
						return err
					}
					entries, err := l.Audit(c.Int64("since"), c.Int("limit"))
					if err != nil {
						return refused(err)
					}
					if c.Bool("json") {
						if entries == nil {
							entries = []signer.AuditEntry{}
						}
						return writeJSON(e.stdout, entries)
					}
					for _, en := range entries {
						fmt.Fprintf(e.stdout, "%d  %s  %-16s %s  %s\n", en.Seq, en.At, en.Action, en.Subject, en.Detail)
					}
					return nil
				},
			},
		},
	}
}
