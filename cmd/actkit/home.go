package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/actkit/actkit/home"
	"github.com/actkit/actkit/ledger/postgres"
	"github.com/urfave/cli/v2"
)

var homeFlag = &cli.StringFlag{
	Name:    "home",
	Usage:   "actkit home directory (keystore, ledger); default: the user's configuration directory/actkit",
	EnvVars: []string{"ACTKIT_HOME"},
}

var ledgerFlag = &cli.StringFlag{
	Name:    "ledger",
	Usage:   "the seat ledger: a file (SQLite; default: ledger.db in the home) or a postgres://user@host/db URL shared by several instances",
	EnvVars: []string{"ACTKIT_LEDGER"},
}

// homeDir returns the actkit home. Only the command that initialises a
// home (create set: 'keys init') makes one, mode 0700. Every other
// command needs it to exist, and, unless --ledger puts the ledger
// elsewhere, to hold a keystore or a ledger: a mistyped --home must fail,
// naming the path it looked at, instead of showing a fresh empty ledger.
func homeDir(c *cli.Context, create bool) (string, error) {
	dir := c.String("home")
	if dir == "" {
		var err error
		if dir, err = home.Default(); err != nil {
			return "", usageError("no --home given and no user configuration directory: %v", err)
		}
	}
	if create {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return "", refused(fmt.Errorf("creating home %s: %w", dir, err))
		}
		return dir, nil
	}
	hint := "create one with 'actkit keys init', or point --home / ACTKIT_HOME at an existing one"
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "", refused(fmt.Errorf("actkit home %s does not exist", dir), hint)
	case err != nil:
		return "", refused(fmt.Errorf("actkit home %s: %w", dir, err))
	case !st.IsDir():
		return "", refused(fmt.Errorf("actkit home %s is not a directory", dir), hint)
	}
	if c.String("ledger") == "" && !exists(filepath.Join(dir, home.KeystoreFile)) && !exists(filepath.Join(dir, home.LedgerFile)) {
		return "", refused(fmt.Errorf("%s is not an actkit home: it holds neither %s nor %s", dir, home.KeystoreFile, home.LedgerFile), hint)
	}
	return dir, nil
}

// checkLedgerFlag refuses a --ledger file that does not exist: a
// mistyped path would otherwise become a new, empty ledger. PostgreSQL
// databases are made by their server's administrator.
func checkLedgerFlag(c *cli.Context) error {
	loc := c.String("ledger")
	if loc == "" || postgres.IsURL(loc) || exists(loc) {
		return nil
	}
	return refused(fmt.Errorf("ledger %s does not exist", loc),
		"check the path; a new ledger file is made by 'actkit ledger copy --to FILE' or 'actkit ledger backup FILE', or by 'actkit keys init' with --ledger")
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
