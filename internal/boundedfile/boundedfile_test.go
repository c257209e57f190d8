package boundedfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestRegularFilesWithinTheLimit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	os.WriteFile(path, []byte("12345"), 0o600)
	if b, err := ReadFile(path, 5); err != nil || string(b) != "12345" {
		t.Fatalf("%q %v", b, err)
	}
	if _, err := ReadFile(path, 4); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("over the limit: %v", err)
	}
	if _, err := ReadFile(dir, 4); !errors.Is(err, ErrNotRegular) {
		t.Fatalf("directory: %v", err)
	}
}
