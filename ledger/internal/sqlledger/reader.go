// The read side of a ledger: reader runs the statements of ledger.Reader
// on a querier (a read transaction, the database itself, or a write
// transaction's cached statements).

package sqlledger

import (
	"context"
	"database/sql"
	"time"

	"github.com/actkit/actkit/ledger"
)

// querier is what reads need: a read transaction, or the write
// transaction's cached statements. Queries are written with ?.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// reader implements ledger.Reader over a querier.
type reader struct {
	ctx context.Context
	q   querier
	// unbounded, if set, lifts the statement timeout for a scan of the
	// whole audit trail (verification, copies), which grows with the
	// ledger.
	unbounded string
}

var _ ledger.Reader = reader{}

func parseStamp(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

func scanStrings(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
