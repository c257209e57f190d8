package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrNotRegular is returned by Write for a target that is neither absent,
// nor a regular file, nor a stream written in place (a character device or
// a FIFO): a directory, a block device, a socket. Renaming over it would
// destroy it, and writing into it is not what a user naming an output file
// means.
var ErrNotRegular = errors.New("not a regular file, character device or FIFO")

// ErrSymlink is returned by Write for a symbolic link to a regular file.
// Renaming over the link would replace the link, not the file it names;
// following it into a rename would replace a file the caller did not name.
var ErrSymlink = errors.New("is a symbolic link")

// how says how a target is written.
type how int

const (
	replaceIt how = iota // absent or a regular file: temporary file, then rename
	inPlace              // a character device, FIFO or open stream: written directly
)

// classify decides how path is written. It reads the directory entry
// itself first (Lstat), so a link is never followed into a rename.
func classify(path string) (how, error) {
	li, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return replaceIt, nil
	}
	if err != nil {
		return 0, err
	}
	mode := li.Mode()
	if mode&fs.ModeSymlink != 0 {
		fi, err := os.Stat(path)
		if err != nil {
			return 0, fmt.Errorf("%s %w to %w", path, ErrSymlink, err)
		}
		if stream(fi.Mode()) || streamLink(path) {
			// /dev/stdout and its kin name an open stream, whatever
			// the stream is (a shell may have redirected it to a file).
			return inPlace, nil
		}
		if fi.Mode().IsRegular() {
			return 0, fmt.Errorf("%s %w to a regular file; name that file itself", path, ErrSymlink)
		}
		mode = fi.Mode()
	}
	switch {
	case mode.IsRegular():
		return replaceIt, nil
	case stream(mode):
		return inPlace, nil
	}
	return 0, fmt.Errorf("%s is %s: %w", path, kind(mode), ErrNotRegular)
}

// stream reports whether mode is written in place: a character device
// (/dev/null, a terminal) or a FIFO.
func stream(mode fs.FileMode) bool {
	return mode&fs.ModeCharDevice != 0 || mode&fs.ModeNamedPipe != 0
}

// streamLink reports whether path is one of the links that name a
// process's open file descriptors (/dev/stdout, /dev/fd/N,
// /proc/self/fd/N).
func streamLink(path string) bool {
	p := filepath.ToSlash(filepath.Clean(path))
	switch {
	case p == "/dev/stdout", p == "/dev/stderr",
		strings.HasPrefix(p, "/dev/fd/"), strings.HasPrefix(p, "/proc/self/fd/"):
		return true
	}
	return false
}

func kind(mode fs.FileMode) string {
	switch {
	case mode.IsDir():
		return "a directory"
	case mode&fs.ModeDevice != 0:
		return "a block device"
	case mode&fs.ModeSocket != 0:
		return "a socket"
	case mode&fs.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "not a regular file (" + mode.Type().String() + ")"
}

// writeInPlace writes a character device or FIFO directly: it cannot be
// replaced, and there is nothing to make durable. The opened file is
// checked again, so a regular file swapped in after classify is refused
// rather than half-written without a rename.
func writeInPlace(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err == nil && !stream(fi.Mode()) && !streamLink(path) {
		err = fmt.Errorf("%s changed while being opened: %w", path, ErrNotRegular)
	}
	if err == nil {
		err = write(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
