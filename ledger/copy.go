package ledger

import (
	"context"
	"errors"
	"fmt"
)

// Table is one of the ledger's tables as a copy carries it: its columns
// in the order rows are given, and the order rows are read in (parents
// before children, storage order within a table, so that serials and
// audit IDs keep their meaning). The seat counter is not carried: the
// target's own triggers count the live activations as they arrive.
type Table struct {
	Name    string
	Columns []string
	OrderBy string
}

// Tables are every table of the ledger, in the order a copy writes them.
var Tables = []Table{
	{"products", []string{"id", "licence_prefix", "features", "created", "legacy_keys", "legacy_lookalikes"}, "id"},
	{"licences", []string{"key", "display", "product", "seats", "expires", "features", "customer", "status", "created", "plan"}, "key"},
	{"activations", []string{"serial", "licence", "machine", "seats", "key_id", "issued", "expires", "features", "created", "released", "release_why", "name", "last_seen"}, "serial"},
	{"audit", []string{"id", "chain", "seq", "at", "action", "subject", "detail", "prev", "hash"}, "id"},
	{"checkpoints", []string{"root", "heads"}, "root"},
	{"keystore_state", []string{"id", "generation", "revoked"}, "id"},
	{"releases", []string{"product", "line", "keys"}, "product, line"},
	{"plans", []string{"product", "id", "body"}, "product, id"},
	{"tokens", []string{"id", "name", "scope", "hash", "created", "expires", "revoked", "subject"}, "id"},
}

// Put receives one row of a table; values are int64, string, []byte or
// nil.
type Put func(t Table, row []any) error

// Copier is a backend that can give and take whole ledgers, for copying
// between backends (a file to PostgreSQL and back).
type Copier interface {
	// Export calls put for every row of every table, in the order of
	// Tables, all from one snapshot.
	Export(ctx context.Context, put Put) error
	// Import writes the rows that rows gives to put, in one transaction,
	// into a ledger that must be empty (ErrNotEmpty otherwise): an
	// interrupted import leaves it empty, and a retry starts again.
	Import(ctx context.Context, rows func(put Put) error) error
}

// ErrNotEmpty is returned when a copy's target already holds a ledger.
var ErrNotEmpty = errors.New("the target ledger is not empty")

// ErrCopyMismatch is returned when a copied ledger does not verify to the
// same chain heads as its source.
var ErrCopyMismatch = errors.New("the copy does not match its source")

// CopyResult says what a copy carried.
type CopyResult struct {
	// Rows counts the rows copied per table.
	Rows map[string]int
	// Entries is the number of audit entries; Root commits to every chain
	// head, the same on both sides.
	Entries int64
	Root    []byte
}

// Copy copies the whole ledger from into to, which must be empty. The
// source is verified first (every chain, and its tables against the
// trail), the rows of one snapshot are written in one transaction, and
// the target is verified the same way and must hold every exported
// entry in its chains: a copy is whole and checked, or the target stays
// empty.
func Copy(ctx context.Context, from, to Store) (CopyResult, error) {
	src, ok := from.(Copier)
	if !ok {
		return CopyResult{}, fmt.Errorf("the source ledger cannot be copied (%T)", from)
	}
	dst, ok := to.(Copier)
	if !ok {
		return CopyResult{}, fmt.Errorf("the target ledger cannot be written by a copy (%T)", to)
	}
	if _, _, err := VerifyChain(ctx, from); err != nil {
		return CopyResult{}, fmt.Errorf("the source's audit trail: %w", err)
	}
	if err := VerifyState(ctx, from); err != nil {
		return CopyResult{}, fmt.Errorf("the source: %w", err)
	}
	res := CopyResult{Rows: map[string]int{}}
	err := dst.Import(ctx, func(put Put) error {
		return src.Export(ctx, func(t Table, row []any) error {
			res.Rows[t.Name]++
			return put(t, row)
		})
	})
	if err != nil {
		return CopyResult{}, err
	}
	// The source may have moved on since it was verified (a live
	// server); what must hold is that the copy verifies, whole, with
	// every entry that was exported.
	m, heads, err := VerifyChain(ctx, to)
	if err != nil {
		return res, fmt.Errorf("the copy's audit trail: %w", err)
	}
	if m != int64(res.Rows["audit"]) {
		return res, fmt.Errorf("%w: %d audit entries exported, %d in the copy's chains", ErrCopyMismatch, res.Rows["audit"], m)
	}
	res.Entries, res.Root = m, heads.Root()
	if err := VerifyState(ctx, to); err != nil {
		return res, fmt.Errorf("the copy: %w", err)
	}
	return res, nil
}
