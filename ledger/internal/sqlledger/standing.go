// Standing: what a validation reads, in one statement.

package sqlledger

import (
	"database/sql"
	"errors"

	"github.com/actkit/actkit/ledger"
)

func (r reader) Standing(key, machine string) (ledger.Standing, error) {
	var t termsRow
	var a liveRow
	var body sql.NullString
	var recorded bool
	err := r.q.QueryRowContext(r.ctx, `SELECT `+termsColumns+`, `+liveColumns+`, `+planColumns+`
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
