package home

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/ledger"
)

// ErrKeystoreRollback is returned when the keystore is older than the
// ledger remembers: restored from an old backup, or replaced by an old
// copy. Using it would un-revoke revoked keys (the next keyring export
// would trust them again), so it is refused until AcceptRestoredKeys.
var ErrKeystoreRollback = errors.New("the keystore is older than the ledger remembers")

// RollbackError says what the ledger remembers and what the file holds.
type RollbackError struct {
	Path       string
	Recorded   ledger.KeystoreState
	Generation uint64
	// Unrevoked are keys the ledger recorded as revoked that the file
	// holds as active or retired.
	Unrevoked []codec.KeyID
}

func (e *RollbackError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %v: the ledger recorded generation %d, the file is generation %d", e.Path, ErrKeystoreRollback, e.Recorded.Generation, e.Generation)
	if len(e.Unrevoked) > 0 {
		ids := make([]string, len(e.Unrevoked))
		for i, id := range e.Unrevoked {
			ids[i] = id.String()
		}
		fmt.Fprintf(&b, ", and it holds revoked keys as usable: %s", strings.Join(ids, ", "))
	}
	return b.String()
}

func (e *RollbackError) Unwrap() error { return ErrKeystoreRollback }

// Keys loads the keystore and checks it against what the ledger
// recorded of it.
func (h *Home) Keys(ctx context.Context) (*keygen.Keyset, error) {
	ks, err := h.Keystore().Load(ctx)
	if err != nil {
		return nil, err
	}
	if err := h.checkKeys(ctx, ks); err != nil {
		return nil, err
	}
	return ks, nil
}

func (h *Home) recorded(ctx context.Context) (ledger.KeystoreState, error) {
	l, err := h.Ledger(ctx)
	if err != nil {
		return ledger.KeystoreState{}, err
	}
	var st ledger.KeystoreState
	err = l.View(ctx, func(r ledger.Reader) (err error) {
		st, err = r.KeystoreState()
		return err
	})
	return st, err
}

func (h *Home) checkKeys(ctx context.Context, ks *keygen.Keyset) error {
	_, err := h.checkedKeys(ctx, ks)
	return err
}

// checkedKeys checks ks against the ledger's record and returns the
// record.
func (h *Home) checkedKeys(ctx context.Context, ks *keygen.Keyset) (ledger.KeystoreState, error) {
	if len(ks.Keys()) == 0 {
		// A keystore of delegated keys alone (a licence server's home) has
		// no root to un-revoke, and shares the ledger with the
		// workstation, whose keystore the record is of: it is not
		// compared, and not recorded.
		return ledger.KeystoreState{}, nil
	}
	st, err := h.recorded(ctx)
	if err != nil {
		return st, err
	}
	var unrevoked []codec.KeyID
	for _, id := range st.Revoked {
		if k, err := ks.Key(id); err == nil && k.Status != keygen.Revoked {
			unrevoked = append(unrevoked, id)
		}
	}
	if ks.Generation() < st.Generation || len(unrevoked) > 0 {
		return st, &RollbackError{Path: h.KeystorePath(), Recorded: st, Generation: ks.Generation(), Unrevoked: unrevoked}
	}
	return st, nil
}

// UpdateKeys changes the keystore (after checking it is not rolled back)
// and records its new state in the ledger, in the audit trail too.
//
// New revocations are recorded before the keystore is written, under its
// lock: a revocation the ledger does not know of would be undone silently
// by restoring the backup (keystore.age.bak holds the key unrevoked). If
// recording fails, the keystore is not changed; if the write fails after
// the record, the ledger holds a revocation the file lacks, which is
// refused as a rollback until AcceptRestoredKeys applies it: the
// revocation the user asked for is kept, never lost. The new generation
// is recorded once the write succeeded (recorded first, a failed write
// would make every later open look like a rollback); if that record
// fails, the revocations are already safe.
func (h *Home) UpdateKeys(ctx context.Context, fn func(*keygen.Keyset) error) error {
	s := h.Keystore()
	var after *keygen.Keyset
	err := s.Update(ctx, func(ks *keygen.Keyset) error {
		st, err := h.checkedKeys(ctx, ks)
		if err != nil {
			return err
		}
		if err := fn(ks); err != nil {
			return err
		}
		known := map[codec.KeyID]bool{}
		for _, id := range st.Revoked {
			known[id] = true
		}
		for _, id := range ks.RevokedIDs() {
			if !known[id] {
				// The generation recorded is the file's current one,
				// which the record already holds or exceeds: only the
				// revocations are new.
				if err := h.RecordKeys(ctx, ks.Generation(), ks.RevokedIDs()); err != nil {
					return fmt.Errorf("recording the revocation in the ledger failed; the keystore was not changed: %w", err)
				}
				break
			}
		}
		after = ks
		return nil
	})
	if err != nil {
		return err
	}
	if len(after.Keys()) == 0 {
		return nil // delegated keys alone: see checkedKeys
	}
	// The keyset is the one Update wrote, its generation already advanced.
	return h.RecordKeys(ctx, after.Generation(), after.RevokedIDs())
}

// RecordKeys records a keystore state in the ledger (after keys init or a
// change of protection, which write the keystore themselves).
func (h *Home) RecordKeys(ctx context.Context, generation uint64, revoked []codec.KeyID) error {
	l, err := h.Ledger(ctx)
	if err != nil {
		return err
	}
	st := ledger.KeystoreState{Generation: generation, Revoked: revoked}
	return l.Update(ctx, func(tx ledger.Tx) error {
		if err := tx.RecordKeystore(st); err != nil {
			return err
		}
		ev := ledger.KeystoreEvent{Generation: generation, Revoked: []string{}}
		for _, id := range revoked {
			ev.Revoked = append(ev.Revoked, id.String())
		}
		detail, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		return tx.Append(h.opts.Now(), ledger.KeystoreChain(), ledger.ActionKeystoreState, "keystore", detail)
	})
}

// AcceptRestoredKeys accepts a keystore restored from a backup: every
// revocation the ledger recorded is applied to it again (a revocation
// survives a restore), its generation is raised past the recorded one,
// and the result is written and recorded. It returns the keys revoked
// again.
func (h *Home) AcceptRestoredKeys(ctx context.Context) ([]codec.KeyID, error) {
	st, err := h.recorded(ctx)
	if err != nil {
		return nil, err
	}
	s := h.Keystore()
	var again []codec.KeyID
	var after *keygen.Keyset
	err = s.Update(ctx, func(ks *keygen.Keyset) error {
		for _, id := range st.Revoked {
			if k, err := ks.Key(id); err == nil && k.Status != keygen.Revoked {
				if err := ks.Revoke(id); err != nil {
					return err
				}
				again = append(again, id)
			}
		}
		ks.AdvanceGeneration(st.Generation)
		after = ks
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(again, func(a, b codec.KeyID) int { return strings.Compare(a.String(), b.String()) })
	return again, h.RecordKeys(ctx, after.Generation(), after.RevokedIDs())
}
