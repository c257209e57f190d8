package sqlite

import (
	"context"
	"database/sql"

	"github.com/actkit/actkit/ledger"
)

// Export gives every row of the ledger to put, from one snapshot.
func (s *Store) Export(ctx context.Context, put ledger.Put) error {
	tx, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return s.storageError("starting a read", err)
	}
	defer tx.Rollback()
	return s.storageError("", s.q.Export(ctx, tx, put))
}

// Import writes a whole ledger into this one, which must be empty, in
// one transaction.
func (s *Store) Import(ctx context.Context, rows func(put ledger.Put) error) error {
	return s.write(ctx, func(tx *sql.Tx) error { return s.q.Import(ctx, tx, rows) })
}

var _ ledger.Copier = (*Store)(nil)
