package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/verify"
)

// TestDelegatedServer runs the key hierarchy end to end with the real
// binary: the root stays in the workstation's home; the server's home
// makes its own key pair and a delegation request, the workstation signs
// a certificate, the server installs it and serves on it alone (and
// refuses to start on a home with roots); a product built with the
// keyring exported before any of this activates online, and stores and
// verifies the certificate with its code, capped to the delegation's
// longest code. Then the stolen-server drill: a copy of the server home,
// opened with the public Go API, mints codes outside the delegation, and
// the product's keyring refuses every one of them.
func TestDelegatedServer(t *testing.T) {
	dir := t.TempDir()
	ws := newVendor(t, dir) // the workstation
	ws.run("keys", "new", "--product", "umenu")
	ws.run("keys", "new", "--product", "other")
	ws.run("product", "add", "umenu", "--features", "export,cloud,api")
	ws.run("product", "add", "other")
	lic := ws.run("licence", "new", "--product", "umenu", "--seats", "3", "--features", "export")
	wide := ws.run("licence", "new", "--product", "umenu", "--seats", "3", "--features", "export,api")
	krPath := filepath.Join(dir, "umenu.keyring")
	ws.run("keys", "export", "--product", "umenu", "--release", "4.2", "-o", krPath)
	if out, err := ws.cmd("serve", "--listen", "127.0.0.1:0", "--identity", ws.identity).CombinedOutput(); err == nil ||
		!strings.Contains(string(out), "holds root keys") || !strings.Contains(string(out), "--allow-root-keys") {
		t.Fatalf("serve on the workstation's home without --allow-root-keys: %v %s", err, out)
	}

	// The server: a home of its own over the same ledger, its own identity.
	srv, sid := newServerHome(t, ws, dir)
	reqFile := filepath.Join(dir, "server.request")
	srv.run("keys", "request-delegation", "-o", reqFile)
	req, _ := os.ReadFile(reqFile)
	if !strings.HasPrefix(string(req), "actkit-delegation-request v1 ") || strings.Contains(string(req), "AGE-SECRET") {
		t.Fatalf("the request: %q", req)
	}
	certFile := filepath.Join(dir, "umenu.delegation")
	ws.run("keys", "delegate", "--request", reqFile, "--product", "umenu", "--days", "30", "--max-code-days", "14",
		"--seats", "1", "--features", "export", "--serials", "1-1000", "-o", certFile)
	srv.run("keys", "install", certFile)
	url, stop := srv.serve("127.0.0.1:0")
	defer stop()

	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	noHardware := t.TempDir()
	base := time.Now().UTC().Truncate(time.Second)
	today := codec.DayOf(base)
	product := func(value, licence string, args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(self, append([]string{"-server", url}, args...)...)
		cmd.Env = append(os.Environ(), "PRODUCT_TEST_CHILD=1", "PRODUCT_KEYRING="+krPath, "PRODUCT_LICENCE="+licence,
			"PRODUCT_STATE="+filepath.Join(dir, value+".json"), "PRODUCT_NOW="+base.Format(time.RFC3339),
			"PRODUCT_TEST_MACHINE_VALUE="+value, "PRODUCT_TEST_MACHINE_ROOT="+noHardware)
		out, _ := cmd.CombinedOutput()
		t.Logf("product %s %v: exit %d: %s", value, args, cmd.ProcessState.ExitCode(), out)
		return string(out), cmd.ProcessState.ExitCode()
	}

	// The shipped product (keyring of roots only) activates online: the
	// code is the delegated key's, with its certificate, capped to 14 days.
	out, code := product("m1", lic)
	if code != 0 || !strings.Contains(out, "activated (valid through "+(today+14).String()) {
		t.Fatalf("online activation under the delegation: exit %d %s", code, out)
	}
	var st struct {
		Code, Certificate string
	}
	data, _ := os.ReadFile(filepath.Join(dir, "m1.json"))
	json.Unmarshal(data, &st)
	if !strings.HasPrefix(st.Certificate, "actkit-delegation v1 ") {
		t.Fatalf("the product did not store the certificate with its code: %s", data)
	}
	// A licence granting features the delegation does not: refused, no seat.
	out, code = product("m2", wide, "activate")
	if code != 1 || !strings.Contains(out, "NO_TRUSTED_KEY") || ws.seats(wide) != 0 {
		t.Fatalf("a licence outside the delegation: exit %d %s, %d seats", code, out, ws.seats(wide))
	}
	// A product built before trustedKeys cannot verify a certificate: refused, no seat.
	body, _ := json.Marshal(map[string]string{"machineId": otherUID()})
	hr, _ := http.NewRequest("POST", url+"/api/licence/activate", bytes.NewReader(body))
	hr.Header.Set("Authorization", "Bearer "+lic)
	hr.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	var pr struct{ Code string }
	json.NewDecoder(resp.Body).Decode(&pr)
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict || pr.Code != "NO_TRUSTED_KEY" || ws.seats(lic) != 1 {
		t.Fatalf("a legacy product on a delegated server: %d %s, %d seats", resp.StatusCode, pr.Code, ws.seats(lic))
	}

	// The stolen-server drill. A copy of the server's home and its
	// identity, opened with the public API; the delegated key mints.
	stolen := filepath.Join(t.TempDir(), "keystore.age")
	b, _ := os.ReadFile(filepath.Join(srv.home, "keystore.age"))
	os.WriteFile(stolen, b, 0o600)
	ks, err := keygen.NewStore(stolen, keygen.Unlock{Identities: []age.Identity{sid}}, keygen.StoreOptions{}).Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if ks.HasRoots("") {
		t.Fatal("the server's home holds a root")
	}
	key, cert, err := ks.Delegation("umenu", codec.PurposeOnline, today, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ks.Delegation("other", codec.PurposeOnline, today, nil); err == nil {
		t.Fatal("the server holds a delegation for another product")
	}
	kr, err := verify.ParseKeyring(readFile(t, krPath))
	if err != nil {
		t.Fatal(err)
	}
	certText := cert.String()
	uid := otherUID()
	mint := func(product string, p codec.Payload) error {
		c, err := codec.Sign(key, codec.Binding{Product: product, LicenceKey: lic, MachineUID: uid}, p)
		if err != nil {
			return err
		}
		_, err = kr.VerifyDelegated(c, certText, verify.Binding{Product: "umenu", LicenceKey: lic, MachineUID: uid}, base)
		return err
	}
	honest := codec.Payload{Issued: today, Expires: today + 14, Seats: 1, Features: 1, Serial: 500}
	if err := mint("umenu", honest); err != nil {
		t.Fatalf("a code within the delegation is refused, so the refusals below prove nothing: %v", err)
	}
	for _, c := range []struct {
		what string
		p    codec.Payload
		want error
	}{
		{"never expiring", codec.Payload{Issued: today, Expires: codec.NoExpiry, Seats: 1, Features: 1, Serial: 500}, verify.ErrOutsideDelegation},
		{"longer than 14 days", codec.Payload{Issued: today, Expires: today + 15, Seats: 1, Features: 1, Serial: 500}, verify.ErrOutsideDelegation},
		{"issued after the window", codec.Payload{Issued: today + 30, Expires: today + 31, Seats: 1, Features: 1, Serial: 500}, verify.ErrOutsideDelegation},
		{"65,535 seats", codec.Payload{Issued: today, Expires: today + 14, Seats: 65535, Features: 1, Serial: 500}, verify.ErrOutsideDelegation},
		{"every feature", codec.Payload{Issued: today, Expires: today + 14, Seats: 1, Features: codec.NoLimitFeatures, Serial: 500}, verify.ErrOutsideDelegation},
		{"a serial out of range", codec.Payload{Issued: today, Expires: today + 14, Seats: 1, Features: 1, Serial: 5000}, verify.ErrOutsideDelegation},
	} {
		if err := mint("umenu", c.p); !errors.Is(err, c.want) {
			t.Errorf("stolen key, %s: %v, want %v", c.what, err, c.want)
		}
	}
	// Another product: its keyring holds no root that delegated this key.
	otherKR := filepath.Join(dir, "other.keyring")
	ws.run("keys", "export", "--product", "other", "-o", otherKR)
	okr, err := verify.ParseKeyring(readFile(t, otherKR))
	if err != nil {
		t.Fatal(err)
	}
	// The same secret under the key ID it would have for "other".
	asOther := renamed{key, codec.DeriveKeyID("other", codec.Ed25519, cert.PublicKey)}
	c, err := codec.Sign(asOther, codec.Binding{Product: "other", LicenceKey: lic, MachineUID: uid}, honest)
	if err != nil {
		t.Fatal(err)
	}
	for _, ct := range []string{"", certText} {
		if _, err := okr.VerifyDelegated(c, ct, verify.Binding{Product: "other", LicenceKey: lic, MachineUID: uid}, base); err == nil {
			t.Errorf("stolen key, another product (certificate %q): accepted", ct)
		}
	}

	// The vendor revokes the stolen delegation: a fresh key for the
	// server, and a root-signed keyring update revoking the old one. The
	// honest machine's code, signed by the revoked key, is signed again
	// under the new one at its next validation, on its seat, and the
	// product installs the update: the stolen key's codes stop verifying.
	stop()
	srv.run("keys", "request-delegation", "-o", reqFile)
	ws.run("keys", "delegate", "--request", reqFile, "--product", "umenu", "--days", "30", "--max-code-days", "14",
		"--seats", "1", "--features", "export", "-o", certFile)
	srv.run("keys", "install", certFile)
	updFile := filepath.Join(dir, "umenu-update.keyring")
	ws.run("keys", "export", "--product", "umenu", "--signed-version", "1", "--revoke-delegation", key.KeyID().String(), "-o", updFile)
	srv.serveFlags = []string{"--keyring-update", updFile}
	url, stop = srv.serve("127.0.0.1:0")
	defer stop()
	out, code = product("m1", lic, "validate")
	if code != 0 || !strings.Contains(out, "activated (valid through") {
		t.Fatalf("validation after the revocation: exit %d %s", code, out)
	}
	var after struct{ Code, Certificate, Keyring string }
	data, _ = os.ReadFile(filepath.Join(dir, "m1.json"))
	json.Unmarshal(data, &after)
	if after.Certificate == "" || after.Certificate == st.Certificate || after.Code == st.Code || !strings.HasPrefix(after.Keyring, "actkit-keyring v2") {
		t.Fatalf("the validation did not re-issue under the new delegation and install the update: %s", data)
	}
	if n := ws.seats(lic); n != 1 {
		t.Fatalf("%d seats in use after the re-issue, want 1", n)
	}
	updated, err := kr.Update(readFile(t, updFile), base)
	if err != nil {
		t.Fatal(err)
	}
	stolenCode, _ := codec.Sign(key, codec.Binding{Product: "umenu", LicenceKey: lic, MachineUID: uid}, honest)
	if _, err := updated.VerifyDelegated(stolenCode, certText, verify.Binding{Product: "umenu", LicenceKey: lic, MachineUID: uid}, base); !errors.Is(err, verify.ErrRevokedDelegation) {
		t.Fatalf("the revoked key's code after the update: %v", err)
	}
	// The same update again changes nothing.
	if _, err := updated.Update(readFile(t, updFile), base); err != nil {
		t.Fatalf("the same update again: %v", err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// renamed is a signer under another key ID: the stolen secret presented
// as another product's key.
type renamed struct {
	codec.Signer
	id codec.KeyID
}

func (r renamed) KeyID() codec.KeyID { return r.id }
