package postgres

import (
	"context"
	"database/sql"

	"github.com/actkit/actkit/ledger"
)

// Export gives every row of the ledger to put, from one snapshot.
func (s *Store) Export(ctx context.Context, put ledger.Put) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return s.fail("starting a read", s.ctxErr(ctx, err))
	}
	defer tx.Rollback()
	return s.fail("", s.ctxErr(ctx, s.q.Export(ctx, tx, put)))
}

// Import writes a whole ledger into this one, which must be empty, in
// one transaction: a copy interrupted at any point leaves it empty.
func (s *Store) Import(ctx context.Context, rows func(put ledger.Put) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return s.fail("starting a write", s.ctxErr(ctx, err))
	}
	defer tx.Rollback()
	// A copy is one long statement stream: no per-statement timeout.
	if _, err := tx.ExecContext(ctx, "SET LOCAL statement_timeout = 0"); err != nil {
		return s.fail("", err)
	}
	if err := s.q.Import(ctx, tx, rows); err != nil {
		return s.fail("", s.ctxErr(ctx, err))
	}
	return s.fail("commit failed, nothing was copied", s.ctxErr(ctx, tx.Commit()))
}

var _ ledger.Copier = (*Store)(nil)
