package atomicfile_test

import (
	"errors"
	"github.com/actkit/actkit/internal/atomicfile"
	"github.com/actkit/actkit/internal/atomicfile/atomicfiletest"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

func TestWriteReplaces(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := atomicfile.Write(atomicfile.OS, path, 0o600, writeString("old")); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.Write(atomicfile.OS, path, 0o600, writeString("new")); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	st, _ := os.Stat(path)
	if string(got) != "new" || st.Mode().Perm() != 0o600 {
		t.Fatalf("content %q mode %v", got, st.Mode())
	}
	assertNoTemp(t, filepath.Dir(path))
}

func TestFaultsKeepOldContent(t *testing.T) {
	for _, step := range []string{"create", "write", "sync", "close", "rename"} {
		t.Run(step, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f")
			if err := atomicfile.Write(atomicfile.OS, path, 0o600, writeString("old")); err != nil {
				t.Fatal(err)
			}
			err := atomicfile.Write(atomicfiletest.FaultFS{Fail: step}, path, 0o600, writeString("new"))
			if !errors.Is(err, atomicfiletest.ErrInjected) {
				t.Fatalf("got %v", err)
			}
			got, _ := os.ReadFile(path)
			if string(got) != "old" {
				t.Fatalf("content %q after failed %s", got, step)
			}
			assertNoTemp(t, filepath.Dir(path))
		})
	}
	// A failed directory sync is reported; the file is already replaced.
	path := filepath.Join(t.TempDir(), "f")
	if err := atomicfile.Write(atomicfiletest.FaultFS{Fail: "syncdir"}, path, 0o600, writeString("new")); !errors.Is(err, atomicfiletest.ErrInjected) {
		t.Fatalf("syncdir failure not reported: %v", err)
	}
	// The writer's own error aborts too.
	boom := errors.New("boom")
	if err := atomicfile.Write(atomicfile.OS, path, 0o600, func(io.Writer) error { return boom }); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	assertNoTemp(t, filepath.Dir(path))
}

func TestCreateIsExclusive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := atomicfile.Create(atomicfile.OS, path, 0o600, writeString("first")); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.Create(atomicfile.OS, path, 0o600, writeString("second")); !errors.Is(err, atomicfile.ErrExists) {
		t.Fatalf("got %v", err)
	}
	got, _ := os.ReadFile(path)
	if string(got) != "first" {
		t.Fatalf("content %q", got)
	}
	// Without hard links (the link step fails), atomicfile.Create falls back to
	// check-and-rename, still refusing an existing file.
	g := filepath.Join(filepath.Dir(path), "g")
	if err := atomicfile.Create(atomicfiletest.FaultFS{Fail: "link"}, g, 0o600, writeString("x")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(g); string(got) != "x" {
		t.Fatalf("fallback wrote %q", got)
	}
	if err := atomicfile.Create(atomicfiletest.FaultFS{Fail: "link"}, g, 0o600, writeString("y")); !errors.Is(err, atomicfile.ErrExists) {
		t.Fatalf("fallback replaced an existing file: %v", err)
	}
	assertNoTemp(t, filepath.Dir(path))
}

func TestPermissions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := atomicfile.Write(atomicfile.OS, path, 0o644, writeString("x")); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v", st.Mode())
	}
}

func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Fatalf("temporary file left behind: %s", e.Name())
		}
	}
}
