package main

import (
	"strings"
	"testing"

	"github.com/actkit/actkit/internal/pgtest"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestPostgresScripts runs the CLI scripts of testdata/postgres with the
// ledger in a fresh PostgreSQL database ($ACTKIT_LEDGER) and a second
// empty one ($PG2) for copies, both dropped afterwards.
func TestPostgresScripts(t *testing.T) {
	base := pgtest.ServerURL(t)
	testscript.Run(t, testscript.Params{
		Dir: "testdata/postgres",
		Setup: func(env *testscript.Env) error {
			env.Setenv("ACTKIT_TEST_SCRYPT_WORK_FACTOR", "10")
			env.Setenv("ACTKIT_HOME", env.WorkDir+"/home")
			for _, name := range []string{"ACTKIT_LEDGER", "PG2"} {
				loc, drop, err := pgtest.Create(base)
				if err != nil {
					return err
				}
				env.Defer(func() {
					if err := drop(); err != nil {
						env.T().Fatal(err)
					}
				})
				env.Setenv(name, loc)
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"envfile": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 {
					ts.Fatalf("usage: envfile NAME FILE")
				}
				ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile(args[1])))
			},
		},
	})
}
