// Who may sign in: portal sessions and API tokens.

package sqlledger

import (
	"database/sql"
	"errors"
	"time"

	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
)

func (r reader) Session(hash []byte) (ledger.Session, bool, error) {
	s := ledger.Session{Hash: hash}
	var created string
	var expires int64
	err := r.q.QueryRowContext(r.ctx, "SELECT licence, token, created, expires FROM sessions WHERE hash = ?", hash).
		Scan(&s.Licence, &s.Token, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return s, false, nil
	}
	if err != nil {
		return s, false, err
	}
	s.Created, s.Expires = parseStamp(created), time.Unix(expires, 0).UTC()
	return s, true, nil
}

const tokenColumns = "id, name, scope, hash, created, expires, revoked, subject"

func scanToken(sc interface{ Scan(...any) error }) (licensing.Token, error) {
	var t licensing.Token
	var created, expires string
	var revoked int
	if err := sc.Scan(&t.ID, &t.Name, &t.Scope, &t.Hash, &created, &expires, &revoked, &t.Subject); err != nil {
		return t, err
	}
	t.Created, t.Expires, t.Revoked = parseStamp(created), parseStamp(expires), revoked != 0
	return t, nil
}

func (r reader) Token(id string) (licensing.Token, bool, error) {
	t, err := scanToken(r.q.QueryRowContext(r.ctx, "SELECT "+tokenColumns+" FROM tokens WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, false, nil
	}
	return t, err == nil, err
}

func (r reader) Tokens() ([]licensing.Token, error) {
	rows, err := r.q.QueryContext(r.ctx, "SELECT "+tokenColumns+" FROM tokens ORDER BY created, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []licensing.Token{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
