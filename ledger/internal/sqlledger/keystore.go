// What the ledger remembers of the keystore and of the keys each
// product release line embeds.

package sqlledger

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/ledger"
)

func (r reader) KeystoreState() (ledger.KeystoreState, error) {
	var st ledger.KeystoreState
	var gen int64
	var revoked string
	err := r.q.QueryRowContext(r.ctx, "SELECT generation, revoked FROM keystore_state WHERE id = 1").Scan(&gen, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	st.Generation = uint64(gen)
	var ids []string
	if err := json.Unmarshal([]byte(revoked), &ids); err != nil {
		return st, fmt.Errorf("keystore state: %w", err)
	}
	for _, s := range ids {
		id, err := codec.ParseKeyID(s)
		if err != nil {
			return st, fmt.Errorf("keystore state: %w", err)
		}
		st.Revoked = append(st.Revoked, id)
	}
	return st, nil
}

func (r reader) ReleaseKeys(product, line string) ([]codec.KeyID, bool, error) {
	var body string
	err := r.q.QueryRowContext(r.ctx, "SELECT keys FROM releases WHERE product = ? AND line = ?", product, line).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	ids, err := releaseKeys(product, line, body)
	return ids, err == nil, err
}

// releaseKeys decodes the keys recorded for a release line.
func releaseKeys(product, line, body string) ([]codec.KeyID, error) {
	var ids []codec.KeyID
	if err := json.Unmarshal([]byte(body), &ids); err != nil {
		return nil, fmt.Errorf("release %s %s: %w", product, line, err)
	}
	return ids, nil
}

func (r reader) ReleaseLines(product string) (map[string][]codec.KeyID, error) {
	rows, err := r.q.QueryContext(r.ctx, "SELECT line, keys FROM releases WHERE product = ? ORDER BY line", product)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]codec.KeyID{}
	for rows.Next() {
		var line, body string
		if err := rows.Scan(&line, &body); err != nil {
			return nil, err
		}
		var ids []codec.KeyID
		if err := json.Unmarshal([]byte(body), &ids); err != nil {
			return nil, fmt.Errorf("release %s %s: %w", product, line, err)
		}
		out[line] = ids
	}
	return out, rows.Err()
}
