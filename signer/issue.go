package signer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
)

// Keys is where issuing finds signing keys; *keygen.Keyset is one.
type Keys interface {
	Active(product string) (*keygen.SigningKey, error)
	Key(id codec.KeyID) (*keygen.SigningKey, error)
}

// IssueRequest asks for a code: a licence key and machine UID, or a
// request code carrying both.
type IssueRequest struct {
	Licence string
	Machine string
	Request string
	// LeaseDays, if positive, makes the code expire that many days after
	// its issue day, or at the licence's expiry if that is sooner.
	LeaseDays int
}

// Issued is an issued (or re-issued) code and what it grants.
type Issued struct {
	Code     string   `json:"code"`
	Serial   uint64   `json:"serial"`
	Licence  string   `json:"licence"`
	Product  string   `json:"product"`
	Machine  string   `json:"machine"`
	KeyID    string   `json:"keyId"`
	Issued   string   `json:"issued"`
	Expires  string   `json:"expires"`
	Seats    int      `json:"seats"`
	Features []string `json:"features"`
	// Reissued is set when the machine already held a seat: no new seat
	// was taken.
	Reissued bool `json:"reissued"`
	// Replaced is the serial this code superseded (re-issue with new
	// terms), or 0.
	Replaced uint64 `json:"replaced,omitempty"`
}

// codeEvent is the audit detail of an issue, re-issue or release.
type codeEvent struct {
	Serial   uint64 `json:"serial"`
	Replaces uint64 `json:"replaces,omitempty"`
	Machine  string `json:"machine"`
	Key      string `json:"key,omitempty"`
	Expires  string `json:"expires,omitempty"`
	Why      string `json:"why,omitempty"`
}

// activation is a row of the activations table, plus what signing needs.
type activation struct {
	serial   uint64
	norm     string
	display  string
	product  string
	machine  string
	seats    int
	keyID    string
	issued   codec.Day
	expires  codec.Day
	features uint64
	// names are the feature names of features (for output only).
	names []string
}

// target is a resolved request.
type target struct {
	norm    string
	machine codec.MachineUID
	product string // from a request code, else ""
	lease   int
}

func resolve(req IssueRequest) (target, error) {
	var t target
	t.lease = req.LeaseDays
	if req.LeaseDays < 0 {
		return t, refuse(CodeInvalid, "", "lease must be a positive number of days")
	}
	if req.Request != "" {
		if req.Licence != "" || req.Machine != "" {
			return t, refuse(CodeInvalid, "", "give a request code, or a licence and a machine, not both")
		}
		r, err := codec.ParseRequestCode(req.Request)
		if err != nil {
			return t, refuse(CodeBadRequest, "ask the customer to copy the request code again", "request code: %v", err)
		}
		t.product, t.machine = r.Product, r.MachineUID
		// The request carries the normalized key; check it is a licence key.
		_, t.norm, err = codec.ParseLicenceKey(r.LicenceKey)
		if err != nil {
			return t, refuse(CodeLicenceTypo, "", "the request code's licence key %s is not valid: did the customer mistype it?", r.LicenceKey)
		}
		return t, nil
	}
	norm, err := resolveKey(req.Licence)
	if err != nil {
		return t, err
	}
	t.norm = norm
	t.machine, err = codec.ParseMachineUID(req.Machine)
	if errors.Is(err, codec.ErrTypo) {
		return t, refuse(CodeBadMachine, "compare it with what 'actkit machine-id' shows on the machine", "machine UID %s has a typo", shorten(req.Machine))
	}
	if err != nil {
		return t, refuse(CodeBadMachine, "", "machine UID: %v", err)
	}
	return t, nil
}

// Issue records an activation and returns its code. Everything is checked
// and recorded in one write transaction; the code is signed only after
// that transaction is durable, so no code exists without its record. A
// machine that already holds a seat on the licence gets its code again
// (the same serial, the same code, if the terms are unchanged) without
// taking another seat; a retry after a crash is exactly that.
func (l *Ledger) Issue(keys Keys, req IssueRequest) (Issued, error) {
	t, err := resolve(req)
	if err != nil {
		return Issued{}, err
	}
	var a activation
	var reissued bool
	var replaced uint64
	err = l.write(context.Background(), func(tx *sql.Tx) error {
		a, reissued, replaced, err = l.issueTx(newTxq(l, tx), keys, t)
		return err
	})
	if err != nil {
		return Issued{}, err
	}
	return l.sign(keys, a, reissued, replaced)
}

// issueTx applies the issuing rules inside tx.
func (l *Ledger) issueTx(tx txq, keys Keys, t target) (activation, bool, uint64, error) {
	li, err := tx.terms(t.norm)
	if err != nil {
		return activation{}, false, 0, err
	}
	switch {
	case t.product != "" && t.product != li.Product:
		return activation{}, false, 0, refuse(CodeWrongProduct, "the customer ran the request for another product",
			"licence %s is for product %s, the request is from %s", li.Key, li.Product, t.product)
	case li.Status == StatusRevoked:
		return activation{}, false, 0, refuse(CodeRevoked, "", "licence %s is revoked", li.Key)
	case li.Status == StatusSuspended:
		return activation{}, false, 0, refuse(CodeSuspended, "resume it with 'actkit licence resume "+li.Key+"'", "licence %s is suspended", li.Key)
	}
	today := codec.DayOf(l.now())
	if li.Expires != codec.NoExpiry && today > li.Expires {
		return activation{}, false, 0, refuse(CodeExpired, "extend it with 'actkit licence extend "+li.Key+" --expires YYYY-MM-DD'",
			"licence %s expired on %s", li.Key, li.Expires)
	}
	key, err := keys.Active(li.Product)
	if err != nil {
		return activation{}, false, 0, refuse(CodeNoActiveKey, "create one with 'actkit keys new --product "+li.Product+"'",
			"no active signing key for product %s", li.Product)
	}
	expires := li.Expires
	if t.lease > 0 {
		lease := today + codec.Day(min(t.lease, int(codec.NoExpiry-1-today)))
		if expires == codec.NoExpiry || lease < expires {
			expires = lease
		}
	}
	want := activation{norm: t.norm, display: li.Key, product: li.Product, machine: t.machine.String(), seats: 1,
		keyID: key.ID.String(), issued: today, expires: expires, features: li.Bits, names: li.Features}

	cur, found, err := liveActivation(tx, t.norm, want.machine)
	if err != nil {
		return activation{}, false, 0, err
	}
	cur.display, cur.product = li.Key, li.Product
	if found {
		if cur.keyID == want.keyID && cur.expires == want.expires && cur.features == want.features && cur.seats == want.seats {
			// Same terms: the same code again, no new seat.
			return cur, true, 0, l.audit(tx, "code.reissue", li.Key, codeEvent{Serial: cur.serial, Machine: cur.machine})
		}
		// New terms (extended, new key, new features): supersede the old
		// code; the machine keeps its seat.
		if err := l.endActivation(tx, cur, "superseded"); err != nil {
			return activation{}, false, 0, err
		}
		a, err := l.insertActivation(tx, want)
		if err != nil {
			return activation{}, false, 0, err
		}
		return a, true, cur.serial, l.audit(tx, "code.reissue", li.Key, codeEvent{Serial: a.serial, Replaces: cur.serial, Machine: a.machine, Key: a.keyID, Expires: a.expires.String()})
	}
	if li.InUse+want.seats > li.Seats {
		hs, err := holders(tx, t.norm)
		if err != nil {
			return activation{}, false, 0, err
		}
		return activation{}, false, 0, seatLimit(li.Key, li.Seats, hs)
	}
	a, err := l.insertActivation(tx, want)
	if err != nil {
		return activation{}, false, 0, err
	}
	return a, false, 0, l.audit(tx, "code.issue", li.Key, codeEvent{Serial: a.serial, Machine: a.machine, Key: a.keyID, Expires: a.expires.String()})
}

func (l *Ledger) insertActivation(tx txq, a activation) (activation, error) {
	var exp any
	if a.expires != codec.NoExpiry {
		exp = int64(a.expires)
	}
	res, err := tx.Exec(`INSERT INTO activations(licence, machine, seats, key_id, issued, expires, features, created)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, a.norm, a.machine, a.seats, a.keyID, int64(a.issued), exp, int64(a.features), l.stamp())
	if err != nil {
		return a, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return a, err
	}
	a.serial = uint64(id)
	if li := tx.cached(a.norm); li != nil {
		li.InUse += a.seats // the trigger did the same in the database
	}
	return a, nil
}

// endActivation releases a live activation; a trigger frees its seats.
func (l *Ledger) endActivation(tx txq, cur activation, why string) error {
	if _, err := tx.Exec("UPDATE activations SET released = ?, release_why = ? WHERE serial = ?", l.stamp(), why, cur.serial); err != nil {
		return err
	}
	if li := tx.cached(cur.norm); li != nil {
		li.InUse -= cur.seats
	}
	return nil
}

func liveActivation(tx txq, norm, machine string) (activation, bool, error) {
	a := activation{norm: norm, machine: machine}
	var exp sql.NullInt64
	var issued, feats int64
	err := tx.QueryRow(`SELECT serial, seats, key_id, issued, expires, features
		FROM activations WHERE licence = ? AND machine = ? AND released IS NULL`, norm, machine).
		Scan(&a.serial, &a.seats, &a.keyID, &issued, &exp, &feats)
	if errors.Is(err, sql.ErrNoRows) {
		return a, false, nil
	}
	if err != nil {
		return a, false, err
	}
	a.issued, a.features = codec.Day(issued), uint64(feats)
	a.expires = codec.NoExpiry
	if exp.Valid {
		a.expires = codec.Day(exp.Int64)
	}
	return a, true, nil
}

// sign makes the code for a recorded activation.
func (l *Ledger) sign(keys Keys, a activation, reissued bool, replaced uint64) (Issued, error) {
	id, err := codec.ParseKeyID(a.keyID)
	if err != nil {
		return Issued{}, err
	}
	key, err := keys.Key(id)
	if err != nil {
		return Issued{}, fmt.Errorf("activation %d was recorded with key %s, which the keystore no longer has: %w", a.serial, a.keyID, err)
	}
	nb := codec.Binding{Product: a.product, LicenceKey: a.norm, MachineUID: a.machine}
	code, err := codec.Sign(key, nb, codec.Payload{Issued: a.issued, Expires: a.expires, Seats: uint16(a.seats), Features: a.features, Serial: a.serial})
	if err != nil {
		return Issued{}, fmt.Errorf("signing activation %d: %w", a.serial, err)
	}
	if a.names == nil {
		a.names = []string{}
	}
	return Issued{Code: code, Serial: a.serial, Licence: a.display, Product: a.product, Machine: a.machine, KeyID: a.keyID,
		Issued: a.issued.String(), Expires: a.expires.String(), Seats: a.seats, Features: a.names,
		Reissued: reissued, Replaced: replaced}, nil
}

// Release frees the machine's seat and returns the released serial. The
// code itself keeps working offline until it expires: leases bound that.
func (l *Ledger) Release(licence, machine string) (uint64, error) {
	norm, err := resolveKey(licence)
	if err != nil {
		return 0, err
	}
	m, err := codec.ParseMachineUID(machine)
	if err != nil {
		return 0, refuse(CodeBadMachine, "", "machine UID: %v", err)
	}
	var serial uint64
	err = l.write(context.Background(), func(tx *sql.Tx) error {
		serial, err = l.releaseTx(newTxq(l, tx), norm, m.String(), "released")
		return err
	})
	return serial, err
}

func (l *Ledger) releaseTx(tx txq, norm, machine, why string) (uint64, error) {
	li, err := tx.terms(norm)
	if err != nil {
		return 0, err
	}
	cur, found, err := liveActivation(tx, norm, machine)
	if err != nil {
		return 0, err
	}
	if !found {
		return 0, refuse(CodeNotActivated, "see the machines holding seats with 'actkit licence show "+li.Key+"'",
			"machine %s holds no seat on licence %s", machine, li.Key)
	}
	if err := l.endActivation(tx, cur, why); err != nil {
		return 0, err
	}
	return cur.serial, l.audit(tx, "code.release", li.Key, codeEvent{Serial: cur.serial, Machine: machine, Why: why})
}

// Transfer moves a seat from one machine to another in one transaction:
// the release and the new activation commit together or not at all.
func (l *Ledger) Transfer(keys Keys, licence, from, to string) (Issued, uint64, error) {
	t, err := resolve(IssueRequest{Licence: licence, Machine: to})
	if err != nil {
		return Issued{}, 0, err
	}
	f, err := codec.ParseMachineUID(from)
	if err != nil {
		return Issued{}, 0, refuse(CodeBadMachine, "", "--from machine UID: %v", err)
	}
	var a activation
	var released uint64
	err = l.write(context.Background(), func(tx *sql.Tx) error {
		q := newTxq(l, tx)
		if released, err = l.releaseTx(q, t.norm, f.String(), "transferred"); err != nil {
			return err
		}
		a, _, _, err = l.issueTx(q, keys, t)
		return err
	})
	if err != nil {
		return Issued{}, 0, err
	}
	is, err := l.sign(keys, a, false, 0)
	return is, released, err
}
