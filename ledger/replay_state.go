package ledger

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/licensing"
)

// other is the state beside licences that the audit trail describes:
// plans and release lines (product chains), the keystore state (the
// keystore chain) and API tokens (the token chain).
type other struct {
	// plans holds each product's plans by ID, as JSON (a plan is compared
	// whole); a product without plan entries has the default plans.
	plans map[string]map[string][]byte
	// releases holds each product's release lines and their keys.
	releases map[string]map[string][]codec.KeyID
	// keystore: the highest generation recorded and every key revoked.
	keystore   bool
	generation uint64
	revoked    map[codec.KeyID]bool
	tokens     map[string]*tokenState
	tokenOrder []string
}

type tokenState struct {
	ev      TokenEvent
	revoked bool
}

func newOther() other {
	return other{plans: map[string]map[string][]byte{}, releases: map[string]map[string][]codec.KeyID{},
		revoked: map[codec.KeyID]bool{}, tokens: map[string]*tokenState{}}
}

// applyOther applies a plan, release, keystore or token entry.
func (o *other) applyOther(e Entry, products map[string]licensing.Product) error {
	switch e.Action {
	case ActionProductPlan:
		var pl licensing.Plan
		if err := json.Unmarshal(e.Detail, &pl); err != nil {
			return errors.New("bad plan detail")
		}
		if pl.Product == "" {
			pl.Product = e.Subject
		}
		if _, ok := products[pl.Product]; !ok {
			return fmt.Errorf("plan of product %s, which was never added", pl.Product)
		}
		body, err := json.Marshal(pl)
		if err != nil {
			return err
		}
		if o.plans[pl.Product] == nil {
			o.plans[pl.Product] = map[string][]byte{}
		}
		o.plans[pl.Product][pl.ID] = body
	case ActionProductRelease:
		var ev ReleaseEvent
		if err := json.Unmarshal(e.Detail, &ev); err != nil {
			return errors.New("bad release detail")
		}
		if _, ok := products[e.Subject]; !ok {
			return fmt.Errorf("release line of product %s, which was never added", e.Subject)
		}
		if o.releases[e.Subject] == nil {
			o.releases[e.Subject] = map[string][]codec.KeyID{}
		}
		o.releases[e.Subject][ev.Line] = ev.Keys
	case ActionKeystoreState:
		var ev KeystoreEvent
		if err := json.Unmarshal(e.Detail, &ev); err != nil {
			return errors.New("bad keystore detail")
		}
		o.keystore = true
		o.generation = max(o.generation, ev.Generation) // the generation only grows
		for _, s := range ev.Revoked {                  // and revocations are only added
			id, err := codec.ParseKeyID(s)
			if err != nil {
				return errors.New("bad key ID")
			}
			o.revoked[id] = true
		}
	case ActionTokenNew:
		var ev TokenEvent
		if err := json.Unmarshal(e.Detail, &ev); err != nil {
			return errors.New("bad token detail")
		}
		if _, ok := o.tokens[e.Subject]; ok {
			return fmt.Errorf("token %s created twice", e.Subject)
		}
		o.tokens[e.Subject] = &tokenState{ev: ev}
		o.tokenOrder = append(o.tokenOrder, e.Subject)
	case ActionTokenRevoke:
		t := o.tokens[e.Subject]
		if t == nil {
			return fmt.Errorf("revokes token %s, which was never created", e.Subject)
		}
		t.revoked = true
	}
	return nil
}

// compareProducts checks the products, their plans and their release
// lines.
func (st *replayed) compareProducts(r Reader) error {
	tables, err := r.Products()
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, t := range tables {
		seen[t.ID] = true
		subject := "product " + t.ID
		want, ok := st.products[t.ID]
		if !ok {
			return &StateError{Subject: subject, Problem: "is in the table but the audit trail never added it"}
		}
		mismatch := func(what string, table, trail any) error {
			return &StateError{Subject: subject, Problem: fmt.Sprintf("%s is %v in the table, the audit trail says %v", what, table, trail)}
		}
		switch {
		case t.LicencePrefix != want.LicencePrefix:
			return mismatch("the licence prefix", t.LicencePrefix, want.LicencePrefix)
		case t.LegacyKeys != want.LegacyKeys || t.LegacyLookalikes != want.LegacyLookalikes:
			return mismatch("the legacy key pattern", fmt.Sprintf("%q (look-alikes %v)", t.LegacyKeys, t.LegacyLookalikes),
				fmt.Sprintf("%q (look-alikes %v)", want.LegacyKeys, want.LegacyLookalikes))
		case !slices.Equal(t.Features, want.Features):
			return mismatch("the feature list", quoteList(t.Features), quoteList(want.Features))
		case !want.Created.IsZero() && !t.Created.Equal(want.Created):
			return mismatch("the creation time", Stamp(t.Created), Stamp(want.Created))
		}
		if err := st.comparePlans(r, want); err != nil {
			return err
		}
		if err := st.compareReleases(r, t.ID); err != nil {
			return err
		}
	}
	for _, id := range sortedKeys(st.products) {
		if !seen[id] {
			return &StateError{Subject: "product " + id, Problem: "was added in the audit trail but is missing from the table"}
		}
	}
	return nil
}

// comparePlans checks a product's plans: those its chain recorded, or the
// default plans if it recorded none (products added before plans).
func (st *replayed) comparePlans(r Reader, p licensing.Product) error {
	want := st.plans[p.ID]
	if want == nil {
		want = map[string][]byte{}
		for _, pl := range licensing.DefaultPlans(p) {
			body, err := json.Marshal(pl)
			if err != nil {
				return err
			}
			want[pl.ID] = body
		}
	}
	tables, err := r.Plans(p.ID)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, pl := range tables {
		subject := fmt.Sprintf("plan %s of product %s", pl.ID, p.ID)
		seen[pl.ID] = true
		w, ok := want[pl.ID]
		if !ok {
			return &StateError{Subject: subject, Problem: "is in the table but the audit trail never recorded it"}
		}
		body, err := json.Marshal(pl)
		if err != nil {
			return err
		}
		if !bytes.Equal(body, w) {
			return &StateError{Subject: subject, Problem: fmt.Sprintf("is %s in the table, the audit trail says %s", body, w)}
		}
	}
	for _, id := range sortedKeys(want) {
		if !seen[id] {
			return &StateError{Subject: fmt.Sprintf("plan %s of product %s", id, p.ID), Problem: "was recorded in the audit trail but is missing from the table"}
		}
	}
	return nil
}

// compareReleases checks a product's release lines both ways: each line
// its chain recorded is in the table with the keys last recorded for it,
// and no line is in the table that the chain never recorded.
func (st *replayed) compareReleases(r Reader, product string) error {
	want := st.releases[product]
	got, err := r.ReleaseLines(product)
	if err != nil {
		return err
	}
	subject := func(line string) string { return fmt.Sprintf("release line %s of product %s", line, product) }
	for _, line := range sortedKeys(want) {
		keys, found := got[line]
		if !found {
			return &StateError{Subject: subject(line), Problem: "was recorded in the audit trail but is missing from the table"}
		}
		if !slices.Equal(keys, want[line]) {
			return &StateError{Subject: subject(line), Problem: fmt.Sprintf("embeds keys %v in the table, the audit trail says %v", keys, want[line])}
		}
	}
	for _, line := range sortedKeys(got) {
		if _, ok := want[line]; !ok {
			return &StateError{Subject: subject(line), Problem: fmt.Sprintf("(keys %v) is in the table but the audit trail never recorded it", got[line])}
		}
	}
	return nil
}

// compareKeystore checks what the ledger remembers of the keystore, which
// the keystore-rollback defence trusts: a generation set back or a
// revocation removed would let an old keystore back in.
func (st *replayed) compareKeystore(r Reader) error {
	const subject = "the keystore state"
	got, err := r.KeystoreState()
	if err != nil {
		return err
	}
	if got.Generation != st.generation {
		switch {
		case !st.keystore:
			return &StateError{Subject: subject, Problem: fmt.Sprintf("says generation %d in the table, but the audit trail never recorded the keystore", got.Generation)}
		case got.Generation == 0 && len(got.Revoked) == 0:
			return &StateError{Subject: subject, Problem: fmt.Sprintf("is empty in the table (deleted or reset by hand), the audit trail recorded generation %d and %d revoked keys", st.generation, len(st.revoked))}
		}
		return &StateError{Subject: subject, Problem: fmt.Sprintf("the generation is %d in the table, the audit trail says %d", got.Generation, st.generation)}
	}
	inTable := map[codec.KeyID]bool{}
	for _, id := range got.Revoked {
		inTable[id] = true
	}
	var lost, added []string
	for id := range st.revoked {
		if !inTable[id] {
			lost = append(lost, id.String())
		}
	}
	for id := range inTable {
		if !st.revoked[id] {
			added = append(added, id.String())
		}
	}
	sort.Strings(lost)
	sort.Strings(added)
	switch {
	case len(lost) > 0:
		return &StateError{Subject: subject, Problem: fmt.Sprintf("key %s was revoked in the audit trail but is not revoked in the table", strings.Join(lost, ", "))}
	case len(added) > 0:
		return &StateError{Subject: subject, Problem: fmt.Sprintf("key %s is revoked in the table but the audit trail never revoked it", strings.Join(added, ", "))}
	}
	return nil
}

// compareTokens checks the API tokens.
func (st *replayed) compareTokens(r Reader) error {
	tables, err := r.Tokens()
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, t := range tables {
		seen[t.ID] = true
		subject := "API token " + t.ID
		want := st.tokens[t.ID]
		if want == nil {
			return &StateError{Subject: subject, Problem: fmt.Sprintf("(%s, scope %s) is in the table but the audit trail never created it", t.Name, t.Scope)}
		}
		mismatch := func(what string, table, trail any) error {
			return &StateError{Subject: subject, Problem: fmt.Sprintf("%s is %v in the table, the audit trail says %v", what, table, trail)}
		}
		ev := want.ev
		switch {
		case t.Scope != ev.Scope:
			return mismatch("the scope", t.Scope, ev.Scope)
		case t.Name != ev.Name:
			return mismatch("the name", t.Name, ev.Name)
		case t.Subject != ev.Subject:
			return mismatch("what it acts for", t.Subject, ev.Subject)
		case !t.Expires.Equal(ev.Expires):
			return mismatch("the expiry", Stamp(t.Expires), Stamp(ev.Expires))
		case t.Revoked != want.revoked:
			return mismatch("revoked", t.Revoked, want.revoked)
		case ev.Hash != nil && !bytes.Equal(t.Hash, ev.Hash):
			return &StateError{Subject: subject, Problem: "its hash in the table differs from the audit trail's (the token was replaced by hand)"}
		case !ev.Created.IsZero() && !t.Created.Equal(ev.Created):
			return mismatch("the creation time", Stamp(t.Created), Stamp(ev.Created))
		}
	}
	for _, id := range st.tokenOrder {
		if !seen[id] {
			return &StateError{Subject: "API token " + id, Problem: "was created in the audit trail but is missing from the table"}
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func quoteList(s []string) string {
	if len(s) == 0 {
		return "[]"
	}
	return "[" + strings.Join(s, ",") + "]"
}
