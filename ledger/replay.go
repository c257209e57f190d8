package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/licensing"
)

// ErrStateMismatch is returned when the ledger's tables disagree with
// what the audit trail says happened: rows edited, added or deleted by
// hand, outside actkit.
var ErrStateMismatch = errors.New("the ledger's tables disagree with its audit trail")

// StateError names the first disagreement: a licence's (Licence), or
// another part of the state's (Subject: "product umenu", "the keystore
// state", "API token 3f9a1c2b7d4e", ...).
type StateError struct {
	Licence string
	Subject string
	Problem string
}

func (e *StateError) Error() string {
	switch {
	case e.Licence != "":
		return fmt.Sprintf("%v: licence %s: %s", ErrStateMismatch, e.Licence, e.Problem)
	case e.Subject != "":
		return fmt.Sprintf("%v: %s: %s", ErrStateMismatch, e.Subject, e.Problem)
	}
	return fmt.Sprintf("%v: %s", ErrStateMismatch, e.Problem)
}

func (e *StateError) Unwrap() error { return ErrStateMismatch }

// replayed is the state the audit trail describes.
type replayed struct {
	products map[string]licensing.Product
	licences map[string]*licensing.Licence
	live     map[string]map[uint64]licensing.Activation
	// released counts each licence's deactivations ("released": what the
	// release budget counts).
	released map[string]int
	// ended holds each licence's ended activations, by serial.
	ended map[string]map[uint64]endedState
	// implied marks the serials whose issuing entry did not carry all of
	// their terms (details from before chains were split): Replay filled
	// them in, so only the machine of such an ended activation is
	// compared.
	implied map[uint64]bool
	order   []string
	other
}

func newReplayed() *replayed {
	return &replayed{products: map[string]licensing.Product{}, licences: map[string]*licensing.Licence{},
		live: map[string]map[uint64]licensing.Activation{}, released: map[string]int{}, ended: map[string]map[uint64]endedState{},
		implied: map[uint64]bool{}, other: newOther()}
}

// endedState is an activation the trail ended: its terms, why (the
// reason given to EndActivation) and when (the ending entry's time, as
// EndActivation stored it). Why or At is "" where the trail cannot say:
// when a drifted activation was ended (the signer reads its clock for
// that before the entry's), when anything in the legacy chain was (its
// writer read the clock apart for the row and for the entry), and why,
// for a release whose detail has no reason.
type endedState struct {
	a       licensing.Activation
	why, at string
}

// end moves a live activation to the ended ones.
func (st *replayed) end(key string, a licensing.Activation, why, at string) {
	delete(st.live[key], a.Serial)
	st.ended[key][a.Serial] = endedState{a: a, why: why, at: at}
}

// VerifyState rebuilds the ledger's state from the audit trail and
// compares it with the tables, naming the first disagreement: products
// (ID, licence prefix, features), their plans and release lines, licences
// (terms, seats in use, live activations and their terms, ended
// activations with their reasons and release times, deactivations
// counted), the keystore state (the highest generation recorded and every
// revocation: what the keystore-rollback check trusts) and API tokens.
// The chains themselves are verified first: a trail that was rewritten
// proves nothing.
func VerifyState(ctx context.Context, s Store) error {
	return s.View(ctx, func(r Reader) error {
		if _, err := verifyChains(r); err != nil {
			return err
		}
		st := newReplayed()
		if err := r.Chain(st.apply); err != nil {
			return err
		}
		if err := st.compareProducts(r); err != nil {
			return err
		}
		if err := st.compare(r); err != nil {
			return err
		}
		if err := st.compareKeystore(r); err != nil {
			return err
		}
		return st.compareTokens(r)
	})
}

func (st *replayed) apply(e Entry) error {
	bad := func(what string) error {
		return &ChainError{Chain: e.Chain, Seq: e.Seq, Problem: "cannot be replayed: " + what}
	}
	switch {
	case e.Action == ActionProductAdd:
		var p licensing.Product
		if err := json.Unmarshal(e.Detail, &p); err != nil {
			return bad("bad product detail")
		}
		st.products[p.ID] = p
	case e.Action == ActionProductKeys:
		var ev ProductKeysEvent
		p, ok := st.products[e.Subject]
		if err := json.Unmarshal(e.Detail, &ev); err != nil || !ok {
			return bad("bad product keys detail, or a product never added")
		}
		p.LegacyKeys, p.LegacyLookalikes = ev.LegacyKeys, ev.LegacyLookalikes
		st.products[e.Subject] = p
	case e.Action == ActionProductPlan, e.Action == ActionProductRelease, e.Action == ActionKeystoreState,
		e.Action == ActionTokenNew, e.Action == ActionTokenRevoke:
		if err := st.applyOther(e, st.products); err != nil {
			return bad(err.Error())
		}
	case e.Action == ActionLicenceNew:
		var ev LicenceEvent
		if err := json.Unmarshal(e.Detail, &ev); err != nil {
			return bad("bad licence detail")
		}
		key := ev.Key
		if key == "" {
			k, _, err := codec.LicenceKeyBinding(e.Subject)
			if err != nil {
				return bad("subject is not a licence key")
			}
			key = k
		}
		li := &licensing.Licence{Key: key, Display: e.Subject, Product: ev.Product, Status: licensing.Active}
		if err := st.applyTerms(li, ev); err != nil {
			return bad(err.Error())
		}
		st.licences[key] = li
		st.live[key] = map[uint64]licensing.Activation{}
		st.ended[key] = map[uint64]endedState{}
		st.order = append(st.order, key)
	case strings.HasPrefix(e.Action, ActionLicenceChange):
		li, err := st.licence(e.Subject)
		if err != nil {
			return bad(err.Error())
		}
		var ev LicenceEvent
		if err := json.Unmarshal(e.Detail, &ev); err != nil {
			return bad("bad licence detail")
		}
		if err := st.applyTerms(li, ev); err != nil {
			return bad(err.Error())
		}
	case e.Action == ActionCodeIssue || e.Action == ActionCodeReissue:
		li, err := st.licence(e.Subject)
		if err != nil {
			return bad(err.Error())
		}
		var ev CodeEvent
		if err := json.Unmarshal(e.Detail, &ev); err != nil {
			return bad("bad code detail")
		}
		if e.Action == ActionCodeReissue && ev.Key == "" {
			return nil // the same code again: nothing changed
		}
		if old, ok := st.live[li.Key][ev.Replaces]; ev.Replaces != 0 && ok {
			// A re-issue with new terms supersedes the machine's code in
			// the transaction that records it; an issue replaces the
			// activation of a machine whose UID drifted, ended a moment
			// before this entry's time.
			why, at := "superseded", e.At
			if e.Action == ActionCodeIssue {
				why, at = "drifted", ""
			}
			if e.Chain == LegacyChain {
				at = ""
			}
			st.end(li.Key, old, why, at)
		}
		a := licensing.Activation{Serial: ev.Serial, Licence: li.Key, Product: li.Product, Machine: ev.Machine, Seats: ev.Seats, Features: li.Bits}
		if a.Seats == 0 {
			a.Seats = 1 // every code before chains were split held one seat
		}
		if a.KeyID, err = codec.ParseKeyID(ev.Key); err != nil {
			return bad("bad key ID")
		}
		var ok bool
		if a.Expires, ok = parseDay(ev.Expires); !ok {
			return bad("bad expiry")
		}
		if a.Issued, ok = parseDay(ev.Issued); !ok {
			at, err := time.Parse(time.RFC3339Nano, e.At)
			if err != nil {
				return bad("bad time")
			}
			a.Issued = codec.DayOf(at) // codes are issued on the day they are recorded
		}
		if ev.Features != nil {
			a.Features = *ev.Features
		}
		if ev.Issued == "" {
			st.implied[a.Serial] = true
		}
		st.live[li.Key][a.Serial] = a
	case e.Action == ActionCodeRelease:
		li, err := st.licence(e.Subject)
		if err != nil {
			return bad(err.Error())
		}
		var ev CodeEvent
		if err := json.Unmarshal(e.Detail, &ev); err != nil {
			return bad("bad code detail")
		}
		a, ok := st.live[li.Key][ev.Serial]
		if !ok {
			return bad(fmt.Sprintf("releases serial %d, which holds no seat", ev.Serial))
		}
		at := e.At
		if e.Chain == LegacyChain {
			at = ""
		}
		st.end(li.Key, a, ev.Why, at)
		if ev.Why == "" || ev.Why == "released" {
			st.released[li.Key]++
		}
	}
	return nil
}

// compareEnded checks a licence's ended activations both ways: each the
// trail ended is in the table with its terms, its reason and its time
// (what the release budget counts: a release moved out of its 30-day
// window, or called superseded, would free budget), and no row is ended
// that the trail did not end.
func (st *replayed) compareEnded(r Reader, t licensing.Licence) error {
	rows, err := r.EndedActivations(t.Key)
	if err != nil {
		return err
	}
	want := st.ended[t.Key]
	problem := func(format string, args ...any) error {
		return &StateError{Licence: t.Display, Problem: fmt.Sprintf(format, args...)}
	}
	got := map[uint64]bool{}
	for _, a := range rows {
		got[a.Serial] = true
		w, ok := want[a.Serial]
		if !ok {
			return problem("activation %d (machine %s) is ended in the table (%s) but the audit trail never ended it", a.Serial, a.Machine, a.Why)
		}
		terms := a.Machine == w.a.Machine
		if !st.implied[a.Serial] {
			terms = terms && a.Seats == w.a.Seats && a.KeyID == w.a.KeyID && a.Expires == w.a.Expires && a.Issued == w.a.Issued && a.Features == w.a.Features
		}
		switch {
		case !terms:
			return problem("ended activation %d's terms in the table differ from the audit trail's", a.Serial)
		case w.why != "" && a.Why != w.why:
			return problem("activation %d's end reason is %s in the table, the audit trail says %s", a.Serial, a.Why, w.why)
		case w.at != "" && a.Released != w.at:
			return problem("activation %d's release time is %s in the table, the audit trail says %s", a.Serial, a.Released, w.at)
		}
	}
	var missing []uint64
	for s := range want {
		if !got[s] {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		w := want[missing[0]]
		why := w.why
		if why == "" {
			why = "ended"
		}
		return problem("activation %d (machine %s) was ended in the audit trail (%s) but is missing from the table (deleted by hand)", w.a.Serial, w.a.Machine, why)
	}
	return nil
}

func (st *replayed) licence(display string) (*licensing.Licence, error) {
	key, _, err := codec.LicenceKeyBinding(display) // an actkit key, or an imported legacy key
	if err != nil {
		return nil, errors.New("subject is not a licence key")
	}
	li := st.licences[key]
	if li == nil {
		return nil, fmt.Errorf("licence %s was never created", display)
	}
	return li, nil
}

// applyTerms applies the fields an event carries.
func (st *replayed) applyTerms(li *licensing.Licence, ev LicenceEvent) error {
	if ev.Seats != 0 {
		li.Seats = ev.Seats
	}
	if ev.Expires != "" {
		d, ok := parseDay(ev.Expires)
		if !ok {
			return errors.New("bad expiry")
		}
		li.Expires = d
	}
	switch {
	case ev.Bits != nil:
		li.Bits = *ev.Bits
	case ev.Features != nil:
		p, ok := st.products[li.Product]
		if !ok {
			return fmt.Errorf("product %s was never added", li.Product)
		}
		bits, err := p.FeatureBits(ev.Features)
		if err != nil {
			return err
		}
		li.Bits = bits
	}
	if ev.Customer != nil {
		li.Customer = *ev.Customer
	}
	if ev.Plan != nil {
		li.Plan = *ev.Plan
	}
	if ev.Status != "" {
		li.Status = licensing.Status(ev.Status)
	}
	return nil
}

// compare checks the tables against the replayed state.
func (st *replayed) compare(r Reader) error {
	tables, err := r.Licences("")
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, t := range tables {
		seen[t.Key] = true
		want := st.licences[t.Key]
		if want == nil {
			return &StateError{Licence: t.Display, Problem: "is in the table but the audit trail never created it"}
		}
		mismatch := func(what string, table, trail any) error {
			return &StateError{Licence: t.Display, Problem: fmt.Sprintf("%s is %v in the table, the audit trail says %v", what, table, trail)}
		}
		switch {
		case t.Display != want.Display:
			return mismatch("the key's display form", t.Display, want.Display)
		case t.Product != want.Product:
			return mismatch("product", t.Product, want.Product)
		case t.Seats != want.Seats:
			return mismatch("seats", t.Seats, want.Seats)
		case t.Expires != want.Expires:
			return mismatch("expiry", t.Expires, want.Expires)
		case t.Bits != want.Bits:
			return mismatch("feature bits", t.Bits, want.Bits)
		case t.Customer != want.Customer:
			return mismatch("customer", t.Customer, want.Customer)
		case t.Status != want.Status:
			return mismatch("status", t.Status, want.Status)
		case t.Plan != want.Plan:
			return mismatch("plan", t.Plan, want.Plan)
		}
		live, err := r.LiveActivations(t.Key)
		if err != nil {
			return err
		}
		wantLive := st.live[t.Key]
		inUse := 0
		for _, a := range wantLive {
			inUse += a.Seats
		}
		if t.InUse != inUse {
			return mismatch("the seats in use", t.InUse, inUse)
		}
		got := map[uint64]bool{}
		for _, a := range live {
			got[a.Serial] = true
			w, ok := wantLive[a.Serial]
			if !ok {
				return &StateError{Licence: t.Display, Problem: fmt.Sprintf("activation %d (machine %s) holds a seat the audit trail never gave or already freed", a.Serial, a.Machine)}
			}
			if a.Machine != w.Machine || a.Seats != w.Seats || a.KeyID != w.KeyID || a.Expires != w.Expires || a.Issued != w.Issued || a.Features != w.Features {
				return &StateError{Licence: t.Display, Problem: fmt.Sprintf("activation %d's terms in the table differ from the audit trail's", a.Serial)}
			}
		}
		var missing []uint64
		for s := range wantLive {
			if !got[s] {
				missing = append(missing, s)
			}
		}
		if len(missing) > 0 {
			sort.Slice(missing, func(i, j int) bool { return missing[i] < missing[j] })
			return &StateError{Licence: t.Display, Problem: fmt.Sprintf("activation %d holds a seat in the audit trail but not in the table (released or deleted by hand)", missing[0])}
		}
		if err := st.compareEnded(r, t); err != nil {
			return err
		}
		// The deactivations the release budget counts, for releases whose
		// entry does not say why (counted as released).
		n, err := r.Releases(t.Key, time.Time{})
		if err != nil {
			return err
		}
		if n != st.released[t.Key] {
			return &StateError{Licence: t.Display, Problem: fmt.Sprintf("%d released activations in the table, the audit trail released %d (a released activation deleted, un-released or changed by hand)", n, st.released[t.Key])}
		}
	}
	for _, key := range st.order {
		if !seen[key] {
			return &StateError{Licence: st.licences[key].Display, Problem: "was created in the audit trail but is missing from the table"}
		}
	}
	return nil
}
