package signer

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"fmt"
)

// labelAuditEntry domain-separates audit-chain hashes.
const labelAuditEntry = "actkit/v1/audit-entry"

// entryHash commits to an entry and, through prev, to the whole chain
// before it: changing, deleting or reordering any entry changes every hash
// after it.
func entryHash(prev []byte, seq int64, at, action, subject, detail string) []byte {
	var buf bytes.Buffer
	field := func(b []byte) {
		binary.Write(&buf, binary.BigEndian, uint32(len(b)))
		buf.Write(b)
	}
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], uint64(seq))
	field([]byte(labelAuditEntry))
	field(prev)
	field(s[:])
	field([]byte(at))
	field([]byte(action))
	field([]byte(subject))
	field([]byte(detail))
	sum := sha256.Sum256(buf.Bytes())
	return sum[:]
}

// execQuerier is *sql.Tx or txq.
type execQuerier interface {
	Exec(query string, args ...any) (sql.Result, error)
	QueryRow(query string, args ...any) *sql.Row
}

// auditHead is the last entry of the chain.
type auditHead struct {
	seq  int64
	hash []byte
}

// audit appends an entry inside the caller's transaction. With a txq the
// chain's head is read once per transaction and then carried along.
func (l *Ledger) audit(tx execQuerier, action, subject string, detail any) error {
	d, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	var head *auditHead
	if q, ok := tx.(txq); ok && q.head != nil && q.head.hash != nil {
		head = q.head
	} else {
		head = &auditHead{hash: make([]byte, sha256.Size)}
		err = tx.QueryRow("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").Scan(&head.seq, &head.hash)
		if err != nil && err != sql.ErrNoRows {
			return err
		}
	}
	seq := head.seq + 1
	at := l.stamp()
	h := entryHash(head.hash, seq, at, action, subject, string(d))
	if _, err = tx.Exec("INSERT INTO audit(seq, at, action, subject, detail, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
		seq, at, action, subject, string(d), head.hash, h); err != nil {
		return err
	}
	if q, ok := tx.(txq); ok && q.head != nil {
		*q.head = auditHead{seq: seq, hash: h}
	}
	return nil
}

// ChainError names the first audit entry that does not fit the chain.
type ChainError struct {
	Seq     int64
	Problem string
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("audit entry %d: %s", e.Seq, e.Problem)
}

// AuditEntry is one entry of the audit trail.
type AuditEntry struct {
	Seq     int64           `json:"seq"`
	At      string          `json:"at"`
	Action  string          `json:"action"`
	Subject string          `json:"subject"`
	Detail  json.RawMessage `json:"detail"`
	Hash    string          `json:"hash"`
}

// VerifyChain walks the whole audit trail and returns its length and head
// hash, or a *ChainError naming the first entry that was changed, deleted
// or reordered.
func (l *Ledger) VerifyChain() (int64, []byte, error) {
	rows, err := l.db.Query("SELECT seq, at, action, subject, detail, prev, hash FROM audit ORDER BY rowid")
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	prev := make([]byte, sha256.Size)
	var want int64 = 1
	for rows.Next() {
		var seq int64
		var at, action, subject, detail string
		var p, h []byte
		if err := rows.Scan(&seq, &at, &action, &subject, &detail, &p, &h); err != nil {
			return 0, nil, err
		}
		switch {
		case seq < want:
			return 0, nil, &ChainError{Seq: seq, Problem: "out of order (entries were reordered)"}
		case seq > want:
			return 0, nil, &ChainError{Seq: want, Problem: fmt.Sprintf("missing (deleted); the next entry is %d", seq)}
		case !bytes.Equal(p, prev):
			return 0, nil, &ChainError{Seq: seq, Problem: "does not follow the entry before it (an entry before it was changed, or it was moved)"}
		case !bytes.Equal(h, entryHash(p, seq, at, action, subject, detail)):
			return 0, nil, &ChainError{Seq: seq, Problem: "was changed after it was written"}
		}
		prev = h
		want++
	}
	return want - 1, prev, rows.Err()
}

// Audit returns the audit entries after seq "since", oldest first, at most
// limit of them.
func (l *Ledger) Audit(since int64, limit int) ([]AuditEntry, error) {
	rows, err := l.db.Query("SELECT seq, at, action, subject, detail, hash FROM audit WHERE seq > ? ORDER BY seq LIMIT ?", since, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var d string
		var h []byte
		if err := rows.Scan(&e.Seq, &e.At, &e.Action, &e.Subject, &d, &h); err != nil {
			return nil, err
		}
		e.Detail = json.RawMessage(d)
		e.Hash = fmt.Sprintf("%x", h)
		out = append(out, e)
	}
	return out, rows.Err()
}
