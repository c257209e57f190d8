package sqlite_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/ledger/sqlite"
)

// TestLedgerFilesAreOwnerOnly: the ledger and its backups hold every
// licence key; they are created 0600, and an older world-readable ledger
// is tightened on open.
func TestLedgerFilesAreOwnerOnly(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX permissions")
	}
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "ledger.db")
	s, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(dir, "backup.db")
	if err := s.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	s.Close()
	for _, p := range []string{path, backup} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", filepath.Base(p), st.Mode().Perm())
		}
	}
	os.Chmod(path, 0o644)
	s, err = sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("an old 0644 ledger stays %v", st.Mode().Perm())
	}
}

// TestFailedBackupLeavesNoFile: a backup that fails (its folder does not
// accept it) leaves nothing behind, so a retry under the same name works;
// an existing file is refused as ErrExists.
func TestFailedBackupLeavesNoFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := sqlite.Open(ctx, filepath.Join(dir, "ledger.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	target := filepath.Join(dir, "b.db")
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Backup(cctx, target); err == nil {
		t.Fatal("a cancelled backup succeeded")
	}
	if _, err := os.Stat(target); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the failed backup left %s behind: %v", target, err)
	}
	if err := s.Backup(ctx, target); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if err := s.Backup(ctx, target); !errors.Is(err, ledger.ErrExists) {
		t.Fatalf("second backup to the same name: %v", err)
	}
}

// TestLedgerPathMustBeARegularFile: a ledger path that is a device (or a
// link to one) is refused, and nothing is created beside it.
func TestLedgerPathMustBeARegularFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no /dev/null")
	}
	dir := t.TempDir()
	link := filepath.Join(dir, "ledger.db")
	if err := os.Symlink("/dev/null", link); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlite.Open(context.Background(), link, sqlite.Options{}); !errors.Is(err, sqlite.ErrNotRegular) {
		t.Fatalf("got %v", err)
	}
	if _, err := sqlite.Open(context.Background(), dir, sqlite.Options{}); !errors.Is(err, sqlite.ErrNotRegular) {
		t.Fatalf("directory: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("files created beside the device: %v", entries)
	}
}
