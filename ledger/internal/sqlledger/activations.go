// A licence's activations: the machine's live one, the live and ended
// lists, and the releases counted against a budget.

package sqlledger

import (
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
)

func (r reader) LiveActivation(key, machine string) (licensing.Activation, bool, error) {
	var a liveRow
	var product string
	err := r.q.QueryRowContext(r.ctx, `SELECT `+liveColumns+`, l.product
		FROM activations a JOIN licences l ON l.key = a.licence WHERE a.licence = ? AND a.machine = ? AND a.released IS NULL`, key, machine).
		Scan(append(a.dest(), &product)...)
	if errors.Is(err, sql.ErrNoRows) {
		return licensing.Activation{Licence: key, Machine: machine}, false, nil
	}
	if err != nil {
		return licensing.Activation{Licence: key, Machine: machine}, false, err
	}
	return a.activation(key, machine, product)
}

// liveColumns are a live activation's terms (a: activations), read by
// liveRow; all NULL when a LEFT JOIN found none.
const liveColumns = `a.serial, a.seats, a.key_id, a.issued, a.expires, a.features, a.created, a.name, a.last_seen`

// liveRow scans liveColumns.
type liveRow struct {
	serial, seats, issued, exp, feats sql.NullInt64
	keyID, created, name, seen        sql.NullString
}

func (a *liveRow) dest() []any {
	return []any{&a.serial, &a.seats, &a.keyID, &a.issued, &a.exp, &a.feats, &a.created, &a.name, &a.seen}
}

// activation returns the activation, and false if the row had none.
func (a *liveRow) activation(key, machine, product string) (licensing.Activation, bool, error) {
	out := licensing.Activation{Licence: key, Machine: machine}
	if !a.serial.Valid {
		return out, false, nil
	}
	out.Serial, out.Seats, out.Product, out.Name = uint64(a.serial.Int64), int(a.seats.Int64), product, a.name.String
	var err error
	if out.KeyID, err = codec.ParseKeyID(a.keyID.String); err != nil {
		return out, false, fmt.Errorf("activation %d: bad key ID: %w", out.Serial, err)
	}
	out.Created = parseStamp(a.created.String)
	out.LastSeen = out.Created
	if a.seen.Valid {
		out.LastSeen = parseStamp(a.seen.String)
	}
	out.Issued, out.Features = codec.Day(a.issued.Int64), uint64(a.feats.Int64)
	out.Expires = codec.NoExpiry
	if a.exp.Valid {
		out.Expires = codec.Day(a.exp.Int64)
	}
	return out, true, nil
}

func (r reader) LiveActivations(key string) ([]licensing.Activation, error) {
	rows, err := r.q.QueryContext(r.ctx, `SELECT a.serial, a.machine, a.seats, a.key_id, a.issued, a.expires, a.features, a.created, l.product, a.name
		FROM activations a JOIN licences l ON l.key = a.licence WHERE a.licence = ? AND a.released IS NULL ORDER BY a.serial`, key)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []licensing.Activation
	for rows.Next() {
		a := licensing.Activation{Licence: key}
		var exp sql.NullInt64
		var issued, feats int64
		var keyID, created string
		if err := rows.Scan(&a.Serial, &a.Machine, &a.Seats, &keyID, &issued, &exp, &feats, &created, &a.Product, &a.Name); err != nil {
			return nil, err
		}
		if a.KeyID, err = codec.ParseKeyID(keyID); err != nil {
			return nil, fmt.Errorf("activation %d: bad key ID: %w", a.Serial, err)
		}
		a.Issued, a.Features, a.Created = codec.Day(issued), uint64(feats), parseStamp(created)
		a.Expires = codec.NoExpiry
		if exp.Valid {
			a.Expires = codec.Day(exp.Int64)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func (r reader) EndedActivations(key string) ([]ledger.EndedActivation, error) {
	rows, err := r.q.QueryContext(r.ctx, `SELECT a.serial, a.machine, a.seats, a.key_id, a.issued, a.expires, a.features, a.created, l.product, a.name, a.released, a.release_why
		FROM activations a JOIN licences l ON l.key = a.licence WHERE a.licence = ? AND a.released IS NOT NULL ORDER BY a.serial`, key)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ledger.EndedActivation
	for rows.Next() {
		e := ledger.EndedActivation{Activation: licensing.Activation{Licence: key}}
		a := &e.Activation
		var exp sql.NullInt64
		var issued, feats int64
		var keyID, created string
		var why sql.NullString
		if err := rows.Scan(&a.Serial, &a.Machine, &a.Seats, &keyID, &issued, &exp, &feats, &created, &a.Product, &a.Name, &e.Released, &why); err != nil {
			return nil, err
		}
		if a.KeyID, err = codec.ParseKeyID(keyID); err != nil {
			return nil, fmt.Errorf("activation %d: bad key ID: %w", a.Serial, err)
		}
		a.Issued, a.Features, a.Created = codec.Day(issued), uint64(feats), parseStamp(created)
		a.Expires = codec.NoExpiry
		if exp.Valid {
			a.Expires = codec.Day(exp.Int64)
		}
		e.Why = why.String
		out = append(out, e)
	}
	return out, rows.Err()
}

func (r reader) Releases(key string, since time.Time) (int, error) {
	var n int
	err := r.q.QueryRowContext(r.ctx, "SELECT count(*) FROM activations WHERE licence = ? AND released IS NOT NULL AND release_why = 'released' AND released >= ?",
		key, ledger.Stamp(since)).Scan(&n)
	return n, err
}
