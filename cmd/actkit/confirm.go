package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

var yesFlag = &cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "do it without asking (for scripts)"}

var dryRunFlag = &cli.BoolFlag{Name: "dry-run", Usage: "show what would happen and change nothing"}

// stdinTerminal returns standard input if it is a terminal: where a
// person can answer a question.
func stdinTerminal(e *env) (*os.File, bool) {
	in, ok := e.stdin.(*os.File)
	return in, ok && term.IsTerminal(int(in.Fd()))
}

// confirm asks before a consequential step. With --yes it goes ahead; on
// a terminal it asks; anywhere else (a script, a pipe) it refuses with
// status 2, so that nothing consequential happens without a person or an
// explicit --yes.
func confirm(c *cli.Context, e *env, question string) error {
	if c.Bool("yes") {
		return nil
	}
	in, ok := stdinTerminal(e)
	if !ok {
		hints := []string{"run it on a terminal to be asked, or add --yes (scripts)"}
		if hasFlag(c.Command.Flags, "--dry-run") {
			hints = append(hints, "--dry-run shows what it would do and changes nothing")
		}
		return &cliError{status: exitUsage, err: fmt.Errorf("%s needs confirmation and standard input is not a terminal", commandPath(c)), hints: hints}
	}
	fmt.Fprintf(e.stderr, "%s [y/N] ", question)
	line, _ := bufio.NewReader(in).ReadString('\n')
	if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
		return refused(fmt.Errorf("not confirmed; nothing was changed"))
	}
	return nil
}

// effects is what a destructive command will do, in lines a person reads
// before saying yes.
type effects []string

func (f *effects) add(format string, args ...any) { *f = append(*f, fmt.Sprintf(format, args...)) }

// proceed shows what a destructive command (revoke, retire, release,
// transfer) will do and asks for confirmation. With --dry-run it prints
// the effects on stdout (as JSON with --json) and reports done: the
// command changes nothing. With --yes it goes ahead without showing them.
func proceed(c *cli.Context, e *env, fx effects, question string) (done bool, err error) {
	if c.Bool("dry-run") {
		if c.Bool("json") {
			return true, writeJSON(e.stdout, map[string]any{"dryRun": true, "effects": []string(fx)})
		}
		fmt.Fprintln(e.stdout, "dry run, nothing was changed; this would:")
		for _, l := range fx {
			fmt.Fprintf(e.stdout, "  %s\n", printable(l))
		}
		return true, nil
	}
	if c.Bool("yes") {
		return false, nil
	}
	if _, ok := stdinTerminal(e); ok {
		fmt.Fprintln(e.stderr, "this will:")
		for _, l := range fx {
			fmt.Fprintf(e.stderr, "  %s\n", printable(l))
		}
	}
	return false, confirm(c, e, question)
}
