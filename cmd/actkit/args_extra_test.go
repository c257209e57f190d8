package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// TestEveryCommandRefusesExtraArguments walks every command: one argument
// more than it takes is refused with status 2 before anything runs, never
// dropped (licence new --customer ACME Plant 3 stored "ACME").
func TestEveryCommandRefusesExtraArguments(t *testing.T) {
	t.Setenv("ACTKIT_HOME", t.TempDir()+"/no-home")
	t.Setenv("ACTKIT_PASSPHRASE", "unused")
	var walk func(path []string, cmds []*cli.Command)
	n := 0
	walk = func(path []string, cmds []*cli.Command) {
		for _, c := range cmds {
			p := append(append([]string{}, path...), c.Name)
			walk(p, c.Subcommands)
			if c.Action == nil {
				continue
			}
			n++
			args := append([]string{"actkit"}, p...)
			for _, f := range c.Flags {
				if rf, ok := f.(cli.RequiredFlag); ok && rf.IsRequired() {
					args = append(args, "--"+f.Names()[0], "x")
				}
			}
			for range maxArgs(c) {
				args = append(args, "ARG")
			}
			args = append(args, "extra")
			var out, errb bytes.Buffer
			if got := run(args, strings.NewReader(""), &out, &errb); got != exitUsage {
				t.Errorf("%s: exit status %d, want %d\n%s", strings.Join(args, " "), got, exitUsage, errb.String())
				continue
			}
			if !strings.Contains(errb.String(), `unexpected argument "extra"`) || !strings.Contains(errb.String(), "hint: quote a value that contains spaces") {
				t.Errorf("%s: stderr %q", strings.Join(args, " "), errb.String())
			}
			if out.Len() > 0 {
				t.Errorf("%s: wrote %q on stdout", strings.Join(args, " "), out.String())
			}
		}
	}
	walk(nil, newApp(&env{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}).Commands)
	if n < 30 {
		t.Fatalf("only %d commands walked", n)
	}
}

// TestSplitValueHint: the hint quotes back the value the shell split.
func TestSplitValueHint(t *testing.T) {
	var errb bytes.Buffer
	args := []string{"actkit", "licence", "new", "--product", "umenu", "--customer", "ACME", "Plant", "3", "--seats", "2"}
	if got := run(args, strings.NewReader(""), &bytes.Buffer{}, &errb); got != exitUsage {
		t.Fatalf("exit status %d\n%s", got, errb.String())
	}
	if want := `actkit: hint: quote a value that contains spaces: --customer "ACME Plant 3"`; !strings.Contains(errb.String(), want) {
		t.Errorf("stderr %q, want %q", errb.String(), want)
	}
}
