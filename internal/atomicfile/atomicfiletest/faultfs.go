// Package atomicfiletest injects faults into atomicfile writes, for tests:
// it is kept out of the packages that ship.
package atomicfiletest

import (
	"errors"
	"github.com/actkit/actkit/internal/atomicfile"
	"os"
	"strings"
)

// ErrInjected is the error FaultFS injects.
var ErrInjected = errors.New("injected fault")

// FaultFS is an FS for tests that fails one step of writes whose target
// name contains Match: "create", "write", "sync", "close", "rename",
// "link" or "syncdir". Everything else goes to the real file system.
type FaultFS struct {
	Fail  string
	Match string
}

type faultFile struct {
	*os.File
	fail string
}

func (f faultFile) Write(p []byte) (int, error) {
	if f.fail == "write" {
		return 0, ErrInjected
	}
	return f.File.Write(p)
}

func (f faultFile) WriteString(s string) (int, error) { return f.Write([]byte(s)) }

func (f faultFile) Sync() error {
	if f.fail == "sync" {
		return ErrInjected
	}
	return f.File.Sync()
}

func (f faultFile) Close() error {
	err := f.File.Close()
	if f.fail == "close" {
		return ErrInjected
	}
	return err
}

func (fs FaultFS) step(name, step string) bool {
	return fs.Fail == step && strings.Contains(name, fs.Match)
}

func (fs FaultFS) CreateTemp(dir, pattern string) (atomicfile.File, error) {
	if fs.step(pattern, "create") {
		return nil, ErrInjected
	}
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	fail := ""
	if strings.Contains(pattern, fs.Match) {
		fail = fs.Fail
	}
	return faultFile{f, fail}, nil
}

func (fs FaultFS) Chmod(name string, perm os.FileMode) error { return os.Chmod(name, perm) }

func (fs FaultFS) Rename(o, n string) error {
	if fs.step(o, "rename") || fs.step(n, "rename") {
		return ErrInjected
	}
	return os.Rename(o, n)
}

func (fs FaultFS) Link(o, n string) error {
	if fs.step(o, "link") || fs.step(n, "link") {
		return ErrInjected
	}
	return os.Link(o, n)
}

func (fs FaultFS) Remove(name string) error { return os.Remove(name) }

func (fs FaultFS) SyncDir(dir string) error {
	if fs.Fail == "syncdir" {
		return ErrInjected
	}
	return atomicfile.OS.SyncDir(dir)
}
