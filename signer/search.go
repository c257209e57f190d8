package signer

import (
	"context"
	"strings"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
)

// Search lists the licences of a product ("" for all) that q matches: a
// part of a licence key (with or without hyphens, in either case), of a
// customer's name (case-insensitive), or of a machine UID holding a seat.
// An empty q matches every licence.
func (s *Service) Search(ctx context.Context, q, product string) ([]licensing.Licence, error) {
	all, err := s.Licences(ctx, product)
	if err != nil {
		return nil, err
	}
	compact := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(q), "-", ""))
	customer := strings.ToUpper(strings.TrimSpace(q))
	out := []licensing.Licence{}
	for _, li := range all {
		if compact == "" || matches(li, compact, customer) {
			out = append(out, li)
		}
	}
	return out, nil
}

func matches(li licensing.Licence, compact, customer string) bool {
	if strings.Contains(li.Key, compact) || strings.Contains(strings.ToUpper(li.Customer), customer) {
		return true
	}
	for _, h := range li.Holders {
		if strings.Contains(strings.ReplaceAll(h.Machine, "-", ""), compact) {
			return true
		}
	}
	return false
}

// Expiring lists the licences that expire within days of today (and have
// not expired yet), soonest first, with their terms and seats in use (not
// their holders): one statement.
func (s *Service) Expiring(ctx context.Context, days int) ([]licensing.Licence, error) {
	if days < 0 {
		return nil, &licensing.Refusal{Reason: licensing.ErrInvalid, Detail: "expiring within a negative number of days"}
	}
	today := codec.DayOf(s.now())
	var out []licensing.Licence
	read := func(r ledger.Reader) (err error) {
		out, err = r.Expiring(today, today+codec.Day(days), 0)
		return err
	}
	err := s.store.Read(ctx, read)
	return out, err
}

// LicenceAudit returns up to limit of the newest audit entries of a
// licence, newest first.
func (s *Service) LicenceAudit(ctx context.Context, key string, limit int) ([]ledger.Entry, error) {
	norm, err := licensing.ParseLicenceKey(key)
	if err != nil {
		return nil, err
	}
	var out []ledger.Entry
	err = s.store.View(ctx, func(r ledger.Reader) (err error) {
		out, err = r.ChainEntries(ledger.LicenceChain(norm), limit)
		return err
	})
	return out, err
}
