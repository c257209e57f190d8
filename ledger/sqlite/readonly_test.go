package sqlite_test

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/ledger/ledgertest"
	"github.com/actkit/actkit/ledger/sqlite"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"
)

// readOnlyLedger writes a small ledger (a product, a licence, two codes)
// in dir and returns the licence's key.
func readOnlyLedger(t *testing.T, dir string) string {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(dir, "ledger.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	svc := signer.New(s, ledgertest.Keys(), signer.Options{Now: func() time.Time { return ledgertest.Now }})
	if _, err := svc.AddProduct(ctx, "umenu", "", nil); err != nil {
		t.Fatal(err)
	}
	li, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 3, Expires: codec.NoExpiry})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if _, err := svc.Issue(ctx, licensing.IssueRequest{Licence: li.Display, Machine: ledgertest.UID(i)}); err != nil {
			t.Fatal(err)
		}
	}
	return li.Display
}

// checkReadOnly opens the ledger at path: every read command works
// (licence show, ledger verify, ledger audit, ledger backup), and a write
// is refused with want, in words.
func checkReadOnly(t *testing.T, path, licence string, want error) {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatalf("opening: %v", err)
	}
	defer s.Close()
	svc := signer.New(s, nil, signer.Options{})
	if li, err := svc.Licence(ctx, licence); err != nil || li.InUse != 2 {
		t.Fatalf("licence show: %+v %v", li, err)
	}
	if _, _, err := svc.VerifyChain(ctx); err != nil {
		t.Fatalf("ledger verify (chains): %v", err)
	}
	if err := svc.VerifyState(ctx); err != nil {
		t.Fatalf("ledger verify (state): %v", err)
	}
	if err := s.IntegrityCheck(ctx); err != nil {
		t.Fatalf("ledger verify (integrity): %v", err)
	}
	if e, err := svc.Audit(ctx, 0, 100); err != nil || len(e) == 0 {
		t.Fatalf("ledger audit: %d entries, %v", len(e), err)
	}
	if err := svc.Backup(ctx, filepath.Join(t.TempDir(), "copy.db")); err != nil {
		t.Fatalf("ledger backup: %v", err)
	}
	_, err = svc.Release(ctx, licence, ledgertest.UID(0))
	if !errors.Is(err, want) || strings.Contains(err.Error(), "disk I/O error") {
		t.Fatalf("a write: %v, want %v", err, want)
	}
}

func needRoot(t *testing.T, why string) {
	t.Helper()
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("needs root on Linux: " + why)
	}
}

// mount runs mount(8), skipping the test where it is not allowed.
func mount(t *testing.T, target string, args ...string) {
	t.Helper()
	if out, err := exec.Command("mount", append(args, target)...).CombinedOutput(); err != nil {
		t.Skipf("mount %v: %v: %s", args, err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", target).Run() })
}

// readOnlyMount shows dir read-only at a new mount point, as a read-only
// file system.
func readOnlyMount(t *testing.T, dir string) string {
	t.Helper()
	ro := t.TempDir()
	mount(t, ro, "--bind", dir)
	if out, err := exec.Command("mount", "-o", "remount,ro,bind", ro).CombinedOutput(); err != nil {
		t.Skipf("remount read-only: %v: %s", err, out)
	}
	return ro
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	out.Close()
}

// TestReadOnlyFolderOpensForReading: a ledger whose folder cannot be
// written (SQLite cannot create ledger.db-shm beside it: "unable to open
// database file (14)") opens for reading, and a write says read-only.
func TestReadOnlyFolderOpensForReading(t *testing.T) {
	needRoot(t, "root writes read-only folders anyway; chattr +i makes one it cannot")
	dir := t.TempDir()
	lic := readOnlyLedger(t, dir)
	if out, err := exec.Command("chattr", "+i", dir).CombinedOutput(); err != nil {
		t.Skipf("chattr +i: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("chattr", "-i", dir).Run() })
	checkReadOnly(t, filepath.Join(dir, "ledger.db"), lic, ledger.ErrReadOnly)
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("files beside the ledger: %v", entries)
	}
}

// TestReadOnlyMountOpensForReading: on a read-only file system a ledger
// opens for reading, whether it was left closed, left world-readable by
// an older release (it cannot be tightened there), or copied with the
// -wal and -shm files of a writer; a ledger whose -wal file holds
// transactions but lost its -shm file is refused as read-only, in words.
func TestReadOnlyMountOpensForReading(t *testing.T) {
	needRoot(t, "mounts a read-only file system")
	ctx := context.Background()
	src := t.TempDir()
	lic := readOnlyLedger(t, src)

	closed := t.TempDir()
	copyFile(t, filepath.Join(src, "ledger.db"), filepath.Join(closed, "ledger.db")) // 0644
	checkReadOnly(t, filepath.Join(readOnlyMount(t, closed), "ledger.db"), lic, ledger.ErrReadOnly)

	// A snapshot of a ledger being written: ledger.db, -wal and -shm.
	s, err := sqlite.Open(ctx, filepath.Join(src, "ledger.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	svc := signer.New(s, ledgertest.Keys(), signer.Options{Now: func() time.Time { return ledgertest.Now }})
	if _, err := svc.Issue(ctx, licensing.IssueRequest{Licence: lic, Machine: ledgertest.UID(0)}); err != nil {
		t.Fatal(err)
	}
	live := t.TempDir()
	for _, f := range []string{"ledger.db", "ledger.db-wal", "ledger.db-shm"} {
		copyFile(t, filepath.Join(src, f), filepath.Join(live, f))
	}
	checkReadOnly(t, filepath.Join(readOnlyMount(t, live), "ledger.db"), lic, ledger.ErrReadOnly)

	noShm := t.TempDir()
	for _, f := range []string{"ledger.db", "ledger.db-wal"} {
		copyFile(t, filepath.Join(src, f), filepath.Join(noShm, f))
	}
	_, err = sqlite.Open(ctx, filepath.Join(readOnlyMount(t, noShm), "ledger.db"), sqlite.Options{})
	if !errors.Is(err, ledger.ErrReadOnly) || !strings.Contains(err.Error(), "ledger.db-wal") {
		t.Fatalf("a -wal without its -shm on a read-only mount: %v", err)
	}
}

// TestFullDiskOpensForReading: on a full disk SQLite cannot grow
// ledger.db-shm ("disk I/O error (4874)", SQLITE_IOERR_SHMSIZE); the
// ledger opens for reading all the same, and a write says the disk is
// full, never "disk I/O error".
func TestFullDiskOpensForReading(t *testing.T) {
	needRoot(t, "mounts a small tmpfs")
	ctx := context.Background()
	disk := t.TempDir()
	mount(t, disk, "-t", "tmpfs", "-o", "size=1m", "tmpfs")
	lic := readOnlyLedger(t, disk)
	fill := func() {
		f, err := os.Create(filepath.Join(disk, "fill"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		buf := make([]byte, 4096)
		for {
			if _, err := f.Write(buf); err != nil {
				return
			}
		}
	}
	fill()
	checkReadOnly(t, filepath.Join(disk, "ledger.db"), lic, ledger.ErrFull)

	// A -wal that holds transactions, without its -shm: refused, as full.
	os.Remove(filepath.Join(disk, "fill"))
	s, err := sqlite.Open(ctx, filepath.Join(disk, "ledger.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	svc := signer.New(s, ledgertest.Keys(), signer.Options{Now: func() time.Time { return ledgertest.Now }})
	if _, err := svc.Issue(ctx, licensing.IssueRequest{Licence: lic, Machine: ledgertest.UID(0)}); err != nil {
		t.Fatal(err)
	}
	wal, err := os.ReadFile(filepath.Join(disk, "ledger.db-wal"))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := os.WriteFile(filepath.Join(disk, "ledger.db-wal"), wal, 0o600); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(disk, "ledger.db-shm"))
	fill()
	_, err = sqlite.Open(ctx, filepath.Join(disk, "ledger.db"), sqlite.Options{})
	if !errors.Is(err, ledger.ErrFull) || strings.Contains(err.Error(), "I/O") {
		t.Fatalf("a -wal without its -shm on a full disk: %v", err)
	}
}
