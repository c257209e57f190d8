// Seat: what an activation or a release decides on, read with the
// licence's row locked, at a cost that does not grow with its machines.

package sqlledger

import (
	"cmp"
	"database/sql"
	"errors"
	"slices"
	"strconv"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
)

// driftSlots are where each per-machine component of a machine UID sits
// in its canonical text (MachineUID.String: 20 symbols in groups of 5,
// three symbols a slot after the version), as SQL's substr(machine,
// from, n) cuts it. The indexes activations_drift_* (schema) are on
// exactly these expressions; a test holds them to codec's layout.
var driftSlots = []struct {
	c        codec.Component
	from, n  int
	indexSQL string
}{
	{codec.SlotNetwork, 2, 3, "substr(machine, 2, 3)"},
	{codec.SlotOSID, 13, 3, "substr(machine, 13, 3)"},
	{codec.SlotSystemUUID, 16, 4, "substr(machine, 16, 4)"},
	{codec.SlotCustom, 20, 3, "substr(machine, 20, 3)"},
}

// driftTerms returns the present per-machine components of machine as
// (index expression, value) pairs; none when machine is not a UID of this
// layout or has no such component.
func driftTerms(machine string) (exprs []string, values []any) {
	u, err := codec.ParseMachineUID(machine)
	if err != nil || u.String() != machine {
		return nil, nil
	}
	for _, s := range driftSlots {
		if u.Present(s.c) {
			exprs = append(exprs, s.indexSQL)
			values = append(values, machine[s.from-1:s.from-1+s.n])
		}
	}
	return exprs, values
}

// Seat locks the licence's row and reads its terms and plan (statement
// one), then the machine's live activation, the drift candidates, the
// keys recorded for the release line asked for and the head of the
// licence's chain (statement two). The second statement comes
// after the lock, not inside it: a statement that waited for another
// writer's lock sees that writer's row but, in READ COMMITTED, not the
// activation or audit entry it inserted, which a snapshot taken before
// the wait cannot show.
func (t *tx) Seat(key, machine string, sq ledger.SeatQuery) (ledger.Seat, error) {
	var st ledger.Seat
	var err error
	if _, locked := t.locked[key]; locked && t.licences[key] != nil {
		st.Licence = *t.licences[key]
		if st.Plan, st.HasPlan, err = t.planOf(st.Licence); err != nil {
			return st, err
		}
	} else if st, err = t.lockSeat(key); err != nil {
		return st, err
	}
	chain := ledger.LicenceChain(key)
	// The release's keys ride on this statement (the key choice needs
	// them, signer/keychoice.go): a product that names its release line
	// costs no round trip more than one that names nothing.
	release, args := `NULL`, []any(nil)
	if sq.Release != "" {
		release = `(SELECT keys FROM releases WHERE product = ? AND line = ?)`
		args = append(args, st.Licence.Product, sq.Release)
	}
	q := `SELECT h.seq, h.hash, ` + release + `, x.* FROM (SELECT 1 AS one) o
		LEFT JOIN (SELECT seq, hash FROM audit WHERE chain = ? ORDER BY seq DESC LIMIT 1) h ON 1 = 1
		LEFT JOIN (SELECT 0 AS kind, a.machine, ` + liveColumns + ` FROM activations a WHERE a.licence = ? AND a.machine = ? AND a.released IS NULL`
	args = append(args, chain, key, machine)
	if exprs, values := driftTerms(machine); sq.Drift {
		// One SELECT per component, each a lookup in that component's
		// index: an OR of them makes SQLite walk the licence's live
		// activations instead. A machine sharing two components comes
		// twice; Seat keeps it once.
		for i, e := range exprs {
			q += ` UNION ALL SELECT * FROM (SELECT 1 AS kind, a.machine, ` + liveColumns + ` FROM activations a
				WHERE a.licence = ? AND ` + e + ` = ? AND a.released IS NULL AND a.machine <> ? LIMIT ?) c` + strconv.Itoa(i)
			args = append(args, key, values[i], machine, ledger.MaxDriftCandidates)
		}
	}
	q += `) x ON 1 = 1`
	rows, err := t.QueryContext(t.ctx, q, args...)
	if err != nil {
		return st, err
	}
	defer rows.Close()
	var head *ledger.Entry
	for rows.Next() {
		var seq sql.NullInt64
		var hash []byte
		var keys sql.NullString
		var kind sql.NullInt64
		var m sql.NullString
		var a liveRow
		if err := rows.Scan(append([]any{&seq, &hash, &keys, &kind, &m}, a.dest()...)...); err != nil {
			return st, err
		}
		if seq.Valid {
			head = &ledger.Entry{Chain: chain, Seq: seq.Int64, Hash: hash}
		}
		if keys.Valid && !st.ReleaseRecorded {
			if st.Release, err = releaseKeys(st.Licence.Product, sq.Release, keys.String); err != nil {
				return st, err
			}
			st.ReleaseRecorded = true
		}
		act, ok, err := a.activation(key, m.String, st.Licence.Product)
		switch {
		case err != nil:
			return st, err
		case !ok:
		case kind.Int64 == 0:
			st.Activation, st.Activated = act, true
		case !slices.ContainsFunc(st.Drift, func(d licensing.Activation) bool { return d.Serial == act.Serial }):
			st.Drift = append(st.Drift, act)
		}
	}
	if err := rows.Err(); err != nil {
		return st, err
	}
	if !st.Activated {
		st.Activation = licensing.Activation{Licence: key, Machine: machine}
	}
	// Oldest first, sorted here: an ORDER BY serial in the statement
	// invites the planner to walk the licence's live activations by
	// serial, filtering, instead of the component indexes.
	slices.SortFunc(st.Drift, func(a, b licensing.Activation) int { return cmp.Compare(a.Serial, b.Serial) })
	st.Drift = st.Drift[:min(len(st.Drift), ledger.MaxDriftCandidates)]
	if _, ok := t.heads[chain]; !ok {
		// Read after the licence's lock, which every append to its chain
		// holds (Append): the head cannot move before this transaction
		// ends.
		t.heads[chain] = head
	}
	return st, nil
}

// lockSeat runs Seat's first statement: the licence's terms and plan,
// its row locked (the dialect's ForUpdate).
func (t *tx) lockSeat(key string) (ledger.Seat, error) {
	var st ledger.Seat
	var tr termsRow
	var body sql.NullString
	var recorded bool
	err := t.QueryRowContext(t.ctx, `SELECT `+termsColumns+`, `+planColumns+`
		FROM licences l JOIN products p ON p.id = l.product WHERE l.key = ? `+t.d.d.ForUpdate, key).
		Scan(append(tr.dest(), &body, &recorded)...)
	if errors.Is(err, sql.ErrNoRows) {
		return st, unknownLicence(key)
	}
	if err != nil {
		return st, err
	}
	var names []string
	if st.Licence, names, err = tr.licence(); err != nil {
		return st, err
	}
	if st.Plan, st.HasPlan, err = planOf(st.Licence.Product, st.Licence.Plan, names, body, recorded); err != nil {
		return st, err
	}
	li := st.Licence
	t.licences[key], t.locked[key] = &li, struct{}{}
	return st, nil
}

// planOf reads the plan of a licence whose terms this transaction
// already holds.
func (t *tx) planOf(li licensing.Licence) (licensing.Plan, bool, error) {
	if li.Plan == "" {
		return licensing.Plan{}, false, nil
	}
	return t.Plan(li.Product, li.Plan)
}
