package sqlledger

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/actkit/actkit/ledger"
)

// Export gives every row of every table to put, from the snapshot of tx
// (a read transaction).
func (d *DB) Export(ctx context.Context, tx *sql.Tx, put ledger.Put) error {
	if d.d.Unbounded != "" {
		if _, err := tx.ExecContext(ctx, d.d.Unbounded); err != nil {
			return err
		}
	}
	for _, t := range ledger.Tables {
		rows, err := tx.QueryContext(ctx, "SELECT "+strings.Join(t.Columns, ", ")+" FROM "+t.Name+" ORDER BY "+t.OrderBy)
		if err != nil {
			return fmt.Errorf("reading %s: %w", t.Name, err)
		}
		if err := exportRows(rows, t, put); err != nil {
			return err
		}
	}
	return nil
}

func exportRows(rows *sql.Rows, t ledger.Table, put ledger.Put) error {
	defer rows.Close()
	for rows.Next() {
		row := make([]any, len(t.Columns))
		ptrs := make([]any, len(row))
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("reading %s: %w", t.Name, err)
		}
		for i, v := range row {
			switch v := v.(type) {
			case int32:
				row[i] = int64(v)
			case []byte:
				row[i] = append([]byte(nil), v...) // the driver may reuse it
			}
		}
		if err := put(t, row); err != nil {
			return err
		}
	}
	return rows.Err()
}

// batchRows is how many rows one INSERT carries: well under both
// databases' limits on bound parameters.
const batchRows = 200

// Import writes the rows that rows gives into the empty ledger of tx (a
// write transaction), then runs the dialect's AfterImport statements.
func (d *DB) Import(ctx context.Context, tx *sql.Tx, rows func(put ledger.Put) error) error {
	var counts []string
	for _, t := range ledger.Tables {
		counts = append(counts, "(SELECT count(*) FROM "+t.Name+")")
	}
	var n int64
	if err := tx.QueryRowContext(ctx, "SELECT "+strings.Join(counts, " + ")).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("%w: it holds %d rows", ledger.ErrNotEmpty, n)
	}
	var cur ledger.Table
	var pending []any
	rowsIn := 0
	flush := func() error {
		if rowsIn == 0 {
			return nil
		}
		one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cur.Columns)), ", ") + ")"
		q := "INSERT INTO " + cur.Name + " (" + strings.Join(cur.Columns, ", ") + ") VALUES " +
			strings.TrimSuffix(strings.Repeat(one+", ", rowsIn), ", ")
		if d.d.Numbered {
			q = numbered(q) // not cached: every batch's text is its own
		}
		if _, err := tx.ExecContext(ctx, q, pending...); err != nil {
			return fmt.Errorf("writing %s: %w", cur.Name, err)
		}
		pending, rowsIn = pending[:0], 0
		return nil
	}
	err := rows(func(t ledger.Table, row []any) error {
		if t.Name != cur.Name || rowsIn == batchRows {
			if err := flush(); err != nil {
				return err
			}
			cur = t
		}
		pending = append(pending, row...)
		rowsIn++
		return nil
	})
	if err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	for _, s := range d.d.AfterImport {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("after the copy: %w", err)
		}
	}
	return nil
}
