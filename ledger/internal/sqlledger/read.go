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
	var lookalikes int
	err := r.q.QueryRowContext(r.ctx, "SELECT id, licence_prefix, features, created, legacy_keys, legacy_lookalikes FROM products WHERE id = ?", id).
		Scan(&p.ID, &p.LicencePrefix, &feats, &created, &p.LegacyKeys, &lookalikes)
	if errors.Is(err, sql.ErrNoRows) {
		return p, &licensing.Refusal{Reason: licensing.ErrUnknownProduct, Product: id}
	}
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal([]byte(feats), &p.Features); err != nil {
		return p, fmt.Errorf("product %s: bad feature list: %w", id, err)
	}
	p.Created, p.LegacyLookalikes = parseStamp(created), lookalikes != 0
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

// planOf makes a licence's plan of what Plan and Standing read in the
// same statement as the rest: the plan's recorded body (NULL if none) and
// whether the product has any plan recorded, since a product with none
// has the default plans. No plan ID, or an ID the product does not have,
// is no plan.
func planOf(product, id string, names []string, body sql.NullString, recorded bool) (licensing.Plan, bool, error) {
	switch {
	case id == "":
		return licensing.Plan{}, false, nil
	case body.Valid:
		var pl licensing.Plan
		if err := json.Unmarshal([]byte(body.String), &pl); err != nil {
			return pl, false, fmt.Errorf("plan %s of %s: %w", id, product, err)
		}
		return pl, true, nil
	case recorded:
		return licensing.Plan{}, false, nil
	}
	for _, pl := range licensing.DefaultPlans(licensing.Product{ID: product, Features: names}) {
		if pl.ID == id {
			return pl, true, nil
		}
	}
	return licensing.Plan{}, false, nil
}

func (r reader) Plan(product, id string) (licensing.Plan, bool, error) {
	var feats string
	var body sql.NullString
	var recorded bool
	err := r.q.QueryRowContext(r.ctx, `SELECT p.features,
		(SELECT body FROM plans WHERE product = p.id AND id = ?),
		EXISTS (SELECT 1 FROM plans WHERE product = p.id)
		FROM products p WHERE p.id = ?`, id, product).Scan(&feats, &body, &recorded)
	if errors.Is(err, sql.ErrNoRows) {
		return licensing.Plan{}, false, &licensing.Refusal{Reason: licensing.ErrUnknownProduct, Product: product}
	}
	if err != nil {
		return licensing.Plan{}, false, err
	}
	var names []string
	if err := json.Unmarshal([]byte(feats), &names); err != nil {
		return licensing.Plan{}, false, fmt.Errorf("product %s: bad feature list: %w", product, err)
	}
	return planOf(product, id, names, body, recorded)
}

func (r reader) Standing(key, machine string) (ledger.Standing, error) {
	var t termsRow
	var a liveRow
	var body sql.NullString
	var recorded bool
	err := r.q.QueryRowContext(r.ctx, `SELECT `+termsColumns+`, `+liveColumns+`,
		(SELECT body FROM plans WHERE product = l.product AND id = l.plan),
		EXISTS (SELECT 1 FROM plans WHERE product = l.product)
		FROM licences l JOIN products p ON p.id = l.product
		LEFT JOIN activations a ON a.licence = l.key AND a.machine = ? AND a.released IS NULL
		WHERE l.key = ?`, machine, key).Scan(append(append(t.dest(), a.dest()...), &body, &recorded)...)
	if errors.Is(err, sql.ErrNoRows) {
		return ledger.Standing{}, unknownLicence(key)
	}
	if err != nil {
		return ledger.Standing{}, err
	}
	var st ledger.Standing
	var names []string
	if st.Licence, names, err = t.licence(); err != nil {
		return st, err
	}
	if st.Plan, st.HasPlan, err = planOf(st.Licence.Product, st.Licence.Plan, names, body, recorded); err != nil {
		return st, err
	}
	st.Activation, st.Activated, err = a.activation(key, machine, st.Licence.Product)
	return st, err
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
