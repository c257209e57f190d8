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
	// Ledger tunes the SQLite ledger.
	Ledger sqlite.Options
	// Now is the vendor's clock; nil means time.Now.
	Now func() time.Time
}

// Home is an opened actkit home.
type Home struct {
	dir  string
	opts Options

	mu     sync.Mutex
	ledger *sqlite.Store
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

// LedgerPath names the ledger file.
func (h *Home) LedgerPath() string { return filepath.Join(h.dir, LedgerFile) }

// Keystore returns the home's keystore; it is opened (and asks for its
// passphrase) only when read or written.
func (h *Home) Keystore() *keygen.Store {
	return keygen.NewStore(h.KeystorePath(), h.opts.Unlock, h.opts.Store)
}

// Ledger opens the ledger on first use and returns it.
func (h *Home) Ledger(ctx context.Context) (*sqlite.Store, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ledger != nil {
		return h.ledger, nil
	}
	l, err := sqlite.Open(ctx, h.LedgerPath(), h.opts.Ledger)
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
