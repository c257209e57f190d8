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

// Checkpoint commits to every audit chain's head at one moment, signed
// with a vendor key under the ledger-checkpoint label. Recorded somewhere
// else (printed, mailed to oneself), it proves later that no entry it
// covers was changed and that no chain was cut back below it. Size is the
// number of entries covered; Head is the root of all chain heads
// (Heads.Root), whose list the ledger keeps, so that the line stays short.
// A checkpoint of a ledger from before chains were split has Head equal to
// its single chain's head.
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
	// ErrCheckpointUnknown: the ledger has no record of the chain heads
	// the checkpoint signed: they were deleted, or the checkpoint is of
	// another ledger.
	ErrCheckpointUnknown = errors.New("the ledger holds no record of this checkpoint's chain heads (deleted, or another ledger's checkpoint)")
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

// SignCheckpoint verifies every chain, records their heads in the ledger
// and signs their root with key.
func SignCheckpoint(ctx context.Context, s Store, key codec.Signer, now time.Time) (Checkpoint, error) {
	if key.Algorithm() != codec.Ed25519 {
		return Checkpoint{}, ErrCheckpointKey
	}
	size, heads, err := VerifyChain(ctx, s)
	if err != nil {
		return Checkpoint{}, err
	}
	c := Checkpoint{Size: size, Head: heads.Root(), At: now.UTC().Truncate(time.Second), KeyID: key.KeyID()}
	if err := s.Update(ctx, func(tx Tx) error { return tx.SaveCheckpoint(c.Head, heads) }); err != nil {
		return Checkpoint{}, err
	}
	c.Sig, err = key.SignMessage(c.Message())
	return c, err
}

// VerifyCheckpoint checks the checkpoint's signature with key (the key it
// names), that every chain is intact, and that each chain still holds the
// entry the checkpoint recorded as its head.
func VerifyCheckpoint(ctx context.Context, s Store, c Checkpoint, key codec.Key) error {
	if key.Alg != codec.Ed25519 {
		return ErrCheckpointKey
	}
	if key.ID != c.KeyID || !verify.CheckMessage(key, c.Message(), c.Sig) {
		return ErrCheckpointSignature
	}
	return s.View(ctx, func(r Reader) error {
		now, err := verifyChains(r)
		if err != nil {
			return err
		}
		then, found, err := r.CheckpointHeads(c.Head)
		if err != nil {
			return err
		}
		if !found {
			// A checkpoint from before chains were split signs the single
			// chain's head itself.
			then = Heads{{Chain: LegacyChain, Seq: c.Size, Hash: c.Head}}
			if c.Size == 0 {
				then = nil
			}
			if c.Size > 0 && !hasChain(now, LegacyChain) {
				return ErrCheckpointUnknown
			}
		} else if !bytes.Equal(then.Root(), c.Head) || then.Entries() != c.Size {
			return ErrCheckpointUnknown
		}
		type pos struct {
			chain string
			seq   int64
		}
		recorded := map[pos][]byte{}
		for _, h := range then {
			cur, ok := find(now, h.Chain)
			if !ok || cur.Seq < h.Seq {
				have := int64(0)
				if ok {
					have = cur.Seq
				}
				return &ChainError{Chain: h.Chain, Seq: have + 1, Problem: fmt.Sprintf("missing: the chain has %d entries, the checkpoint recorded %d (entries were deleted from the end)", have, h.Seq)}
			}
			recorded[pos{h.Chain, h.Seq}] = nil
		}
		if err := r.Chain(func(e Entry) error {
			if _, ok := recorded[pos{e.Chain, e.Seq}]; ok {
				recorded[pos{e.Chain, e.Seq}] = e.Hash
			}
			return nil
		}); err != nil {
			return err
		}
		for _, h := range then {
			if !bytes.Equal(recorded[pos{h.Chain, h.Seq}], h.Hash) {
				return &ChainError{Chain: h.Chain, Seq: h.Seq, Problem: "differs from the checkpoint: the chain was rewritten"}
			}
		}
		return nil
	})
}

func find(hs Heads, chain string) (Head, bool) {
	for _, h := range hs {
		if h.Chain == chain {
			return h, true
		}
	}
	return Head{}, false
}

func hasChain(hs Heads, chain string) bool { _, ok := find(hs, chain); return ok }

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
