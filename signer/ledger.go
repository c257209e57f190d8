package signer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	_ "modernc.org/sqlite" // pure Go: no cgo, cross-compiles to Windows
)

// Options tune a Ledger.
type Options struct {
	// BusyTimeout is how long a write waits for another writer.
	BusyTimeout time.Duration
	// Now is the clock (UTC); nil means time.Now.
	Now func() time.Time

	// pragmas are extra connection pragmas; tests use max_page_count to
	// make the disk "full".
	pragmas []string
}

// Ledger is the seat ledger: one SQLite file.
type Ledger struct {
	db   *sql.DB
	path string
	now  func() time.Time

	// stmts caches prepared statements: preparing is a large part of a
	// statement's cost in SQLite, and issuing runs the same few.
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// Open opens (creating if needed) the ledger at path and applies pending
// schema migrations.
func Open(path string, opts Options) (*Ledger, error) {
	if opts.BusyTimeout == 0 {
		opts.BusyTimeout = 30 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	q := url.Values{}
	// WAL lets readers run beside the writer; synchronous=FULL makes a
	// commit durable when it returns (NORMAL may lose the last commits on
	// power loss, and a printed code must never lack its record).
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", opts.BusyTimeout.Milliseconds()))
	q.Set("_txlock", "immediate") // write transactions take the write lock at BEGIN
	for _, p := range opts.pragmas {
		q.Add("_pragma", p)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("opening ledger %s: %w", path, err)
	}
	l := &Ledger{db: db, path: path, now: func() time.Time { return opts.Now().UTC() }, stmts: map[string]*sql.Stmt{}}
	if err := l.migrate(); err != nil {
		db.Close()
		return nil, err
	}
	return l, nil
}

// Close closes the database.
func (l *Ledger) Close() error {
	l.mu.Lock()
	for _, s := range l.stmts {
		s.Close()
	}
	l.mu.Unlock()
	return l.db.Close()
}

// txq runs cached prepared statements inside one transaction. It has the
// methods of *sql.Tx that the ledger's queries use.
type txq struct {
	l  *Ledger
	tx *sql.Tx
	// head is the audit chain's last entry, once read in this
	// transaction: appending many entries reads it once.
	head *auditHead
	// licences caches licence terms read in this transaction (a batch
	// mostly issues on a few licences); the seat count is kept current.
	licences map[string]*Licence
	// bound holds the statements already bound to this transaction.
	bound map[string]*sql.Stmt
}

func newTxq(l *Ledger, tx *sql.Tx) txq {
	return txq{l: l, tx: tx, head: &auditHead{}, licences: map[string]*Licence{}, bound: map[string]*sql.Stmt{}}
}

// terms returns a licence's terms, read once per transaction.
func (q txq) terms(norm string) (*Licence, error) {
	if li, ok := q.licences[norm]; ok {
		return li, nil
	}
	li, err := getTerms(q, norm)
	if err != nil {
		return nil, err
	}
	q.licences[norm] = &li
	return &li, nil
}

// cached returns the cached terms, or nil.
func (q txq) cached(norm string) *Licence { return q.licences[norm] }

func (q txq) stmt(query string) (*sql.Stmt, error) {
	if s, ok := q.bound[query]; ok {
		return s, nil
	}
	q.l.mu.Lock()
	defer q.l.mu.Unlock()
	s, ok := q.l.stmts[query]
	if !ok {
		var err error
		if s, err = q.l.db.Prepare(query); err != nil {
			return nil, err
		}
		q.l.stmts[query] = s
	}
	b := q.tx.Stmt(s)
	if q.bound != nil {
		q.bound[query] = b
	}
	return b, nil
}

func (q txq) Exec(query string, args ...any) (sql.Result, error) {
	s, err := q.stmt(query)
	if err != nil {
		return nil, err
	}
	return s.Exec(args...)
}

func (q txq) Query(query string, args ...any) (*sql.Rows, error) {
	s, err := q.stmt(query)
	if err != nil {
		return nil, err
	}
	return s.Query(args...)
}

// QueryRow reports a preparation error through the returned row's Scan.
func (q txq) QueryRow(query string, args ...any) *sql.Row {
	s, err := q.stmt(query)
	if err != nil {
		return q.tx.QueryRow(query, args...) // fails the same way, via Scan
	}
	return s.QueryRow(args...)
}

// Path returns the ledger file's path.
func (l *Ledger) Path() string { return l.path }

func (l *Ledger) migrate() error {
	return l.write(context.Background(), func(tx *sql.Tx) error {
		var v int
		if err := tx.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
			return fmt.Errorf("ledger %s: %w", l.path, err)
		}
		if v > len(migrations) {
			return fmt.Errorf("%s: %w (schema %d, this build knows %d): upgrade actkit", l.path, ErrNewerSchema, v, len(migrations))
		}
		for ; v < len(migrations); v++ {
			if _, err := tx.Exec(migrations[v]); err != nil {
				return fmt.Errorf("ledger migration %d: %w", v+1, err)
			}
			if _, err := tx.Exec(fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
				return err
			}
		}
		return nil
	})
}

// write runs fn in one write transaction (BEGIN IMMEDIATE), committing if
// it returns nil.
func (l *Ledger) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("ledger %s: starting a write: %w", l.path, err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("ledger %s: commit failed, nothing was recorded: %w", l.path, err)
	}
	return nil
}

// IntegrityCheck runs SQLite's PRAGMA integrity_check.
func (l *Ledger) IntegrityCheck() error {
	var res string
	if err := l.db.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil {
		return err
	}
	if res != "ok" {
		return errors.New("integrity check: " + res)
	}
	return nil
}

func (l *Ledger) stamp() string { return l.now().Format(time.RFC3339Nano) }
