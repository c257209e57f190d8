//go:build unix

package keygen_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/actkit/actkit/codec"
)

// TestStaleTempsAreOnlyRegularFiles: the clean-up of temporary files a
// crashed writer left removes the regular files named like them and
// nothing else: a symlink or a FIFO given such a name (by someone who
// can write the keystore's directory) is not a temporary file of the
// keystore's, and the symlink's target is never touched.
func TestStaleTempsAreOnlyRegularFiles(t *testing.T) {
	s := newPassStore(t, false)
	dir := filepath.Dir(s.Path())
	crashed := filepath.Join(dir, ".keystore.age.tmp-crashed")
	if err := os.WriteFile(crashed, []byte("left by a crash"), 0o600); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(t.TempDir(), "precious")
	if err := os.WriteFile(target, []byte("not the keystore's"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, ".keystore.age.tmp-link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, ".keystore.age.bak.tmp-fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	addKey(t, s, "umenu", codec.Ed25519) // an Update, which cleans up
	if _, err := os.Lstat(crashed); !os.IsNotExist(err) {
		t.Errorf("the crashed writer's temporary file is still there: %v", err)
	}
	for _, p := range []string{link, fifo, target} {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(p), err)
		}
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the symlink is not a symlink any more: %v", err)
	}
}
