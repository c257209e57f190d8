package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestExitStatus pins the exit statuses: usage mistakes 2 (at the top
// level and in a command, through OnUsageError), refusals 1, success 0.
func TestExitStatus(t *testing.T) {
	cases := []struct {
		args string
		want int
	}{
		{"actkit --bogus", exitUsage},
		{"actkit verify --bogus x", exitUsage},
		{"actkit keys export --nope", exitUsage},
		{"actkit frobnicate", exitUsage},
		{"actkit inspect", exitUsage},
		{"actkit inspect 0abc", exitRefused},
		{"actkit version", exitOK},
	}
	for _, c := range cases {
		var out, errb bytes.Buffer
		if got := run(strings.Fields(c.args), strings.NewReader(""), &out, &errb); got != c.want {
			t.Errorf("%s: exit %d, want %d (stderr %q)", c.args, got, c.want, errb.String())
		}
		if c.want != exitOK && !strings.HasPrefix(errb.String(), "actkit: error: ") {
			t.Errorf("%s: stderr %q", c.args, errb.String())
		}
	}
}

// TestCustomerTextCannotDriveTheTerminal: escape sequences and
// bidirectional overrides in customer text are printed escaped.
func TestCustomerTextCannotDriveTheTerminal(t *testing.T) {
	for in, want := range map[string]string{
		"ACME Plant 3":         "ACME Plant 3",
		"evil\x1b]0;pwned\x07": `evil\x1b]0;pwned\x07`,
		"a\u202eb":             `a\u202eb`,
		"line\nbreak\r":        `line\x0abreak\x0d`,
		"Müller GmbH":          "Müller GmbH",
		"del\x7f":              `del\x7f`,
	} {
		if got := printable(in); got != want {
			t.Errorf("printable(%q) = %q, want %q", in, got, want)
		}
	}
}
