package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/verify"
)

// TestRotationKeepsShippedReleases is the review's reproduced failure: a
// release shipped with the keyring from before 'actkit keys new' (this
// product, 4.2.17, its keyring exported before the rotation and never
// recorded with --release) activates online against a real 'actkit serve'
// and offline with 'actkit issue --request' after the rotation, and gets
// codes it verifies; a product built before it said which keys it trusts
// (a bare HTTP call) too. Once the old key is revoked every path for the
// old keyring is refused with a clear reason, holding no seat, and a
// machine already activated keeps its licence.
func TestRotationKeepsShippedReleases(t *testing.T) {
	dir := t.TempDir()
	v := newVendor(t, dir)
	oldKey := v.run("keys", "new", "--product", "umenu")
	v.run("product", "add", "umenu")
	lic := v.run("licence", "new", "--product", "umenu", "--seats", "3")
	licOffline := v.run("licence", "new", "--product", "umenu", "--seats", "1")
	oldKR := filepath.Join(dir, "umenu-4.2.keyring") // what 4.2.17 shipped with
	v.run("keys", "export", "--product", "umenu", "-o", oldKR)

	newKey := v.run("keys", "new", "--product", "umenu") // the rotation, as the README says
	newKR := filepath.Join(dir, "umenu-4.3.keyring")
	v.run("keys", "export", "--product", "umenu", "-o", newKR)
	url, stop := v.serve("127.0.0.1:0")

	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	noHardware := t.TempDir()
	base := time.Now().UTC().Truncate(time.Second)
	product := func(keyring, value, licence string, at time.Duration, args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(self, append([]string{"-server", url}, args...)...)
		cmd.Env = append(os.Environ(), "PRODUCT_TEST_CHILD=1", "PRODUCT_KEYRING="+keyring, "PRODUCT_LICENCE="+licence,
			"PRODUCT_STATE="+filepath.Join(dir, value+".json"), "PRODUCT_NOW="+base.Add(at).Format(time.RFC3339),
			"PRODUCT_TEST_MACHINE_VALUE="+value, "PRODUCT_TEST_MACHINE_ROOT="+noHardware)
		cmd.Dir = dir
		out, _ := cmd.CombinedOutput()
		t.Logf("product %s %v: exit %d: %s", value, args, cmd.ProcessState.ExitCode(), out)
		return string(out), cmd.ProcessState.ExitCode()
	}
	expect := func(what, out string, code, wantCode int, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Fatalf("%s: %q lacks %q", what, out, w)
			}
		}
		if code != wantCode {
			t.Fatalf("%s: exit %d, want %d: %s", what, code, wantCode, out)
		}
	}
	// legacy is a product built before productVersion and trustedKeys: its
	// body names the machine alone. It returns the status, the problem or
	// validation code, and the answer's key ID and code.
	legacy := func(path, licence, machine string) (int, string, string, string) {
		t.Helper()
		body, _ := json.Marshal(map[string]string{"machineId": machine})
		req, _ := http.NewRequest("POST", url+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+licence)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var a struct{ Code, KeyID, ActivationCode string }
		json.NewDecoder(resp.Body).Decode(&a)
		return resp.StatusCode, a.Code, a.KeyID, a.ActivationCode
	}
	pinned := func(path string) *verify.Keyring {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		kr, err := verify.ParseKeyring(string(data))
		if err != nil {
			t.Fatal(err)
		}
		return kr
	}
	const hour, day = time.Hour, 24 * time.Hour

	// Online, the shipped release: activated with a code its keyring
	// verifies (the product verifies it before storing it).
	out, code := product(oldKR, "old-1", lic, 0)
	expect("4.2.17 online after the rotation", out, code, 0, "activated (never expires", "(seats: 1 of 3 in use)")
	// The new release gets the new key.
	out, code = product(newKR, "new-1", lic, 0)
	expect("4.3 online after the rotation", out, code, 0, "activated (never expires", "(seats: 2 of 3 in use)")
	// A product that says nothing: the key every keyring holds.
	uid := "19DSX-5JRR5-00000-0000E"
	st, _, keyID, ac := legacy("/api/licence/activate", lic, uid)
	if st != http.StatusOK || keyID != oldKey {
		t.Fatalf("a legacy activation after the rotation: %d, key %s (old %s, new %s)", st, keyID, oldKey, newKey)
	}
	if _, err := pinned(oldKR).Verify(ac, verify.Binding{Product: "umenu", LicenceKey: lic, MachineUID: uid}, base); err != nil {
		t.Fatalf("the legacy answer does not verify with the old keyring: %v", err)
	}
	if n := v.seats(lic); n != 3 {
		t.Fatalf("%d seats in use, want 3", n)
	}

	// Offline, the shipped release: its request code says 4.2.17, a line
	// nothing was recorded for, and 'issue' signs with the key its
	// keyring holds.
	out, code = product(oldKR, "old-offline", licOffline, 0, "request")
	expect("request", out, code, 0, "Send this request code")
	request := strings.TrimSpace(strings.Split(strings.TrimSpace(out), "\n")[1])
	issued := v.run("issue", "--request", request)
	out, code = product(oldKR, "old-offline", licOffline, hour, "activate", issued)
	expect("4.2.17 offline after the rotation", out, code, 0, "activated (never expires")

	// The old key is revoked (it leaked). The old keyring holds nothing
	// that can sign: every path is refused, before any seat is taken.
	stop()
	v.run("keys", "revoke", oldKey, "--yes")
	v.run("licence", "seats", lic, "--set", "4")
	url, stop = v.serve("127.0.0.1:0")
	defer stop()
	out, code = product(oldKR, "old-2", lic, 2*hour)
	expect("4.2.17 online after the revocation", out, code, 0, "not activated", "NO_TRUSTED_KEY")
	if st, pc, _, _ := legacy("/api/licence/activate", lic, otherUID()); st != http.StatusConflict || pc != "NO_TRUSTED_KEY" {
		t.Fatalf("a legacy activation after the revocation: %d %s", st, pc)
	}
	if n := v.seats(lic); n != 3 {
		t.Fatalf("refused activations hold seats: %d in use, want 3", n)
	}
	licOffline2 := v.run("licence", "new", "--product", "umenu", "--seats", "1")
	out, code = product(oldKR, "old-offline-2", licOffline2, 2*hour, "request")
	expect("request", out, code, 0, "Send this request code")
	request = strings.TrimSpace(strings.Split(strings.TrimSpace(out), "\n")[1])
	msg, err := v.cmd("issue", "--request", request).CombinedOutput()
	if err == nil || !strings.Contains(string(msg), "no-trusted-key") || !strings.Contains(string(msg), "--release") {
		t.Fatalf("issue for 4.2.17 after the revocation: %v %s", err, msg)
	}
	if n := v.seats(licOffline2); n != 0 {
		t.Fatalf("a refused issue holds a seat: %d in use", n)
	}
	// A machine already activated with the revoked key validates: told
	// there is no key its keyring accepts, it keeps its licence and its
	// grace, and nothing is taken.
	out, code = product(oldKR, "old-1", lic, 2*day, "validate")
	expect("4.2.17 validates after the revocation", out, code, 0, "activated", "NO_TRUSTED_KEY")
	// The new release keeps working, on its seat.
	out, code = product(newKR, "new-1", lic, 2*day, "validate")
	expect("4.3 validates after the revocation", out, code, 0, "activated (never expires", "(seats: 3 of 4 in use)")
	out, code = product(newKR, "new-2", lic, 2*day)
	expect("4.3 activates after the revocation", out, code, 0, "activated (never expires", "(seats: 4 of 4 in use)")
}

// otherUID is a valid machine UID no product in the test has.
func otherUID() string {
	u := codec.MachineUID{Version: codec.UIDVersion}
	u.Slots[codec.SlotNetwork], u.Slots[codec.SlotCPU] = 4242, 7
	return u.String()
}
