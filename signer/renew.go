package signer

import (
	"context"
	"errors"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
)

// MachineCode is one machine's code on a licence, or why it has none.
type MachineCode struct {
	Machine string `json:"machine"`
	// Issued is the code and its terms; nil when Err is set.
	Issued *Issued `json:"issued,omitempty"`
	Err    error   `json:"-"`
}

// Codes returns the current code of every machine holding a seat on a
// licence, by serial: each recorded activation signed again, which gives
// the code the machine was sent (the signatures are deterministic), and
// writes nothing. A machine whose key is gone (revoked) has Err set.
func (s *Service) Codes(ctx context.Context, key string) (licensing.Licence, []MachineCode, error) {
	norm, err := licensing.ParseLicenceKey(key)
	if err != nil {
		return licensing.Licence{}, nil, err
	}
	if s.keys == nil {
		return licensing.Licence{}, nil, errNoKeys
	}
	var li licensing.Licence
	var acts []licensing.Activation
	err = s.store.View(ctx, func(r ledger.Reader) error {
		if li, err = r.Terms(norm); err != nil {
			return err
		}
		acts, err = r.LiveActivations(norm)
		return err
	})
	if err != nil {
		return li, nil, err
	}
	out := make([]MachineCode, len(acts))
	for i, a := range acts {
		out[i] = s.signed(recorded{a: a, display: li.Display, names: li.Features, li: li, reissued: true})
	}
	return li, out, nil
}

func (s *Service) signed(r recorded) MachineCode {
	is, err := s.sign(r)
	if err != nil {
		return MachineCode{Machine: r.a.Machine, Err: err}
	}
	return MachineCode{Machine: r.a.Machine, Issued: &is}
}

// ExtendReissue sets a licence's new expiry day and gives every machine
// holding a seat a code with it, in one transaction: the new expiry and
// every new activation are recorded together (each machine keeps its
// seat), and the codes are signed only after the transaction is durable.
// Each machine's code is signed with the key its current code was signed
// with, which that machine's keyring is known to hold; a code that ran on
// a lease keeps a lease of the same length, from today. A machine that
// cannot have a new code (its key was revoked) keeps its old one and
// comes back with Err set; the others are renewed.
func (s *Service) ExtendReissue(ctx context.Context, key string, expires codec.Day) (licensing.Licence, []MachineCode, error) {
	norm, err := licensing.ParseLicenceKey(key)
	if err != nil {
		return licensing.Licence{}, nil, err
	}
	if s.keys == nil {
		return licensing.Licence{}, nil, errNoKeys
	}
	var li licensing.Licence
	var out []MachineCode
	var recs []*recorded
	err = s.store.Update(ctx, func(tx ledger.Tx) error {
		out, recs = nil, nil
		cur, err := tx.LicenceForUpdate(norm)
		if err != nil {
			return err
		}
		if err := cur.Changeable(); err != nil {
			return err
		}
		old := cur.Expires
		cur.Expires = expires
		if err := tx.UpdateLicence(cur); err != nil {
			return err
		}
		if err := audit(tx, s.now(), ledger.LicenceChain(cur.Key), "licence.extend", cur.Display, ledger.NewLicenceEvent(cur, "")); err != nil {
			return err
		}
		acts, err := tx.LiveActivations(norm)
		if err != nil {
			return err
		}
		for _, a := range acts {
			m, err := codec.ParseMachineUID(a.Machine)
			if err != nil {
				return err
			}
			t := licensing.Target{Licence: norm, Machine: m, Key: &a.KeyID, Name: a.Name}
			if a.Expires != codec.NoExpiry && a.Expires != old && a.Expires > a.Issued {
				t.LeaseDays = int(a.Expires - a.Issued)
			}
			r, err := s.issueTx(tx, t)
			var ref *licensing.Refusal
			switch {
			case errors.As(err, &ref):
				// issueTx refuses before it writes: this machine keeps its
				// current activation and code.
				out = append(out, MachineCode{Machine: a.Machine, Err: err})
				recs = append(recs, nil)
			case err != nil:
				return err
			default:
				out = append(out, MachineCode{Machine: a.Machine})
				recs = append(recs, &r)
			}
		}
		li, err = tx.Licence(norm)
		return err
	})
	if err != nil {
		return licensing.Licence{}, nil, err
	}
	// Durable: sign the new codes.
	for i, r := range recs {
		if r != nil {
			out[i] = s.signed(*r)
		}
	}
	return li, out, nil
}
