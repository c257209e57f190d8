package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
)

// TestMain makes the test binary the product when PRODUCT_TEST_CHILD is
// set, with the clock from PRODUCT_NOW: only this test binary reads them.
func TestMain(m *testing.M) {
	if os.Getenv("PRODUCT_TEST_CHILD") == "1" {
		if s := os.Getenv("PRODUCT_NOW"); s != "" {
			now, err := time.Parse(time.RFC3339, s)
			if err != nil {
				panic(err)
			}
			testOnlyNow = func() time.Time { return now }
		}
		os.Exit(run(os.Args[1:]))
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
			"PRODUCT_MACHINE_VALUE=test-machine-1")
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
	out, code = product("2026-12-01T09:00:00Z", "activate", good)
	expect(out, code, 0, "activated (never expires")
	out, code = product("2026-12-02T09:00:00Z")
	expect(out, code, 0, "activated")

	// The clock rolled back by a week: tampering suspected.
	out, code = product("2026-11-25T09:00:00Z")
	expect(out, code, 1, "the system clock looks wrong")
}
