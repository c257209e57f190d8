// Package sqlite is the embedded ledger backend: one SQLite file, the
// default for a vendor with one signing workstation or one server.
//
// Every write runs in one transaction begun with BEGIN IMMEDIATE, with the
// database in WAL mode and synchronous=FULL, so a licence's seats are never
// over-issued even when several processes issue at once, and Update
// returns only after the activation row and its audit entry are on disk.
// Writers in one process queue on a semaphore that honours their context;
// writers in other processes wait up to Options.BusyTimeout. Reads run on
// their own connections and never wait for a writer. Do not put the ledger
// on a network file system: SQLite's locking is not reliable there.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/ledger/internal/sqlledger"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Options tune a Store.
type Options struct {
	// BusyTimeout is how long a write waits for a writer in another
	// process; 30 s if zero.
	BusyTimeout time.Duration

	// pragmas are extra connection pragmas; tests use max_page_count to
	// make the disk "full" (see export_test.go).
	pragmas []string
}

// Store is a ledger in one SQLite file. It is safe for concurrent use.
type Store struct {
	db   *sql.DB // writes: BEGIN IMMEDIATE
	rdb  *sql.DB // reads: deferred transactions on a WAL snapshot
	path string
	// sem serializes this process's writers, so that a writer waiting its
	// turn can give up when its context ends.
	sem chan struct{}

	// q runs the ledger's statements (shared with the other SQL
	// backends), caching them prepared; rq does the same for Read, on
	// the read connections.
	q, rq *sqlledger.DB

	// readOnly, if set, says why the ledger was opened for reading only
	// (ledger.ErrReadOnly, ledger.ErrFull): every write returns it.
	readOnly error
}

var _ ledger.Store = (*Store)(nil)

// Open opens (creating if needed) the ledger at path and applies pending
// schema migrations.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if opts.BusyTimeout == 0 {
		opts.BusyTimeout = 30 * time.Second
	}
	dsn := func(immediate bool) string {
		q := url.Values{}
		// WAL lets readers run beside the writer; synchronous=FULL makes
		// a commit durable when it returns (NORMAL may lose the last
		// commits on power loss, and a printed code must never lack its
		// record).
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(FULL)")
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", opts.BusyTimeout.Milliseconds()))
		if immediate {
			q.Set("_txlock", "immediate") // write transactions take the write lock at BEGIN
		}
		for _, p := range opts.pragmas {
			q.Add("_pragma", p)
		}
		return fileURI(path, q.Encode())
	}
	if err := prepareFile(path); err != nil {
		return nil, err
	}
	s, err := openStore(path, dsn(true), dsn(false))
	if err != nil {
		return nil, err
	}
	err = s.migrate(ctx)
	var nw needsWrite
	if errors.As(err, &nw) {
		// SQLite could not set up the files beside the ledger that even a
		// read needs (ledger.db-shm, -wal): a read-only folder or mount,
		// or a full disk. Reads still work on the file alone.
		s.Close()
		return openReadOnly(ctx, path, nw.cause)
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func openStore(path, writeDSN, readDSN string) (*Store, error) {
	db, err := sql.Open("sqlite", writeDSN)
	if err != nil {
		return nil, fmt.Errorf("opening ledger %s: %w", path, err)
	}
	rdb, err := sql.Open("sqlite", readDSN)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("opening ledger %s: %w", path, err)
	}
	// Readers run side by side (WAL): keep their connections open, so that
	// a burst of validations does not open a new one for most reads (a
	// third of the time went there with the default of two idle).
	rdb.SetMaxOpenConns(64)
	rdb.SetMaxIdleConns(32)
	return &Store{db: db, rdb: rdb, path: path, sem: make(chan struct{}, 1), q: sqlledger.New(db, dialect), rq: sqlledger.New(rdb, dialect)}, nil
}

// needsWrite is the first read's failure when SQLite cannot create or
// grow the ledger's shared-memory and WAL files, and why (a read-only
// folder or mount, a full disk).
type needsWrite struct{ cause error }

func (e needsWrite) Error() string { return e.cause.Error() }
func (e needsWrite) Unwrap() error { return e.cause }

// openReadOnly opens a ledger whose folder cannot take the files SQLite
// keeps beside it, for reading only: as an immutable file, which is what
// it is while nobody can write there. A writer that holds it open keeps
// its -wal and -shm files, and with those a normal open works; if a -wal
// file with transactions in it was left without its -shm file, those
// transactions cannot be read without write access, and the ledger is
// refused rather than shown without them.
func openReadOnly(ctx context.Context, path string, cause error) (*Store, error) {
	if st, err := os.Stat(path + "-wal"); err == nil && st.Size() > 0 {
		return nil, fmt.Errorf("ledger %s: %w: its newest transactions are in %s, which cannot be read without writing beside it",
			path, cause, filepath.Base(path)+"-wal")
	}
	q := url.Values{}
	q.Set("mode", "ro")
	q.Set("immutable", "1")
	dsn := fileURI(path, q.Encode())
	s, err := openStore(path, dsn, dsn)
	if err != nil {
		return nil, err
	}
	s.readOnly = cause
	var v int
	if err := s.rdb.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		s.Close()
		return nil, s.storageError("reading its schema version", err)
	}
	switch {
	case v > len(migrations):
		s.Close()
		return nil, fmt.Errorf("%s: %w (schema %d, this build knows %d)", path, ledger.ErrNewerSchema, v, len(migrations))
	case v < len(migrations):
		s.Close()
		return nil, fmt.Errorf("ledger %s: %w: its schema (%d) must be upgraded to %d first, which needs write access", path, cause, v, len(migrations))
	}
	return s, nil
}

// ReadOnly returns why the ledger was opened for reading only (wrapping
// ledger.ErrReadOnly or ledger.ErrFull), or nil.
func (s *Store) ReadOnly() error {
	if s.readOnly == nil {
		return nil
	}
	return fmt.Errorf("ledger %s: %w", s.path, s.readOnly)
}

// ErrNotRegular is returned for a ledger path that is not a regular file
// (a device, a FIFO, a directory, or a link to one): SQLite would create
// its journal files beside it.
var ErrNotRegular = errors.New("the ledger path is not a regular file")

// prepareFile makes sure the ledger file exists as a regular file readable
// only by its owner before SQLite opens it: it holds every licence key, and
// SQLite would create it (and its -wal and -shm files, which copy its
// mode) world-readable under the usual umask.
func prepareFile(path string) error {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil && !errors.Is(err, os.ErrExist) {
			if why := writeFailure(err); why != nil {
				return fmt.Errorf("creating ledger %s: %w (%w)", path, why, err)
			}
			return fmt.Errorf("creating ledger %s: %w", path, err)
		}
		if f != nil {
			return f.Close()
		}
		return nil
	case err != nil:
		return fmt.Errorf("ledger %s: %w", path, err)
	case !st.Mode().IsRegular():
		return fmt.Errorf("%s: %w", path, ErrNotRegular)
	case st.Mode().Perm()&0o077 != 0 && runtime.GOOS != "windows":
		// Ledgers made by earlier releases: tighten, never loosen. A
		// ledger on a read-only mount (or an immutable file) cannot be
		// tightened, nor written by anyone: it is still read.
		if err := os.Chmod(path, st.Mode().Perm()&0o700); err != nil && writeFailure(err) != ledger.ErrReadOnly {
			return fmt.Errorf("ledger %s: restricting its permissions: %w", path, err)
		}
	}
	return nil
}

// fileURI builds the SQLite URI of a file path: the path is escaped, so
// that '?', '#' and '%' in a folder name stay part of the name instead of
// starting the query (which would open an in-memory database that loses
// everything), a fragment, or an escape.
func fileURI(path, query string) string {
	u := url.URL{Scheme: "file", OmitHost: true, Path: filepath.ToSlash(path), RawQuery: query}
	if filepath.IsAbs(path) && !strings.HasPrefix(u.Path, "/") {
		u.Path = "/" + u.Path // Windows: file:/C:/...
	}
	return u.String()
}

// Path returns the ledger file's path.
func (s *Store) Path() string { return s.path }

// Close closes the database.
func (s *Store) Close() error {
	s.q.Close()
	s.rq.Close()
	return errors.Join(s.db.Close(), s.rdb.Close())
}

func (s *Store) migrate(ctx context.Context) error {
	// Read the version first: a current ledger is opened without a write
	// transaction, so that reading works on a read-only copy or mount and
	// does not wait behind another process's writer.
	var v int
	if err := s.rdb.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		if cause := s.cannotWrite(err); cause != nil {
			return needsWrite{cause}
		}
		return s.storageError("reading its schema version", err)
	}
	if v == len(migrations) {
		return nil
	}
	if v > len(migrations) {
		return fmt.Errorf("%s: %w (schema %d, this build knows %d)", s.path, ledger.ErrNewerSchema, v, len(migrations))
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		var v int
		if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
			return fmt.Errorf("ledger %s: %w", s.path, err)
		}
		if v > len(migrations) {
			return fmt.Errorf("%s: %w (schema %d, this build knows %d)", s.path, ledger.ErrNewerSchema, v, len(migrations))
		}
		for ; v < len(migrations); v++ {
			if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
				return fmt.Errorf("ledger migration %d: %w", v+1, err)
			}
			if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
				return err
			}
		}
		return nil
	})
}

// Update runs fn in one write transaction (BEGIN IMMEDIATE), committing if
// it returns nil.
func (s *Store) Update(ctx context.Context, fn func(ledger.Tx) error) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		return fn(s.q.Tx(ctx, tx))
	})
}

func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if s.readOnly != nil {
		return fmt.Errorf("ledger %s: %w; nothing was recorded", s.path, s.readOnly)
	}
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("ledger %s: gave up waiting for another writer: %w", s.path, ctx.Err())
	}
	defer func() { <-s.sem }()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.storageError("starting a write", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return s.storageError("", err)
	}
	if err := tx.Commit(); err != nil {
		return s.storageError("commit failed, nothing was recorded", err)
	}
	return nil
}

// Read runs fn on the database outside a transaction (ledger.Store).
func (s *Store) Read(ctx context.Context, fn func(ledger.Reader) error) error {
	return s.storageError("", fn(s.rq.Outside(ctx)))
}

// View runs fn on a read snapshot.
func (s *Store) View(ctx context.Context, fn func(ledger.Reader) error) error {
	tx, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return s.storageError("starting a read", err)
	}
	defer tx.Rollback()
	return s.storageError("", fn(s.q.Reader(ctx, tx)))
}

// dialect: BEGIN IMMEDIATE holds the database's write lock for the whole
// transaction, so neither a licence's row nor a chain's head needs a lock
// of its own.
var dialect = sqlledger.Dialect{
	Prepare:  true,
	InsertID: true,
	IsConstraint: func(err error) bool {
		var se *sqlite.Error
		return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_CONSTRAINT
	},
}

// storageError maps SQLite's failures that a user can act on to the
// ledger's sentinels; everything else keeps its text, with the path.
func (s *Store) storageError(doing string, err error) error {
	if err == nil {
		return nil
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		if cause := s.cannotWrite(err); cause != nil {
			return fmt.Errorf("ledger %s: %w", s.path, cause)
		}
		if sentinel, ok := sqliteErrors[se.Code()&0xff]; ok {
			return fmt.Errorf("ledger %s: %w", s.path, sentinel)
		}
	}
	if doing == "" {
		return err
	}
	return fmt.Errorf("ledger %s: %s: %w", s.path, doing, err)
}

// sqliteErrors maps SQLite's primary result codes to the ledger's words.
var sqliteErrors = map[int]error{
	sqlite3.SQLITE_FULL:     ledger.ErrFull,
	sqlite3.SQLITE_READONLY: ledger.ErrReadOnly,
	sqlite3.SQLITE_BUSY:     ledger.ErrBusy,
	sqlite3.SQLITE_LOCKED:   ledger.ErrBusy,
	sqlite3.SQLITE_NOTADB:   ledger.ErrNotLedger,
	sqlite3.SQLITE_CORRUPT:  ledger.ErrNotLedger,
	sqlite3.SQLITE_CANTOPEN: ledger.ErrCannotOpen,
	sqlite3.SQLITE_PERM:     ledger.ErrReadOnly,
	sqlite3.SQLITE_AUTH:     ledger.ErrReadOnly,
	sqlite3.SQLITE_IOERR:    ledger.ErrIO,
}

// besideFiles are SQLite's extended codes for failing to create, open or
// grow the files it keeps beside the ledger (ledger.db-shm, -wal), which
// it needs even to read a WAL ledger: on a read-only folder or mount
// "unable to open database file (14)", on a full disk "disk I/O error
// (4874)" (SQLITE_IOERR_SHMSIZE: the -shm file could not be grown).
var besideFiles = map[int]bool{
	sqlite3.SQLITE_CANTOPEN:           true,
	sqlite3.SQLITE_IOERR_SHMOPEN:      true,
	sqlite3.SQLITE_IOERR_SHMSIZE:      true,
	sqlite3.SQLITE_IOERR_SHMMAP:       true,
	sqlite3.SQLITE_IOERR_SHMLOCK:      true,
	sqlite3.SQLITE_IOERR_WRITE:        true,
	sqlite3.SQLITE_IOERR_TRUNCATE:     true,
	sqlite3.SQLITE_IOERR_FSYNC:        true,
	sqlite3.SQLITE_READONLY_CANTINIT:  true,
	sqlite3.SQLITE_READONLY_DIRECTORY: true,
}

// cannotWrite says, for a SQLite failure to reach or grow the files beside
// the ledger, whether its folder cannot be written (ledger.ErrReadOnly)
// or its disk is full (ledger.ErrFull), by trying; nil if neither, or for
// another failure. SQLite's codes alone do not say which: the same
// "disk I/O error (4874)" means a full disk or, on some systems, a
// read-only mount.
func (s *Store) cannotWrite(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) || !besideFiles[se.Code()] {
		return nil
	}
	return folderWriteFailure(filepath.Dir(s.path))
}

// folderWriteFailure tries to write a small file in dir, and says why it
// cannot: ledger.ErrReadOnly, ledger.ErrFull, or nil if it can.
func folderWriteFailure(dir string) error {
	f, err := os.CreateTemp(dir, ".ledger-probe-*")
	if err != nil {
		return writeFailure(err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if _, err := f.Write(make([]byte, 4096)); err != nil {
		return writeFailure(err)
	}
	return writeFailure(f.Sync())
}

// writeFailure maps the operating system's reasons a write fails to the
// ledger's words, or nil.
func writeFailure(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, syscall.EROFS), errors.Is(err, os.ErrPermission):
		return ledger.ErrReadOnly
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return ledger.ErrFull
	}
	return nil
}

// Backup writes a consistent copy of the ledger to path (VACUUM INTO),
// while issuing goes on. It refuses to overwrite an existing file.
func (s *Store) Backup(ctx context.Context, path string) error {
	// VACUUM INTO writes into an empty file, so the copy is created here,
	// owner-only like the ledger; a failed copy is removed, so that a retry
	// under the same name is not refused.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("backup %s: %w", path, ledger.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("backup %s: %w", path, err)
	}
	f.Close()
	if _, err := s.rdb.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		os.Remove(path)
		return s.storageError("backup to "+path, err)
	}
	return nil
}

// Ready reports whether the ledger answers and its schema is the one
// this build writes, for a server's readiness check.
func (s *Store) Ready(ctx context.Context) error {
	var v int
	if err := s.rdb.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return s.storageError("reading its schema version", err)
	}
	if v != len(migrations) {
		return fmt.Errorf("ledger %s: schema %d, this build writes %d", s.path, v, len(migrations))
	}
	return nil
}

// IntegrityCheck runs SQLite's PRAGMA integrity_check.
func (s *Store) IntegrityCheck(ctx context.Context) error {
	var res string
	if err := s.rdb.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil {
		return err
	}
	if res != "ok" {
		return errors.New("integrity check: " + strings.TrimSpace(res))
	}
	return nil
}
