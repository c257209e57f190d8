package signer

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hmac"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/mr-tron/base58"
)

// Checkpoint is the audit chain's size and head hash, signed with a
// keystore key under the ledger-checkpoint label. Recorded somewhere else
// (printed, mailed to oneself), it proves later that no entry up to Size
// was changed and that the chain was not cut back below it.
type Checkpoint struct {
	Size  int64
	Head  []byte
	At    time.Time
	KeyID codec.KeyID
	Sig   []byte
}

func checkpointMessage(size int64, head []byte, at time.Time) []byte {
	var b bytes.Buffer
	field := func(v []byte) {
		binary.Write(&b, binary.BigEndian, uint16(len(v)))
		b.Write(v)
	}
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], uint64(size))
	field([]byte(codec.LabelLedgerCheckpoint))
	field(s[:])
	field(head)
	field([]byte(at.UTC().Format(time.RFC3339)))
	return b.Bytes()
}

// Checkpoint verifies the chain and signs its current head.
func (l *Ledger) Checkpoint(key *keygen.SigningKey) (Checkpoint, error) {
	size, head, err := l.VerifyChain()
	if err != nil {
		return Checkpoint{}, err
	}
	at := l.now().Truncate(time.Second)
	sig, err := key.SignMessage(checkpointMessage(size, head, at))
	if err != nil {
		return Checkpoint{}, err
	}
	return Checkpoint{Size: size, Head: head, At: at, KeyID: key.ID, Sig: sig}, nil
}

// String renders a checkpoint as one line.
func (c Checkpoint) String() string {
	return fmt.Sprintf("actkit-checkpoint v1 size=%d head=%x at=%s key=%s sig=%s",
		c.Size, c.Head, c.At.UTC().Format(time.RFC3339), c.KeyID, base58.Encode(c.Sig))
}

// ParseCheckpoint parses the line String wrote.
func ParseCheckpoint(s string) (Checkpoint, error) {
	var c Checkpoint
	s = strings.TrimSpace(s)
	if len(s) > 512 || !strings.HasPrefix(s, "actkit-checkpoint v1 ") {
		return c, errors.New("not an actkit checkpoint line")
	}
	fields := map[string]string{}
	for _, f := range strings.Fields(s)[2:] {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return c, fmt.Errorf("checkpoint: bad field %q", f)
		}
		fields[k] = v
	}
	var err error
	if c.Size, err = strconv.ParseInt(fields["size"], 10, 64); err != nil || c.Size < 0 {
		return c, errors.New("checkpoint: bad size")
	}
	if c.Head, err = hex.DecodeString(fields["head"]); err != nil || len(c.Head) != 32 {
		return c, errors.New("checkpoint: bad head")
	}
	if c.At, err = time.Parse(time.RFC3339, fields["at"]); err != nil {
		return c, errors.New("checkpoint: bad time")
	}
	if c.KeyID, err = codec.ParseKeyID(fields["key"]); err != nil {
		return c, errors.New("checkpoint: bad key ID")
	}
	if c.Sig, err = base58.Decode(fields["sig"]); err != nil || (len(c.Sig) != 64 && len(c.Sig) != codec.HMACTagSize) {
		return c, errors.New("checkpoint: bad signature")
	}
	return c, nil
}

// VerifyCheckpoint checks the checkpoint's signature with the keystore
// key it names, and that the ledger's chain still holds entry Size with
// that head hash.
func (l *Ledger) VerifyCheckpoint(c Checkpoint, keys Keys) error {
	key, err := keys.Key(c.KeyID)
	if err != nil {
		return fmt.Errorf("checkpoint signed by key %s, which the keystore does not have", c.KeyID)
	}
	msg := checkpointMessage(c.Size, c.Head, c.At)
	vk := key.VerificationKey()
	valid := false
	if vk.Alg == codec.Ed25519 {
		valid = len(c.Sig) == ed25519.SignatureSize && ed25519.Verify(ed25519.PublicKey(vk.Bytes), msg, c.Sig)
	} else {
		tag, err := key.SignMessage(msg)
		valid = err == nil && len(c.Sig) == codec.HMACTagSize && hmac.Equal(tag, c.Sig)
	}
	if !valid {
		return errors.New("checkpoint signature does not verify: the checkpoint was altered")
	}
	size, _, err := l.VerifyChain()
	if err != nil {
		return err
	}
	if size < c.Size {
		return &ChainError{Seq: size + 1, Problem: fmt.Sprintf("missing: the chain has %d entries, the checkpoint recorded %d (entries were deleted from the end)", size, c.Size)}
	}
	var h []byte
	if c.Size > 0 {
		if err := l.db.QueryRow("SELECT hash FROM audit WHERE seq = ?", c.Size).Scan(&h); err != nil {
			return err
		}
		if !bytes.Equal(h, c.Head) {
			return &ChainError{Seq: c.Size, Problem: "differs from the checkpoint: the chain was rewritten"}
		}
	}
	return nil
}

// Backup writes a consistent copy of the ledger to path (VACUUM INTO),
// while issuing goes on. It refuses to overwrite an existing file.
func (l *Ledger) Backup(path string) error {
	if _, err := os.Stat(path); err == nil {
		return refuse(CodeExists, "choose a new file name", "%s already exists", path)
	}
	if _, err := l.db.Exec("VACUUM INTO ?", path); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}
