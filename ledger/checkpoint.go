package ledger

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/verify"
	"github.com/mr-tron/base58"
)

// Checkpoint is the audit chain's size and head hash, signed with a vendor
// key under the ledger-checkpoint label. Recorded somewhere else (printed,
// mailed to oneself), it proves later that no entry up to Size was changed
// and that the chain was not cut back below it.
type Checkpoint struct {
	Size  int64
	Head  []byte
	At    time.Time
	KeyID codec.KeyID
	Sig   []byte
}

// Checkpoint failures.
var (
	// ErrCheckpointSyntax: the text is not a checkpoint line.
	ErrCheckpointSyntax = errors.New("not a valid checkpoint line")
	// ErrCheckpointSignature: the signature does not verify with the key
	// the checkpoint names.
	ErrCheckpointSignature = errors.New("checkpoint signature does not verify: the checkpoint was altered")
	// ErrCheckpointKey: the key cannot vouch for a checkpoint. Only
	// Ed25519 keys can: an HMAC key's secret ships inside products, so
	// anyone holding a product could forge a checkpoint with it.
	ErrCheckpointKey = errors.New("checkpoints are signed and checked only with Ed25519 keys")
)

// Message is what a checkpoint's signature covers: the label, the size,
// the head hash and the time, each with a two-byte length.
func (c Checkpoint) Message() []byte {
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], uint64(c.Size))
	b := codec.AppendField(nil, []byte(codec.LabelLedgerCheckpoint))
	b = codec.AppendField(b, s[:])
	b = codec.AppendField(b, c.Head)
	return codec.AppendField(b, []byte(c.At.UTC().Format(time.RFC3339)))
}

// SignCheckpoint verifies the chain and signs its current head with key.
func SignCheckpoint(ctx context.Context, s Store, key codec.Signer, now time.Time) (Checkpoint, error) {
	if key.Algorithm() != codec.Ed25519 {
		return Checkpoint{}, ErrCheckpointKey
	}
	size, head, err := VerifyChain(ctx, s)
	if err != nil {
		return Checkpoint{}, err
	}
	c := Checkpoint{Size: size, Head: head, At: now.UTC().Truncate(time.Second), KeyID: key.KeyID()}
	c.Sig, err = key.SignMessage(c.Message())
	return c, err
}

// VerifyCheckpoint checks the checkpoint's signature with key (the key it
// names) and that the ledger's chain is intact and still holds entry Size
// with that head hash.
func VerifyCheckpoint(ctx context.Context, s Store, c Checkpoint, key codec.Key) error {
	if key.Alg != codec.Ed25519 {
		return ErrCheckpointKey
	}
	if key.ID != c.KeyID || !verify.CheckMessage(key, c.Message(), c.Sig) {
		return ErrCheckpointSignature
	}
	return s.View(ctx, func(r Reader) error {
		size, _, h, err := verifyChain(r, c.Size)
		if err != nil {
			return err
		}
		if size < c.Size {
			return &ChainError{Seq: size + 1, Problem: fmt.Sprintf("missing: the chain has %d entries, the checkpoint recorded %d (entries were deleted from the end)", size, c.Size)}
		}
		if c.Size > 0 && !bytes.Equal(h, c.Head) {
			return &ChainError{Seq: c.Size, Problem: "differs from the checkpoint: the chain was rewritten"}
		}
		return nil
	})
}

// String renders a checkpoint as one line.
func (c Checkpoint) String() string {
	return fmt.Sprintf("actkit-checkpoint v1 size=%d head=%x at=%s key=%s sig=%s",
		c.Size, c.Head, c.At.UTC().Format(time.RFC3339), c.KeyID, base58.Encode(c.Sig))
}

// ParseCheckpoint parses the line String wrote.
func ParseCheckpoint(s string) (Checkpoint, error) {
	var c Checkpoint
	bad := func(what string) (Checkpoint, error) {
		return Checkpoint{}, fmt.Errorf("%w: %s", ErrCheckpointSyntax, what)
	}
	s = strings.TrimSpace(s)
	if len(s) > 512 || !strings.HasPrefix(s, "actkit-checkpoint v1 ") {
		return bad("it must start with \"actkit-checkpoint v1\" and be at most 512 bytes")
	}
	fields := map[string]string{}
	for _, f := range strings.Fields(s)[2:] {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return bad("a field without '='")
		}
		fields[k] = v
	}
	var err error
	if c.Size, err = strconv.ParseInt(fields["size"], 10, 64); err != nil || c.Size < 0 {
		return bad("bad size")
	}
	if c.Head, err = hex.DecodeString(fields["head"]); err != nil || len(c.Head) != 32 {
		return bad("bad head")
	}
	if c.At, err = time.Parse(time.RFC3339, fields["at"]); err != nil {
		return bad("bad time")
	}
	if c.KeyID, err = codec.ParseKeyID(fields["key"]); err != nil {
		return bad("bad key ID")
	}
	if c.Sig, err = base58.Decode(fields["sig"]); err != nil || (len(c.Sig) != codec.Ed25519SignatureSize && len(c.Sig) != codec.HMACTagSize) {
		return bad("bad signature")
	}
	return c, nil
}
