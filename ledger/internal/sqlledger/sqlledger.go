// Package sqlledger is the ledger's SQL, written once for the backends
// that speak it through database/sql (ledger/sqlite, ledger/postgres):
// the reads and the writes of a transaction over the tables of
// docs/signer.md. A backend brings its connection, its transactions and
// a Dialect (placeholders, row locks, chain-head locks, how its driver
// reports a constraint); the statements, their arguments and what is
// made of their rows are the same everywhere, so the two backends cannot
// drift apart.
package sqlledger

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"

	"github.com/actkit/actkit/ledger"
)

// Dialect is what differs between the SQL databases.
type Dialect struct {
	// Prepare caches prepared statements on the database handle. Only
	// for a database whose writers take turns (SQLite): preparing takes a
	// second connection from the pool, which concurrent writers holding
	// every connection would wait for forever. Drivers that cache
	// statements per connection themselves (pgx) leave it off.
	Prepare bool
	// InsertID takes a new activation's serial from the driver's
	// LastInsertId instead of INSERT ... RETURNING (which PostgreSQL's
	// driver needs, and which costs SQLite's twice the allocations).
	InsertID bool
	// Numbered placeholders ($1, $2, ...) instead of ?.
	Numbered bool
	// ForUpdate is appended to the query that reads a licence inside a
	// write transaction, to lock its row ("FOR UPDATE OF l"); "" where
	// the transaction already holds the database's write lock.
	ForUpdate string
	// LockChain, if set, is a statement with one parameter (the chain's
	// name) that locks a chain's head until the transaction ends, before
	// Append reads it; "" where the write lock covers it.
	LockChain string
	// Unbounded, if set, runs before a scan of the whole audit trail to
	// lift the statement timeout for it ("SET LOCAL statement_timeout =
	// 0"): verification and copies grow with the ledger.
	Unbounded string
	// AfterImport runs after a copy wrote its rows with their own serials
	// and IDs: it moves the database's counters past them.
	AfterImport []string
	// IsConstraint reports whether err is the database refusing a row
	// for a CHECK or UNIQUE constraint.
	IsConstraint func(err error) bool
}

// DB is a database handle with a cache of prepared statements: preparing
// is a large part of a statement's cost, and issuing runs the same few.
// It is safe for concurrent use.
type DB struct {
	db *sql.DB
	d  Dialect

	mu      sync.Mutex
	stmts   map[string]*sql.Stmt
	rebound map[string]string
}

// New wraps db.
func New(db *sql.DB, d Dialect) *DB {
	return &DB{db: db, d: d, stmts: map[string]*sql.Stmt{}, rebound: map[string]string{}}
}

// Close closes the cached statements (not the database).
func (d *DB) Close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, st := range d.stmts {
		st.Close()
	}
	d.stmts = map[string]*sql.Stmt{}
}

// rebind rewrites a query written with ? into the dialect's placeholders.
func (d *DB) rebind(q string) string {
	if !d.d.Numbered {
		return q
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if r, ok := d.rebound[q]; ok {
		return r
	}
	d.rebound[q] = numbered(q)
	return d.rebound[q]
}

// numbered replaces each ? outside a quoted string by $1, $2, ...
func numbered(q string) string {
	var b strings.Builder
	n := 0
	inString := false
	for _, c := range q {
		switch {
		case c == '\'':
			inString = !inString
		case c == '?' && !inString:
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// prepared returns the cached statement for query, preparing it once.
func (d *DB) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	q := d.rebind(query)
	d.mu.Lock()
	defer d.mu.Unlock()
	if st, ok := d.stmts[q]; ok {
		return st, nil
	}
	st, err := d.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	d.stmts[q] = st
	return st, nil
}

// Reader reads inside tx, a read-only transaction.
func (d *DB) Reader(ctx context.Context, tx *sql.Tx) ledger.Reader {
	return reader{ctx: ctx, q: plainQuerier{d: d, tx: tx}, unbounded: d.d.Unbounded}
}

// Outside reads on the database itself, outside any transaction, for
// Store.Read: each statement sees what was committed when it ran. With
// the dialect's Prepare (SQLite) the statements are prepared once and
// cached, since Read serves the hot path (a validation's Standing, whose
// joins cost more to prepare than to run); d must then be the handle the
// reads run on. A scan that would need the statement timeout lifted is
// not run this way.
func (d *DB) Outside(ctx context.Context) ledger.Reader {
	if d.d.Prepare {
		return reader{ctx: ctx, q: preparedQuerier{d: d}}
	}
	return reader{ctx: ctx, q: plainQuerier{d: d, tx: d.db}}
}

// preparedQuerier runs queries on the database through the cache of
// prepared statements.
type preparedQuerier struct{ d *DB }

func (p preparedQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := p.d.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (p preparedQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := p.d.prepared(ctx, query)
	if err != nil {
		return p.d.db.QueryRowContext(ctx, p.d.rebind(query), args...) // fails the same way, via Scan
	}
	return st.QueryRowContext(ctx, args...)
}

func (p preparedQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return p.d.db.ExecContext(ctx, p.d.rebind(query), args...)
}

// Tx is the ledger's write transaction over tx.
func (d *DB) Tx(ctx context.Context, tx *sql.Tx) ledger.Tx { return newTx(ctx, d, tx) }

// plainQuerier runs queries on a read transaction (or on the database
// itself, for Outside), rebound but not prepared: reads are many shapes,
// run rarely.
type plainQuerier struct {
	d  *DB
	tx querier
}

func (p plainQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return p.tx.QueryContext(ctx, p.d.rebind(query), args...)
}

func (p plainQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return p.tx.QueryRowContext(ctx, p.d.rebind(query), args...)
}

func (p plainQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return p.tx.ExecContext(ctx, p.d.rebind(query), args...)
}
