package ledger

import (
	"encoding/json"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/licensing"
)

// Audit actions and their details. Every change of ledger state is one of
// them, with enough detail that the state can be rebuilt from the trail
// alone (VerifyState). Details written by earlier releases carry fewer
// fields; Replay fills in what they imply.
const (
	ActionProductAdd     = "product.add"
	ActionProductRelease = "product.release"
	ActionProductPlan    = "product.plan"
	ActionProductKeys    = "product.keys" // detail: ProductKeysEvent
	ActionLicenceNew     = "licence.new"
	ActionLicenceChange  = "licence." // + suspend, resume, revoke, extend, seats, ...
	ActionCodeIssue      = "code.issue"
	ActionCodeReissue    = "code.reissue"
	ActionCodeRelease    = "code.release"
	ActionKeystoreState  = "keystore.state"
)

// LicenceEvent is the detail of licence.new and of every licence change:
// the licence's terms after the event.
type LicenceEvent struct {
	// Key is the licence's normal form (absent before chains were split:
	// the entry's subject, its display form, says it).
	Key      string    `json:"key,omitempty"`
	Product  string    `json:"product,omitempty"`
	Seats    int       `json:"seats,omitempty"`
	Expires  string    `json:"expires,omitempty"`
	Features []string  `json:"features,omitempty"`
	Bits     *uint64   `json:"featureBits,omitempty"`
	Customer *string   `json:"customer,omitempty"`
	Plan     *string   `json:"plan,omitempty"`
	Status   string    `json:"status,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	Created  time.Time `json:"created,omitzero"`
}

// NewLicenceEvent is the detail recording a licence's terms.
func NewLicenceEvent(li licensing.Licence, reason string) LicenceEvent {
	bits := li.Bits
	customer, plan := li.Customer, li.Plan
	return LicenceEvent{Key: li.Key, Product: li.Product, Seats: li.Seats, Expires: li.Expires.String(),
		Features: li.Features, Bits: &bits, Customer: &customer, Plan: &plan, Status: string(li.Status), Reason: reason}
}

// CodeEvent is the detail of an issue, a re-issue or a release.
type CodeEvent struct {
	Serial   uint64 `json:"serial"`
	Replaces uint64 `json:"replaces,omitempty"`
	Machine  string `json:"machine"`
	Key      string `json:"key,omitempty"`
	Expires  string `json:"expires,omitempty"`
	Why      string `json:"why,omitempty"`
	// Since chains were split: the rest of the activation's terms.
	Seats    int     `json:"seats,omitempty"`
	Issued   string  `json:"issued,omitempty"`
	Features *uint64 `json:"features,omitempty"`
}

// NewCodeEvent records an activation's terms.
func NewCodeEvent(a licensing.Activation, replaces uint64) CodeEvent {
	f := a.Features
	return CodeEvent{Serial: a.Serial, Replaces: replaces, Machine: a.Machine, Key: a.KeyID.String(),
		Expires: a.Expires.String(), Seats: a.Seats, Issued: a.Issued.String(), Features: &f}
}

// KeystoreEvent is the detail of keystore.state.
type KeystoreEvent struct {
	Generation uint64   `json:"generation"`
	Revoked    []string `json:"revoked"`
}

// Detail marshals an event detail.
func Detail(v any) ([]byte, error) { return json.Marshal(v) }

func parseDay(s string) (codec.Day, bool) {
	if s == "" {
		return 0, false
	}
	if s == "never" {
		return codec.NoExpiry, true
	}
	d, err := codec.ParseDay(s)
	return d, err == nil
}

// The API token chain's actions (TokenChain); the subject is the token's
// public ID.
const (
	ActionTokenNew    = "token.new"
	ActionTokenRevoke = "token.revoke"
)

// TokenEvent is the detail of token.new: the token as stored. Entries
// written before tokens were fully audited carry only the name, scope and
// expiry; Hash (of the whole token text, as the table keeps it: never the
// secret) and Created are compared when present.
type TokenEvent struct {
	Name    string    `json:"name"`
	Scope   string    `json:"scope"`
	Expires time.Time `json:"expires"`
	Created time.Time `json:"created,omitzero"`
	Hash    []byte    `json:"hash,omitempty"`
	// Subject is what a customer API token acts for (licensing.Token).
	Subject string `json:"subject,omitempty"`
}

// NewTokenEvent records a token's stored fields.
func NewTokenEvent(t licensing.Token) TokenEvent {
	return TokenEvent{Name: t.Name, Scope: t.Scope, Expires: t.Expires, Created: t.Created, Hash: t.Hash, Subject: t.Subject}
}

// ReleaseEvent is the detail of product.release: the keys a release line
// embeds, replacing what was recorded for that line.
type ReleaseEvent struct {
	Line string        `json:"line"`
	Keys []codec.KeyID `json:"keys"`
}

// ProductKeysEvent is the detail of product.keys: a product's legacy
// licence key pattern after the change.
type ProductKeysEvent struct {
	LegacyKeys       string `json:"legacyKeys"`
	LegacyLookalikes bool   `json:"legacyLookalikes"`
}
