package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
)

// TestRootRotationKeepsShippedReleases runs the README's "Rotating the
// root itself" with the real binary: release 4.2.17 ships with the
// keyring exported before the rotation (the old root alone); the vendor
// makes a new root and signs a rotation with the old one ('keys export
// --signed-version 1 --rotate-root'), and every path of the shipped
// release works or is refused with a clear reason, holding no seat:
//   - online on the workstation (serve --allow-root-keys --keyring-update):
//     a new machine gets the new root's code with the rotation, installs
//     the rotation and verifies the code; a machine activated before
//     installs it at its next validation and keeps its code;
//   - offline ('issue --request'): a code of the old root, which its
//     keyring verifies;
//   - online on a delegated server whose certificate the old root signed:
//     refused (NO_TRUSTED_KEY), no seat, since a product holding the
//     rotation accepts delegations of the new root only; delegated again
//     with the new root, it activates.
//
// Then the old root leaks and is revoked, and a second rotation is
// signed (the revoked root signs only that): the shipped release still
// activates online with the new root's code, a machine holding the old
// root's code gets the new root's at its validation on its seat, and
// offline the shipped keyring, which trusts nothing that can sign, is
// refused before any seat is taken.
func TestRootRotationKeepsShippedReleases(t *testing.T) {
	dir := t.TempDir()
	ws := newVendor(t, dir) // the workstation, serving with --allow-root-keys
	ws.run("keys", "new", "--product", "umenu")
	ws.run("product", "add", "umenu", "--features", "export,cloud,api", "--licence-prefix", "UMENU")
	shipped := filepath.Join(dir, "umenu-4.2.keyring")
	ws.run("keys", "export", "--product", "umenu", "--release", "4.2", "-o", shipped)
	oldRoot := keyringIDs(t, readFile(t, shipped))
	if len(oldRoot) != 1 {
		t.Fatalf("the shipped keyring: %v", oldRoot)
	}
	lic := ws.run("licence", "new", "--product", "umenu", "--seats", "10")

	// A delegated server, certified by the old root before the rotation.
	srv, _ := newServerHome(t, ws, dir)
	reqFile, certFile := filepath.Join(dir, "server.request"), filepath.Join(dir, "umenu.delegation")
	srv.run("keys", "request-delegation", "-o", reqFile)
	ws.run("keys", "delegate", "--request", reqFile, "--product", "umenu", "--days", "30", "--max-code-days", "30", "-o", certFile)
	srv.run("keys", "install", certFile)

	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	noHardware := t.TempDir()
	base := time.Now().UTC().Truncate(time.Second)
	product := func(url, value, licence string, at time.Duration, args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(self, append([]string{"-server", url}, args...)...)
		cmd.Env = append(os.Environ(), "PRODUCT_TEST_CHILD=1", "PRODUCT_KEYRING="+shipped, "PRODUCT_LICENCE="+licence,
			"PRODUCT_STATE="+filepath.Join(dir, value+".json"), "PRODUCT_NOW="+base.Add(at).Format(time.RFC3339),
			"PRODUCT_TEST_MACHINE_VALUE="+value, "PRODUCT_TEST_MACHINE_ROOT="+noHardware)
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
	// held is what the product stored: its keyring's version (0: the one
	// it shipped with) and the key that signed its code.
	held := func(value string) (int, string) {
		t.Helper()
		var st struct{ Code, Keyring string }
		if err := json.Unmarshal([]byte(readFile(t, filepath.Join(dir, value+".json"))), &st); err != nil {
			t.Fatal(err)
		}
		v := 0
		if st.Keyring != "" {
			kr, err := codec.ParseKeyring(st.Keyring)
			if err != nil {
				t.Fatalf("the stored keyring: %v", err)
			}
			v = int(kr.Version)
		}
		return v, codeKey(t, st.Code)
	}
	offline := func(value string, at time.Duration) (string, error) {
		t.Helper()
		licOff := ws.run("licence", "new", "--product", "umenu", "--seats", "1")
		out, code := product(closedAddress(t), value, licOff, at, "request")
		expect("request", out, code, 0, "Send this request code")
		request := strings.TrimSpace(strings.Split(strings.TrimSpace(out), "\n")[1])
		var stdout, stderr strings.Builder
		cmd := ws.cmd("issue", "--request", request)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			if n := ws.seats(licOff); n != 0 {
				t.Fatalf("a refused issue holds %d seats", n)
			}
			return stderr.String(), err
		}
		out, code = product(closedAddress(t), value, licOff, at+time.Minute, "activate", strings.TrimSpace(stdout.String()))
		expect("offline activation", out, code, 0, "activated (never expires")
		return out, nil
	}
	const hour = time.Hour

	// Before the rotation: a machine activates on the workstation.
	url, stop := ws.serve("127.0.0.1:0")
	out, code := product(url, "m0", lic, 0)
	expect("4.2.17 before the rotation", out, code, 0, "activated (never expires", "(seats: 1 of 10 in use)")
	stop()

	// The rotation, as the README says.
	newRoot := ws.run("keys", "new", "--product", "umenu")
	rotation := filepath.Join(dir, "umenu-rotation.keyring")
	ws.run("keys", "export", "--product", "umenu", "--signed-version", "1", "--rotate-root", "-o", rotation)
	ws.serveFlags = []string{"--allow-root-keys", "--keyring-update", rotation}
	url, stop = ws.serve("127.0.0.1:0")
	out, code = product(url, "m1", lic, hour)
	expect("4.2.17 online after the rotation", out, code, 0, "activated (never expires", "(seats: 2 of 10 in use)")
	if v, k := held("m1"); v != 1 || k != newRoot {
		t.Fatalf("m1 holds keyring version %d and a code by %s, want the rotation and the new root %s", v, k, newRoot)
	}
	out, code = product(url, "m0", lic, hour, "validate")
	expect("4.2.17 validates after the rotation", out, code, 0, "activated (never expires", "(seats: 2 of 10 in use)")
	if v, k := held("m0"); v != 1 || k != oldRoot[0] {
		t.Fatalf("m0 holds keyring version %d and a code by %s, want the rotation and its old code by %s", v, k, oldRoot[0])
	}
	stop()
	if _, err := offline("off1", hour); err != nil {
		t.Fatalf("4.2.17 offline after the rotation: %v", err)
	}

	// The delegated server still holds the old root's certificate only.
	srv.serveFlags = []string{"--keyring-update", rotation}
	url, stop = srv.serve("127.0.0.1:0")
	out, code = product(url, "m2", lic, hour)
	expect("4.2.17 on a server delegated by the old root", out, code, 0, "not activated: 7 day(s) of the grace period left", "NO_TRUSTED_KEY")
	if n := ws.seats(lic); n != 2 {
		t.Fatalf("a refused activation holds a seat: %d in use, want 2", n)
	}
	stop()
	srv.run("keys", "request-delegation", "-o", reqFile)
	ws.run("keys", "delegate", "--request", reqFile, "--product", "umenu", "--days", "30", "--max-code-days", "30", "-o", certFile)
	srv.run("keys", "install", certFile)
	url, stop = srv.serve("127.0.0.1:0")
	out, code = product(url, "m2", lic, hour)
	expect("4.2.17 on a server delegated by the new root", out, code, 0, "activated (valid through", "(seats: 3 of 10 in use)")
	if v, _ := held("m2"); v != 1 {
		t.Fatalf("m2 holds keyring version %d, want the rotation", v)
	}
	stop()

	// The old root leaks: revoked, and a second rotation, which it signs.
	ws.run("keys", "revoke", oldRoot[0], "--yes")
	rotation2 := filepath.Join(dir, "umenu-rotation-2.keyring")
	ws.run("keys", "export", "--product", "umenu", "--signed-version", "2", "--rotate-root", "-o", rotation2)
	ws.serveFlags = []string{"--allow-root-keys", "--keyring-update", rotation2}
	url, stop = ws.serve("127.0.0.1:0")
	defer stop()
	out, code = product(url, "m3", lic, 2*hour)
	expect("4.2.17 online after the revocation", out, code, 0, "activated (never expires", "(seats: 4 of 10 in use)")
	if v, k := held("m3"); v != 2 || k != newRoot {
		t.Fatalf("m3 holds keyring version %d and a code by %s, want version 2 and the new root", v, k)
	}
	out, code = product(url, "m0", lic, 2*hour, "validate")
	expect("m0 validates after the revocation", out, code, 0, "activated (never expires", "(seats: 4 of 10 in use)")
	if v, k := held("m0"); v != 2 || k != newRoot {
		t.Fatalf("m0 holds keyring version %d and a code by %s, want its code signed again by the new root", v, k)
	}
	msg, err := offline("off2", 2*hour)
	if err == nil || !strings.Contains(msg, "no-trusted-key") {
		t.Fatalf("4.2.17 offline after the revocation: %v %s", err, msg)
	}
}

// keyringIDs are the IDs of a keyring text's keys.
func keyringIDs(t *testing.T, text string) []string {
	t.Helper()
	kr, err := codec.ParseKeyring(text)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, k := range append(kr.Roots, kr.Keys...) {
		ids = append(ids, k.ID.String())
	}
	return ids
}

// codeKey is the ID of the key that signed an activation code.
func codeKey(t *testing.T, code string) string {
	t.Helper()
	c, err := codec.DecodeCode(code)
	if err != nil {
		t.Fatalf("the stored code %q: %v", code, err)
	}
	return c.KeyID.String()
}
