package main

import (
	"errors"
	"fmt"
	"os"
	"runtime"

	"golang.org/x/term"
)

// testOnlyNoTTY, set by the tests' main, keeps test binaries from opening
// the controlling terminal: a developer running the tests from a shell
// has one, and a prompt there would wait for them.
var testOnlyNoTTY bool

// terminal is where a passphrase is asked: in is read without echo, out
// shows the prompt.
type terminal struct {
	in, out *os.File
	close   func()
}

// openTerminal opens the terminal to prompt on, as age does: the
// process's controlling terminal (/dev/tty; CONIN$ and CONOUT$ on
// Windows), so that 'actkit ... < file' still asks the person at the
// keyboard; else standard input if it is a terminal.
func openTerminal() (terminal, error) {
	open := func(name string, flag int) (*os.File, error) { return os.OpenFile(name, flag, 0) }
	if testOnlyNoTTY {
		open = func(name string, _ int) (*os.File, error) {
			return nil, &os.PathError{Op: "open", Path: name, Err: os.ErrNotExist}
		}
	}
	return selectTerminal(runtime.GOOS, open, os.Stdin, func(f *os.File) bool { return term.IsTerminal(int(f.Fd())) })
}

// selectTerminal is openTerminal's choice, with the system calls passed
// in so that the choice can be tested without a terminal.
func selectTerminal(goos string, open func(name string, flag int) (*os.File, error), stdin *os.File, isTerminal func(*os.File) bool) (terminal, error) {
	var ttyErr error
	if goos == "windows" {
		in, err := open("CONIN$", os.O_RDWR)
		if err == nil {
			out, err := open("CONOUT$", os.O_WRONLY)
			if err == nil {
				return terminal{in: in, out: out, close: func() { in.Close(); out.Close() }}, nil
			}
			in.Close()
		}
		ttyErr = err
	} else {
		tty, err := open("/dev/tty", os.O_RDWR)
		if err == nil && isTerminal(tty) {
			return terminal{in: tty, out: tty, close: func() { tty.Close() }}, nil
		}
		if err == nil {
			tty.Close()
			err = errors.New("not a terminal")
		}
		ttyErr = err
	}
	if stdin != nil && isTerminal(stdin) {
		return terminal{in: stdin, out: os.Stderr, close: func() {}}, nil
	}
	return terminal{}, fmt.Errorf("standard input is not a terminal and there is no controlling terminal: %w", ttyErr)
}
