package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"time"
)

// staleAfter is how long a temporary file must have gone unwritten before
// a later write may remove it. With the lock below it is a second guard:
// a file just made by a writer that has not yet locked it is never taken.
const staleAfter = time.Minute

// tempPrefix is the start of the name of path's temporary files; the
// rest is os.CreateTemp's decimal random part.
func tempPrefix(base string) string { return "." + base + ".tmp-" }

// removeStale removes the temporary files that writes of base in dir left
// behind when their process was killed (kill -9, power loss) between
// creating the file and renaming it. Only names of this package's
// pattern for this very target, only regular files, only files that no
// writer holds locked and that have not been written for staleAfter. It is
// best effort: a file it cannot judge or remove stays, and nothing is
// reported, as the write itself does not depend on it.
func removeStale(dir, base string, now time.Time) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	prefix := tempPrefix(base)
	for _, e := range entries {
		name := e.Name()
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok || !digits(rest) || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() || now.Sub(info.ModTime()) < staleAfter {
			continue
		}
		removeIfUnlocked(filepath.Join(dir, name))
	}
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
