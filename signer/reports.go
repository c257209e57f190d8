package signer

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
)

// Expired is the state of an active licence whose last day has passed;
// it is not stored, it follows from the date (see LicenceState).
const Expired licensing.Status = "expired"

// LicenceState is a licence's state on a day: revoked or suspended as
// recorded, else expired once its last day has passed, else active.
func LicenceState(li licensing.Licence, today codec.Day) licensing.Status {
	if li.Status == licensing.Active && li.Expires != codec.NoExpiry && today > li.Expires {
		return Expired
	}
	return li.Status
}

// LicenceFilter chooses licences for lists and reports. Zero fields match
// every licence.
type LicenceFilter struct {
	Product string
	// Customer matches a part of the customer text, in any case.
	Customer string
	// Status is active, suspended, revoked or expired (LicenceState).
	Status licensing.Status
	Plan   string
	// ExpiringWithin, if set, keeps licences whose last day is today or
	// within that many days (not those already expired, nor perpetual
	// ones).
	ExpiringWithin *int
	// Machine keeps the licences on which this machine UID holds a seat.
	Machine string
}

// FindLicences lists the licences that match f, in order of creation,
// with their holders.
func (s *Service) FindLicences(ctx context.Context, f LicenceFilter) ([]licensing.Licence, error) {
	match, err := s.matcher(f)
	if err != nil {
		return nil, err
	}
	all, err := s.Licences(ctx, f.Product)
	if err != nil {
		return nil, err
	}
	out := []licensing.Licence{}
	for _, li := range all {
		if match(li) {
			out = append(out, li)
		}
	}
	return out, nil
}

func (s *Service) matcher(f LicenceFilter) (func(licensing.Licence) bool, error) {
	switch f.Status {
	case "", licensing.Active, licensing.Suspended, licensing.Revoked, Expired:
	default:
		return nil, &licensing.Refusal{Reason: licensing.ErrInvalid, Detail: fmt.Sprintf("status %q: one of active, suspended, revoked, expired", f.Status)}
	}
	if f.ExpiringWithin != nil && *f.ExpiringWithin < 0 {
		return nil, &licensing.Refusal{Reason: licensing.ErrInvalid, Detail: "expiring within a negative number of days"}
	}
	machine := ""
	if f.Machine != "" {
		m, err := codec.ParseMachineUID(f.Machine)
		if err != nil {
			return nil, &licensing.Refusal{Reason: licensing.ErrInvalidMachine, Detail: fmt.Sprintf("%q: %v", f.Machine, err), Err: err}
		}
		machine = m.String()
	}
	customer := strings.ToLower(strings.TrimSpace(f.Customer))
	today := codec.DayOf(s.now())
	return func(li licensing.Licence) bool {
		switch {
		case f.Status != "" && LicenceState(li, today) != f.Status,
			f.Plan != "" && li.Plan != f.Plan,
			customer != "" && !strings.Contains(strings.ToLower(li.Customer), customer):
			return false
		case f.ExpiringWithin != nil && (li.Expires == codec.NoExpiry || li.Expires < today || int(li.Expires-today) > *f.ExpiringWithin):
			return false
		case machine != "" && !slices.ContainsFunc(li.Holders, func(h licensing.Holder) bool { return h.Machine == machine }):
			return false
		}
		return true
	}, nil
}

// SeatCount is one line of a seat report.
type SeatCount struct {
	// Name is the product ID or the customer text ("" for licences
	// without one).
	Name     string `json:"name"`
	Licences int    `json:"licences"`
	Seats    int    `json:"seats"`
	InUse    int    `json:"seatsInUse"`
	Free     int    `json:"seatsFree"`
}

// SeatReport is the seats sold and in use, by product and by customer.
type SeatReport struct {
	ByProduct  []SeatCount `json:"byProduct"`
	ByCustomer []SeatCount `json:"byCustomer"`
	Total      SeatCount   `json:"total"`
}

// Seats reports the seats of the licences that match f, by product and
// by customer (sorted by name). Revoked licences sell no seats: they are
// left out unless f asks for them by status.
func (s *Service) Seats(ctx context.Context, f LicenceFilter) (SeatReport, error) {
	list, err := s.FindLicences(ctx, f)
	if err != nil {
		return SeatReport{}, err
	}
	byProduct, byCustomer := map[string]*SeatCount{}, map[string]*SeatCount{}
	rep := SeatReport{Total: SeatCount{Name: "total"}}
	count := func(m map[string]*SeatCount, name string, li licensing.Licence) {
		c := m[name]
		if c == nil {
			c = &SeatCount{Name: name}
			m[name] = c
		}
		c.add(li)
	}
	for _, li := range list {
		if li.Status == licensing.Revoked && f.Status != licensing.Revoked {
			continue
		}
		count(byProduct, li.Product, li)
		count(byCustomer, strings.TrimSpace(li.Customer), li)
		rep.Total.add(li)
	}
	sorted := func(m map[string]*SeatCount) []SeatCount {
		out := make([]SeatCount, 0, len(m))
		for _, c := range m {
			out = append(out, *c)
		}
		slices.SortFunc(out, func(a, b SeatCount) int { return strings.Compare(a.Name, b.Name) })
		return out
	}
	rep.ByProduct, rep.ByCustomer = sorted(byProduct), sorted(byCustomer)
	return rep, nil
}

func (c *SeatCount) add(li licensing.Licence) {
	c.Licences++
	c.Seats += li.Seats
	c.InUse += li.InUse
	c.Free += max(li.Seats-li.InUse, 0)
}

// KeyUse is what rests on one signing key: the live activations whose
// codes it signed, which stop verifying once the key is revoked and the
// products have the next keyring.
type KeyUse struct {
	Activations int
	Licences    int
}

// KeyUse counts the live activations of a product signed with key id.
func (s *Service) KeyUse(ctx context.Context, product string, id codec.KeyID) (KeyUse, error) {
	var u KeyUse
	err := s.store.View(ctx, func(r ledger.Reader) error {
		lis, err := r.Licences(product)
		if err != nil {
			return err
		}
		for _, li := range lis {
			if len(li.Holders) == 0 {
				continue
			}
			acts, err := r.LiveActivations(li.Key)
			if err != nil {
				return err
			}
			n := 0
			for _, a := range acts {
				if a.KeyID == id {
					n++
				}
			}
			u.Activations += n
			if n > 0 {
				u.Licences++
			}
		}
		return nil
	})
	return u, err
}
