package signer

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/actkit/actkit/codec"
)

// Product is a product the vendor licenses.
type Product struct {
	ID            string    `json:"id"`
	LicencePrefix string    `json:"licencePrefix"`
	Features      []string  `json:"features"` // feature name per bit
	Created       time.Time `json:"created"`
}

// FeatureBits maps feature names to the bit set carried in codes.
func (p Product) FeatureBits(names []string) (uint64, error) {
	var bits uint64
	for _, n := range names {
		i := -1
		for j, f := range p.Features {
			if f == n {
				i = j
			}
		}
		if i < 0 {
			return 0, refuse(CodeInvalid, "the product's features are: "+strings.Join(p.Features, ", "),
				"product %s has no feature %q", p.ID, n)
		}
		bits |= 1 << i
	}
	return bits, nil
}

// FeatureNames lists the names of the bits set.
func (p Product) FeatureNames(bits uint64) []string {
	out := []string{}
	for i, f := range p.Features {
		if bits&(1<<i) != 0 {
			out = append(out, f)
		}
	}
	return out
}

// AddProduct records a product. Feature names map, in order, to bits 0,
// 1, 2, ...; the prefix starts its licence keys (default: the product ID
// in upper case, letters and digits only).
func (l *Ledger) AddProduct(p Product) (Product, error) {
	if err := codec.ValidateProduct(p.ID); err != nil {
		return p, refuse(CodeInvalid, "use lower-case letters, digits, '.', '_' and '-'", "%v", err)
	}
	if p.LicencePrefix == "" {
		p.LicencePrefix = strings.ToUpper(strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, p.ID))
		if len(p.LicencePrefix) > codec.MaxPrefixLen {
			p.LicencePrefix = p.LicencePrefix[:codec.MaxPrefixLen]
		}
	}
	p.LicencePrefix = strings.ToUpper(p.LicencePrefix)
	if err := codec.ValidatePrefix(p.LicencePrefix); err != nil {
		return p, refuse(CodeInvalid, "", "%v", err)
	}
	if len(p.Features) > codec.MaxFeatureBit+1 {
		return p, refuse(CodeInvalid, "", "at most %d features", codec.MaxFeatureBit+1)
	}
	seen := map[string]bool{}
	for _, f := range p.Features {
		if f == "" || seen[f] || strings.ContainsAny(f, ", \t\n") {
			return p, refuse(CodeInvalid, "", "feature names must be unique, non-empty, without commas or spaces")
		}
		seen[f] = true
	}
	if p.Features == nil {
		p.Features = []string{}
	}
	p.Created = l.now()
	feats, _ := json.Marshal(p.Features)
	err := l.write(context.Background(), func(tx *sql.Tx) error {
		var n int
		tx.QueryRow("SELECT count(*) FROM products WHERE id = ?", p.ID).Scan(&n)
		if n > 0 {
			return refuse(CodeExists, "", "product %s already exists", p.ID)
		}
		if _, err := tx.Exec("INSERT INTO products(id, licence_prefix, features, created) VALUES (?, ?, ?, ?)",
			p.ID, p.LicencePrefix, string(feats), p.Created.Format(time.RFC3339Nano)); err != nil {
			return err
		}
		return l.audit(tx, "product.add", p.ID, p)
	})
	return p, err
}

type querier interface {
	QueryRow(query string, args ...any) *sql.Row
}

func getProduct(q querier, id string) (Product, error) {
	var p Product
	var feats, created string
	err := q.QueryRow("SELECT id, licence_prefix, features, created FROM products WHERE id = ?", id).
		Scan(&p.ID, &p.LicencePrefix, &feats, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return p, refuse(CodeUnknownProduct, "add it with 'actkit product add "+id+"'", "no product %q", id)
	}
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal([]byte(feats), &p.Features); err != nil {
		return p, fmt.Errorf("product %s: bad feature list: %w", id, err)
	}
	p.Created, _ = time.Parse(time.RFC3339Nano, created)
	return p, nil
}

// Product returns a product.
func (l *Ledger) Product(id string) (Product, error) { return getProduct(l.db, id) }

// Products lists the products.
func (l *Ledger) Products() ([]Product, error) {
	rows, err := l.db.Query("SELECT id FROM products ORDER BY id")
	if err != nil {
		return nil, err
	}
	var ids []string
	for rows.Next() {
		var id string
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	out := []Product{}
	for _, id := range ids {
		p, err := l.Product(id)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}
