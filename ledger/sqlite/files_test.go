package sqlite_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

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

// TestReadsNeedNoWriteAccess: a ledger whose file is read-only opens and
// reads (licence show, ledger verify, audit), and a write is refused as
// ErrReadOnly in words; a read does not wait behind a stalled writer.
func TestReadsNeedNoWriteAccess(t *testing.T) {
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
	// A writer that stalls inside its transaction.
	holding, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		done <- s.Update(ctx, func(ledger.Tx) error { close(holding); <-release; return nil })
	}()
	<-holding
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err = s.View(rctx, func(r ledger.Reader) error { _, err := r.Products(); return err })
	cancel()
	close(release)
	if werr := <-done; werr != nil {
		t.Fatal(werr)
	}
	if err != nil {
		t.Fatalf("a read behind a stalled writer: %v", err)
	}
	if _, _, err := ledger.VerifyChain(ctx, s); err != nil {
		t.Fatal(err)
	}
	s.Close()

	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		// Root writes read-only files anyway; an immutable file it cannot.
		if out, err := exec.Command("chattr", "+i", path).CombinedOutput(); err != nil {
			t.Skipf("running as root and chattr +i failed (%v: %s): cannot make the file read-only", err, out)
		}
		t.Cleanup(func() { exec.Command("chattr", "-i", path).Run() })
	}
	s, err = sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatalf("opening a read-only ledger: %v", err)
	}
	defer s.Close()
	if _, _, err := ledger.VerifyChain(ctx, s); err != nil {
		t.Fatalf("reading a read-only ledger: %v", err)
	}
	err = s.Update(ctx, func(tx ledger.Tx) error { return tx.Append(time.Now(), "test", "x", "y", []byte("{}")) })
	if !errors.Is(err, ledger.ErrReadOnly) {
		t.Fatalf("writing a read-only ledger: %v", err)
	}
}
