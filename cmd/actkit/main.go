// Command actkit issues and checks offline activation codes.
//
// It wires actkit's packages together and formats their results; all the
// logic lives in the packages. Results go to stdout, diagnostics to stderr
// as "actkit: error: ..." followed by "actkit: hint: ..." lines. Exit
// status: 0 success, 1 refused or invalid, 2 usage error.
package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/actkit/actkit/home"
	"github.com/urfave/cli/v2"
)

func main() {
	os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr))
}

// env is what a command may touch beyond its flags. Tests replace it.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	now    func() time.Time
	// usageFailed is set by handlers that cannot return an error.
	usageFailed bool
	// home is the actkit home a command opened; closed when it returns.
	home *home.Home
	// args is the command line as typed, for hints that quote it back.
	args []string
	// service is set by commands that run unattended (serve): they
	// never prompt, even on a terminal.
	service bool
}

// Test seams, set only by the tests' main (main_test.go), never from the
// environment: no variable may move the vendor's clock (audit entries,
// issue days) or weaken the keystore in a shipped binary.
var (
	// testOnlyNow pins the clock.
	testOnlyNow func() time.Time
	// testOnlyScryptWorkFactor lowers scrypt's work factor for new
	// passphrase keystores (scrypt under the race detector takes seconds).
	testOnlyScryptWorkFactor int
)

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now, args: args}
	if testOnlyNow != nil {
		e.now = testOnlyNow
	}
	app := newApp(e)
	err := app.Run(interspersed(app, args))
	if e.home != nil {
		e.home.Close()
	}
	if err == nil && e.usageFailed {
		return exitUsage
	}
	return report(stderr, err)
}

func newApp(e *env) *cli.App {
	onUsage := func(_ *cli.Context, err error, _ bool) error {
		return usageError("%s", err)
	}
	app := &cli.App{
		Name:  "actkit",
		Usage: "issue and check offline activation codes",
		Description: `New here? 'actkit demo' runs the whole story in a temporary home and prints
each command it uses. 'actkit COMMAND --help' shows a command's options and
an example.`,
		Writer:    e.stdout,
		ErrWriter: e.stderr,
		Reader:    e.stdin,
		// Errors are reported by run, with the exit status chosen there.
		ExitErrHandler:       func(*cli.Context, error) {},
		HideHelpCommand:      true,
		EnableBashCompletion: true,
		OnUsageError:         onUsage,
		Flags:                []cli.Flag{homeFlag, ledgerFlag},
		Commands: []*cli.Command{
			keysCommand(e),
			productCommand(e),
			licenceCommand(e),
			issueCommand(e),
			releaseCommand(e),
			transferCommand(e),
			ledgerCommand(e),
			machineIDCommand(e),
			requestCommand(e),
			inspectCommand(e),
			verifyCommand(e),
			serveCommand(e),
			tokenCommand(e),
			planCommand(e),
			demoCommand(e),
			versionCommand(e),
			completionCommand(e),
			manCommand(e),
		},
		CommandNotFound: func(c *cli.Context, name string) {
			fmt.Fprintf(e.stderr, "actkit: error: unknown command %q\nactkit: hint: run 'actkit --help' for the list\n", name)
			e.usageFailed = true
		},
	}
	setUsageHandling(e, app.Commands, onUsage)
	for _, c := range app.Commands {
		c.Category = categories[c.Name]
	}
	return app
}

// categories group the commands in 'actkit --help' by who runs them.
var categories = map[string]string{
	"keys": "Vendor", "product": "Vendor", "licence": "Vendor", "issue": "Vendor", "release": "Vendor",
	"transfer": "Vendor", "ledger": "Vendor", "serve": "Vendor", "token": "Vendor", "plan": "Vendor",
	"machine-id": "Customer machine", "request": "Customer machine",
	"inspect": "Codes", "verify": "Codes",
	"demo": "Getting started", "version": "Getting started", "completion": "Getting started", "man": "Getting started",
}

// setUsageHandling makes every command report flag mistakes the one
// actkit way (exit status 2, no help dump), refuse arguments it does not
// take (see checkArgs) and hides the redundant help subcommand.
func setUsageHandling(e *env, cmds []*cli.Command, h cli.OnUsageErrorFunc) {
	for _, c := range cmds {
		c.OnUsageError = h
		c.HideHelpCommand = true
		if c.Action != nil {
			action := c.Action
			c.Action = func(ctx *cli.Context) error {
				if err := checkArgs(e, ctx); err != nil {
					return err
				}
				return action(ctx)
			}
		}
		setUsageHandling(e, c.Subcommands, h)
	}
}
