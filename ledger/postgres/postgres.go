// Package postgres is the shared ledger backend: the ledger in a
// PostgreSQL database, for vendors who run several activation-server
// instances behind a load balancer or issue from several workstations.
// It passes the same conformance suite (ledger/ledgertest) as the
// embedded SQLite ledger.
//
// Seats are held by the database: the issuing transaction locks the
// licence's row (SELECT ... FOR UPDATE), the seat counter is kept by
// triggers and bounded by a CHECK, and one live activation per licence and
// machine is a unique index, so no writer, actkit or not, can over-issue.
// Writers for different licences do not wait on each other: the audit
// trail is one hash chain per licence, whose head is taken under a
// transaction-scoped advisory lock on the chain. Every session runs with
// synchronous_commit on (Update returns after the commit is durable) and
// with lock, statement and idle-in-transaction timeouts, so that nothing
// waits forever.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/ledger/internal/sqlledger"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// DefaultMaxConns is the pool's size unless Options.MaxConns says
// otherwise.
const DefaultMaxConns = 16

// Options tune a Store. Zero values take the defaults.
type Options struct {
	// MaxConns bounds the pool's connections (default 16). Each blocked
	// writer holds one; the database's max_connections bounds the sum
	// over every instance.
	MaxConns int32
	// MaxIdleConns is how many of them stay open between requests
	// (default: MaxConns); any left idle for five minutes are closed, so
	// a quiet instance holds none of the server's max_connections, which
	// every instance shares.
	MaxIdleConns int32
	// LockTimeout bounds a wait for a row lock held by another writer
	// (default 30 s, as the SQLite ledger's busy timeout).
	LockTimeout time.Duration
	// StatementTimeout bounds one statement (default 60 s). Whole-ledger
	// reads (verification, copies) lift it for their own scan.
	StatementTimeout time.Duration
	// IdleInTransactionTimeout ends a session that holds a transaction
	// open without sending anything (default 60 s): a stalled client
	// cannot keep a licence locked.
	IdleInTransactionTimeout time.Duration
	// ConnectTimeout bounds connecting (default 10 s).
	ConnectTimeout time.Duration
}

func (o *Options) defaults() {
	if o.MaxConns == 0 {
		o.MaxConns = DefaultMaxConns
	}
	if o.MaxIdleConns == 0 {
		// All of them: a pool that keeps fewer closes a connection each
		// time load dips and opens a new one (a server process, its
		// statements prepared again) when it rises, which cost
		// validations 2.6x at 64 clients (apiload, 1,466/s against
		// 3,886/s). Idle ones still close after five minutes.
		o.MaxIdleConns = o.MaxConns
	}
	if o.LockTimeout == 0 {
		o.LockTimeout = 30 * time.Second
	}
	if o.StatementTimeout == 0 {
		o.StatementTimeout = 60 * time.Second
	}
	if o.IdleInTransactionTimeout == 0 {
		o.IdleInTransactionTimeout = 60 * time.Second
	}
	if o.ConnectTimeout == 0 {
		o.ConnectTimeout = 10 * time.Second
	}
}

// Store is a ledger in a PostgreSQL database. It is safe for concurrent
// use, and any number of Stores (in any number of processes) may share
// one database.
type Store struct {
	db *sql.DB
	// q runs the ledger's statements, shared with the SQLite backend.
	q *sqlledger.DB
	// where is the database's URL without its password, for messages.
	where string
	// secret is the URL's password, scrubbed from every error.
	secret string
}

var _ ledger.Store = (*Store)(nil)

// IsURL reports whether a ledger location names a PostgreSQL database
// rather than a file.
func IsURL(loc string) bool {
	return strings.HasPrefix(loc, "postgres://") || strings.HasPrefix(loc, "postgresql://")
}

// Redact returns a database URL with its password replaced by "xxxxx",
// for messages and logs; a text that does not parse is returned as
// "postgres://(unreadable URL)" rather than risk printing a password.
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "postgres://(unreadable URL)"
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

func password(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	if p, ok := u.User.Password(); ok {
		return p
	}
	return u.Query().Get("password")
}

// Open connects to the database at rawURL (postgres://...), applies
// pending schema migrations under an advisory lock (instances starting
// together apply them once) and returns the ledger. A password in the
// URL never appears in an error.
func Open(ctx context.Context, rawURL string, opts Options) (*Store, error) {
	opts.defaults()
	s := &Store{where: Redact(rawURL), secret: password(rawURL)}
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		// pgx quotes the URL in its parse errors: say only what is wrong.
		return nil, fmt.Errorf("ledger %s: %w: the URL does not parse as a PostgreSQL connection string", s.where, ledger.ErrCannotOpen)
	}
	cfg.ConnectTimeout = opts.ConnectTimeout
	rp := cfg.RuntimeParams
	// A commit returns only when it is durable: a code is handed out only
	// after its record is, whatever the server's default.
	rp["synchronous_commit"] = "on"
	rp["lock_timeout"] = ms(opts.LockTimeout)
	rp["statement_timeout"] = ms(opts.StatementTimeout)
	rp["idle_in_transaction_session_timeout"] = ms(opts.IdleInTransactionTimeout)
	rp["application_name"] = "actkit"
	if testOnlyTracer != nil {
		cfg.Tracer = testOnlyTracer
	}
	s.db = stdlib.OpenDB(*cfg)
	s.db.SetMaxOpenConns(int(opts.MaxConns))
	s.db.SetMaxIdleConns(int(opts.MaxIdleConns))
	s.db.SetConnMaxIdleTime(5 * time.Minute)
	s.q = sqlledger.New(s.db, dialect)
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// testOnlyTracer, set by tests (export_test.go), sees every statement a
// Store opened afterwards sends, BEGIN and COMMIT included: what the
// statement-count test counts.
var testOnlyTracer pgx.QueryTracer

func ms(d time.Duration) string { return fmt.Sprintf("%d", d.Milliseconds()) }

// Where returns the database's URL without its password.
func (s *Store) Where() string { return s.where }

// Close closes the pool.
func (s *Store) Close() error {
	s.q.Close()
	return s.db.Close()
}

// dialect: the licence's row is locked where issuing reads it, and a
// chain's head under an advisory lock keyed by the chain's name, held to
// the end of the transaction: writers for one licence queue, writers for
// different licences do not meet. (Two chains whose names hash alike
// only share a queue.)
var dialect = sqlledger.Dialect{
	Numbered:  true,
	ForUpdate: "FOR UPDATE OF l",
	LockChain: "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))",
	Unbounded: "SET LOCAL statement_timeout = 0",
	AfterImport: []string{
		"SELECT setval(pg_get_serial_sequence('activations', 'serial'), GREATEST(COALESCE(MAX(serial), 0), 1), COALESCE(MAX(serial), 0) > 0) FROM activations",
		"SELECT setval(pg_get_serial_sequence('audit', 'id'), GREATEST(COALESCE(MAX(id), 0), 1), COALESCE(MAX(id), 0) > 0) FROM audit",
	},
	IsConstraint: func(err error) bool {
		var pe *pgconn.PgError
		return errors.As(err, &pe) && (pe.Code == "23514" || pe.Code == "23505") // check_violation, unique_violation
	},
}

// maxRetries bounds how often Update re-runs a transaction that the
// database aborted to break a deadlock or a serialization conflict: fn
// runs again from the start, so nothing of the aborted run remains.
const maxRetries = 5

// Update runs fn in one READ COMMITTED transaction and commits if it
// returns nil. Rows are locked where fn reads them for update, so
// concurrent writers for one licence queue on its row.
func (s *Store) Update(ctx context.Context, fn func(ledger.Tx) error) error {
	for attempt := 0; ; attempt++ {
		err := s.update(ctx, fn)
		if attempt < maxRetries && retryable(err) {
			if crowded(err) {
				// The server has no connection to spare right now: wait a
				// little longer each time, or give up with the context.
				select {
				case <-time.After(time.Duration(20<<attempt) * time.Millisecond):
				case <-ctx.Done():
					return s.fail("", s.ctxErr(ctx, err))
				}
			}
			continue
		}
		return err
	}
}

func (s *Store) update(ctx context.Context, fn func(ledger.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return s.fail("starting a write", s.ctxErr(ctx, err))
	}
	defer tx.Rollback()
	if err := fn(s.q.Tx(ctx, tx)); err != nil {
		return s.fail("", s.ctxErr(ctx, err))
	}
	if err := tx.Commit(); err != nil {
		if lostConnection(err) {
			// The COMMIT may have reached the server before the
			// connection went: say so rather than "nothing was recorded".
			return s.fail("lost during commit, whether it was recorded is unknown", s.ctxErr(ctx, err))
		}
		return s.fail("commit failed, nothing was recorded", s.ctxErr(ctx, err))
	}
	return nil
}

// Read runs fn on the database outside a transaction (ledger.Store).
func (s *Store) Read(ctx context.Context, fn func(ledger.Reader) error) error {
	return s.fail("", s.ctxErr(ctx, fn(s.q.Outside(ctx))))
}

// View runs fn in a REPEATABLE READ, READ ONLY transaction: one snapshot
// for every read, and no lock that a writer would wait for.
func (s *Store) View(ctx context.Context, fn func(ledger.Reader) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return s.fail("starting a read", s.ctxErr(ctx, err))
	}
	defer tx.Rollback()
	return s.fail("", s.ctxErr(ctx, fn(s.q.Reader(ctx, tx))))
}

// Ready reports whether the database answers and its schema is the one
// this build writes, for a server's readiness check.
func (s *Store) Ready(ctx context.Context) error {
	v, err := s.version(ctx, s.db)
	if err != nil {
		return s.fail("checking its schema", err)
	}
	if v != len(migrations) {
		return fmt.Errorf("ledger %s: schema %d, this build writes %d", s.where, v, len(migrations))
	}
	return nil
}

// ErrBackupUnsupported is returned by Backup: a PostgreSQL ledger is
// backed up with the database's own tools (pg_dump), or copied whole to
// a ledger file.
var ErrBackupUnsupported = errors.New("a PostgreSQL ledger is not backed up to a file by the backend")

// Backup is refused; see ErrBackupUnsupported.
func (s *Store) Backup(ctx context.Context, path string) error {
	return fmt.Errorf("ledger %s: %w", s.where, ErrBackupUnsupported)
}

// ctxErr prefers the context's own error when the context ended: a
// request that gave up says so, whatever the driver made of it.
func (s *Store) ctxErr(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		return fmt.Errorf("ledger %s: gave up: %w", s.where, ctx.Err())
	}
	return err
}

// retryable: a serialization failure or a deadlock (the transaction is
// run again at once), or a server with no connection to spare (again
// after a pause).
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01") || crowded(err)
}

// crowded: too_many_connections, or cannot_connect_now (starting up or
// shutting down).
func crowded(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "53300" || pe.Code == "57P03")
}

// pgErrors maps PostgreSQL's error codes that a user can act on to the
// ledger's words.
var pgErrors = map[string]error{
	"53100": ledger.ErrFull,         // disk_full
	"25006": ledger.ErrReadOnly,     // read_only_sql_transaction (a standby, or default_transaction_read_only)
	"42501": ledger.ErrReadOnly,     // insufficient_privilege
	"55P03": ledger.ErrBusy,         // lock_not_available: lock_timeout
	"53300": ledger.ErrNoConnection, // too_many_connections: max_connections, or a role's or database's CONNECTION LIMIT
	"57P03": ledger.ErrStarting,     // cannot_connect_now: starting up, in recovery (a standby without hot_standby), shutting down
	"57014": ledger.ErrTimeout,      // query_canceled: statement_timeout (a context that ended is said by ctxErr instead)
	"25P03": ledger.ErrBusy,         // idle_in_transaction_session_timeout
	"3D000": ledger.ErrCannotOpen,
	"28000": ledger.ErrCannotOpen,  // invalid_authorization_specification
	"28P01": ledger.ErrCannotOpen,  // invalid_password
	"57P01": ledger.ErrUnreachable, // admin_shutdown: the server stopped under the connection
	"57P02": ledger.ErrUnreachable, // crash_shutdown
	"58030": ledger.ErrIO,          // io_error
}

// lostConnection: the connection failed under a statement, or could not
// be made for want of a server: refused, reset, closed (pgconn's "conn
// closed", EOF mid-message), a broken pipe, a connection exception
// (class 08). A server that answered and refused (a password, a missing
// database) is a PgError and is mapped by its code instead.
func lostConnection(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "08")
	}
	var oe *net.OpError
	return errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.As(err, &oe)
}

// fail maps err to the ledger's sentinels and scrubs the URL's password
// from its text; errors that are already the service's own (refusals,
// chain errors) pass unchanged.
func (s *Store) fail(doing string, err error) error {
	if err == nil {
		return nil
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		if sentinel, ok := pgErrors[pe.Code]; ok {
			return &storageError{msg: s.scrub(fmt.Sprintf("ledger %s: %v (%s)", s.where, sentinel, pe.Message)), err: sentinel, cause: err}
		}
	}
	if lostConnection(err) {
		// Said in the operator's words: the database is down or
		// restarting, not "locked" and not an internal error.
		if doing == "" {
			doing = "the connection failed"
		}
		sentinel := ledger.ErrUnreachable
		var ce *pgconn.ConnectError
		if errors.As(err, &ce) {
			// No connection could be made at all: the ledger cannot be
			// opened, because its server is unreachable.
			sentinel = errors.Join(ledger.ErrUnreachable, ledger.ErrCannotOpen)
		}
		return &storageError{msg: s.scrub(fmt.Sprintf("ledger %s: %v: %s: %v", s.where, ledger.ErrUnreachable, doing, err)), err: sentinel, cause: err}
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return &storageError{msg: s.scrub(fmt.Sprintf("ledger %s: %v: %v", s.where, ledger.ErrCannotOpen, ce.Unwrap())), err: ledger.ErrCannotOpen, cause: err}
	}
	if doing == "" {
		if s.secret != "" && strings.Contains(err.Error(), s.secret) {
			return &storageError{msg: s.scrub(err.Error()), err: err}
		}
		return err
	}
	return &storageError{msg: s.scrub(fmt.Sprintf("ledger %s: %s: %v", s.where, doing, err)), err: err}
}

func (s *Store) scrub(msg string) string {
	if s.secret == "" {
		return msg
	}
	return strings.ReplaceAll(msg, s.secret, "xxxxx")
}

// storageError carries a message with the password scrubbed, and keeps
// the sentinel (and the driver's error) reachable with errors.Is/As.
type storageError struct {
	msg   string
	err   error
	cause error
}

func (e *storageError) Error() string { return e.msg }
func (e *storageError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.err}
	}
	return []error{e.err, e.cause}
}
