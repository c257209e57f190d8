package signer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/licensing"
)

// Issued is an issued (or re-issued) code and what it grants.
type Issued struct {
	Code     string      `json:"code"`
	Serial   uint64      `json:"serial"`
	Licence  string      `json:"licence"`
	Product  string      `json:"product"`
	Machine  string      `json:"machine"`
	KeyID    codec.KeyID `json:"keyId"`
	Issued   codec.Day   `json:"issued"`
	Expires  codec.Day   `json:"expires"`
	Seats    int         `json:"seats"`
	Features []string    `json:"features"`
	// Reissued is set when the machine already held a seat: no new seat
	// was taken.
	Reissued bool `json:"reissued"`
	// Replaced is the serial this code superseded (re-issue with new
	// terms), or 0.
	Replaced uint64 `json:"replaced,omitempty"`
	// DriftedFrom is the machine UID whose activation this one took over
	// (the same machine, its UID drifted within the request's
	// Tolerance), and MachineChanged what changed; "" otherwise.
	DriftedFrom    string `json:"driftedFrom,omitempty"`
	MachineChanged string `json:"machineChanged,omitempty"`
	// ActivatedAt is when the machine's activation was recorded, and
	// MachineName the name it was recorded with.
	ActivatedAt time.Time `json:"activatedAt"`
	MachineName string    `json:"machineName,omitempty"`
	// LastSeen is when the machine last validated (or was activated).
	LastSeen time.Time `json:"lastSeen"`
	// The licence after the issue: its seats, seats in use, expiry and
	// plan (for online answers, without another read).
	LicenceSeats   int       `json:"licenceSeats"`
	InUse          int       `json:"seatsInUse"`
	LicenceExpires codec.Day `json:"licenceExpires"`
	Plan           string    `json:"plan,omitempty"`
	// ValidateHours and OfflineGraceDays are the plan's schedule for the
	// product, 0 where the plan sets none (or there is no plan).
	ValidateHours    int `json:"validateHours,omitempty"`
	OfflineGraceDays int `json:"offlineGraceDays,omitempty"`
	// Certificate is the delegation of the key that signed the code, nil
	// for a root's code: online answers carry it.
	Certificate *codec.Certificate `json:"-"`
}

// recorded is an activation recorded in a transaction, to be signed once
// the transaction is durable.
type recorded struct {
	a        licensing.Activation
	display  string
	names    []string
	reissued bool
	replaced uint64
	// drifted is the machine UID whose activation this one replaced
	// (the same machine, its UID drifted), and changed what changed.
	drifted, changed string
	// li is the licence as the transaction left it (seats in use).
	li licensing.Licence
	// pl is the licence's plan, if it has one: its validation schedule
	// goes into the online answer without another read.
	pl licensing.Plan
	// cert is the delegation the code is signed under, as chosen for the
	// asking product; nil: any the key has (or a root's code).
	cert *codec.Certificate
}

// Issue records an activation and returns its code. Everything is checked
// and recorded in one write transaction; the code is signed only after
// that transaction is durable, so no code exists without its record. A
// machine that already holds a seat on the licence gets its code again
// (the same serial, the same code, if the terms are unchanged) without
// taking another seat; a retry after a lost answer is exactly that. A
// context that ends before the activation was taken into a transaction
// records nothing.
func (s *Service) Issue(ctx context.Context, req licensing.IssueRequest) (Issued, error) {
	is, err := s.issue(ctx, req)
	s.refusals.note(s.now(), err)
	return is, err
}

func (s *Service) issue(ctx context.Context, req licensing.IssueRequest) (Issued, error) {
	t, err := licensing.Resolve(req)
	if err != nil {
		return Issued{}, err
	}
	// Activations of one licence that arrive together share a
	// transaction (combine.go): on a site licence they would otherwise
	// queue on its row one commit at a time.
	return s.issueCombined(ctx, t)
}

// issueTx applies the issuing rules inside tx. Its cost does not grow
// with the machines the licence holds: one locked read (Seat) tells it
// everything a new machine, a re-issue or a drifted machine needs, the
// insert's trigger counts the seat, and the audit entry follows the head
// Seat read; only a refusal for want of a seat lists machines, the
// newest few.
func (s *Service) issueTx(tx ledger.Tx, t licensing.Target) (recorded, error) {
	sq := ledger.SeatQuery{Drift: t.Tolerance != nil}
	if t.Key == nil && len(t.Trust.Keys) == 0 {
		// The key choice may need the keys recorded for the release
		// line: Seat reads them in its statement, not in one of their own.
		sq.Release = t.Release
	}
	seat, err := tx.Seat(t.Licence, t.Machine.String(), sq)
	if err != nil {
		return recorded{}, err
	}
	li, cur, found := seat.Licence, seat.Activation, seat.Activated
	// One time for everything this transaction records: the rows and the
	// audit entries that describe them agree to the nanosecond.
	now := s.now()
	var drifted *licensing.Activation
	var changed string
	if !found && (t.Tolerance != nil || t.Former != (codec.MachineUID{})) {
		if drifted, changed, err = driftedFrom(tx, seat.Drift, t); err != nil {
			return recorded{}, err
		}
		if drifted != nil {
			// The machine's earlier activation gives its seat to this
			// one, in this transaction: the same machine never holds two.
			if err := tx.EndActivation(*drifted, now, "drifted"); err != nil {
				return recorded{}, err
			}
			if li, err = tx.LicenceForUpdate(t.Licence); err != nil {
				return recorded{}, err
			}
		}
	}
	pl, hasPlan := seat.Plan, seat.HasPlan
	if hasPlan && pl.LeaseDays > 0 {
		if t.LeaseDays == 0 {
			t.LeaseDays = pl.LeaseDays
		}
		if !found && li.InUse >= li.Seats {
			// Leases that lapsed free their seats here, inside the next
			// activation: correctness needs no background job.
			if li, err = s.reclaimLapsed(tx, li); err != nil {
				return recorded{}, err
			}
		}
	}
	var curp *licensing.Activation
	if found {
		curp = &cur
	}
	key, cert, keyErr := s.signingKey(li.Product, t, seat)
	if keyErr == nil && cert != nil {
		if t, keyErr = withinDelegation(li, t, cert); keyErr != nil {
			keyErr.(*licensing.Refusal).Licence = li.Display
		}
	}
	d, err := licensing.Decide(li, curp, t, key, keyErr, codec.DayOf(now))
	if errors.Is(err, licensing.ErrSeatLimit) {
		var ref *licensing.Refusal
		errors.As(err, &ref)
		// The newest machines and the count, not the whole list: a
		// licence of 60,000 seats refuses at the cost of one that has 50.
		if ref.Holders, err = tx.RecentHolders(t.Licence, licensing.MaxShownHolders); err != nil {
			return recorded{}, err
		}
		slices.Reverse(ref.Holders) // by serial, as a whole list would be

		ref.InUse = li.InUse
		return recorded{}, ref
	}
	if err != nil {
		return recorded{}, err
	}
	r := recorded{a: d.Activation, display: li.Display, names: li.Features, pl: pl, cert: cert}
	if drifted != nil {
		r.replaced, r.drifted, r.changed = drifted.Serial, drifted.Machine, changed
		if d.Kind == licensing.New && r.a.Name == "" {
			r.a.Name = drifted.Name
		}
	}
	if d.Kind != licensing.Reissue {
		r.a.Name = t.Name
	}
	switch d.Kind {
	case licensing.Reissue:
		r.reissued, r.li = true, li
		return r, audit(tx, now, ledger.LicenceChain(li.Key), ledger.ActionCodeReissue, li.Display, ledger.CodeEvent{Serial: cur.Serial, Machine: cur.Machine})
	case licensing.Supersede:
		if err := tx.EndActivation(d.Replaces, now, "superseded"); err != nil {
			return recorded{}, err
		}
		r.reissued, r.replaced = true, d.Replaces.Serial
	}
	if drifted != nil && d.Kind != licensing.New {
		// Decide saw no activation for this machine: it can only be new.
		return recorded{}, fmt.Errorf("drifted activation %d: unexpected decision %v", drifted.Serial, d.Kind)
	}
	r.a.Created = now
	if r.a.Serial, err = tx.InsertActivation(r.a); err != nil {
		return recorded{}, err
	}
	if cert != nil && (r.a.Serial < cert.SerialMin || r.a.Serial > cert.SerialMax) {
		// The serial is the ledger's next: known only once inserted, and
		// refused here, which rolls the whole transaction back.
		return recorded{}, &licensing.Refusal{Reason: licensing.ErrOutsideDelegation, Licence: li.Display, Product: li.Product,
			Detail: fmt.Sprintf("the next serial, %d, is outside the delegation's %d..%d: bring a new delegation from the workstation", r.a.Serial, cert.SerialMin, cert.SerialMax)}
	}
	// The seats in use after this insert: the transaction keeps the
	// licence's terms and counts the seats it takes and frees, so this is
	// no second read.
	if r.li, err = tx.LicenceForUpdate(li.Key); err != nil {
		return recorded{}, err
	}
	action := ledger.ActionCodeIssue
	if d.Kind == licensing.Supersede {
		action = ledger.ActionCodeReissue
	}
	return r, audit(tx, now, ledger.LicenceChain(li.Key), action, li.Display, ledger.NewCodeEvent(r.a, r.replaced))
}

// ErrKeyGone is returned when an activation was recorded with a key the
// service no longer has: the record stands, the code cannot be made.
var ErrKeyGone = errors.New("the key the activation was recorded with is not available")

// sign makes the code for a recorded activation.
func (s *Service) sign(r recorded) (Issued, error) {
	if s.keys == nil {
		return Issued{}, errNoKeys
	}
	a := r.a
	key, err := s.keys.Signer(a.KeyID)
	if err != nil {
		return Issued{}, fmt.Errorf("activation %d, key %s: %w: %w", a.Serial, a.KeyID, ErrKeyGone, err)
	}
	code, err := codec.Sign(key, codec.Binding{Product: a.Product, LicenceKey: a.Licence, MachineUID: a.Machine},
		codec.Payload{Issued: a.Issued, Expires: a.Expires, Seats: uint16(a.Seats), Features: a.Features, Serial: a.Serial})
	if err != nil {
		return Issued{}, fmt.Errorf("signing activation %d: %w", a.Serial, err)
	}
	names := r.names
	if names == nil {
		names = []string{}
	}
	cert := r.cert
	if cert == nil || r.reissued && !slices.ContainsFunc(cert.Products, func(p codec.CertificateProduct) bool { return p.KeyID == a.KeyID }) {
		cert, _ = s.keys.Certificate(a.KeyID, nil)
	}
	return Issued{Code: code, Serial: a.Serial, Licence: r.display, Product: a.Product, Machine: a.Machine, KeyID: a.KeyID,
		Issued: a.Issued, Expires: a.Expires, Seats: a.Seats, Features: names,
		Reissued: r.reissued, Replaced: r.replaced, DriftedFrom: r.drifted, MachineChanged: r.changed, ActivatedAt: a.Created, MachineName: a.Name, LastSeen: a.LastSeen,
		LicenceSeats: r.li.Seats, InUse: r.li.InUse, LicenceExpires: r.li.Expires, Plan: r.li.Plan,
		ValidateHours: r.pl.ValidateHours, OfflineGraceDays: r.pl.OfflineGraceDays, Certificate: cert}, nil
}

// vendorReleased is why the vendor's own release ended an activation:
// unlike a customer's deactivation ("released"), it does not count
// against the licence's release budget, which exists to stop customers'
// deactivate/activate churn.
const vendorReleased = "released by the vendor"

// Release frees the machine's seat and returns the released serial: the
// vendor's release (the CLI, the admin API, the dashboard), outside the
// licence's release budget. The code itself keeps working offline until
// it expires: leases bound that.
func (s *Service) Release(ctx context.Context, licence, machine string) (uint64, error) {
	norm, err := licensing.ParseLicenceKey(licence)
	if err != nil {
		return 0, err
	}
	m, err := licensing.ParseMachineUID(machine)
	if err != nil {
		return 0, err
	}
	var serial uint64
	err = s.store.Update(ctx, func(tx ledger.Tx) error {
		serial, err = s.releaseTx(tx, norm, m.String(), vendorReleased)
		return err
	})
	return serial, err
}

func (s *Service) releaseTx(tx ledger.Tx, norm, machine, why string) (uint64, error) {
	seat, err := tx.Seat(norm, machine, ledger.SeatQuery{})
	if err != nil {
		return 0, err
	}
	return s.releaseSeat(tx, seat, why)
}

// releaseSeat ends the machine's activation that seat found.
func (s *Service) releaseSeat(tx ledger.Tx, seat ledger.Seat, why string) (uint64, error) {
	li, cur := seat.Licence, seat.Activation
	if !seat.Activated {
		return 0, &licensing.Refusal{Reason: licensing.ErrNotActivated, Licence: li.Display, Product: li.Product, Detail: "machine " + cur.Machine}
	}
	now := s.now()
	if err := tx.EndActivation(cur, now, why); err != nil {
		return 0, err
	}
	return cur.Serial, audit(tx, now, ledger.LicenceChain(li.Key), ledger.ActionCodeRelease, li.Display, ledger.CodeEvent{Serial: cur.Serial, Machine: cur.Machine, Why: why})
}

// Transfer moves a seat from one machine to another in one transaction:
// the release and the new activation commit together or not at all.
func (s *Service) Transfer(ctx context.Context, licence, from, to string) (Issued, uint64, error) {
	t, err := licensing.Resolve(licensing.IssueRequest{Licence: licence, Machine: to})
	if err != nil {
		return Issued{}, 0, err
	}
	f, err := licensing.ParseMachineUID(from)
	if err != nil {
		return Issued{}, 0, err
	}
	if f == t.Machine {
		return Issued{}, 0, &licensing.Refusal{Reason: licensing.ErrInvalid, Detail: "the machine to move the seat to is the one it is on"}
	}
	var r recorded
	var released uint64
	err = s.store.Update(ctx, func(tx ledger.Tx) error {
		// A machine that already holds a seat cannot receive another:
		// releasing first would free a seat and move nothing.
		if seat, err := tx.Seat(t.Licence, t.Machine.String(), ledger.SeatQuery{}); err != nil {
			return err
		} else if seat.Activated {
			li := seat.Licence
			return &licensing.Refusal{Reason: licensing.ErrActivated, Licence: li.Display, Product: li.Product, Detail: "machine " + t.Machine.String()}
		}
		if released, err = s.releaseTx(tx, t.Licence, f.String(), "transferred"); err != nil {
			return err
		}
		r, err = s.issueTx(tx, t)
		return err
	})
	if err != nil {
		return Issued{}, 0, err
	}
	is, err := s.sign(r)
	return is, released, err
}

// Now returns the service's clock reading.
func (s *Service) Now() time.Time { return s.now() }

// Current returns the code of the machine's live activation on a licence,
// signed again, without writing anything: what a product's scheduled
// validation needs. A machine that holds no seat gets ErrNotActivated; a
// licence that is suspended, revoked or expired gets that refusal.
func (s *Service) Current(ctx context.Context, licence, machine string) (Issued, licensing.Licence, error) {
	is, st, err := s.current(ctx, licence, machine)
	return is, st.Licence, err
}

// current is Current with the plan: one statement, outside a
// transaction (ledger.Store.Read), since products validate on a schedule
// and this is the ledger's most frequent read.
func (s *Service) current(ctx context.Context, licence, machine string) (Issued, ledger.Standing, error) {
	norm, err := licensing.ParseLicenceKey(licence)
	if err != nil {
		return Issued{}, ledger.Standing{}, err
	}
	m, err := licensing.ParseMachineUID(machine)
	if err != nil {
		return Issued{}, ledger.Standing{}, err
	}
	var st ledger.Standing
	read := func(rd ledger.Reader) (err error) {
		st, err = rd.Standing(norm, m.String())
		return err
	}
	// The replica, if any, answers; where it shows no seat (or failed),
	// the primary does: a seat taken since the replica's last replay is
	// never reported lost.
	if !s.readReplica(ctx, false, read) || !st.Activated {
		if err := s.store.Read(ctx, read); err != nil {
			return Issued{}, st, err
		}
	}
	li := st.Licence
	switch {
	case li.Status == licensing.Revoked:
		return Issued{}, st, &licensing.Refusal{Reason: licensing.ErrRevoked, Licence: li.Display, Product: li.Product}
	case li.Status == licensing.Suspended:
		return Issued{}, st, &licensing.Refusal{Reason: licensing.ErrSuspended, Licence: li.Display, Product: li.Product}
	case li.Expires != codec.NoExpiry && codec.DayOf(s.now()) > li.Expires:
		return Issued{}, st, &licensing.Refusal{Reason: licensing.ErrLicenceExpired, Licence: li.Display, Product: li.Product, Detail: "expired on " + li.Expires.String()}
	case !st.Activated:
		return Issued{}, st, &licensing.Refusal{Reason: licensing.ErrNotActivated, Licence: li.Display, Product: li.Product, Detail: "machine " + m.String()}
	}
	is, err := s.sign(recorded{a: st.Activation, display: li.Display, names: li.Features, li: li, pl: st.Plan})
	return is, st, err
}

// reclaimBatch bounds the lapsed leases one activation reclaims: enough
// for the seat it needs many times over, at a bounded cost; the next
// activation on a full licence reclaims the next ones.
const reclaimBatch = 16

// reclaimLapsed ends up to reclaimBatch live activations of a leased
// licence whose code expired before today, soonest expired first (found
// through an index, not by reading every machine), and returns the
// licence with its seats counted again.
func (s *Service) reclaimLapsed(tx ledger.Tx, li licensing.Licence) (licensing.Licence, error) {
	now := s.now()
	hs, err := tx.LapsedLeases(li.Key, codec.DayOf(now), reclaimBatch)
	if err != nil {
		return li, err
	}
	for _, h := range hs {
		a := licensing.Activation{Serial: h.Serial, Licence: li.Key, Product: li.Product, Machine: h.Machine, Seats: h.Seats}
		if err := tx.EndActivation(a, now, "lease expired"); err != nil {
			return li, err
		}
		if err := audit(tx, now, ledger.LicenceChain(li.Key), ledger.ActionCodeRelease, li.Display,
			ledger.CodeEvent{Serial: h.Serial, Machine: h.Machine, Why: "lease expired"}); err != nil {
			return li, err
		}
	}
	return tx.LicenceForUpdate(li.Key)
}

// Deactivate frees a machine's seat at its customer's request (the API,
// the portal): like Release, but within the licence plan's release
// budget, so that deactivate/activate churn cannot mint codes for more
// machines than the seats. The vendor's Release has no budget.
func (s *Service) Deactivate(ctx context.Context, licence, machine string) (uint64, error) {
	serial, _, err := s.DeactivateSeats(ctx, licence, machine)
	return serial, err
}

// DeactivateSeats is Deactivate that also returns the licence's seats in
// use once the transaction ended (after the release, or as they were if
// nothing was released), for an answer that needs no second read.
func (s *Service) DeactivateSeats(ctx context.Context, licence, machine string) (serial uint64, inUse int, err error) {
	norm, err := licensing.ParseLicenceKey(licence)
	if err != nil {
		return 0, 0, err
	}
	m, err := licensing.ParseMachineUID(machine)
	if err != nil {
		return 0, 0, err
	}
	err = s.store.Update(ctx, func(tx ledger.Tx) error {
		seat, err := tx.Seat(norm, m.String(), ledger.SeatQuery{})
		if err != nil {
			return err
		}
		inUse = seat.Licence.InUse
		if err := customerMayRelease(seat.Licence); err != nil {
			return err
		}
		if seat.Activated {
			if err := s.withinReleaseBudget(tx, seat); err != nil {
				return err
			}
		}
		if serial, err = s.releaseSeat(tx, seat, "released"); err == nil {
			inUse -= seat.Activation.Seats
		}
		return err
	})
	if err != nil && !errors.Is(err, licensing.ErrNotActivated) {
		inUse = 0
	}
	return serial, inUse, err
}

// ReleaseBudget reports a licence's deactivations in the last 30 days and
// its plan's budget (0: no limit), for the pages that show it.
func (s *Service) ReleaseBudget(ctx context.Context, licence string) (used, budget int, err error) {
	norm, err := licensing.ParseLicenceKey(licence)
	if err != nil {
		return 0, 0, err
	}
	err = s.store.View(ctx, func(r ledger.Reader) error {
		li, err := r.Licence(norm)
		if err != nil {
			return err
		}
		if pl, ok, err := plan(r, li); err != nil {
			return err
		} else if ok {
			budget = pl.ReleaseBudget
		}
		used, err = r.Releases(norm, s.now().Add(-licensing.ReleaseWindow))
		return err
	})
	return used, budget, err
}

// Validation is the answer to a product's scheduled validation.
type Validation struct {
	Issued  Issued
	Licence licensing.Licence
	// Plan is the licence's plan, if it has one (HasPlan).
	Plan    licensing.Plan
	HasPlan bool
	// Wrote reports whether the validation wrote: a renewed lease, a
	// re-taken seat, or the daily last-seen mark.
	Wrote bool
}

// Validate answers a product's scheduled validation. It reads, and writes
// only when it must: a lease with less than half of it left is renewed
// (a new code), a machine whose lease lapsed re-takes a seat if one is
// free, a code signed with a key the product does not trust (trusted: the
// key IDs it says its keyring holds; nil if it did not say) or that can no
// longer be signed is re-issued with one it does, keeping its seat, and
// the machine's last-seen time is marked at most once a day.
func (s *Service) Validate(ctx context.Context, licence, machine string, trust licensing.Trust) (Validation, error) {
	return s.validate(ctx, licence, machine, trust, false)
}

// ValidateFresh is Validate for a product that asks for a code issued
// today (licensing.IssueRequest.Fresh): one in ClockTampering, which only
// such a code moves out. A machine whose code was issued before today
// gets a new one on the same seat (a write); a licence that Validate
// would refuse is refused alike, so that no clock, right or wrong, gets a
// code for a licence the server no longer serves.
func (s *Service) ValidateFresh(ctx context.Context, licence, machine string, trust licensing.Trust) (Validation, error) {
	return s.validate(ctx, licence, machine, trust, true)
}

func (s *Service) validate(ctx context.Context, licence, machine string, trust licensing.Trust, fresh bool) (Validation, error) {
	is, st, err := s.current(ctx, licence, machine)
	li := st.Licence
	v := Validation{Licence: li, Plan: st.Plan, HasPlan: st.HasPlan}
	now := s.now()
	today := codec.DayOf(now)
	leased := v.HasPlan && v.Plan.LeaseDays > 0
	again := func() (Validation, error) {
		v.Issued, err = s.Issue(ctx, licensing.IssueRequest{Licence: licence, Machine: machine, Trust: trust, Fresh: fresh})
		v.Wrote = err == nil
		return v, err
	}
	switch {
	case errors.Is(err, licensing.ErrNotActivated) && leased:
		// A lapsed lease: take a seat again if one is free.
		return again()
	case errors.Is(err, ErrKeyGone):
		// The machine's code was signed with a key the vendor no longer
		// has (rotated out, revoked): re-issue with one that can sign, as
		// activating again would, so that the product gets a code its
		// keyring still trusts instead of an error.
		return again()
	case err != nil:
		return v, err
	case fresh && is.Issued < today:
		return again()
	case len(trust.Keys) > 0 && !s.accepts(trust, &is):
		// The product no longer trusts the key its code was signed with
		// (its new keyring revoked it, or the delegation): the same terms
		// under a key it does trust, on the same seat, rather than a code
		// it refuses.
		return again()
	case trust.Purpose != 0 && is.Certificate != nil && is.Expires != codec.NoExpiry && is.Expires != li.Expires &&
		int(is.Expires)-int(today) < int(is.Certificate.MaxCodeDays)/2:
		// A code a delegated key signed is capped to the delegation's
		// longest code: renewed, like a lease, once half of it is gone.
		return again()
	}
	v.Issued = is
	if leased && is.Expires != codec.NoExpiry && is.Expires != li.Expires && int(is.Expires)-int(today) < v.Plan.LeaseDays/2 {
		return again()
	}
	if now.Sub(is.LastSeen) > 24*time.Hour {
		v.Wrote = true
		err = s.store.Update(ctx, func(tx ledger.Tx) error { return tx.TouchActivation(is.Serial, now) })
	}
	return v, err
}

// driftedFrom finds the live activation that the requesting machine held
// under its former UID (one indexed lookup, whatever the licence's size),
// or else, among the candidates Seat read (the live activations sharing a
// per-machine component with the requesting machine), the one the
// request's tolerance accepts as that machine.
func driftedFrom(tx ledger.Tx, candidates []licensing.Activation, t licensing.Target) (*licensing.Activation, string, error) {
	if t.Former != (codec.MachineUID{}) {
		a, ok, err := tx.LiveActivation(t.Licence, t.Former.String())
		if err != nil || ok {
			return &a, "machine UID widened from 15 to 90 bits of its fingerprint", err
		}
	}
	if t.Tolerance == nil {
		return nil, "", nil
	}
	for i := range candidates {
		was, err := codec.ParseMachineUID(candidates[i].Machine)
		if err != nil {
			continue
		}
		if same, changed := t.Tolerance(was, t.Machine); same {
			return &candidates[i], changed, nil
		}
	}
	return nil, "", nil
}
