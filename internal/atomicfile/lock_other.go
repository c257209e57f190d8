//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package atomicfile

import (
	"os"
	"time"
)

// lock is a no-op where there is no flock; removeIfUnlocked then relies on
// age alone, with a margin no live write reaches without writing.
func lock(fd uintptr) {}

// removeIfUnlocked removes path only if it has not been written for a
// day: without a lock, age is the only sign its writer is gone.
func removeIfUnlocked(path string) {
	fi, err := os.Lstat(path)
	if err != nil || !fi.Mode().IsRegular() || time.Since(fi.ModTime()) < 24*time.Hour {
		return
	}
	os.Remove(path)
}
