// Package home is the actkit home: the folder that holds a vendor's
// keystore (keystore.age) and seat ledger (ledger.db), and how any program
// (the CLI, an activation server, a tool of the vendor's own) finds,
// opens and closes them. Words for a person (prompts, flags, hints) stay
// with the program; this package returns typed errors.
//
// A *Home is safe for concurrent use once opened. Its ledger is opened on
// first use and shared; its keystore is a *keygen.Store, which serializes
// writers across processes with a lock file.
package home

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/ledger/postgres"
	"github.com/actkit/actkit/ledger/sqlite"
	"github.com/actkit/actkit/signer"
)

// File names inside a home.
const (
	KeystoreFile = "keystore.age"
	LedgerFile   = "ledger.db"
)

// ErrNoHome is returned by Open when the home does not exist and Create
// is not set: a mistyped path must not look like an empty ledger.
var ErrNoHome = errors.New("actkit home does not exist")

// Error is the detail of a home failure.
type Error struct {
	Err  error
	Path string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %v", e.Path, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// Default returns the default home: the user's configuration directory
// joined with "actkit".
func Default() (string, error) {
	cfg, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(cfg, "actkit"), nil
}

// Options tune Open.
type Options struct {
	// Create makes the home (mode 0700) if it does not exist.
	Create bool
	// Unlock unlocks the keystore (an identity, or a passphrase source).
	Unlock keygen.Unlock
	// Store tunes the keystore (warnings, scrypt work factor).
	Store keygen.StoreOptions
	// Ledger is where the ledger lives: "" for the home's ledger.db, a
	// file path (SQLite), or a postgres:// URL (a shared PostgreSQL
	// database; see OpenLedger).
	Ledger string
	// SQLite and Postgres tune the backends.
	SQLite   sqlite.Options
	Postgres postgres.Options
	// Now is the vendor's clock; nil means time.Now.
	Now func() time.Time
}

// Home is an opened actkit home.
type Home struct {
	dir  string
	opts Options

	mu     sync.Mutex
	ledger ledger.Store
}

// Open opens the home at dir, creating it only when opts.Create is set.
func Open(dir string, opts Options) (*Home, error) {
	if opts.Create {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, &Error{Err: err, Path: dir}
		}
	} else if fi, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return nil, &Error{Err: ErrNoHome, Path: dir}
	} else if err != nil {
		return nil, &Error{Err: err, Path: dir}
	} else if !fi.IsDir() {
		return nil, &Error{Err: errors.New("not a directory"), Path: dir}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Home{dir: dir, opts: opts}, nil
}

// Dir returns the home's folder.
func (h *Home) Dir() string { return h.dir }

// KeystorePath and LedgerPath name the home's files.
func (h *Home) KeystorePath() string { return filepath.Join(h.dir, KeystoreFile) }

// LedgerPath names the home's own ledger file.
func (h *Home) LedgerPath() string { return filepath.Join(h.dir, LedgerFile) }

// LedgerLocation is where the ledger is, as it may be shown to a person:
// a file path, or a database URL without its password.
func (h *Home) LedgerLocation() string {
	switch {
	case h.opts.Ledger == "":
		return h.LedgerPath()
	case postgres.IsURL(h.opts.Ledger):
		return postgres.Redact(h.opts.Ledger)
	}
	return h.opts.Ledger
}

// OpenLedger opens the ledger at loc: a postgres:// or postgresql:// URL
// opens a PostgreSQL database (applying its migrations), anything else is
// the path of a SQLite file, created if missing.
func OpenLedger(ctx context.Context, loc string, sq sqlite.Options, pg postgres.Options) (ledger.Store, error) {
	if postgres.IsURL(loc) {
		return postgres.Open(ctx, loc, pg)
	}
	return sqlite.Open(ctx, loc, sq)
}

// Keystore returns the home's keystore; it is opened (and asks for its
// passphrase) only when read or written.
func (h *Home) Keystore() *keygen.Store {
	return keygen.NewStore(h.KeystorePath(), h.opts.Unlock, h.opts.Store)
}

// Ledger opens the ledger on first use and returns it.
func (h *Home) Ledger(ctx context.Context) (ledger.Store, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ledger != nil {
		return h.ledger, nil
	}
	loc := h.opts.Ledger
	if loc == "" {
		loc = h.LedgerPath()
	}
	l, err := OpenLedger(ctx, loc, h.opts.SQLite, h.opts.Postgres)
	if err != nil {
		return nil, err
	}
	h.ledger = l
	return l, nil
}

// Service returns the licensing service over the home's ledger, signing
// with keys (nil for a service that does not sign).
func (h *Home) Service(ctx context.Context, keys signer.Keys) (*signer.Service, error) {
	l, err := h.Ledger(ctx)
	if err != nil {
		return nil, err
	}
	return signer.New(l, keys, signer.Options{Now: h.opts.Now}), nil
}

// Close closes the ledger if it was opened.
func (h *Home) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ledger == nil {
		return nil
	}
	err := h.ledger.Close()
	h.ledger = nil
	return err
}
