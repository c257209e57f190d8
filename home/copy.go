package home

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/ledger/postgres"
	"github.com/actkit/actkit/ledger/sqlite"
)

// CopyLedger copies the home's whole ledger to the ledger at to (a file
// path or a postgres:// URL), which must be empty or not exist yet; see
// ledger.Copy. A file made for the copy is removed again if the copy
// fails, so that a retry under the same name is not refused.
func (h *Home) CopyLedger(ctx context.Context, to string) (ledger.CopyResult, error) {
	from, err := h.Ledger(ctx)
	if err != nil {
		return ledger.CopyResult{}, err
	}
	made := false
	if !postgres.IsURL(to) {
		if _, err := os.Stat(to); errors.Is(err, os.ErrNotExist) {
			made = true
		}
	}
	dst, err := OpenLedger(ctx, to, h.opts.SQLite, h.opts.Postgres)
	if err != nil {
		return ledger.CopyResult{}, err
	}
	res, err := ledger.Copy(ctx, from, dst)
	cerr := dst.Close()
	if err == nil {
		err = cerr
	}
	if err != nil && made {
		removeLedgerFile(to)
	}
	return res, err
}

func removeLedgerFile(path string) {
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		os.Remove(path + suffix)
	}
}

// Backup writes a consistent copy of the ledger to a new file at path
// while issuing goes on: SQLite's own backup for a file ledger, a
// verified copy into a new ledger file for a PostgreSQL one (pg_dump is
// the database's own way; this file is a ledger actkit opens as it is).
func (h *Home) Backup(ctx context.Context, path string) error {
	l, err := h.Ledger(ctx)
	if err != nil {
		return err
	}
	if _, ok := l.(*sqlite.Store); ok {
		return l.Backup(ctx, path)
	}
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("backup %s: %w", path, ledger.ErrExists)
	}
	_, err = h.CopyLedger(ctx, path)
	return err
}
