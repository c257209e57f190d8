package main

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/actkit/actkit/verify"
)

func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestREADMEHasThisExample keeps the README's embedding example identical
// to this program, which CI compiles.
func TestREADMEHasThisExample(t *testing.T) {
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(readme(t), "```go\n"+string(src)+"```") {
		t.Fatal("README.md's embedding example differs from examples/embed/main.go: copy it over")
	}
}

// TestREADMEExamplesAgree holds the Go and JavaScript examples of the
// README to one keyring, licence, machine and code (a new user compared
// them and found two different keyrings), and checks that the code
// verifies, through verify and through this program run as the README
// runs it.
func TestREADMEExamplesAgree(t *testing.T) {
	r := readme(t)
	js := regexp.MustCompile("(?s)```js\n(.*?)```").FindStringSubmatch(r)
	if js == nil {
		t.Fatal("README.md has no JavaScript example")
	}
	field := func(src, re string) string {
		t.Helper()
		m := regexp.MustCompile(re).FindStringSubmatch(src)
		if m == nil {
			t.Fatalf("the JavaScript example has no match for %s", re)
		}
		return m[1]
	}
	jsKeyring := field(js[1], "(?s)const keyringText = `(.*?)`;")
	if jsKeyring != keyring {
		t.Fatalf("the JavaScript example's keyring differs from examples/embed's:\n%s\nvs\n%s", jsKeyring, keyring)
	}
	code := field(js[1], `const code = "([^"]+)";`)
	licence := field(js[1], `licenceKey: "([^"]+)"`)
	uid := field(js[1], `machineUID: "([^"]+)"`)
	kr, err := verify.ParseKeyring(keyring)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kr.Verify(code, verify.Binding{Product: "umenu", LicenceKey: licence, MachineUID: uid}, time.Now()); err != nil {
		t.Fatalf("the README's example code does not verify today: %v", err)
	}
	run := "go run ./examples/embed " + licence + " " + uid + " \\\n  " + code + "\n# activated; expires never\n"
	if !strings.Contains(r, run) {
		t.Fatalf("README.md does not show the example run with the JavaScript example's values:\n%s", run)
	}
	if testing.Short() {
		return
	}
	out, err := exec.Command("go", "run", ".", licence, uid, code).CombinedOutput()
	if err != nil || string(out) != "activated; expires never\n" {
		t.Fatalf("go run ./examples/embed: %v\n%s", err, out)
	}
}
