package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/actkit/actkit/activation"
	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/verify"
)

// TestMain makes the test binary the product when PRODUCT_TEST_CHILD is
// set, with the clock from PRODUCT_NOW, a product value from
// PRODUCT_TEST_MACHINE_VALUE and the hardware under
// PRODUCT_TEST_MACHINE_ROOT: only this test binary reads them.
func TestMain(m *testing.M) {
	if os.Getenv("PRODUCT_TEST_CHILD") == "1" {
		if s := os.Getenv("PRODUCT_NOW"); s != "" {
			now, err := time.Parse(time.RFC3339, s)
			if err != nil {
				panic(err)
			}
			testOnlyNow = func() time.Time { return now }
		}
		testOnlyProductValue = os.Getenv("PRODUCT_TEST_MACHINE_VALUE")
		testOnlyMachineRoot = os.Getenv("PRODUCT_TEST_MACHINE_ROOT")
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestProductLifecycle builds the example product and drives it as a user
// would: grace period, request code, a code for the wrong machine, the
// right code, and a rolled-back clock.
func TestProductLifecycle(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	dir := t.TempDir()
	if out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "product"), ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	key, err := keygen.Generate(bytes.NewReader(bytes.Repeat([]byte{9}, 32)), "umenu", codec.Ed25519, codec.Day(0).Start(), nil)
	if err != nil {
		t.Fatal(err)
	}
	kr := &codec.Keyring{Product: "umenu", Keys: []codec.Key{key.VerificationKey()}}
	krPath := filepath.Join(dir, "umenu.keyring")
	os.WriteFile(krPath, []byte(kr.String()), 0o644)
	licence := "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM"

	product := func(now string, args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "PRODUCT_TEST_CHILD=1", "PRODUCT_KEYRING="+krPath, "PRODUCT_LICENCE="+licence,
			"PRODUCT_STATE="+filepath.Join(dir, "state.json"), "PRODUCT_NOW="+now,
			"PRODUCT_TEST_MACHINE_VALUE=test-machine-1")
		out, _ := cmd.CombinedOutput()
		return string(out), cmd.ProcessState.ExitCode()
	}
	expect := func(out string, code, wantCode int, want string) {
		t.Helper()
		if code != wantCode || !strings.Contains(out, want) {
			t.Fatalf("exit %d, output %q; want exit %d and %q", code, out, wantCode, want)
		}
	}

	out, code := product("2026-11-23T09:00:00Z")
	expect(out, code, 0, "7 day(s) of the grace period left")
	out, code = product("2026-11-27T09:00:00Z")
	expect(out, code, 0, "3 day(s) of the grace period left")
	out, code = product("2026-12-01T09:00:00Z")
	expect(out, code, 1, "activation required")

	out, code = product("2026-12-01T09:00:00Z", "request")
	expect(out, code, 0, "Send this request code")
	req, err := codec.ParseRequestCode(strings.TrimSpace(strings.Split(out, "\n")[1]))
	if err != nil {
		t.Fatal(err)
	}
	sign := func(uid codec.MachineUID) string {
		c, err := codec.Sign(key, codec.Binding{Product: "umenu", LicenceKey: req.LicenceKey, MachineUID: uid.String()},
			codec.Payload{Issued: codec.DayOf(codec.Day(0).Start().AddDate(2, 10, 30)), Expires: codec.NoExpiry, Seats: 1, Serial: 11})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	other := req.MachineUID
	other.Slots[codec.SlotNetwork]++
	out, code = product("2026-12-01T09:00:00Z", "activate", sign(other))
	expect(out, code, 1, "code is for another machine")

	good := sign(req.MachineUID)
	// One symbol mistyped: the correction is offered once, with its place.
	typo := []byte(good)
	typo[3] = map[bool]byte{true: 'b', false: 'a'}[typo[3] == 'a']
	out, code = product("2026-12-01T09:00:00Z", "activate", string(typo))
	expect(out, code, 1, "did you mean "+good+"?")
	if n := strings.Count(out, good); n != 1 {
		t.Fatalf("the suggestion is shown %d times:\n%s", n, out)
	}
	expect(out, code, 1, fmt.Sprintf("group 1, symbol 4: %c, not %c", good[3], typo[3]))
	out, code = product("2026-12-01T09:00:00Z", "activate", good)
	expect(out, code, 0, "activated (never expires")
	out, code = product("2026-12-02T09:00:00Z")
	expect(out, code, 0, "activated")

	// The clock rolled back by a week: tampering suspected.
	out, code = product("2026-11-25T09:00:00Z")
	expect(out, code, 1, "the system clock looks wrong")
}

// setup writes a keyring for product umenu into a temporary directory and
// returns it with a function that runs the product binary bin there.
func setup(t *testing.T, bin string) (kr *codec.Keyring, dir string, product func(extraEnv []string, args ...string) (string, int)) {
	t.Helper()
	dir = t.TempDir()
	key, err := keygen.Generate(bytes.NewReader(bytes.Repeat([]byte{9}, 32)), "umenu", codec.Ed25519, codec.Day(0).Start(), nil)
	if err != nil {
		t.Fatal(err)
	}
	kr = &codec.Keyring{Product: "umenu", Keys: []codec.Key{key.VerificationKey()}}
	krPath := filepath.Join(dir, "umenu.keyring")
	if err := os.WriteFile(krPath, []byte(kr.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return kr, dir, func(extraEnv []string, args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(append(os.Environ(), "PRODUCT_KEYRING="+krPath, "PRODUCT_LICENCE=UMENU-7KQ2X-M4RTA-9VWCE-H3NPM",
			"PRODUCT_STATE="+filepath.Join(dir, "state.json")), extraEnv...)
		out, _ := cmd.CombinedOutput()
		return string(out), cmd.ProcessState.ExitCode()
	}
}

// TestEnvironmentSuppliesNoMachineComponent: the product as built (no
// test seam set) computes the same machine identity whatever the
// environment says: an environment variable that fed a component of the
// UID let one machine's licence be carried to another.
func TestEnvironmentSuppliesNoMachineComponent(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	bin := filepath.Join(t.TempDir(), "product")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	_, _, product := setup(t, bin)
	var outs []string
	for _, value := range []string{"", "licensed-machine", "another-machine"} {
		// Whatever this machine's hardware gives (a request code, or an
		// error on a machine without a per-machine component), it must not
		// depend on these.
		out, _ := product([]string{"PRODUCT_MACHINE_VALUE=" + value, "PRODUCT_TEST_MACHINE_VALUE=" + value}, "request")
		outs = append(outs, out)
	}
	if outs[0] != outs[1] || outs[1] != outs[2] {
		t.Fatalf("the environment moved the machine identity:\n%s", strings.Join(outs, "\n"))
	}
}

// TestStateFileIsKeyedByTheProduct: the example keys its state file's MAC
// with its own compiled-in secret, so a state file that verifies without
// it (what anyone who reads actkit's source can write) is not the
// product's: read with the public-values key, the product's file is
// damaged.
func TestStateFileIsKeyedByTheProduct(t *testing.T) {
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	kr, dir, product := setup(t, bin)
	env := []string{"PRODUCT_TEST_CHILD=1", "PRODUCT_NOW=2026-11-23T09:00:00Z", "PRODUCT_TEST_MACHINE_VALUE=test-machine-1"}
	if out, code := product(env); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, out)
	}
	out, code := product(env, "request")
	if code != 0 {
		t.Fatalf("request: exit %d: %s", code, out)
	}
	req, err := codec.ParseRequestCode(strings.TrimSpace(strings.Split(out, "\n")[1]))
	if err != nil {
		t.Fatal(err)
	}
	vk, err := verify.NewKeyring(kr)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		key   []byte
		state activation.State
	}{{nil, activation.ActivationRequired}, {stateKey, activation.InGrace}} {
		path := filepath.Join(t.TempDir(), "state.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		st, err := activation.Check(activation.Config{Keyring: vk, StatePath: path, StateKey: c.key}, req.MachineUID, now)
		if err != nil || st.State != c.state {
			t.Errorf("read with StateKey %x: %v %v, want %v", c.key, st, err, c.state)
		}
	}
}

// TestMissingKeyringNamesItsVariable: a product started without its
// keyring says which environment variable names it, unset or pointing at
// a file that is not there.
func TestMissingKeyringNamesItsVariable(t *testing.T) {
	for _, value := range []string{"", filepath.Join(t.TempDir(), "absent.keyring")} {
		t.Setenv("PRODUCT_KEYRING", value)
		var stdout, stderr bytes.Buffer
		if code := run(nil, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "PRODUCT_KEYRING") {
			t.Errorf("PRODUCT_KEYRING=%q: exit %d, stderr %q; want exit 2 naming PRODUCT_KEYRING", value, code, stderr.String())
		}
	}
}
