//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package atomicfile

import (
	"os"
	"syscall"
)

// lock takes an advisory lock on a temporary file for as long as its
// writer has it open, so removeStale can tell a live write from one whose
// process died: the kernel drops the lock with the process.
func lock(fd uintptr) { syscall.Flock(int(fd), syscall.LOCK_EX|syscall.LOCK_NB) }

// removeIfUnlocked removes path if no one holds its lock. The lock is
// held across the removal, so a writer cannot be mid-way through it.
// O_NOFOLLOW: a symlink put there since it was listed is not followed;
// O_NONBLOCK: nor does a FIFO put there hang the write that cleans up
// (both are then left, as not regular files).
func removeIfUnlocked(path string) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return // a live writer holds it
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return
	}
	os.Remove(path)
}
