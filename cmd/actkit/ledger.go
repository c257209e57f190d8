package main

import (
	"errors"
	"fmt"

	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/ledger/postgres"
	"github.com/actkit/actkit/licensing"
	"github.com/urfave/cli/v2"
)

func ledgerCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "ledger",
		Usage: "check, checkpoint and back up the seat ledger",
		Subcommands: []*cli.Command{
			ledgerVerifyCommand(e),
			ledgerCheckpointCommand(e),
			ledgerBackupCommand(e),
			ledgerCopyCommand(e),
			ledgerAuditCommand(e),
		},
	}
}

func ledgerVerifyCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "verify",
		Usage: "check the audit chain (and, given one, a recorded checkpoint)",
		Description: `Walks the hash chain of the audit trail and names the first entry that was
changed, deleted or reordered. With --checkpoint it also proves that the
chain was not cut back below a checkpoint recorded earlier.

Example:
   actkit ledger verify --checkpoint "actkit-checkpoint v1 size=42 head=..."`,
		Flags: append([]cli.Flag{&cli.StringFlag{Name: "checkpoint", Usage: "a line printed by 'actkit ledger checkpoint'"}, jsonFlag}, keystoreFlags()...),
		Action: func(c *cli.Context) error {
			svc, err := openService(c, e, nil)
			if err != nil {
				return err
			}
			if err := integrityCheck(c, e); err != nil {
				return refused(err, "restore the ledger from a backup ('actkit ledger backup')")
			}
			n, heads, err := svc.VerifyChain(c.Context)
			if err != nil {
				return refused(err, "compare with your latest backup and checkpoint to find what was changed")
			}
			if err := svc.VerifyState(c.Context); err != nil {
				return refused(err, "the tables were changed outside actkit: compare with your latest backup to find what was changed")
			}
			if cp := c.String("checkpoint"); cp != "" {
				parsed, err := ledger.ParseCheckpoint(cp)
				if err != nil {
					return usageError("--checkpoint: %v", err)
				}
				ks, err := loadKeys(c, e)
				if err != nil {
					return err
				}
				key, err := ks.Key(parsed.KeyID)
				if err != nil {
					return refused(fmt.Errorf("the checkpoint was signed by key %s, which the keystore does not have", parsed.KeyID))
				}
				if key.Status == keygen.Revoked {
					return refused(fmt.Errorf("the checkpoint was signed by key %s, which is revoked: it proves nothing", key.ID))
				}
				if key.Product != licensing.CheckpointKeys {
					return refused(fmt.Errorf("the checkpoint was signed by key %s of product %s, not by a checkpoint key", key.ID, key.Product),
						"only keys made with 'actkit keys new --checkpoint' vouch for checkpoints; take a new checkpoint with one")
				}
				if err := svc.VerifyCheckpoint(c.Context, parsed, key.VerificationKey()); err != nil {
					return refused(err)
				}
			}
			if c.Bool("json") {
				return writeJSON(e.stdout, map[string]any{"ok": true, "entries": n, "chains": len(heads), "root": fmt.Sprintf("%x", heads.Root())})
			}
			fmt.Fprintf(e.stdout, "audit trail intact: %d entries in %d chains, root %x; the tables match it\n", n, len(heads), heads.Root())
			return nil
		},
	}
}

func ledgerCheckpointCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "checkpoint",
		Usage: "print the audit trail's size and the root of its chains, signed",
		Description: `Record the line somewhere else (print it, mail it to yourself): 'ledger
verify --checkpoint LINE' later proves nothing up to it was changed or cut.
Signed under the ledger-checkpoint label with the active checkpoint key, an
Ed25519 key made for nothing else ('actkit keys new --checkpoint'): keys
that sign codes, and HMAC keys whose secret ships in products, never vouch
for checkpoints.

Example:
   actkit keys new --checkpoint    # once
   actkit ledger checkpoint >> checkpoints.txt`,
		Flags: append([]cli.Flag{jsonFlag}, keystoreFlags()...),
		Action: func(c *cli.Context) error {
			svc, err := openService(c, e, nil)
			if err != nil {
				return err
			}
			ks, err := loadKeys(c, e)
			if err != nil {
				return err
			}
			key, err := ks.Active(licensing.CheckpointKeys)
			if err != nil {
				return refused(fmt.Errorf("the keystore has no checkpoint key"), "make one with 'actkit keys new --checkpoint'")
			}
			cp, err := svc.Checkpoint(c.Context, key)
			if err != nil {
				return refused(err)
			}
			if c.Bool("json") {
				return writeJSON(e.stdout, map[string]any{"checkpoint": cp.String(), "size": cp.Size, "head": fmt.Sprintf("%x", cp.Head), "key": cp.KeyID.String()})
			}
			fmt.Fprintln(e.stdout, cp)
			return nil
		},
	}
}

func ledgerBackupCommand(e *env) *cli.Command {
	return withKeystoreFlags(&cli.Command{
		Name:        "backup",
		Usage:       "write a consistent copy of the ledger while issuing goes on",
		ArgsUsage:   "FILE",
		Description: "Example:\n   actkit ledger backup /media/usb/ledger-2026-11-23.db",
		Action: func(c *cli.Context) error {
			path, err := oneArg(c, "FILE")
			if err != nil {
				return err
			}
			h, err := openHome(c, e)
			if err != nil {
				return err
			}
			if err := h.Backup(c.Context, path); err != nil {
				return failed(c, e, err)
			}
			fmt.Fprintf(e.stderr, "backed up to %s\n", path)
			return nil
		},
	})
}

func ledgerCopyCommand(e *env) *cli.Command {
	return withKeystoreFlags(&cli.Command{
		Name:  "copy",
		Usage: "copy the whole ledger to another one (a file to PostgreSQL, or back)",
		Description: `Copies every licence, activation and audit entry of the ledger (--ledger, or
the home's ledger.db) to the ledger named by --to: a file path (SQLite) or a
postgres:// URL. The target must be empty or not exist. The source's audit
trail and tables are verified first; the rows are written in one
transaction, so an interrupted copy leaves the target empty and the copy
can simply be run again; then the target is verified the same way.

Examples:
   actkit ledger copy --to postgres://actkit@db.internal/actkit
   actkit --ledger postgres://actkit@db.internal/actkit ledger copy --to ledger-copy.db`,
		Flags: []cli.Flag{&cli.StringFlag{Name: "to", Required: true, Usage: "the target ledger: a file path or a postgres:// URL"}, jsonFlag},
		Action: func(c *cli.Context) error {
			h, err := openHome(c, e)
			if err != nil {
				return err
			}
			to := c.String("to")
			res, err := h.CopyLedger(c.Context, to)
			if errors.Is(err, ledger.ErrNotEmpty) {
				return refused(err, "copy into a new file or an empty database")
			}
			if err != nil {
				return failed(c, e, err)
			}
			shown := to
			if postgres.IsURL(to) {
				shown = postgres.Redact(to)
			}
			if c.Bool("json") {
				return writeJSON(e.stdout, map[string]any{"ok": true, "from": h.LedgerLocation(), "to": shown, "rows": res.Rows, "entries": res.Entries, "root": fmt.Sprintf("%x", res.Root)})
			}
			fmt.Fprintf(e.stdout, "copied %d licences, %d activations and %d audit entries from %s to %s; both verified, root %x\n",
				res.Rows["licences"], res.Rows["activations"], res.Entries, h.LedgerLocation(), shown, res.Root)
			return nil
		},
	})
}

func ledgerAuditCommand(e *env) *cli.Command {
	return withKeystoreFlags(&cli.Command{
		Name:        "audit",
		Usage:       "print audit entries",
		Description: "Example:\n   actkit ledger audit --since 100 --json",
		Flags:       []cli.Flag{&cli.Int64Flag{Name: "since", Usage: "entries after this sequence number"}, &cli.IntFlag{Name: "limit", Value: 100, Usage: "at most this many entries"}, jsonFlag},
		Action: func(c *cli.Context) error {
			svc, err := openService(c, e, nil)
			if err != nil {
				return err
			}
			entries, err := svc.Audit(c.Context, c.Int64("since"), c.Int("limit"))
			if err != nil {
				return refused(err)
			}
			if c.Bool("json") {
				if entries == nil {
					entries = []ledger.Entry{}
				}
				return writeJSON(e.stdout, entries)
			}
			for _, en := range entries {
				fmt.Fprintf(e.stdout, "%d  %s  %-16s %s  %s\n", en.Seq, en.At, en.Action, printable(en.Subject), printable(string(en.Detail)))
			}
			return nil
		},
	})
}
