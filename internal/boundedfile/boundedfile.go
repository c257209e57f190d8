// Package boundedfile reads files named on a command line or in a
// configuration with a size limit and only if they are regular files.
//
// A size checked with os.Stat is not a limit: a device (/dev/zero) or a
// FIFO reports size 0, and reading one grows memory without bound or
// hangs. Here the file's type is checked before it is opened (opening a
// FIFO for reading blocks until a writer appears), checked again on the
// open file, and the read goes through a limit, so a file that grows
// while it is read cannot exceed it either.
package boundedfile

import (
	"errors"
	"fmt"
	"io"
	"os"
)

var (
	// ErrNotRegular: the path is a device, FIFO, socket or directory.
	ErrNotRegular = errors.New("not a regular file")
	// ErrTooLarge: the file is larger than the limit.
	ErrTooLarge = errors.New("file is too large")
)

// Error names the file and what was wrong with it.
type Error struct {
	Path  string
	Err   error
	Limit int64
}

func (e *Error) Error() string {
	if e.Err == ErrTooLarge {
		return fmt.Sprintf("%s: larger than %d bytes", e.Path, e.Limit)
	}
	return e.Path + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Open opens a regular file for reading; anything else is refused before
// it is opened.
func Open(path string) (*os.File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, &Error{Path: path, Err: ErrNotRegular}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, &Error{Path: path, Err: ErrNotRegular}
	}
	return f, nil
}

// ReadFile reads a regular file of at most max bytes.
func ReadFile(path string, max int64) ([]byte, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadAll(f, path, max)
}

// ReadAll reads r to its end, failing once more than max bytes come.
func ReadAll(r io.Reader, name string, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, &Error{Path: name, Err: ErrTooLarge, Limit: max}
	}
	return data, nil
}
