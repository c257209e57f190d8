//go:build unix

package keygen_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/actkit/actkit/keygen"
)

// TestLockFileSymlinkNotFollowed: a symlink planted as the keystore's lock
// file is not followed: the change is refused and the link's target is
// neither created nor touched.
func TestLockFileSymlinkNotFollowed(t *testing.T) {
	s, _ := newRecipientStore(t, keygen.StoreOptions{})
	victim := filepath.Join(t.TempDir(), "victim")
	os.Remove(s.Path() + ".lock")
	if err := os.Symlink(victim, s.Path()+".lock"); err != nil {
		t.Fatal(err)
	}
	err := s.Update(context.Background(), func(*keygen.Keyset) error { return nil })
	if !errors.Is(err, keygen.ErrLocked) {
		t.Fatalf("got %v", err)
	}
	if _, err := os.Lstat(victim); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the link's target was created: %v", err)
	}
}
