// Products.

package sqlledger

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/actkit/actkit/licensing"
)

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
