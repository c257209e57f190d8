package signer

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/actkit/actkit/codec"
)

// Licence statuses.
const (
	StatusActive    = "active"
	StatusSuspended = "suspended"
	StatusRevoked   = "revoked"
)

// Licence is a licence with its seats in use.
type Licence struct {
	Key      string    `json:"key"` // display form
	Product  string    `json:"product"`
	Seats    int       `json:"seats"`
	Expires  codec.Day `json:"-"`
	Features []string  `json:"features"`
	Bits     uint64    `json:"featureBits"`
	Customer string    `json:"customer"`
	Status   string    `json:"status"`
	Created  string    `json:"created"`
	InUse    int       `json:"seatsInUse"`
	Holders  []Holder  `json:"machines"`
}

// LicenceSpec is what a new licence grants.
type LicenceSpec struct {
	Product  string
	Seats    int
	Expires  codec.Day // codec.NoExpiry for perpetual
	Features []string
	Customer string
}

// NewLicence creates a licence and returns it with its new key.
func (l *Ledger) NewLicence(rand io.Reader, s LicenceSpec) (Licence, error) {
	if s.Seats < 1 || s.Seats > codec.MaxSeats {
		return Licence{}, refuse(CodeInvalid, "", "seats must be 1 to %d", codec.MaxSeats)
	}
	if s.Expires != codec.NoExpiry && s.Expires < codec.DayOf(l.now()) {
		return Licence{}, refuse(CodeInvalid, "", "expiry %s is in the past", s.Expires)
	}
	if len(s.Customer) > 200 {
		return Licence{}, refuse(CodeInvalid, "", "customer text is longer than 200 bytes")
	}
	var out Licence
	err := l.write(context.Background(), func(tx *sql.Tx) error {
		p, err := getProduct(tx, s.Product)
		if err != nil {
			return err
		}
		bits, err := p.FeatureBits(s.Features)
		if err != nil {
			return err
		}
		display, err := codec.NewLicenceKey(rand, p.LicencePrefix)
		if err != nil {
			return err
		}
		_, norm, err := codec.ParseLicenceKey(display)
		if err != nil {
			return err
		}
		var exp any
		if s.Expires != codec.NoExpiry {
			exp = int64(s.Expires)
		}
		if _, err := tx.Exec(`INSERT INTO licences(key, display, product, seats, expires, features, customer, status, created)
			VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?)`, norm, display, p.ID, s.Seats, exp, int64(bits), s.Customer, l.stamp()); err != nil {
			return err
		}
		if err := l.audit(tx, "licence.new", display, map[string]any{
			"product": p.ID, "seats": s.Seats, "expires": s.Expires.String(), "features": p.FeatureNames(bits), "customer": s.Customer}); err != nil {
			return err
		}
		out, err = getLicence(tx, norm)
		return err
	})
	return out, err
}

// resolveKey parses a licence key as typed into its normalized form.
func resolveKey(typed string) (string, error) {
	_, norm, err := codec.ParseLicenceKey(typed)
	if errors.Is(err, codec.ErrTypo) {
		return "", refuse(CodeLicenceTypo, "compare it with the key the customer was given", "licence key %s has a typo: did you mistype it?", shorten(typed))
	}
	if err != nil {
		return "", refuse(CodeUnknownLicence, "", "%s is not a licence key: %v", shorten(typed), err)
	}
	return norm, nil
}

func shorten(s string) string {
	if len(s) > 48 {
		return s[:48] + "…"
	}
	return s
}

type rowQuerier interface {
	querier
	Query(query string, args ...any) (*sql.Rows, error)
}

// getLicence returns a licence with its holders.
func getLicence(q rowQuerier, norm string) (Licence, error) {
	li, err := getTerms(q, norm)
	if err != nil {
		return li, err
	}
	li.Holders, err = holders(q, norm)
	return li, err
}

// getTerms returns a licence and its seats in use, without listing the
// holders: issuing must not cost more on a licence with many machines.
func getTerms(q rowQuerier, norm string) (Licence, error) {
	var li Licence
	var exp sql.NullInt64
	var bits int64
	var feats string
	err := q.QueryRow(`SELECT l.display, l.product, l.seats, l.in_use, l.expires, l.features, l.customer, l.status, l.created, p.features
		FROM licences l JOIN products p ON p.id = l.product WHERE l.key = ?`, norm).
		Scan(&li.Key, &li.Product, &li.Seats, &li.InUse, &exp, &bits, &li.Customer, &li.Status, &li.Created, &feats)
	if errors.Is(err, sql.ErrNoRows) {
		return li, refuse(CodeUnknownLicence, "check the key, or list licences with 'actkit licence list'", "no licence %s", norm)
	}
	if err != nil {
		return li, err
	}
	li.Expires = codec.NoExpiry
	if exp.Valid {
		li.Expires = codec.Day(exp.Int64)
	}
	li.Bits = uint64(bits)
	var names []string
	if err := json.Unmarshal([]byte(feats), &names); err != nil {
		return li, fmt.Errorf("product %s: bad feature list: %w", li.Product, err)
	}
	li.Features = Product{Features: names}.FeatureNames(li.Bits)
	return li, nil
}

func holders(q rowQuerier, norm string) ([]Holder, error) {
	rows, err := q.Query("SELECT machine, serial, seats, created FROM activations WHERE licence = ? AND released IS NULL ORDER BY serial", norm)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Holder{}
	for rows.Next() {
		var h Holder
		if err := rows.Scan(&h.Machine, &h.Serial, &h.Seats, &h.Since); err != nil {
			return nil, err
		}
		if t, err := time.Parse(time.RFC3339Nano, h.Since); err == nil {
			h.Since = t.Format(time.DateOnly)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// Licence returns a licence, its seats in use and the machines holding
// them.
func (l *Ledger) Licence(key string) (Licence, error) {
	norm, err := resolveKey(key)
	if err != nil {
		return Licence{}, err
	}
	return getLicence(l.db, norm)
}

// Licences lists licences, of one product or all.
func (l *Ledger) Licences(product string) ([]Licence, error) {
	rows, err := l.db.Query("SELECT key FROM licences WHERE ? = '' OR product = ? ORDER BY created, key", product, product)
	if err != nil {
		return nil, err
	}
	var keys []string
	for rows.Next() {
		var k string
		rows.Scan(&k)
		keys = append(keys, k)
	}
	rows.Close()
	out := []Licence{}
	for _, k := range keys {
		li, err := getLicence(l.db, k)
		if err != nil {
			return nil, err
		}
		out = append(out, li)
	}
	return out, nil
}

// changeLicence applies one recorded change to a licence.
func (l *Ledger) changeLicence(key, action string, detail map[string]any, fn func(tx *sql.Tx, li Licence, norm string) error) (Licence, error) {
	norm, err := resolveKey(key)
	if err != nil {
		return Licence{}, err
	}
	var out Licence
	err = l.write(context.Background(), func(tx *sql.Tx) error {
		li, err := getLicence(tx, norm)
		if err != nil {
			return err
		}
		if li.Status == StatusRevoked {
			return refuse(CodeRevoked, "a revoked licence cannot be changed; create a new one", "licence %s is revoked", li.Key)
		}
		if err := fn(tx, li, norm); err != nil {
			return err
		}
		if err := l.audit(tx, action, li.Key, detail); err != nil {
			return err
		}
		out, err = getLicence(tx, norm)
		return err
	})
	return out, err
}

// Suspend stops issuing for a licence until Resume; codes already issued
// keep working offline until they expire.
func (l *Ledger) Suspend(key, reason string) (Licence, error) {
	return l.setStatus(key, StatusSuspended, "licence.suspend", reason)
}

// Resume lifts a suspension.
func (l *Ledger) Resume(key, reason string) (Licence, error) {
	return l.setStatus(key, StatusActive, "licence.resume", reason)
}

// Revoke ends a licence for good: no more codes, no changes.
func (l *Ledger) Revoke(key, reason string) (Licence, error) {
	return l.setStatus(key, StatusRevoked, "licence.revoke", reason)
}

func (l *Ledger) setStatus(key, status, action, reason string) (Licence, error) {
	return l.changeLicence(key, action, map[string]any{"status": status, "reason": reason}, func(tx *sql.Tx, li Licence, norm string) error {
		_, err := tx.Exec("UPDATE licences SET status = ? WHERE key = ?", status, norm)
		return err
	})
}

// Extend sets a new expiry day (or codec.NoExpiry).
func (l *Ledger) Extend(key string, expires codec.Day) (Licence, error) {
	return l.changeLicence(key, "licence.extend", map[string]any{"expires": expires.String()}, func(tx *sql.Tx, li Licence, norm string) error {
		var exp any
		if expires != codec.NoExpiry {
			exp = int64(expires)
		}
		_, err := tx.Exec("UPDATE licences SET expires = ? WHERE key = ?", exp, norm)
		return err
	})
}

// SetSeats changes the number of seats; it cannot go below the seats in
// use.
func (l *Ledger) SetSeats(key string, seats int) (Licence, error) {
	return l.changeLicence(key, "licence.seats", map[string]any{"seats": seats}, func(tx *sql.Tx, li Licence, norm string) error {
		if seats < 1 || seats > codec.MaxSeats {
			return refuse(CodeInvalid, "", "seats must be 1 to %d", codec.MaxSeats)
		}
		if seats < li.InUse {
			return refuse(CodeInvalid, "release machines first with 'actkit release'", "%d seats are in use; cannot go down to %d", li.InUse, seats)
		}
		_, err := tx.Exec("UPDATE licences SET seats = ? WHERE key = ?", seats, norm)
		return err
	})
}
