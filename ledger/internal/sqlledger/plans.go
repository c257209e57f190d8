// Plans (licence types): recorded bodies, or a product's default plans
// when it has none recorded.

package sqlledger

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/actkit/actkit/licensing"
)

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

// planColumns read, beside a licence's terms (l: licences), what planOf
// makes its plan of.
const planColumns = `(SELECT body FROM plans WHERE product = l.product AND id = l.plan),
		EXISTS (SELECT 1 FROM plans WHERE product = l.product)`

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
