package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/actkit/actkit/ledger"
	"github.com/jackc/pgx/v5/pgconn"
)

// migrationLock is the advisory lock key under which migrations run
// ("actkit" in ASCII): instances starting together queue on it, and each
// re-reads the version once it holds it, so every migration is applied
// exactly once.
const migrationLock int64 = 0x61636b74_6b6974

// The schema's version lives in a table of its own, one row.
const versionTable = "actkit_schema"

type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// version reads the schema version; 0 for a database without actkit's
// tables.
func (s *Store) version(ctx context.Context, q queryRower) (int, error) {
	var v int
	err := q.QueryRowContext(ctx, "SELECT version FROM "+versionTable).Scan(&v)
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &pe) && pe.Code == "42P01": // undefined_table
		return 0, nil
	case errors.Is(err, sql.ErrNoRows):
		return 0, nil
	case err != nil:
		return 0, err
	}
	return v, nil
}

func (s *Store) migrate(ctx context.Context) error {
	// The usual case, a current schema, takes no lock at all.
	v, err := s.version(ctx, s.db)
	if err != nil {
		return s.fail("reading its schema version", s.ctxErr(ctx, err))
	}
	if v == len(migrations) {
		return nil
	}
	if v > len(migrations) {
		return fmt.Errorf("ledger %s: %w (schema %d, this build knows %d)", s.where, ledger.ErrNewerSchema, v, len(migrations))
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return s.fail("connecting", s.ctxErr(ctx, err))
	}
	defer conn.Close()
	// A session lock (not a transaction's): held across the migrations'
	// transaction and released below, or by the server when this session
	// ends, even if this process is killed.
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
		return s.fail("waiting for another instance's migration", s.ctxErr(ctx, err))
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLock)
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return s.fail("starting its migration", s.ctxErr(ctx, err))
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+versionTable+" (one INTEGER PRIMARY KEY DEFAULT 1 CHECK (one = 1), version INTEGER NOT NULL)"); err != nil {
		return s.fail("creating its schema table", err)
	}
	if v, err = s.version(ctx, tx); err != nil {
		return s.fail("reading its schema version", err)
	}
	if v > len(migrations) {
		return fmt.Errorf("ledger %s: %w (schema %d, this build knows %d)", s.where, ledger.ErrNewerSchema, v, len(migrations))
	}
	for ; v < len(migrations); v++ {
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			return s.fail(fmt.Sprintf("migration %d", v+1), err)
		}
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO "+versionTable+"(one, version) VALUES (1, $1) ON CONFLICT (one) DO UPDATE SET version = excluded.version", v); err != nil {
		return s.fail("recording its schema version", err)
	}
	return s.fail("committing its migration", tx.Commit())
}
