package licensing

import (
	"errors"
	"fmt"

	"github.com/actkit/actkit/codec"
)

// Kind is what an issue request does to the ledger.
type Kind int

const (
	// New takes a seat for a machine that holds none.
	New Kind = iota
	// Reissue returns the machine's current code again: same terms, same
	// serial, no new seat. A retry after a lost answer is exactly this.
	Reissue
	// Supersede ends the machine's current activation and records one
	// with the new terms (extended, new key, new features); the machine
	// keeps its seat.
	Supersede
)

// Decision is what Decide rules: the activation to record (or to return
// again), and the one it supersedes.
type Decision struct {
	Kind Kind
	// Activation is the activation to insert (New, Supersede), or the
	// current one (Reissue). Its Serial is set by the ledger on insert.
	Activation Activation
	// Replaces is the current activation (Supersede).
	Replaces Activation
}

// Decide applies the issuing rules to a licence (with its seats in use),
// the machine's live activation on it (nil if none), the request, the
// product's active key (keyErr if there is none) and the vendor's issue
// day. It returns what to write, or a *Refusal. A seat-limit refusal has
// no holders: the caller, which holds the ledger transaction, adds them.
func Decide(li Licence, cur *Activation, t Target, key codec.KeyID, keyErr error, today codec.Day) (Decision, error) {
	switch {
	case t.Product != "" && t.Product != li.Product:
		return Decision{}, &Refusal{Reason: ErrWrongProduct, Licence: li.Display, Product: li.Product,
			Detail: fmt.Sprintf("the licence is for product %s, the request is from %s", li.Product, t.Product)}
	case li.Status == Revoked:
		return Decision{}, &Refusal{Reason: ErrRevoked, Licence: li.Display, Product: li.Product}
	case li.Status == Suspended:
		return Decision{}, &Refusal{Reason: ErrSuspended, Licence: li.Display, Product: li.Product}
	case li.Expires != codec.NoExpiry && today > li.Expires:
		return Decision{}, &Refusal{Reason: ErrLicenceExpired, Licence: li.Display, Product: li.Product,
			Detail: "expired on " + li.Expires.String()}
	case keyErr != nil:
		var ref *Refusal
		if errors.As(keyErr, &ref) {
			r := *ref // the key choice's own refusal: no key the release trusts
			r.Licence = li.Display
			return Decision{}, &r
		}
		return Decision{}, &Refusal{Reason: ErrNoActiveKey, Licence: li.Display, Product: li.Product,
			Detail: "product " + li.Product, Err: keyErr}
	}
	want := Activation{Licence: li.Key, Product: li.Product, Machine: t.Machine.String(), Seats: 1,
		KeyID: key, Issued: today, Expires: LeaseEnd(li.Expires, today, t.LeaseDays), Features: li.Bits}
	if cur != nil {
		// Fresh asks for today's issue day (see IssueRequest.Fresh); a
		// code already issued today is as fresh as a new one.
		if cur.SameTerms(want) && !(t.Fresh && cur.Issued < today) {
			return Decision{Kind: Reissue, Activation: *cur}, nil
		}
		return Decision{Kind: Supersede, Activation: want, Replaces: *cur}, nil
	}
	if li.InUse+want.Seats > li.Seats {
		return Decision{}, &Refusal{Reason: ErrSeatLimit, Licence: li.Display, Product: li.Product, Seats: li.Seats}
	}
	return Decision{Kind: New, Activation: want}, nil
}

// LeaseEnd is the last valid day of a code issued today with a lease of
// leaseDays (0: no lease) on a licence expiring on expires: the lease end
// or the licence's expiry, whichever is sooner.
func LeaseEnd(expires, today codec.Day, leaseDays int) codec.Day {
	if leaseDays <= 0 {
		return expires
	}
	lease := today + codec.Day(min(leaseDays, int(codec.NoExpiry-1-today)))
	if expires == codec.NoExpiry || lease < expires {
		return lease
	}
	return expires
}
