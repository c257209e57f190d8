package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

// interspersed moves flags that follow positional arguments in front of
// them, so that "actkit product add umenu --features a,b" works as users
// type it: urfave/cli v2 stops reading flags at the first argument. It
// uses the command's own flag definitions to know which flags take a
// value; "--" ends flag reordering.
func interspersed(app *cli.App, args []string) []string {
	if len(args) < 2 || args[len(args)-1] == "--generate-bash-completion" {
		return args // completion requests must keep their last argument last
	}
	out := []string{args[0]}
	cmds := app.Commands
	flags := app.Flags
	i := 1
	matched := false
	// Walk global flags and the command path.
	for i < len(args) {
		a := args[i]
		if strings.HasPrefix(a, "-") {
			out = append(out, a)
			if takesValue(flags, a) && i+1 < len(args) {
				out = append(out, args[i+1])
				i++
			}
			i++
			continue
		}
		var next *cli.Command
		for _, c := range cmds {
			if c.HasName(a) {
				next = c
			}
		}
		if next == nil {
			break
		}
		out = append(out, a)
		matched = true
		cmds, flags = next.Subcommands, next.Flags
		i++
		if len(cmds) == 0 {
			break
		}
	}
	if !matched {
		return args // an unknown command: urfave/cli reports it as typed
	}
	var global, flagArgs, positional []string
	for ; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			positional = append(positional, args[i:]...)
			i = len(args)
		case strings.HasPrefix(a, "-") && len(a) > 1:
			// A global flag (--home) typed after the command goes back
			// in front of it, unless the command has a flag of that name.
			dst := &flagArgs
			if !hasFlag(flags, a) && hasFlag(app.Flags, a) {
				dst = &global
			}
			*dst = append(*dst, a)
			if takesValue(append(flags, app.Flags...), a) && i+1 < len(args) {
				*dst = append(*dst, args[i+1])
				i++
			}
		default:
			positional = append(positional, a)
		}
	}
	res := append([]string{args[0]}, global...)
	res = append(append(res, out[1:]...), flagArgs...)
	return append(res, positional...)
}

func hasFlag(flags []cli.Flag, arg string) bool {
	name, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return true
			}
		}
	}
	return false
}

// takesValue reports whether the flag named by arg ("--name", "-n",
// without "=value") consumes the next argument.
func takesValue(flags []cli.Flag, arg string) bool {
	if strings.Contains(arg, "=") {
		return false
	}
	name := strings.TrimLeft(arg, "-")
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				_, isBool := f.(*cli.BoolFlag)
				return !isBool
			}
		}
	}
	return false
}

// maxArgs is how many positional arguments a command takes: one per word
// of its ArgsUsage ("KEY", "FILE"), none without one. The help text and
// the check come from the same place, so they cannot disagree.
func maxArgs(c *cli.Command) int { return len(strings.Fields(c.ArgsUsage)) }

// checkArgs refuses positional arguments a command does not take. Most
// often they are the rest of a value with spaces that was not quoted
// (--customer ACME Plant 3), which would otherwise be dropped silently.
func checkArgs(e *env, c *cli.Context) error {
	max := maxArgs(c.Command)
	if c.NArg() <= max {
		return nil
	}
	extra := c.Args().Slice()[max:]
	quoted := make([]string, len(extra))
	for i, a := range extra {
		quoted[i] = fmt.Sprintf("%q", a)
	}
	what := "flags only"
	if max > 0 {
		what = "only " + c.Command.ArgsUsage
	}
	noun := "argument"
	if len(extra) > 1 {
		noun += "s"
	}
	err := &cliError{status: exitUsage, err: fmt.Errorf("unexpected %s %s: %s takes %s", noun, strings.Join(quoted, " "), commandPath(c), what)}
	if flag, value, ok := splitValue(e.args, extra, append(append([]cli.Flag{}, c.Command.Flags...), c.App.Flags...)); ok {
		err.hints = []string{fmt.Sprintf("quote a value that contains spaces: %s %q", flag, value)}
	} else {
		err.hints = []string{"quote a value that contains spaces", fmt.Sprintf("see 'actkit %s --help'", commandPath(c))}
	}
	return err
}

// commandPath is the command's name as typed after "actkit".
func commandPath(c *cli.Context) string {
	var names []string
	for _, l := range c.Lineage() {
		if l.Command != nil && l.Command.Name != "" && l.Command.Name != c.App.Name {
			names = append([]string{l.Command.Name}, names...)
		}
	}
	return strings.Join(names, " ")
}

// textFlags take free text, where a value with spaces is to be expected.
var textFlags = map[string]bool{"--customer": true, "--reason": true, "--name": true}

// splitValue finds, in the command line as typed, a free-text flag value
// that the shell split: "--customer ACME Plant 3" gives "--customer" and
// "ACME Plant 3" when "Plant" and "3" are the extra arguments.
func splitValue(raw, extra []string, flags []cli.Flag) (flag, value string, ok bool) {
	for i := 2; i < len(raw); i++ {
		if raw[i] != extra[0] {
			continue
		}
		prev := raw[i-1]
		words := []string{prev}
		flag = ""
		if name, v, eq := strings.Cut(prev, "="); eq && strings.HasPrefix(prev, "-") {
			flag, words[0] = name, v // --customer=ACME Plant 3
		} else if strings.HasPrefix(raw[i-2], "-") && takesValue(flags, raw[i-2]) {
			flag = raw[i-2] // --customer ACME Plant 3
		}
		if !textFlags[flag] {
			continue
		}
		for j := i; j < len(raw) && len(words) <= len(extra) && raw[j] == extra[len(words)-1]; j++ {
			words = append(words, raw[j])
		}
		return flag, strings.Join(words, " "), true
	}
	return "", "", false
}
