package ledger

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/actkit/actkit/codec"
)

// Entry is one entry of the audit trail. Each entry's hash commits to the
// entry and, through Prev, to the whole chain before it: changing,
// deleting or reordering any entry changes every hash after it.
type Entry struct {
	Seq int64 `json:"seq"`
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

// Genesis is the Prev of the first entry.
var Genesis = make([]byte, sha256.Size)

// Link computes an entry's hash from the previous entry's hash and the
// entry's fields: SHA-256 over the audit-entry label and every field, each
// with a four-byte length.
func Link(prev []byte, seq int64, at, action, subject string, detail []byte) []byte {
	var buf bytes.Buffer
	field := func(b []byte) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(b)))
		buf.Write(n[:])
		buf.Write(b)
	}
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], uint64(seq))
	field([]byte(codec.LabelAuditEntry))
	field(prev)
	field(s[:])
	field([]byte(at))
	field([]byte(action))
	field([]byte(subject))
	field(detail)
	sum := sha256.Sum256(buf.Bytes())
	return sum[:]
}

// ChainError names the first audit entry that does not fit the chain.
type ChainError struct {
	Seq     int64
	Problem string
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("audit entry %d: %s", e.Seq, e.Problem)
}

// VerifyChain walks the whole audit trail and returns its length and head
// hash, or a *ChainError naming the first entry that was changed, deleted
// or reordered.
func VerifyChain(ctx context.Context, s Store) (size int64, head []byte, err error) {
	err = s.View(ctx, func(r Reader) error {
		size, head, _, err = verifyChain(r, 0)
		return err
	})
	return size, head, err
}

// verifyChain verifies the chain and also returns the hash of entry at.
func verifyChain(r Reader, at int64) (int64, []byte, []byte, error) {
	var atHash []byte
	prev := Genesis
	var want int64 = 1
	err := r.Chain(func(e Entry) error {
		switch {
		case e.Seq < want:
			return &ChainError{Seq: e.Seq, Problem: "out of order (entries were reordered)"}
		case e.Seq > want:
			return &ChainError{Seq: want, Problem: fmt.Sprintf("missing (deleted); the next entry is %d", e.Seq)}
		case !bytes.Equal(e.Prev, prev):
			return &ChainError{Seq: e.Seq, Problem: "does not follow the entry before it (an entry before it was changed, or it was moved)"}
		case !bytes.Equal(e.Hash, Link(e.Prev, e.Seq, e.At, e.Action, e.Subject, e.Detail)):
			return &ChainError{Seq: e.Seq, Problem: "was changed after it was written"}
		}
		prev = e.Hash
		if e.Seq == at {
			atHash = e.Hash
		}
		want++
		return nil
	})
	if err != nil {
		return 0, nil, nil, err
	}
	return want - 1, prev, atHash, nil
}
