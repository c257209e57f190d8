package main

import (
	"bytes"
	"fmt"
	"io"
	"regexp"

	"github.com/actkit/actkit/codec"
	"github.com/urfave/cli/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	// No test may prompt on the terminal of the person running the tests;
	// the scripts that test the terminal prompt set ACTKIT_TEST_TTY and
	// run actkit on a terminal of their own (script(1)).
	testOnlyNoTTY = os.Getenv("ACTKIT_TEST_TTY") == ""
	testscript.Main(m, map[string]func(){
		"actkit": func() {
			// The scripts set these for the command they run; only this
			// test binary reads them (see the test seams in main.go).
			if fake := os.Getenv("ACTKIT_FAKE_NOW"); fake != "" {
				t, err := time.Parse(time.RFC3339, fake)
				if err != nil {
					panic(err)
				}
				testOnlyNow = func() time.Time { return t }
			}
			if n, err := strconv.Atoi(os.Getenv("ACTKIT_TEST_SCRYPT_WORK_FACTOR")); err == nil {
				testOnlyScryptWorkFactor = n
			}
			os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr))
		},
	})
}

// TestScripts runs the CLI scripts in testdata/script: each checks stdout,
// stderr, exit status and files as a user would see them.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			// scrypt at age's default takes seconds under -race; the
			// knob is honoured only by test binaries.
			env.Setenv("ACTKIT_TEST_SCRYPT_WORK_FACTOR", "10")
			env.Setenv("ACTKIT_HOME", env.WorkDir+"/home")
			return nil
		},
		// [root]: the test runs as root (mknod needs it).
		Condition: func(cond string) (bool, error) {
			if cond == "root" {
				return os.Geteuid() == 0, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// envfile NAME FILE sets NAME to FILE's content, trimmed: a
			// script's way to reuse what a command printed.
			"envfile": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 {
					ts.Fatalf("usage: envfile NAME FILE")
				}
				ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile(args[1])))
			},
		},
	})
}

// TestHelpExamplesAreValid: every licence key and machine UID shown in a
// command's --help is a value the command accepts, so that a user who
// copies an example gets a refusal about their data, never about ours.
func TestHelpExamplesAreValid(t *testing.T) {
	keyRe := regexp.MustCompile(`\b[A-Z0-9]{1,10}(-[0-9A-Z]{5}){4}\b`)
	// Three or four groups: a UID cut short (the 15-symbol value an older
	// help text showed) must be caught too, not skipped as no UID.
	uidRe := regexp.MustCompile(`\b[0-9A-Z]{5}(-[0-9A-Z]{5}){2,3}\b`)
	var walk func(path []string, cmds []*cli.Command)
	seen := 0
	walk = func(path []string, cmds []*cli.Command) {
		for _, c := range cmds {
			p := append(append([]string{}, path...), c.Name)
			var out, errb bytes.Buffer
			run(append(append([]string{"actkit"}, p...), "--help"), strings.NewReader(""), &out, &errb)
			help := out.String() + errb.String()
			for _, k := range keyRe.FindAllString(help, -1) {
				seen++
				if _, _, err := codec.ParseLicenceKey(k); err != nil {
					t.Errorf("actkit %s --help shows licence key %s: %v", strings.Join(p, " "), k, err)
				}
			}
			for _, u := range uidRe.FindAllString(keyRe.ReplaceAllString(help, ""), -1) {
				seen++
				if _, err := codec.ParseMachineUID(u); err != nil {
					t.Errorf("actkit %s --help shows machine UID %s: %v", strings.Join(p, " "), u, err)
				}
			}
			walk(p, c.Subcommands)
		}
	}
	walk(nil, newApp(&env{stdout: io.Discard, stderr: io.Discard, now: time.Now}).Commands)
	// The README is the other place users copy from.
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keyRe.FindAllString(string(readme), -1) {
		seen++
		if _, _, err := codec.ParseLicenceKey(k); err != nil {
			t.Errorf("README.md shows licence key %s: %v", k, err)
		}
	}
	for _, u := range uidRe.FindAllString(keyRe.ReplaceAllString(string(readme), ""), -1) {
		seen++
		if _, err := codec.ParseMachineUID(u); err != nil {
			t.Errorf("README.md shows machine UID %s: %v", u, err)
		}
	}
	if seen < 5 {
		t.Fatalf("only %d example values found in the help texts", seen)
	}
}
