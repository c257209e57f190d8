//go:build linux

package atomicfile_test

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/actkit/actkit/internal/atomicfile"
)

// mknodNull makes a character device like /dev/null (1,3) in a temporary
// directory; the real /dev/null is never touched.
func mknodNull(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "null")
	if err := syscall.Mknod(path, syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		t.Skipf("mknod needs root: %v", err)
	}
	return path
}

func assertMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != want {
		t.Fatalf("%s is now %v, want type %v", path, fi.Mode(), want)
	}
}

func TestCharDeviceWrittenInPlace(t *testing.T) {
	null := mknodNull(t)
	if err := atomicfile.Write(atomicfile.OS, null, 0o600, writeString("into the void")); err != nil {
		t.Fatal(err)
	}
	assertMode(t, null, fs.ModeDevice|fs.ModeCharDevice)
	assertNoTemp(t, filepath.Dir(null))
	// A link to the device is written in place too, and stays a link.
	link := filepath.Join(filepath.Dir(null), "link")
	if err := os.Symlink(null, link); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.Write(atomicfile.OS, link, 0o600, writeString("x")); err != nil {
		t.Fatal(err)
	}
	assertMode(t, link, fs.ModeSymlink)
	assertMode(t, null, fs.ModeDevice|fs.ModeCharDevice)
}

func TestFIFOWrittenInPlace(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- err.Error()
			return
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		got <- string(b)
	}()
	if err := atomicfile.Write(atomicfile.OS, fifo, 0o600, writeString("through the pipe")); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "through the pipe" {
		t.Fatalf("reader got %q", s)
	}
	assertMode(t, fifo, fs.ModeNamedPipe)
	assertNoTemp(t, filepath.Dir(fifo))
}

// TestOpenStreamLinkWrittenInPlace: /dev/fd/N (like /dev/stdout) names an
// open file; it is written through, even when a shell redirected it to a
// regular file.
func TestOpenStreamLinkWrittenInPlace(t *testing.T) {
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "redirected"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	before, _ := f.Stat()
	path := fmt.Sprintf("/dev/fd/%d", f.Fd())
	if err := atomicfile.Write(atomicfile.OS, path, 0o600, writeString("via the descriptor")); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(f.Name())
	after, _ := os.Stat(f.Name())
	if string(got) != "via the descriptor" || !os.SameFile(before, after) {
		t.Fatalf("content %q, same file %v", got, os.SameFile(before, after))
	}
	assertNoTemp(t, dir)
}

func TestSymlinkToRegularFileRefused(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	link := filepath.Join(dir, "link")
	if err := os.WriteFile(target, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	err := atomicfile.Write(atomicfile.OS, link, 0o600, writeString("new"))
	if !errors.Is(err, atomicfile.ErrSymlink) {
		t.Fatalf("got %v", err)
	}
	assertMode(t, link, fs.ModeSymlink)
	if got, _ := os.ReadFile(target); string(got) != "old" {
		t.Fatalf("target now %q", got)
	}
	assertNoTemp(t, dir)
}

func TestOtherKindsRefused(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock")
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	if err := syscall.Bind(fd, &syscall.SockaddrUnix{Name: sock}); err != nil {
		t.Fatal(err)
	}
	dangling := filepath.Join(dir, "dangling")
	if err := os.Symlink(filepath.Join(dir, "nowhere"), dangling); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]error{sub: atomicfile.ErrNotRegular, sock: atomicfile.ErrNotRegular, dangling: atomicfile.ErrSymlink} {
		if err := atomicfile.Write(atomicfile.OS, path, 0o600, writeString("x")); !errors.Is(err, want) {
			t.Errorf("%s: got %v, want %v", filepath.Base(path), err, want)
		}
	}
	if syscall.Mknod(filepath.Join(dir, "blk"), syscall.S_IFBLK|0o600, 7<<8) == nil {
		if err := atomicfile.Write(atomicfile.OS, filepath.Join(dir, "blk"), 0o600, writeString("x")); !errors.Is(err, atomicfile.ErrNotRegular) {
			t.Errorf("block device: got %v", err)
		}
		assertMode(t, filepath.Join(dir, "blk"), fs.ModeDevice)
	}
	assertMode(t, sub, fs.ModeDir)
	assertMode(t, sock, fs.ModeSocket)
	assertNoTemp(t, dir)
}
