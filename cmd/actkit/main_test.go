package main

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
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
