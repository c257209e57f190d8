package main

import (
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
