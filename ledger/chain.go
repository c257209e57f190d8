package ledger

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/actkit/actkit/codec"
)

// The audit trail is a set of hash chains, one per licence (and one per
// product, and one for the keystore), so that writers for different
// licences never wait on one shared chain head: a shared database takes
// the head of the chain it appends to under the same lock as the licence
// it changes. A checkpoint signs all chain heads at once.
//
// Each entry's hash commits to its chain, its position and fields, and,
// through Prev, to every entry before it in its chain: changing, deleting
// or reordering an entry changes every hash after it. Ledgers written
// before chains were split keep their entries in the legacy chain "",
// hashed as they were.

// Chain names.
func LicenceChain(key string) string { return "licence/" + key }
func ProductChain(id string) string  { return "product/" + id }
func KeystoreChain() string          { return "keystore" }
func TokenChain() string             { return "tokens" }

// LegacyChain holds the entries of a ledger written before chains were
// split, unchanged.
const LegacyChain = ""

// Entry is one entry of the audit trail.
type Entry struct {
	// ID orders all entries as they were stored; Audit pages by it.
	ID int64 `json:"id"`
	// Chain and Seq place the entry: Seq counts from 1 in each chain.
	Chain string `json:"chain"`
	Seq   int64  `json:"seq"`
	// At is the time in the exact text that was hashed (RFC 3339, UTC,
	// nanoseconds): the text, not a parsed time, is what the chain covers.
	At      string          `json:"at"`
	Action  string          `json:"action"`
	Subject string          `json:"subject"`
	Detail  json.RawMessage `json:"detail"`
	Prev    []byte          `json:"-"`
	Hash    []byte          `json:"-"`
}

// MarshalJSON adds the hash as hex.
func (e Entry) MarshalJSON() ([]byte, error) {
	type plain Entry
	return json.Marshal(struct {
		plain
		Hash string `json:"hash"`
	}{plain(e), fmt.Sprintf("%x", e.Hash)})
}

// Stamp is the text form of an entry's time.
func Stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// Genesis is the Prev of the first entry of every chain.
var Genesis = make([]byte, sha256.Size)

// Next makes the entry that follows head (nil for a new chain) in chain:
// its sequence number, Prev and Hash. Backends call it in Append.
func Next(head *Entry, chain string, at time.Time, action, subject string, detail []byte) Entry {
	e := Entry{Chain: chain, Seq: 1, Prev: Genesis, At: Stamp(at), Action: action, Subject: subject, Detail: detail}
	if head != nil {
		e.Seq, e.Prev = head.Seq+1, head.Hash
	}
	e.Hash = e.link()
	return e
}

// link computes the entry's hash: SHA-256 over a label and every field,
// each with a four-byte length. Entries of the legacy chain keep the
// hash they were written with (no chain field, the older label).
func (e *Entry) link() []byte {
	var buf bytes.Buffer
	field := func(b []byte) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(b)))
		buf.Write(n[:])
		buf.Write(b)
	}
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], uint64(e.Seq))
	if e.Chain == LegacyChain {
		field([]byte(codec.LabelAuditEntry))
	} else {
		field([]byte(codec.LabelAuditChainEntry))
		field([]byte(e.Chain))
	}
	field(e.Prev)
	field(s[:])
	field([]byte(e.At))
	field([]byte(e.Action))
	field([]byte(e.Subject))
	field(e.Detail)
	sum := sha256.Sum256(buf.Bytes())
	return sum[:]
}

// ChainError names the first audit entry that does not fit its chain.
type ChainError struct {
	Chain   string
	Seq     int64
	Problem string
}

func (e *ChainError) Error() string {
	if e.Chain == LegacyChain {
		return fmt.Sprintf("audit entry %d: %s", e.Seq, e.Problem)
	}
	return fmt.Sprintf("audit chain %s, entry %d: %s", e.Chain, e.Seq, e.Problem)
}

// Head is the last entry of one chain.
type Head struct {
	Chain string `json:"chain"`
	Seq   int64  `json:"seq"`
	Hash  []byte `json:"hash"`
}

// Heads are all chain heads, sorted by chain.
type Heads []Head

// Root commits to every chain head: what a checkpoint signs.
func (hs Heads) Root() []byte {
	b := codec.AppendField(nil, []byte(codec.LabelLedgerCheckpointHeads))
	for _, h := range hs {
		var s [8]byte
		binary.BigEndian.PutUint64(s[:], uint64(h.Seq))
		b = codec.AppendField(b, []byte(h.Chain))
		b = codec.AppendField(b, s[:])
		b = codec.AppendField(b, h.Hash)
	}
	sum := sha256.Sum256(b)
	return sum[:]
}

// Entries is the number of entries the heads cover.
func (hs Heads) Entries() int64 {
	var n int64
	for _, h := range hs {
		n += h.Seq
	}
	return n
}

// VerifyChain walks every chain of the audit trail and returns the
// number of entries and the heads, or a *ChainError naming the first
// entry that was changed, deleted or reordered.
func VerifyChain(ctx context.Context, s Store) (int64, Heads, error) {
	var heads Heads
	err := s.View(ctx, func(r Reader) (err error) {
		heads, err = verifyChains(r)
		return err
	})
	return heads.Entries(), heads, err
}

// verifyChains checks every chain; r.Chain yields entries by chain, then
// by storage order within it.
func verifyChains(r Reader) (Heads, error) {
	var heads Heads
	var cur *Head
	err := r.Chain(func(e Entry) error {
		if cur == nil || cur.Chain != e.Chain {
			heads = append(heads, Head{Chain: e.Chain, Hash: Genesis})
			cur = &heads[len(heads)-1]
		}
		want := cur.Seq + 1
		switch {
		case e.Seq < want:
			return &ChainError{Chain: e.Chain, Seq: e.Seq, Problem: "out of order (entries were reordered)"}
		case e.Seq > want:
			return &ChainError{Chain: e.Chain, Seq: want, Problem: fmt.Sprintf("missing (deleted); the next entry is %d", e.Seq)}
		case !bytes.Equal(e.Prev, cur.Hash):
			return &ChainError{Chain: e.Chain, Seq: e.Seq, Problem: "does not follow the entry before it (an entry before it was changed, or it was moved)"}
		case !bytes.Equal(e.Hash, e.link()):
			return &ChainError{Chain: e.Chain, Seq: e.Seq, Problem: "was changed after it was written"}
		}
		cur.Seq, cur.Hash = e.Seq, e.Hash
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(heads, func(i, j int) bool { return heads[i].Chain < heads[j].Chain })
	return heads, nil
}
