package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/actkit/actkit/home"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"
	"github.com/urfave/cli/v2"
)

// openHome opens the actkit home once per run; run closes it when the
// command returns. The home must exist (see homeDir): only 'keys init'
// makes one.
func openHome(c *cli.Context, e *env) (*home.Home, error) {
	if e.home != nil {
		return e.home, nil
	}
	// The files the user named (--identity) are checked first.
	u, err := unlockFromFlags(c, e)
	if err != nil {
		return nil, err
	}
	dir, err := homeDir(c, false)
	if err != nil {
		return nil, err
	}
	if err := checkLedgerFlag(c); err != nil {
		return nil, err
	}
	h, err := home.Open(dir, home.Options{Now: e.now, Unlock: u, Store: storeOptions(e), Ledger: c.String("ledger")})
	if err != nil {
		return nil, refused(err)
	}
	e.home = h
	return h, nil
}

// openService returns the licensing service over the home's ledger,
// signing with keys (nil for commands that do not sign).
func openService(c *cli.Context, e *env, keys signer.Keys) (*signer.Service, error) {
	h, err := openHome(c, e)
	if err != nil {
		return nil, err
	}
	svc, err := h.Service(c.Context, keys)
	if err != nil {
		return nil, ledgerError(err)
	}
	return svc, nil
}

// openForSigning opens the ledger and the keystore's keys: what every
// command that records and signs needs.
func openForSigning(c *cli.Context, e *env) (*signer.Service, error) {
	if _, err := openHome(c, e); err != nil {
		return nil, err
	}
	ks, err := loadKeys(c, e)
	if err != nil {
		return nil, err
	}
	return openService(c, e, ks)
}

// loadKeys opens the keystore for signing, checked against what the
// ledger recorded of it (a keystore restored from an old backup is
// refused).
func loadKeys(c *cli.Context, e *env) (*keygen.Keyset, error) {
	h, err := openHome(c, e)
	if err != nil {
		return nil, err
	}
	ks, err := h.Keys(c.Context)
	if err != nil {
		return nil, keystoreError(err)
	}
	return ks, nil
}

// integrityCheck runs the ledger's own consistency check, where its
// backend has one (SQLite's integrity_check; a PostgreSQL server checks
// its own pages).
func integrityCheck(c *cli.Context, e *env) error {
	h, err := openHome(c, e)
	if err != nil {
		return err
	}
	l, err := h.Ledger(c.Context)
	if err != nil {
		return ledgerError(err)
	}
	ic, ok := l.(interface{ IntegrityCheck(context.Context) error })
	if !ok {
		return nil
	}
	if err := ic.IntegrityCheck(c.Context); err != nil {
		return refused(err, "restore the ledger from a backup ('actkit ledger backup')")
	}
	return nil
}

// failed reports a failed vendor command: with --json a licensing refusal
// goes to stdout as JSON (exit status 1, nothing on stderr), so that
// scripts read every command's refusals the same way; otherwise as
// ledgerError says.
func failed(c *cli.Context, e *env, err error) error {
	if c.Bool("json") && licensing.ReasonCode(err) != "" {
		if werr := writeJSON(e.stdout, refusalJSON(err)); werr != nil {
			return werr
		}
		return &cliError{status: exitRefused, err: errSilent}
	}
	return ledgerError(err)
}

// refusalJSON is the one JSON shape of a refusal: {"ok": false, "error",
// "code", "hint", "holders"}.
func refusalJSON(err error) map[string]any {
	out := map[string]any{"ok": false, "error": err.Error(), "code": licensing.ReasonCode(err)}
	if h := refusalHints(err); len(h) > 0 {
		out["hint"] = strings.Join(h, "; ")
	}
	var r *licensing.Refusal
	if errors.As(err, &r) && r.Holders != nil {
		out["holders"] = r.Holders
	}
	return out
}

// ledgerError turns a refusal into its message and hints; the stable code
// goes first so that scripts reading stderr can match it.
func ledgerError(err error) error {
	var ce *cliError
	if errors.As(err, &ce) {
		return err
	}
	if code := licensing.ReasonCode(err); code != "" {
		return refused(fmt.Errorf("%s: %w", code, err), refusalHints(err)...)
	}
	switch {
	case errors.Is(err, ledger.ErrNewerSchema):
		return refused(err, "upgrade actkit: this ledger was written by a newer version")
	case errors.Is(err, ledger.ErrFull):
		return refused(err, "free disk space, then retry")
	case errors.Is(err, ledger.ErrExists):
		return refused(err, "choose a new file name")
	case errors.Is(err, ledger.ErrUnreachable):
		return refused(err, "start the database server (or check the URL and the network), then retry")
	case errors.Is(err, ledger.ErrStarting):
		return refused(err, "the database server is starting up or in recovery: retry when it is done")
	case errors.Is(err, ledger.ErrNoConnection):
		return refused(err, "the database server has no connection to spare: retry, or raise its max_connections (or the role's CONNECTION LIMIT)")
	case errors.Is(err, ledger.ErrTimeout):
		return refused(err, "a statement ran past the database's statement timeout and nothing was recorded: retry, and look for a stalled client or a long-running tool")
	}
	return refused(err)
}
