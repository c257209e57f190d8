package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

func TestInterspersed(t *testing.T) {
	app := newApp(&env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, now: time.Now})
	cases := map[string]string{
		// flags after the argument move in front of it
		"actkit product add umenu --features a,b --json": "actkit product add --features a,b --json umenu",
		// a global flag after the command goes in front of the command
		"actkit licence show KEY --home h": "actkit --home h licence show KEY",
		// short aliases and values that look like flags
		"actkit keys export --product p -o out.keyring":             "actkit keys export --product p -o out.keyring",
		"actkit licence new --product p --customer -odd- --seats 2": "actkit licence new --product p --customer -odd- --seats 2",
		// --flag=value and bool flags take no extra argument
		"actkit verify CODE --keyring=k --json --licence L": "actkit verify --keyring=k --json --licence L CODE",
		// "--" ends reordering
		"actkit inspect -- -notaflag": "actkit inspect -- -notaflag",
		// completion requests stay as typed
		"actkit keys --generate-bash-completion": "actkit keys --generate-bash-completion",
		// unknown commands are left for urfave/cli to report
		"actkit frob --x y": "actkit frob --x y",
	}
	for in, want := range cases {
		if got := strings.Join(interspersed(app, strings.Fields(in)), " "); got != want {
			t.Errorf("%q\n got  %q\n want %q", in, got, want)
		}
	}
}
