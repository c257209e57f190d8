//go:build linux

package atomicfile_test

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/actkit/actkit/internal/atomicfile"
)

func age(t *testing.T, path string) {
	t.Helper()
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
}

func TestStaleTemporaryFilesRemoved(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	mk := func(name string, old bool) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		if old {
			age(t, p)
		}
		return p
	}
	stale := mk(".out.csv.tmp-123", true)
	fresh := mk(".out.csv.tmp-456", false)         // a writer may have just made it
	locked := mk(".out.csv.tmp-789", true)         // a live writer holds it
	notOurs := mk(".out.csv.tmp-12x", true)        // not os.CreateTemp's digits
	otherTarget := mk(".out.csvx.tmp-123", true)   // another target's
	otherTarget2 := mk(".other.csv.tmp-123", true) // another target's
	subdir := filepath.Join(dir, ".out.csv.tmp-321")
	if err := os.Mkdir(subdir, 0o700); err != nil {
		t.Fatal(err)
	}
	age(t, subdir)
	linked := filepath.Join(dir, ".out.csv.tmp-654")
	if err := os.Symlink(otherTarget, linked); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, ".out.csv.tmp-987") // opening it would block
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	age(t, fifo)
	lf, err := os.Open(locked)
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	if err := syscall.Flock(int(lf.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}

	if err := atomicfile.Write(atomicfile.OS, path, 0o600, writeString("new")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(stale); !os.IsNotExist(err) {
		t.Errorf("stale temporary file kept: %v", err)
	}
	for _, p := range []string{fresh, locked, notOurs, otherTarget, otherTarget2, subdir, linked, fifo} {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("%s removed: %v", filepath.Base(p), err)
		}
	}
}

// TestKilledWriterLeavesNothingForever kills a real writer with SIGKILL
// mid-write, as kill -9 during 'actkit issue --batch -o FILE' would: its
// temporary file stays while the process lives (locked), and the next
// write removes it once the process is gone.
func TestKilledWriterLeavesNothingForever(t *testing.T) {
	if target := os.Getenv("ATOMICFILE_TEST_HANG"); target != "" {
		atomicfile.Write(atomicfile.OS, target, 0o600, func(w io.Writer) error {
			io.WriteString(w, "partial")
			os.Stdout.WriteString("writing\n")
			select {} // until killed
		})
		return
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledWriterLeavesNothingForever$")
	cmd.Env = append(os.Environ(), "ATOMICFILE_TEST_HANG="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8)
	if _, err := io.ReadFull(out, buf); err != nil || string(buf) != "writing\n" {
		cmd.Process.Kill()
		t.Fatalf("helper: %q %v", buf, err)
	}
	temps := func() []string {
		m, _ := filepath.Glob(filepath.Join(dir, ".out.csv.tmp-*"))
		return m
	}
	tmp := temps()
	if len(tmp) != 1 {
		cmd.Process.Kill()
		t.Fatalf("temporary files %v", tmp)
	}
	age(t, tmp[0])
	// While the writer lives, another write leaves its file alone.
	if err := atomicfile.Write(atomicfile.OS, path, 0o600, writeString("one")); err != nil {
		t.Fatal(err)
	}
	if len(temps()) != 1 {
		cmd.Process.Kill()
		t.Fatal("a live writer's temporary file was removed")
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if len(temps()) != 1 {
		t.Fatal("expected the killed writer's file to be left behind")
	}
	if err := atomicfile.Write(atomicfile.OS, path, 0o600, writeString("two")); err != nil {
		t.Fatal(err)
	}
	if left := temps(); len(left) != 0 {
		t.Fatalf("left behind after the writer died: %v", left)
	}
	if got, _ := os.ReadFile(path); !strings.HasPrefix(string(got), "two") {
		t.Fatalf("content %q", got)
	}
}
