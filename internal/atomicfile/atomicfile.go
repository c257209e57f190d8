// Package atomicfile replaces files so that a crash at any point leaves
// either the old content or the new, never a mix: write a temporary file
// in the same directory (created exclusively, mode 0600 unless asked
// otherwise), fsync it, close it, rename it over the target, fsync the
// directory. An fsync error is returned, never retried: after a failed
// fsync the kernel may have dropped the dirty pages, and a retry that
// "succeeds" would report durability that does not exist.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// File is the part of *os.File that a write uses.
type File interface {
	io.Writer
	Sync() error
	Close() error
	Name() string
}

// FS is the file system a write goes through. OS is the real one; tests
// substitute one that fails at a chosen step.
type FS interface {
	CreateTemp(dir, pattern string) (File, error)
	Chmod(name string, perm os.FileMode) error
	Rename(oldpath, newpath string) error
	Link(oldname, newname string) error
	Remove(name string) error
	SyncDir(dir string) error
}

// OS is the operating system's file system.
var OS FS = osFS{}

type osFS struct{}

func (osFS) CreateTemp(dir, pattern string) (File, error) { return os.CreateTemp(dir, pattern) }
func (osFS) Chmod(name string, perm os.FileMode) error    { return os.Chmod(name, perm) }
func (osFS) Rename(oldpath, newpath string) error         { return os.Rename(oldpath, newpath) }
func (osFS) Link(oldname, newname string) error           { return os.Link(oldname, newname) }
func (osFS) Remove(name string) error                     { return os.Remove(name) }
func (osFS) SyncDir(dir string) error                     { return syncDir(dir) }

// ErrExists is returned by Create when the target already exists.
var ErrExists = errors.New("file already exists")

// Write replaces path with what write produces. perm applies to the new
// file (0600 for secrets). On any error the target is untouched and the
// temporary file removed.
//
// Only an absent target or a regular file is replaced. A character device
// or FIFO (/dev/null, a terminal, a named pipe) and the links that name an
// open stream (/dev/stdout, /dev/fd/N) are written in place, as a shell's
// redirection would: renaming over /dev/null would turn it into a regular
// file for the whole machine. A symbolic link to a regular file is refused
// (ErrSymlink), as is anything else (ErrNotRegular).
func Write(fsys FS, path string, perm os.FileMode, write func(io.Writer) error) error {
	h, err := classify(path)
	if err != nil {
		return err
	}
	if h == inPlace {
		return writeInPlace(path, write)
	}
	return replace(fsys, path, perm, write, false)
}

// Create is Write that refuses to replace an existing file: the new file
// is linked into place, which fails if the name is taken, so two racing
// creators cannot both succeed. Where the file system has no hard links
// it checks and renames instead; callers then need their own lock.
func Create(fsys FS, path string, perm os.FileMode, write func(io.Writer) error) error {
	return replace(fsys, path, perm, write, true)
}

func replace(fsys FS, path string, perm os.FileMode, write func(io.Writer) error, exclusive bool) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	removeStale(dir, base, time.Now())
	f, err := fsys.CreateTemp(dir, tempPrefix(base)+"*")
	if err != nil {
		return fmt.Errorf("creating temporary file: %w", err)
	}
	if fd, ok := f.(interface{ Fd() uintptr }); ok {
		lock(fd.Fd()) // marks the file live for removeStale until it is closed
	}
	tmp := f.Name()
	closed := false
	defer func() {
		if err != nil {
			if !closed {
				f.Close()
			}
			fsys.Remove(tmp)
		}
	}()
	if perm != 0o600 { // CreateTemp makes 0600 files
		if err := fsys.Chmod(tmp, perm); err != nil {
			return fmt.Errorf("setting permissions: %w", err)
		}
	}
	if err := write(f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", tmp, err)
	}
	closed = true
	if err := f.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", tmp, err)
	}
	if exclusive {
		err := fsys.Link(tmp, path)
		switch {
		case errors.Is(err, os.ErrExist):
			return fmt.Errorf("%s: %w", path, ErrExists)
		case err != nil:
			// File systems without hard links (FAT and exFAT USB drives):
			// check, then rename. Not atomic against a racing creator,
			// which callers exclude with a lock.
			if _, serr := os.Lstat(path); serr == nil {
				return fmt.Errorf("%s: %w", path, ErrExists)
			}
			if err := fsys.Rename(tmp, path); err != nil {
				return fmt.Errorf("creating %s: %w", path, err)
			}
		default:
			if err := fsys.Remove(tmp); err != nil {
				return fmt.Errorf("removing %s: %w", tmp, err)
			}
		}
	} else if err := fsys.Rename(tmp, path); err != nil {
		return fmt.Errorf("renaming over %s: %w", path, err)
	}
	if err := fsys.SyncDir(dir); err != nil {
		// The new file is in place but its directory entry may not be
		// durable yet: report it, so the caller does not claim success.
		return fmt.Errorf("syncing directory %s: %w", dir, err)
	}
	return nil
}
