package main

import (
	"errors"
	"fmt"
	"io"
)

// Exit statuses.
const (
	exitOK      = 0
	exitRefused = 1
	exitUsage   = 2
)

// cliError is an error with an exit status and hints for the user.
type cliError struct {
	status int
	err    error
	hints  []string
}

func (e *cliError) Error() string { return e.err.Error() }
func (e *cliError) Unwrap() error { return e.err }

// usageError is a mistake in how the command was called: exit status 2.
func usageError(format string, args ...any) error {
	return &cliError{status: exitUsage, err: fmt.Errorf(format, args...)}
}

// refused wraps a failure of the task itself (invalid input, a refusal):
// exit status 1.
func refused(err error, hints ...string) error {
	return &cliError{status: exitRefused, err: err, hints: hints}
}

// silent is a failure already fully reported on stdout (--json): exit
// status 1 with nothing more on stderr.
var errSilent = errors.New("reported")

// report prints err the one way actkit prints errors and returns the exit
// status.
func report(stderr io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	status := exitRefused
	var hints []string
	var ce *cliError
	if errors.As(err, &ce) {
		status = ce.status
		hints = ce.hints
	}
	if errors.Is(err, errSilent) {
		return status
	}
	fmt.Fprintf(stderr, "actkit: error: %s\n", printable(err.Error()))
	if status == exitUsage && len(hints) == 0 {
		hints = []string{"run 'actkit --help' or 'actkit COMMAND --help'"}
	}
	for _, h := range hints {
		fmt.Fprintf(stderr, "actkit: hint: %s\n", printable(h))
	}
	return status
}
