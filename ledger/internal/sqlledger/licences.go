// Licences: their terms and seats in use (one row and its product), and
// their holders, read only where a list of machines is asked for.

package sqlledger

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/licensing"
)

// terms returns a licence and its seats in use, without the holders:
// issuing must not cost more on a licence with many machines.
func (r reader) terms(key string) (licensing.Licence, error) { return r.termsLocked(key, "") }

// termsLocked reads a licence's terms with a row-lock clause appended.
func (r reader) termsLocked(key, lock string) (licensing.Licence, error) {
	var t termsRow
	err := r.q.QueryRowContext(r.ctx, `SELECT `+termsColumns+`
		FROM licences l JOIN products p ON p.id = l.product WHERE l.key = ? `+lock, key).Scan(t.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return licensing.Licence{}, unknownLicence(key)
	}
	if err != nil {
		return licensing.Licence{}, err
	}
	li, _, err := t.licence()
	return li, err
}

func unknownLicence(key string) error {
	return &licensing.Refusal{Reason: licensing.ErrUnknownLicence, Detail: "no licence " + key}
}

// termsColumns are a licence's terms and its product's features, read by
// termsRow (l: licences, p: products).
const termsColumns = `l.key, l.display, l.product, l.seats, l.in_use, l.expires, l.features, l.customer, l.status, l.created, p.features, l.plan`

// termsRow scans termsColumns.
type termsRow struct {
	li                     licensing.Licence
	exp                    sql.NullInt64
	bits                   int64
	feats, created, status string
}

func (t *termsRow) dest() []any {
	li := &t.li
	return []any{&li.Key, &li.Display, &li.Product, &li.Seats, &li.InUse, &t.exp, &t.bits, &li.Customer, &t.status, &t.created, &t.feats, &li.Plan}
}

// licence returns the terms, and the product's feature names (for its
// default plans).
func (t *termsRow) licence() (licensing.Licence, []string, error) {
	li := t.li
	li.Status, li.Created = licensing.Status(t.status), parseStamp(t.created)
	li.Expires = codec.NoExpiry
	if t.exp.Valid {
		li.Expires = codec.Day(t.exp.Int64)
	}
	li.Bits = uint64(t.bits)
	var names []string
	if err := json.Unmarshal([]byte(t.feats), &names); err != nil {
		return li, nil, fmt.Errorf("product %s: bad feature list: %w", li.Product, err)
	}
	li.Features = licensing.Product{Features: names}.FeatureNames(li.Bits)
	return li, names, nil
}

func (r reader) Terms(key string) (licensing.Licence, error) { return r.terms(key) }

func (r reader) Licence(key string) (licensing.Licence, error) {
	li, err := r.terms(key)
	if err != nil {
		return li, err
	}
	li.Holders, err = r.Holders(key)
	return li, err
}

// Licences reads every licence's terms in one statement and every live
// activation of those licences in a second, whatever their number: a
// list of 10,000 licences costs two statements, not one per licence.
// Both read the same snapshot in a View.
func (r reader) Licences(product string) ([]licensing.Licence, error) {
	out, at, err := r.licenceTerms(product)
	if err != nil {
		return nil, err
	}
	// By serial: each licence's holders come in the order Holders gives.
	hrows, err := r.q.QueryContext(r.ctx, `SELECT a.licence, a.`+strings.ReplaceAll(holderColumns, ", ", ", a.")+`
		FROM activations a JOIN licences l ON l.key = a.licence
		WHERE a.released IS NULL AND (? = '' OR l.product = ?) ORDER BY a.serial`, product, product)
	if err != nil {
		return nil, err
	}
	defer hrows.Close()
	for hrows.Next() {
		var key string
		h, err := scanHolder(hrows, &key)
		if err != nil {
			return nil, err
		}
		if i, ok := at[key]; ok {
			out[i].Holders = append(out[i].Holders, h)
		}
	}
	return out, hrows.Err()
}

// licenceTerms is Licences' first statement: the licences' terms, in
// order, and where each licence's key sits in that order.
func (r reader) licenceTerms(product string) ([]licensing.Licence, map[string]int, error) {
	rows, err := r.q.QueryContext(r.ctx, `SELECT `+termsColumns+`
		FROM licences l JOIN products p ON p.id = l.product
		WHERE ? = '' OR l.product = ? ORDER BY l.created, l.key`, product, product)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	out := []licensing.Licence{}
	at := map[string]int{}
	for rows.Next() {
		var t termsRow
		if err := rows.Scan(t.dest()...); err != nil {
			return nil, nil, err
		}
		li, _, err := t.licence()
		if err != nil {
			return nil, nil, err
		}
		li.Holders = []licensing.Holder{}
		at[li.Key] = len(out)
		out = append(out, li)
	}
	return out, at, rows.Err()
}

// holderColumns are what a holder shows, read by scanHolders.
const holderColumns = "machine, serial, seats, created, name, last_seen, expires"

func (r reader) Holders(key string) ([]licensing.Holder, error) {
	return r.holders("SELECT "+holderColumns+" FROM activations WHERE licence = ? AND released IS NULL ORDER BY serial", key)
}

// RecentHolders reads the newest live activations through the index on
// (licence, serial) of the live ones: limit rows, whatever the licence
// holds.
func (r reader) RecentHolders(key string, limit int) ([]licensing.Holder, error) {
	return r.holders("SELECT "+holderColumns+" FROM activations WHERE licence = ? AND released IS NULL ORDER BY serial DESC LIMIT ?", key, limit)
}

// LapsedLeases reads through the index on (licence, expires) of the live
// activations that expire: only the lapsed ones are visited.
func (r reader) LapsedLeases(key string, before codec.Day, limit int) ([]licensing.Holder, error) {
	return r.holders("SELECT "+holderColumns+" FROM activations WHERE licence = ? AND released IS NULL AND expires IS NOT NULL AND expires < ? ORDER BY expires, serial LIMIT ?", key, int64(before), limit)
}

func (r reader) holders(query string, args ...any) ([]licensing.Holder, error) {
	rows, err := r.q.QueryContext(r.ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []licensing.Holder{}
	for rows.Next() {
		h, err := scanHolder(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// scanHolder scans a row of holderColumns, after the columns first
// (if any) names.
func scanHolder(rows *sql.Rows, first ...any) (licensing.Holder, error) {
	var h licensing.Holder
	var since string
	var seen sql.NullString
	var exp sql.NullInt64
	if err := rows.Scan(append(first, &h.Machine, &h.Serial, &h.Seats, &since, &h.Name, &seen, &exp)...); err != nil {
		return h, err
	}
	h.Since, h.LastSeen, h.Expires = parseStamp(since), parseStamp(since), codec.NoExpiry
	if seen.Valid {
		h.LastSeen = parseStamp(seen.String)
	}
	if exp.Valid {
		h.Expires = codec.Day(exp.Int64)
	}
	return h, nil
}
