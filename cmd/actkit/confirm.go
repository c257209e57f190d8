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

// confirm asks before a consequential step. With --yes it goes ahead; on
// a terminal it asks; anywhere else (a script, a pipe) it refuses, so that
// nothing consequential happens without a person or an explicit --yes.
func confirm(c *cli.Context, e *env, question string) error {
	if c.Bool("yes") {
		return nil
	}
	in, ok := e.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		return usageError("this needs confirmation: run it on a terminal, or add --yes")
	}
	fmt.Fprintf(e.stderr, "%s [y/N] ", question)
	line, _ := bufio.NewReader(in).ReadString('\n')
	if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
		return refused(fmt.Errorf("not confirmed; nothing was changed"))
	}
	return nil
}
