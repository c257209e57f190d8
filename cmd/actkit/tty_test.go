package main

import (
	"os"
	"strings"
	"testing"
)

// TestSelectTerminal: the passphrase prompt uses the controlling terminal
// (CONIN$ and CONOUT$ on Windows, /dev/tty elsewhere) before standard
// input, so that a redirected stdin still prompts; standard input only
// when there is none; and refuses when neither is a terminal. The real
// /dev/tty is exercised by testdata/script/tty_prompt.txtar; CONIN$ is
// not exercised on a real console by any test.
func TestSelectTerminal(t *testing.T) {
	tty, err := os.CreateTemp(t.TempDir(), "tty")
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := os.CreateTemp(t.TempDir(), "stdin")
	if err != nil {
		t.Fatal(err)
	}
	terminals := map[*os.File]bool{tty: true}
	isTerminal := func(f *os.File) bool { return terminals[f] }
	var opened []string
	open := func(avail ...string) func(string, int) (*os.File, error) {
		return func(name string, _ int) (*os.File, error) {
			opened = append(opened, name)
			for _, a := range avail {
				if a == name {
					return tty, nil
				}
			}
			return nil, os.ErrNotExist
		}
	}
	cases := []struct {
		name, goos  string
		avail       []string
		stdinIsTerm bool
		want        *os.File // the file read from; nil: refused
		wantOpened  string
	}{
		{"unix tty with stdin redirected", "linux", []string{"/dev/tty"}, false, tty, "/dev/tty"},
		{"unix tty preferred over a terminal stdin", "darwin", []string{"/dev/tty"}, true, tty, "/dev/tty"},
		{"unix without tty: stdin", "linux", nil, true, stdin, "/dev/tty"},
		{"unix without tty, stdin redirected", "linux", nil, false, nil, "/dev/tty"},
		{"windows console", "windows", []string{"CONIN$", "CONOUT$"}, false, tty, "CONIN$ CONOUT$"},
		{"windows without console: stdin", "windows", nil, true, stdin, "CONIN$"},
		{"windows without console, stdin redirected", "windows", nil, false, nil, "CONIN$"},
	}
	for _, c := range cases {
		opened = nil
		terminals[stdin] = c.stdinIsTerm
		got, err := selectTerminal(c.goos, open(c.avail...), stdin, isTerminal)
		if strings.Join(opened, " ") != c.wantOpened {
			t.Errorf("%s: opened %q, want %q", c.name, opened, c.wantOpened)
		}
		if c.want == nil {
			if err == nil {
				t.Errorf("%s: got a terminal, want a refusal", c.name)
			}
			continue
		}
		if err != nil || got.in != c.want {
			t.Errorf("%s: got %v, %v; want %v", c.name, got.in, err, c.want.Name())
		}
	}
	// A /dev/tty that is no terminal is not used.
	terminals[stdin] = false
	delete(terminals, tty)
	if _, err := selectTerminal("linux", open("/dev/tty"), stdin, isTerminal); err == nil {
		t.Error("a /dev/tty that is not a terminal was used")
	}
}
