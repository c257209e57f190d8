package sqlledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
)

// tx is a write transaction. It runs cached prepared statements, reads a
// licence's terms once per transaction (a batch mostly issues on a few
// licences) and carries the audit chain's head from entry to entry.
type tx struct {
	reader
	d  *DB
	tx *sql.Tx
	// heads are the chains' last entries, once read in this transaction.
	heads map[string]*ledger.Entry
	// licences caches the terms read in this transaction; the seat count
	// is kept current as seats are taken and freed.
	licences map[string]*licensing.Licence
	// locked are the licences whose rows this transaction locked: their
	// chains' heads cannot move under it.
	locked map[string]struct{}
	// bound holds the statements already bound to this transaction.
	bound map[string]*sql.Stmt
}

var _ ledger.Tx = (*tx)(nil)

func newTx(ctx context.Context, d *DB, sqlTx *sql.Tx) *tx {
	t := &tx{d: d, tx: sqlTx, licences: map[string]*licensing.Licence{}, locked: map[string]struct{}{}, bound: map[string]*sql.Stmt{}, heads: map[string]*ledger.Entry{}}
	t.reader = reader{ctx: ctx, q: t, unbounded: d.d.Unbounded}
	return t
}

func (t *tx) stmt(query string) (*sql.Stmt, error) {
	if st, ok := t.bound[query]; ok {
		return st, nil
	}
	st, err := t.d.prepared(t.ctx, query)
	if err != nil {
		return nil, err
	}
	b := t.tx.StmtContext(t.ctx, st)
	t.bound[query] = b
	return b, nil
}

func (t *tx) exec(query string, args ...any) (sql.Result, error) {
	if !t.d.d.Prepare {
		return t.tx.ExecContext(t.ctx, t.d.rebind(query), args...)
	}
	st, err := t.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(t.ctx, args...)
}

// QueryContext, QueryRowContext and ExecContext make tx the querier of
// its reader.
func (t *tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if !t.d.d.Prepare {
		return t.tx.QueryContext(ctx, t.d.rebind(query), args...)
	}
	st, err := t.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (t *tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if !t.d.d.Prepare {
		return t.tx.QueryRowContext(ctx, t.d.rebind(query), args...)
	}
	st, err := t.stmt(query)
	if err != nil {
		return t.tx.QueryRowContext(ctx, t.d.rebind(query), args...) // fails the same way, via Scan
	}
	return st.QueryRowContext(ctx, args...)
}

func (t *tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, t.d.rebind(query), args...)
}

// LicenceForUpdate reads a licence's terms and locks its row (the
// dialect's ForUpdate; SQLite's BEGIN IMMEDIATE already holds the
// database's write lock, so there reading is locking). The terms are
// kept for the rest of the transaction, the seat count following the
// seats taken and freed in it.
func (t *tx) LicenceForUpdate(key string) (licensing.Licence, error) {
	if li, ok := t.licences[key]; ok {
		return *li, nil
	}
	li, err := t.termsLocked(key, t.d.d.ForUpdate)
	if err != nil {
		return li, err
	}
	t.licences[key], t.locked[key] = &li, struct{}{}
	return li, nil
}

func nullDay(d codec.Day) any {
	if d == codec.NoExpiry {
		return nil
	}
	return int64(d)
}

func (t *tx) InsertProduct(p licensing.Product) error {
	var n int
	if err := t.QueryRowContext(t.ctx, "SELECT count(*) FROM products WHERE id = ?", p.ID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return &licensing.Refusal{Reason: licensing.ErrExists, Product: p.ID, Detail: "product " + p.ID}
	}
	feats, err := json.Marshal(p.Features)
	if err != nil {
		return err
	}
	_, err = t.exec("INSERT INTO products(id, licence_prefix, features, created, legacy_keys, legacy_lookalikes) VALUES (?, ?, ?, ?, ?, ?)",
		p.ID, p.LicencePrefix, string(feats), ledger.Stamp(p.Created), p.LegacyKeys, boolInt(p.LegacyLookalikes))
	return err
}

// UpdateProductKeys changes a product's legacy key pattern.
func (t *tx) UpdateProductKeys(p licensing.Product) error {
	_, err := t.exec("UPDATE products SET legacy_keys = ?, legacy_lookalikes = ? WHERE id = ?", p.LegacyKeys, boolInt(p.LegacyLookalikes), p.ID)
	return err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (t *tx) InsertLicence(l licensing.Licence) error {
	_, err := t.exec(`INSERT INTO licences(key, display, product, seats, expires, features, customer, status, created, plan)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, l.Key, l.Display, l.Product, l.Seats, nullDay(l.Expires), int64(l.Bits), l.Customer, string(l.Status), ledger.Stamp(l.Created), l.Plan)
	return err
}

func (t *tx) UpdateLicence(l licensing.Licence) error {
	_, err := t.exec("UPDATE licences SET seats = ?, expires = ?, features = ?, customer = ?, status = ?, plan = ? WHERE key = ?",
		l.Seats, nullDay(l.Expires), int64(l.Bits), l.Customer, string(l.Status), l.Plan, l.Key)
	if err == nil {
		delete(t.licences, l.Key)
	}
	return err
}

func (t *tx) InsertActivation(a licensing.Activation) (uint64, error) {
	const insert = `INSERT INTO activations(licence, machine, seats, key_id, issued, expires, features, created, name)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	args := []any{a.Licence, a.Machine, a.Seats, a.KeyID.String(), int64(a.Issued), nullDay(a.Expires), int64(a.Features), ledger.Stamp(a.Created), a.Name}
	var id int64
	var err error
	if t.d.d.InsertID {
		var res sql.Result
		if res, err = t.exec(insert, args...); err == nil {
			id, err = res.LastInsertId()
		}
	} else {
		err = t.QueryRowContext(t.ctx, insert+" RETURNING serial", args...).Scan(&id)
	}
	if err != nil {
		return 0, t.constraintRefusal(err)
	}
	if li := t.licences[a.Licence]; li != nil {
		li.InUse += a.Seats // the trigger did the same in the database
	}
	return uint64(id), nil
}

// constraintRefusal maps the database's own seat checks (the CHECK on the
// seat counter, the unique live activation) to the licensing refusal they
// stand for: they fire only if a writer bypassed the rules.
func (t *tx) constraintRefusal(err error) error {
	if t.d.d.IsConstraint != nil && t.d.d.IsConstraint(err) {
		return &licensing.Refusal{Reason: licensing.ErrSeatLimit, Detail: "the ledger's seat constraint refused the activation", Err: err}
	}
	return err
}

// ErrNotLive is returned by EndActivation for an activation that was not
// live: the caller decided on a state that no longer holds.
var ErrNotLive = errors.New("the activation no longer holds a seat")

func (t *tx) EndActivation(a licensing.Activation, at time.Time, why string) error {
	res, err := t.exec("UPDATE activations SET released = ?, release_why = ? WHERE serial = ? AND released IS NULL", ledger.Stamp(at), why, a.Serial)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return fmt.Errorf("ending activation %d: %w", a.Serial, ErrNotLive)
	}
	if li := t.licences[a.Licence]; li != nil {
		li.InUse -= a.Seats
	}
	return nil
}

func (t *tx) Append(at time.Time, chain, action, subject string, detail []byte) error {
	head, ok := t.heads[chain]
	if !ok {
		if err := t.lockChain(chain); err != nil {
			return err
		}
		h := ledger.Entry{Chain: chain}
		err := t.QueryRowContext(t.ctx, "SELECT seq, hash FROM audit WHERE chain = ? ORDER BY seq DESC LIMIT 1", chain).Scan(&h.Seq, &h.Hash)
		switch {
		case err == nil:
			head = &h
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
	}
	e := ledger.Next(head, chain, at, action, subject, detail)
	if _, err := t.exec("INSERT INTO audit(chain, seq, at, action, subject, detail, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		e.Chain, e.Seq, e.At, e.Action, e.Subject, string(e.Detail), e.Prev, e.Hash); err != nil {
		return err
	}
	t.heads[chain] = &e
	return nil
}

// lockChain holds a chain's head until the transaction ends, before
// Append reads it. A licence's chain is held by the licence's row lock,
// which its activations and releases take anyway (Seat,
// LicenceForUpdate), so appending to it costs no lock of its own; other
// chains take the dialect's LockChain. Where the transaction holds the
// database's write lock (no ForUpdate), there is nothing to take.
func (t *tx) lockChain(chain string) error {
	if key, ok := strings.CutPrefix(chain, ledger.LicenceChain("")); ok && t.d.d.ForUpdate != "" {
		if _, locked := t.locked[key]; locked {
			return nil
		}
		var one int
		err := t.QueryRowContext(t.ctx, "SELECT 1 FROM licences l WHERE l.key = ? "+t.d.d.ForUpdate, key).Scan(&one)
		switch {
		case err == nil:
			t.locked[key] = struct{}{}
			return nil
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		// No such licence (a chain written by hand, a copy): the chain's
		// own lock below.
	}
	if t.d.d.LockChain == "" {
		return nil
	}
	_, err := t.exec(t.d.d.LockChain, chain)
	return err
}

func (t *tx) SaveCheckpoint(root []byte, heads ledger.Heads) error {
	body, err := json.Marshal(heads)
	if err != nil {
		return err
	}
	_, err = t.exec("INSERT INTO checkpoints(root, heads) VALUES (?, ?) ON CONFLICT(root) DO NOTHING", root, string(body))
	return err
}

func (t *tx) RecordKeystore(st ledger.KeystoreState) error {
	cur, err := t.KeystoreState()
	if err != nil {
		return err
	}
	ids := []string{}
	seen := map[codec.KeyID]bool{}
	for _, id := range append(cur.Revoked, st.Revoked...) {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id.String())
		}
	}
	revoked, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	_, err = t.exec(`INSERT INTO keystore_state(id, generation, revoked) VALUES (1, ?, ?)
		ON CONFLICT(id) DO UPDATE SET generation = CASE WHEN excluded.generation > keystore_state.generation
			THEN excluded.generation ELSE keystore_state.generation END, revoked = excluded.revoked`,
		int64(st.Generation), string(revoked))
	return err
}

func (t *tx) RecordRelease(product, line string, keys []codec.KeyID) error {
	body, err := json.Marshal(keys)
	if err != nil {
		return err
	}
	_, err = t.exec(`INSERT INTO releases(product, line, keys) VALUES (?, ?, ?)
		ON CONFLICT(product, line) DO UPDATE SET keys = excluded.keys`, product, line, string(body))
	return err
}

func (t *tx) PutPlan(p licensing.Plan) error {
	body, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = t.exec(`INSERT INTO plans(product, id, body) VALUES (?, ?, ?)
		ON CONFLICT(product, id) DO UPDATE SET body = excluded.body`, p.Product, p.ID, string(body))
	return err
}

func (t *tx) TouchActivation(serial uint64, at time.Time) error {
	_, err := t.exec("UPDATE activations SET last_seen = ? WHERE serial = ? AND released IS NULL", ledger.Stamp(at), serial)
	return err
}

func (t *tx) InsertToken(tok licensing.Token) error {
	_, err := t.exec("INSERT INTO tokens(id, name, scope, hash, created, expires, subject) VALUES (?, ?, ?, ?, ?, ?, ?)",
		tok.ID, tok.Name, tok.Scope, tok.Hash, ledger.Stamp(tok.Created), ledger.Stamp(tok.Expires), tok.Subject)
	return err
}

func (t *tx) InsertSession(s ledger.Session) error {
	if _, err := t.exec("DELETE FROM sessions WHERE expires <= ?", s.Created.Unix()); err != nil {
		return err
	}
	_, err := t.exec("INSERT INTO sessions(hash, licence, token, created, expires) VALUES (?, ?, ?, ?, ?)",
		s.Hash, s.Licence, s.Token, ledger.Stamp(s.Created), s.Expires.Unix())
	return err
}

func (t *tx) DeleteSession(hash []byte) error {
	_, err := t.exec("DELETE FROM sessions WHERE hash = ?", hash)
	return err
}

func (t *tx) RevokeToken(id string) (bool, error) {
	res, err := t.exec("UPDATE tokens SET revoked = 1 WHERE id = ? AND revoked = 0", id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
