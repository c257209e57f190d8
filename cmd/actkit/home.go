package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

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

// homeDir returns the actkit home, creating it (mode 0700) if create is
// set.
func homeDir(c *cli.Context, create bool) (string, error) {
	home := c.String("home")
	if home == "" {
		cfg, err := os.UserConfigDir()
		if err != nil {
			return "", usageError("no --home given and no user configuration directory: %v", err)
		}
		home = filepath.Join(cfg, "actkit")
	}
	if create {
		if err := os.MkdirAll(home, 0o700); err != nil {
			return "", refused(fmt.Errorf("creating home %s: %w", home, err))
		}
	} else if _, err := os.Stat(home); errors.Is(err, os.ErrNotExist) {
		return "", refused(fmt.Errorf("actkit home %s does not exist", home),
			"create a keystore there with 'actkit keys init', or point --home / ACTKIT_HOME at an existing one")
	}
	return home, nil
}
