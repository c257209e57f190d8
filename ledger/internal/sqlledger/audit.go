// The audit trail's reads: pages, a chain's newest entries, the whole
// trail for verification, and checkpoint records.

package sqlledger

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/actkit/actkit/ledger"
)

func (r reader) Audit(since int64, limit int) ([]ledger.Entry, error) {
	var out []ledger.Entry
	err := r.scanAudit("SELECT id, chain, seq, at, action, subject, detail, prev, hash FROM audit WHERE id > ? ORDER BY id LIMIT ?",
		func(e ledger.Entry) error { out = append(out, e); return nil }, since, limit)
	return out, err
}

func (r reader) ChainEntries(chain string, limit int) ([]ledger.Entry, error) {
	out := []ledger.Entry{}
	err := r.scanAudit("SELECT id, chain, seq, at, action, subject, detail, prev, hash FROM audit WHERE chain = ? ORDER BY seq DESC LIMIT ?",
		func(e ledger.Entry) error { out = append(out, e); return nil }, chain, limit)
	return out, err
}

func (r reader) Chain(fn func(ledger.Entry) error) error {
	if r.unbounded != "" {
		if _, err := r.q.ExecContext(r.ctx, r.unbounded); err != nil {
			return err
		}
	}
	return r.scanAudit("SELECT id, chain, seq, at, action, subject, detail, prev, hash FROM audit ORDER BY chain, id", fn)
}

func (r reader) scanAudit(query string, fn func(ledger.Entry) error, args ...any) error {
	rows, err := r.q.QueryContext(r.ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e ledger.Entry
		var d string
		if err := rows.Scan(&e.ID, &e.Chain, &e.Seq, &e.At, &e.Action, &e.Subject, &d, &e.Prev, &e.Hash); err != nil {
			return err
		}
		e.Detail = []byte(d)
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (r reader) CheckpointHeads(root []byte) (ledger.Heads, bool, error) {
	var body string
	err := r.q.QueryRowContext(r.ctx, "SELECT heads FROM checkpoints WHERE root = ?", root).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	var hs ledger.Heads
	if err := json.Unmarshal([]byte(body), &hs); err != nil {
		return nil, false, fmt.Errorf("checkpoint record: %w", err)
	}
	return hs, true, nil
}
