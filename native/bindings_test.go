package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/actkit/actkit/internal/servetest"
	"github.com/actkit/actkit/native/internal/abi"
	"github.com/actkit/actkit/testvectors"
)

// The tests here drive what native/build.sh builds, from C, .NET (Mono)
// and Python, against the real actkit CLI and 'actkit serve' on
// 127.0.0.1. They build for minutes and run every vector in three
// languages, more than a package's default test timeout on a busy
// machine, so they run when ACTKIT_TEST_NATIVE=1 is set (CI's own step:
// ACTKIT_TEST_NATIVE=1 go test -timeout 30m ./native/). Without a tool
// they skip, saying which; with CI set they fail instead.

type kit struct {
	t                *testing.T
	out, cli, root   string
	home, identity   string
	keyring, licence string
}

// need skips (or, under CI, fails) when a tool is missing.
func need(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is required in CI", tool)
			}
			t.Skipf("needs %s", tool)
		}
	}
}

func run(t *testing.T, env []string, name string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return o.String(), e.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return o.String(), e.String(), 0
}

func (k *kit) must(name string, args ...string) string {
	k.t.Helper()
	o, e, code := run(k.t, []string{"ACTKIT_HOME=" + k.home, "ACTKIT_IDENTITY=" + k.identity}, name, args...)
	if code != 0 {
		k.t.Fatalf("%s %s: exit %d\n%s", name, strings.Join(args, " "), code, e)
	}
	return strings.TrimSpace(o)
}

// setup builds everything into a temporary directory and makes a vendor
// home with a product, a key and a licence of five seats.
func setup(t *testing.T) *kit {
	if testing.Short() || os.Getenv("ACTKIT_TEST_NATIVE") != "1" {
		t.Skip("builds libactkit and the bindings: set ACTKIT_TEST_NATIVE=1 (and -timeout 30m)")
	}
	need(t, "gcc", "bash")
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	k := &kit{t: t, root: root, out: filepath.Join(dir, "out"), cli: filepath.Join(dir, "actkit"), home: filepath.Join(dir, "home")}
	// The Windows DLL is CI's own step (.ci/run): cross-building it here
	// too would take minutes of the package's test timeout.
	env := []string{"ACTKIT_WINDOWS=0"}
	if os.Getenv("CI") != "" {
		env = append(env, "ACTKIT_REQUIRE_ALL=1")
	}
	if _, e, code := run(t, env, "bash", filepath.Join(root, "native", "build.sh"), k.out); code != 0 {
		t.Fatalf("build.sh: exit %d\n%s", code, e)
	}
	if o, err := exec.Command("go", "build", "-o", k.cli, "../cmd/actkit").CombinedOutput(); err != nil {
		t.Fatalf("go build actkit: %v\n%s", err, o)
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	k.identity = filepath.Join(dir, "identity.txt")
	if err := os.WriteFile(k.identity, []byte(id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	k.must(k.cli, "keys", "init", "--recipient", id.Recipient().String())
	k.must(k.cli, "keys", "new", "--product", "umenu")
	k.must(k.cli, "product", "add", "umenu")
	k.licence = k.must(k.cli, "licence", "new", "--product", "umenu", "--seats", "5")
	k.keyring = filepath.Join(dir, "umenu.keyring")
	k.must(k.cli, "keys", "export", "--product", "umenu", "-o", k.keyring)
	return k
}

// pythonEnv runs the Python binding from the source tree with the built
// library.
func (k *kit) pythonEnv() []string {
	return []string{"ACTKIT_LIBRARY=" + filepath.Join(k.out, "libactkit.so"), "PYTHONPATH=" + filepath.Join(k.root, "python")}
}

// python is Debian's interpreter (python3-pytest is installed for it; a
// python3 earlier on PATH may be another one).
const python = "/usr/bin/python3"

func TestBindings(t *testing.T) {
	k := setup(t)
	need(t, "mono", "mcs", python)
	testsExe := filepath.Join(k.out, "tests-dotnet.exe")
	k.must("mcs", "-nologo", "-out:"+testsExe, "-r:"+filepath.Join(k.out, "Actkit.dll"), "-r:System.Runtime.Serialization.dll",
		filepath.Join(k.root, "native", "dotnet", "tests", "Tests.cs"))
	abiTest := filepath.Join(k.out, "abi-test")
	k.must("gcc", "-std=c99", "-Wall", "-Werror", "-O2", "-I", k.out, "-o", abiTest, filepath.Join(k.root, "native", "tests", "abi_test.c"),
		"-L", k.out, "-lactkit", "-lpthread", "-Wl,-rpath,"+k.out)

	t.Run("MachineUID", func(t *testing.T) {
		want := k.must(k.cli, "machine-id", "--product", "umenu", "--version", "4.2.17")
		c := strings.SplitN(k.must(abiTest, "machine-id", "umenu", "4.2.17"), "\n", 2)
		dotnet := k.must("mono", testsExe, "machine-id", "umenu", "4.2.17")
		o, e, code := run(t, k.pythonEnv(), python, "-c", "import actkit; print(actkit.machine_uid('umenu', '4.2.17'))")
		if code != 0 {
			t.Fatalf("python: %s", e)
		}
		if c[0] != want || dotnet != want || strings.TrimSpace(o) != want {
			t.Errorf("actkit machine-id %s; C %s, .NET %s, Python %s", want, c[0], dotnet, o)
		}
		// The explanation is the CLI's --json, field for field.
		cliJSON := k.must(k.cli, "machine-id", "--product", "umenu", "--version", "4.2.17", "--json")
		var a, b any
		if json.Unmarshal([]byte(cliJSON), &a) != nil || json.Unmarshal([]byte(c[1]), &b) != nil || fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("explanations differ:\nCLI %s\nC   %s", cliJSON, c[1])
		}
	})

	t.Run("CVectors", func(t *testing.T) {
		tsv := k.vectorsTSV(t)
		if o, e, code := run(t, nil, abiTest, "vectors", tsv); code != 0 {
			t.Fatalf("C vectors: exit %d\n%s%s", code, o, e)
		}
	})
	t.Run("CUpdates", func(t *testing.T) {
		tsv := k.updatesTSV(t)
		if o, e, code := run(t, nil, abiTest, "updates", tsv); code != 0 {
			t.Fatalf("C updates: exit %d\n%s%s", code, o, e)
		} else {
			t.Log(strings.TrimSpace(o))
		}
	})
	t.Run("DotnetVectors", func(t *testing.T) {
		if o, e, code := run(t, nil, "mono", testsExe, "vectors", filepath.Join(k.root, "testvectors")); code != 0 {
			t.Fatalf(".NET vectors: exit %d\n%s%s", code, o, e)
		}
	})
	t.Run("Examples", func(t *testing.T) { k.examples(t) })
	t.Run("CThreads", func(t *testing.T) {
		// Eight C threads verify through one keyring at once.
		uid := k.must(k.cli, "machine-id", "--product", "umenu", "--version", "4.2.17", "--value", "threads")
		code := k.must(k.cli, "issue", "--licence", k.licence, "--machine", uid)
		if o, e, c := run(t, nil, abiTest, "threads", k.keyring, k.licence, uid, code); c != 0 {
			t.Fatalf("threads: exit %d\n%s%s", c, o, e)
		}
	})

	url, stop := k.serve()
	defer stop()
	dead := servetest.ClosedAddress(t)
	t.Run("DotnetClient", func(t *testing.T) {
		o, e, code := run(t, nil, "mono", testsExe, "client", url, dead, k.keyring, k.licence, t.TempDir())
		if code != 0 {
			t.Fatalf(".NET client: exit %d\n%s%s", code, o, e)
		}
	})
	t.Run("Python", func(t *testing.T) {
		env := append(k.pythonEnv(), "ACTKIT_CLI="+k.cli, "ACTKIT_TEST_SERVER="+url, "ACTKIT_TEST_DEAD_SERVER="+dead,
			"ACTKIT_TEST_KEYRING="+k.keyring, "ACTKIT_TEST_LICENCE="+k.licence, "CI=1")
		o, e, code := run(t, env, python, "-m", "pytest", "-q", "-p", "no:cacheprovider", filepath.Join(k.root, "python", "tests"))
		if code != 0 {
			t.Fatalf("pytest: exit %d\n%s%s", code, o, e)
		}
		t.Log(lastLine(o))
	})
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// vectorsTSV writes the activation-code and delegation vectors for
// abi_test.c: one line per test, fields escaped (\t, \n, \r, \\), with
// the terms JSON that Go returns for a valid one and the certificate. A test with a NUL in it is left out (a C
// string cannot carry one; the bindings refuse it as an argument error,
// which their own runners check).
func (k *kit) vectorsTSV(t *testing.T) string {
	dir := t.TempDir()
	esc := strings.NewReplacer("\\", "\\\\", "\t", "\\t", "\n", "\\n", "\r", "\\r")
	var b strings.Builder
	n, left := 0, 0
	for _, name := range []string{"activation_code_ed25519.json", "activation_code_hmac.json", "delegation_verify.json"} {
		data, err := os.ReadFile(filepath.Join(k.root, "testvectors", name))
		if err != nil {
			t.Fatal(err)
		}
		var f testvectors.File
		if err := json.Unmarshal(data, &f); err != nil {
			t.Fatal(err)
		}
		for gi, g := range f.TestGroups {
			krFile := filepath.Join(dir, fmt.Sprintf("%s.%d.keyring", name, gi))
			if err := os.WriteFile(krFile, []byte(g.Keyring), 0o644); err != nil {
				t.Fatal(err)
			}
			flags, hmac := 0, "0"
			if g.HMACSecrets {
				flags, hmac = abi.KeyringHMACSecrets, "1"
			}
			h, e := abi.ParseKeyring(g.Keyring, flags)
			if e != nil {
				t.Fatal(e)
			}
			for _, tc := range g.Tests {
				if strings.Contains(tc.Code+tc.Product+tc.LicenceKey+tc.MachineUID, "\x00") {
					if tc.Result != "invalid" {
						t.Fatalf("%s #%d: a valid vector with a NUL", name, tc.TcID)
					}
					left++
					continue
				}
				now, err := time.Parse(time.RFC3339Nano, tc.Now)
				if err != nil {
					t.Fatal(err)
				}
				terms := "-"
				if tc.Result == "valid" {
					js, ref, e := abi.VerifyDelegated(h, &tc.Product, tc.LicenceKey, tc.MachineUID, tc.Code, tc.Certificate, now.UnixMilli())
					if e != nil || ref != nil {
						t.Fatalf("%s #%d: Go refuses a valid vector: %v %+v", name, tc.TcID, e, ref)
					}
					terms = js
				}
				fields := []string{krFile, hmac, tc.Product, tc.LicenceKey, tc.MachineUID, tc.Code,
					fmt.Sprint(now.UnixMilli()), tc.Result, tc.Reason, tc.Suggestion, terms, tc.Certificate}
				for i, f := range fields {
					fields[i] = esc.Replace(f)
				}
				b.WriteString(strings.Join(fields, "\t") + "\n")
				n++
			}
			abi.Close(h)
		}
	}
	if left != 2 {
		t.Fatalf("%d vectors with a NUL, want 2 (one per file)", left)
	}
	path := filepath.Join(dir, "vectors.tsv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d vectors for C, %d with a NUL left out", n, left)
	return path
}

// updatesTSV writes keyring_update.json for abi_test.c: keyring file,
// update, now, result, reason, and for an accepted update the info JSON
// and the text Go's side makes (its own test checks them against the
// vectors' outputs).
func (k *kit) updatesTSV(t *testing.T) string {
	dir := t.TempDir()
	esc := strings.NewReplacer("\\", "\\\\", "\t", "\\t", "\n", "\\n", "\r", "\\r")
	data, err := os.ReadFile(filepath.Join(k.root, "testvectors", "keyring_update.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f testvectors.UpdateFile
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	n := 0
	for gi, g := range f.TestGroups {
		krFile := filepath.Join(dir, fmt.Sprintf("held.%d.keyring", gi))
		if err := os.WriteFile(krFile, []byte(g.Keyring), 0o644); err != nil {
			t.Fatal(err)
		}
		h, e := abi.ParseKeyring(g.Keyring, 0)
		if e != nil {
			t.Fatal(e)
		}
		for _, tc := range g.Tests {
			now, err := time.Parse(time.RFC3339, tc.Now)
			if err != nil {
				t.Fatal(err)
			}
			info, text := "-", "-"
			if tc.Result == "valid" {
				nh, tx, ref, e := abi.UpdateKeyring(h, tc.Update, now.UnixMilli(), true)
				if e != nil || ref != nil {
					t.Fatalf("#%d: Go refuses a valid update: %v %+v", tc.TcID, e, ref)
				}
				if info, e = abi.Info(nh); e != nil {
					t.Fatal(e)
				}
				text = tx
				abi.Close(nh)
			}
			fields := []string{krFile, tc.Update, fmt.Sprint(now.UnixMilli()), tc.Result, tc.Reason, info, text}
			for i, f := range fields {
				fields[i] = esc.Replace(f)
			}
			b.WriteString(strings.Join(fields, "\t") + "\n")
			n++
		}
		abi.Close(h)
	}
	if n != f.NumberOfTests || n == 0 {
		t.Fatalf("%d of %d update vectors", n, f.NumberOfTests)
	}
	path := filepath.Join(dir, "updates.tsv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// examples: the three examples verify a code the CLI just issued, print
// the same terms as 'actkit verify --json', and refuse it with one
// symbol changed (a typo, with the original as the suggestion).
func (k *kit) examples(t *testing.T) {
	uid := k.must(k.cli, "machine-id", "--product", "umenu", "--version", "4.2.17")
	code := k.must(k.cli, "issue", "--licence", k.licence, "--machine", uid)
	var cli struct {
		Terms json.RawMessage `json:"terms"`
	}
	if err := json.Unmarshal([]byte(k.must(k.cli, "verify", "--keyring", k.keyring, "--licence", k.licence, "--machine", uid, "--json", code)), &cli); err != nil {
		t.Fatal(err)
	}
	// One symbol changed: the first of the second group, to another symbol.
	sym := []byte(code)
	i := strings.IndexByte(code, '-') + 1
	if sym[i] == 'x' {
		sym[i] = 'y'
	} else {
		sym[i] = 'x'
	}
	typo := string(sym)
	examples := map[string][]string{
		"C":      {filepath.Join(k.out, "verify-c")},
		".NET":   {"mono", filepath.Join(k.out, "verify-dotnet.exe")},
		"Python": {python, "-m", "actkit.verify"},
	}
	for lang, argv := range examples {
		ex := func(args ...string) (string, string, int) {
			return run(t, k.pythonEnv(), argv[0], append(argv[1:], args...)...)
		}
		o, e, code0 := ex(k.keyring, "umenu", k.licence, uid, code)
		var got, want any
		if code0 != 0 || json.Unmarshal([]byte(o), &got) != nil || json.Unmarshal(cli.Terms, &want) != nil || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: exit %d, stdout %q (want %s), stderr %q", lang, code0, o, cli.Terms, e)
		}
		if strings.Count(strings.TrimSpace(o), "\n") != 0 {
			t.Errorf("%s: terms not on one line: %q", lang, o)
		}
		o, e, code1 := ex(k.keyring, "umenu", k.licence, uid, typo)
		// The suggestion, said once: the message carries it already.
		if code1 != 1 || o != "" || !strings.HasPrefix(e, "typo: ") || !strings.Contains(e, "did you mean "+code) || strings.Count(e, code) != 1 {
			t.Errorf("%s with one symbol changed: exit %d, stdout %q, stderr %q", lang, code1, o, e)
		}
		o, e, code1 = ex(k.keyring, "umenu", k.licence, "18J8D-22RR5-50W00-0000C", code)
		if code1 != 1 || !strings.HasPrefix(e, "wrong-machine: ") {
			t.Errorf("%s on another machine: exit %d, stdout %q, stderr %q", lang, code1, o, e)
		}
		if _, _, code2 := ex(k.keyring, "umenu"); code2 != 2 {
			t.Errorf("%s with two arguments: exit %d, want 2", lang, code2)
		}
	}
}

// serve starts 'actkit serve' on 127.0.0.1 and returns its URL.
func (k *kit) serve() (string, func()) {
	cmd := exec.Command(k.cli, "serve", "--listen", "127.0.0.1:0", "--identity", k.identity, "--allow-root-keys", "--rate", "1000", "--burst", "1000")
	cmd.Env = append(os.Environ(), "ACTKIT_HOME="+k.home)
	return servetest.Start(k.t, cmd)
}
