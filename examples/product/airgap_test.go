package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
)

// TestAirGappedKeyringUpdate: a product on an air-gapped site, activated
// with a typed code, installs the vendor's keyring update (revoking a
// stolen server's delegation) from a file with 'product keyring-update
// FILE', with the real binaries: it stays activated, the same file
// again is no error, and once a newer update is in, the older one is
// refused as a rollback, across restarts.
func TestAirGappedKeyringUpdate(t *testing.T) {
	dir := t.TempDir()
	ws := newVendor(t, dir)
	ws.run("keys", "new", "--product", "umenu")
	ws.run("product", "add", "umenu", "--features", "export")
	lic := ws.run("licence", "new", "--product", "umenu", "--seats", "2")
	krPath := filepath.Join(dir, "umenu.keyring")
	ws.run("keys", "export", "--product", "umenu", "--release", "4.2", "-o", krPath)

	// A delegated server, whose key the vendor later revokes.
	srv, _ := newServerHome(t, ws, dir)
	reqFile, certFile := filepath.Join(dir, "server.request"), filepath.Join(dir, "umenu.delegation")
	srv.run("keys", "request-delegation", "-o", reqFile)
	ws.run("keys", "delegate", "--request", reqFile, "--product", "umenu", "-o", certFile)
	srv.run("keys", "install", certFile)
	cert, err := codec.ParseCertificate(readFile(t, certFile))
	if err != nil {
		t.Fatal(err)
	}
	stolen, _ := cert.For("umenu")

	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	noHardware := t.TempDir()
	base := time.Now().UTC().Truncate(time.Second)
	product := func(args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(self, append([]string{"-config", filepath.Join(dir, "none.conf")}, args...)...)
		cmd.Env = append(os.Environ(), "PRODUCT_TEST_CHILD=1", "PRODUCT_KEYRING="+krPath, "PRODUCT_LICENCE="+lic,
			"PRODUCT_STATE="+filepath.Join(dir, "state.json"), "PRODUCT_NOW="+base.Format(time.RFC3339),
			"PRODUCT_TEST_MACHINE_VALUE=airgapped", "PRODUCT_TEST_MACHINE_ROOT="+noHardware)
		out, _ := cmd.CombinedOutput()
		t.Logf("product %v: exit %d: %s", args, cmd.ProcessState.ExitCode(), out)
		return string(out), cmd.ProcessState.ExitCode()
	}
	out, code := product("request")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 {
		t.Fatalf("product request: exit %d %s", code, out)
	}
	act := ws.run("issue", "--request", lines[1])
	if out, code := product("activate", act); code != 0 || !strings.Contains(out, "activated") {
		t.Fatalf("typed activation: exit %d %s", code, out)
	}

	v1, v2 := filepath.Join(dir, "umenu-update-1.keyring"), filepath.Join(dir, "umenu-update-2.keyring")
	ws.run("keys", "export", "--product", "umenu", "--signed-version", "1", "--revoke-delegation", stolen.KeyID.String(), "-o", v1)
	ws.run("keys", "export", "--product", "umenu", "--signed-version", "2", "--revoke-delegation", stolen.KeyID.String(), "-o", v2)
	for _, f := range []string{v1, v1, v2} {
		if out, code := product("keyring-update", f); code != 0 || !strings.Contains(out, "keyring update installed; activated") {
			t.Fatalf("keyring-update %s: exit %d %s", filepath.Base(f), code, out)
		}
	}
	if out, code := product("keyring-update", v1); code != 1 || !strings.Contains(out, "not installed") || !strings.Contains(out, "older") {
		t.Fatalf("version 1 after version 2: exit %d %s", code, out)
	}
	if out, code := product("keyring-update", filepath.Join(dir, "missing.keyring")); code != 2 {
		t.Fatalf("a missing file: exit %d %s", code, out)
	}
	if out, code := product(); code != 0 || !strings.Contains(out, "activated") {
		t.Fatalf("start after the updates: exit %d %s", code, out)
	}
}
