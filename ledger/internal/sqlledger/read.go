package sqlledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
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

func (r reader) Product(id string) (licensing.Product, error) {
	var p licensing.Product
	var feats, created string
	err := r.q.QueryRowContext(r.ctx, "SELECT id, licence_prefix, features, created FROM products WHERE id = ?", id).
		Scan(&p.ID, &p.LicencePrefix, &feats, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return p, &licensing.Refusal{Reason: licensing.ErrUnknownProduct, Product: id}
	}
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal([]byte(feats), &p.Features); err != nil {
		return p, fmt.Errorf("product %s: bad feature list: %w", id, err)
	}
	p.Created = parseStamp(created)
	return p, nil
}

func (r reader) Products() ([]licensing.Product, error) {
	rows, err := r.q.QueryContext(r.ctx, "SELECT id FROM products ORDER BY id")
	if err != nil {
		return nil, err
	}
	ids, err := scanStrings(rows)
	if err != nil {
		return nil, err
	}
	out := []licensing.Product{}
	for _, id := range ids {
		p, err := r.Product(id)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
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

// terms returns a licence and its seats in use, without the holders:
// issuing must not cost more on a licence with many machines.
func (r reader) terms(key string) (licensing.Licence, error) { return r.termsLocked(key, "") }

// termsLocked reads a licence's terms with a row-lock clause appended.
func (r reader) termsLocked(key, lock string) (licensing.Licence, error) {
	var li licensing.Licence
	var exp sql.NullInt64
	var bits int64
	var feats, created, status string
	err := r.q.QueryRowContext(r.ctx, `SELECT l.key, l.display, l.product, l.seats, l.in_use, l.expires, l.features, l.customer, l.status, l.created, p.features, l.plan
		FROM licences l JOIN products p ON p.id = l.product WHERE l.key = ? `+lock, key).
		Scan(&li.Key, &li.Display, &li.Product, &li.Seats, &li.InUse, &exp, &bits, &li.Customer, &status, &created, &feats, &li.Plan)
	if errors.Is(err, sql.ErrNoRows) {
		return li, &licensing.Refusal{Reason: licensing.ErrUnknownLicence, Detail: "no licence " + key}
	}
	if err != nil {
		return li, err
	}
	li.Status, li.Created = licensing.Status(status), parseStamp(created)
	li.Expires = codec.NoExpiry
	if exp.Valid {
		li.Expires = codec.Day(exp.Int64)
	}
	li.Bits = uint64(bits)
	var names []string
	if err := json.Unmarshal([]byte(feats), &names); err != nil {
		return li, fmt.Errorf("product %s: bad feature list: %w", li.Product, err)
	}
	li.Features = licensing.Product{Features: names}.FeatureNames(li.Bits)
	return li, nil
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

func (r reader) Licences(product string) ([]licensing.Licence, error) {
	rows, err := r.q.QueryContext(r.ctx, "SELECT key FROM licences WHERE ? = '' OR product = ? ORDER BY created, key", product, product)
	if err != nil {
		return nil, err
	}
	keys, err := scanStrings(rows)
	if err != nil {
		return nil, err
	}
	out := []licensing.Licence{}
	for _, k := range keys {
		li, err := r.Licence(k)
		if err != nil {
			return nil, err
		}
		out = append(out, li)
	}
	return out, nil
}

func (r reader) Holders(key string) ([]licensing.Holder, error) {
	rows, err := r.q.QueryContext(r.ctx, "SELECT machine, serial, seats, created, name, last_seen, expires FROM activations WHERE licence = ? AND released IS NULL ORDER BY serial", key)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []licensing.Holder{}
	for rows.Next() {
		var h licensing.Holder
		var since string
		var seen sql.NullString
		var exp sql.NullInt64
		if err := rows.Scan(&h.Machine, &h.Serial, &h.Seats, &since, &h.Name, &seen, &exp); err != nil {
			return nil, err
		}
		h.Since, h.LastSeen, h.Expires = parseStamp(since), parseStamp(since), codec.NoExpiry
		if seen.Valid {
			h.LastSeen = parseStamp(seen.String)
		}
		if exp.Valid {
			h.Expires = codec.Day(exp.Int64)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

func (r reader) LiveActivation(key, machine string) (licensing.Activation, bool, error) {
	a := licensing.Activation{Licence: key, Machine: machine}
	var exp sql.NullInt64
	var issued, feats int64
	var keyID, created, product string
	var seen sql.NullString
	err := r.q.QueryRowContext(r.ctx, `SELECT a.serial, a.seats, a.key_id, a.issued, a.expires, a.features, a.created, l.product, a.name, a.last_seen
		FROM activations a JOIN licences l ON l.key = a.licence WHERE a.licence = ? AND a.machine = ? AND a.released IS NULL`, key, machine).
		Scan(&a.Serial, &a.Seats, &keyID, &issued, &exp, &feats, &created, &product, &a.Name, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return a, false, nil
	}
	if err != nil {
		return a, false, err
	}
	if a.KeyID, err = codec.ParseKeyID(keyID); err != nil {
		return a, false, fmt.Errorf("activation %d: bad key ID: %w", a.Serial, err)
	}
	a.Product, a.Created, a.LastSeen = product, parseStamp(created), parseStamp(created)
	if seen.Valid {
		a.LastSeen = parseStamp(seen.String)
	}
	a.Issued, a.Features = codec.Day(issued), uint64(feats)
	a.Expires = codec.NoExpiry
	if exp.Valid {
		a.Expires = codec.Day(exp.Int64)
	}
	return a, true, nil
}

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
	var ids []codec.KeyID
	if err := json.Unmarshal([]byte(body), &ids); err != nil {
		return nil, false, fmt.Errorf("release %s %s: %w", product, line, err)
	}
	return ids, true, nil
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

func (r reader) Plans(product string) ([]licensing.Plan, error) {
	p, err := r.Product(product)
	if err != nil {
		return nil, err
	}
	rows, err := r.q.QueryContext(r.ctx, "SELECT body FROM plans WHERE product = ? ORDER BY id", product)
	if err != nil {
		return nil, err
	}
	bodies, err := scanStrings(rows)
	if err != nil {
		return nil, err
	}
	if len(bodies) == 0 {
		return licensing.DefaultPlans(p), nil
	}
	out := make([]licensing.Plan, 0, len(bodies))
	for _, b := range bodies {
		var pl licensing.Plan
		if err := json.Unmarshal([]byte(b), &pl); err != nil {
			return nil, fmt.Errorf("plan of %s: %w", product, err)
		}
		out = append(out, pl)
	}
	return out, nil
}

func (r reader) Releases(key string, since time.Time) (int, error) {
	var n int
	err := r.q.QueryRowContext(r.ctx, "SELECT count(*) FROM activations WHERE licence = ? AND released IS NOT NULL AND release_why = 'released' AND released >= ?",
		key, ledger.Stamp(since)).Scan(&n)
	return n, err
}

const tokenColumns = "id, name, scope, hash, created, expires, revoked"

func scanToken(sc interface{ Scan(...any) error }) (licensing.Token, error) {
	var t licensing.Token
	var created, expires string
	var revoked int
	if err := sc.Scan(&t.ID, &t.Name, &t.Scope, &t.Hash, &created, &expires, &revoked); err != nil {
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
