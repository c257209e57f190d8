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

	"filippo.io/age"

	"github.com/actkit/actkit/internal/servetest"
)

// vendor runs the real actkit binary in a home of its own.
type vendor struct {
	t         *testing.T
	bin, home string
	identity  string
	// serveFlags are added to 'actkit serve' (--allow-root-keys for a
	// home that is the workstation too).
	serveFlags []string
	// env is added to every command's environment (ACTKIT_LEDGER).
	env []string
}

func (v *vendor) cmd(args ...string) *exec.Cmd {
	cmd := exec.Command(v.bin, args...)
	cmd.Env = append(append(os.Environ(), "ACTKIT_HOME="+v.home, "ACTKIT_IDENTITY="+v.identity), v.env...)
	return cmd
}

func (v *vendor) run(args ...string) string {
	v.t.Helper()
	var out, errb bytes.Buffer
	cmd := v.cmd(args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		v.t.Fatalf("actkit %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return strings.TrimSpace(out.String())
}

// serve starts 'actkit serve' on listen and returns its URL and a
// function that stops it (SIGTERM, as an operator would).
func (v *vendor) serve(listen string) (string, func()) {
	v.t.Helper()
	return servetest.Start(v.t, v.cmd(append([]string{"serve", "--listen", listen, "--identity", v.identity, "--rate", "1000", "--burst", "1000"}, v.serveFlags...)...))
}

// seats is the licence's seats in use, from 'actkit licence show'.
func (v *vendor) seats(lic string) int {
	v.t.Helper()
	var li struct {
		InUse int `json:"seatsInUse"`
	}
	if err := json.Unmarshal([]byte(v.run("licence", "show", lic, "--json")), &li); err != nil {
		v.t.Fatal(err)
	}
	return li.InUse
}

// closedAddress is a loopback address nobody listens on: the network
// without the licence server.
func closedAddress(t *testing.T) string { return servetest.ClosedAddress(t) }

// newVendor builds the real actkit into dir and makes a home of its own
// there, with a keystore encrypted to a fresh age identity.
func newVendor(t *testing.T, dir string) *vendor {
	t.Helper()
	if testing.Short() {
		t.Skip("builds actkit and runs a server")
	}
	bin := filepath.Join(dir, "actkit")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/actkit").CombinedOutput(); err != nil {
		t.Fatalf("go build actkit: %v\n%s", err, out)
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	idFile := filepath.Join(dir, "vendor-identity.txt")
	if err := os.WriteFile(idFile, []byte(id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	v := &vendor{t: t, bin: bin, home: filepath.Join(dir, "home"), identity: idFile, serveFlags: []string{"--allow-root-keys"}}
	v.run("keys", "init", "--recipient", id.Recipient().String())
	return v
}

// TestOnlineEndToEnd runs the product against a real 'actkit serve' on
// 127.0.0.1: the first run activates online; with the server stopped the
// product runs on its offline grace and stops after it; the server back,
// it recovers; a changed machine is told which part changed and cannot
// take a second seat; deactivation frees the seat and a second machine
// activates; offline, deactivation shows a deactivation code that frees
// the seat through the API; the vendor revokes the licence and the
// product stops at its next validation; and with no network at all the
// request-code flow still works.
func TestOnlineEndToEnd(t *testing.T) {
	dir := t.TempDir()
	v := newVendor(t, dir)
	v.run("keys", "new", "--product", "umenu")
	v.run("product", "add", "umenu")
	lic := v.run("licence", "new", "--product", "umenu", "--seats", "1")
	krPath := filepath.Join(dir, "umenu.keyring")
	v.run("keys", "export", "--product", "umenu", "-o", krPath)
	url, stop := v.serve("127.0.0.1:0")
	listen := strings.TrimPrefix(url, "http://")

	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	noHardware := t.TempDir() // the UID is the version and the product value
	base := time.Now().UTC().Truncate(time.Second)
	type machine struct{ value, state, licence string }
	// product runs the product on machine m, at base+at on its clock.
	product := func(m machine, at time.Duration, args ...string) (stdout, stderr string, code int) {
		t.Helper()
		cmd := exec.Command(self, args...)
		cmd.Env = append(os.Environ(), "PRODUCT_TEST_CHILD=1", "PRODUCT_KEYRING="+krPath, "PRODUCT_LICENCE="+m.licence,
			"PRODUCT_STATE="+filepath.Join(dir, m.state), "PRODUCT_NOW="+base.Add(at).Format(time.RFC3339),
			"PRODUCT_TEST_MACHINE_VALUE="+m.value, "PRODUCT_TEST_MACHINE_ROOT="+noHardware)
		cmd.Dir = dir
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		cmd.Run()
		return out.String(), errb.String(), cmd.ProcessState.ExitCode()
	}
	expect := func(what string, stdout, stderr string, code, wantCode int, want ...string) {
		t.Helper()
		t.Logf("%s: exit %d: %s%s", what, code, stdout, stderr)
		for _, w := range want {
			if !strings.Contains(stdout, w) {
				code = -1
			}
		}
		if code != wantCode {
			t.Fatalf("%s: exit %d\nstdout: %s\nstderr: %s\nwant exit %d and %q", what, code, stdout, stderr, wantCode, want)
		}
	}
	const hour, day = time.Hour, 24 * time.Hour

	// Machine 1 reads the server's address from its configuration file.
	m1 := machine{"machine-1", "m1.json", lic}
	if err := os.WriteFile(filepath.Join(dir, "product.conf"), []byte("# the licence server\nserver = "+url+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errs, code := product(m1, 0)
	expect("first run", out, errs, code, 0, "activated (never expires", "(seats: 1 of 1 in use)")
	if n := v.seats(lic); n != 1 {
		t.Fatalf("%d seats in use after the first run", n)
	}

	// The server stops: the product runs on the last answer, then stops.
	stop()
	out, errs, code = product(m1, 2*day+hour)
	expect("offline, day 2", out, errs, code, 0, "activated, offline", "5 day(s) of offline grace left")
	if !strings.Contains(errs, "cannot be reached") {
		t.Fatalf("no warning: %s", errs)
	}
	out, errs, code = product(m1, 7*day+hour)
	expect("offline, day 7", out, errs, code, 1, "has not been reached for the whole offline grace")

	// The server returns (the same address): the product recovers.
	_, stop = v.serve(listen)
	out, errs, code = product(m1, 7*day+2*hour)
	expect("the server back", out, errs, code, 0, "activated (never expires")

	// The machine changes: the product says which part, and the changed
	// machine cannot take a second seat of a one-seat licence.
	m1b := machine{"machine-1-new-board", "m1.json", lic}
	out, errs, code = product(m1b, 7*day+3*hour)
	expect("machine changed", out, errs, code, 1, "re-activation needed", "product value changed")
	out, errs, code = product(m1b, 7*day+3*hour, "activate")
	expect("the changed machine activates", out, errs, code, 1, "SEAT_LIMIT_EXCEEDED")

	// Deactivation frees the seat; the product stops, and does not take
	// the seat back by itself; a second machine activates.
	out, errs, code = product(m1, 7*day+4*hour, "deactivate")
	expect("deactivate", out, errs, code, 0, "deactivated: the seat is free (0 in use")
	if n := v.seats(lic); n != 0 {
		t.Fatalf("%d seats in use after deactivation", n)
	}
	out, errs, code = product(m1, 7*day+5*hour)
	expect("after deactivation", out, errs, code, 1, "deactivated")
	m2 := machine{"machine-2", "m2.json", lic}
	out, errs, code = product(m2, 7*day+5*hour, "-server", url)
	expect("a second machine", out, errs, code, 0, "activated (never expires", "(seats: 1 of 1 in use)")

	// Deactivated without the server, the product shows a deactivation
	// code; the customer sends it from a machine with internet.
	out, errs, code = product(m2, 7*day+6*hour, "-server", closedAddress(t), "deactivate")
	expect("deactivate offline", out, errs, code, 0, "Give this deactivation code to your vendor")
	dcode := strings.TrimSpace(strings.Split(strings.TrimSpace(out), "\n")[1])
	if n := v.seats(lic); n != 1 {
		t.Fatalf("%d seats in use before the deactivation code was used", n)
	}
	out, errs, code = product(m2, 7*day+6*hour, "-server", url)
	expect("after deactivating offline", out, errs, code, 1, "deactivation code", dcode)
	body, _ := json.Marshal(map[string]string{"deactivationCode": dcode})
	req, _ := http.NewRequest("POST", url+"/api/licence/deactivate", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+lic)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	json.NewDecoder(resp.Body).Decode(&d)
	resp.Body.Close()
	if resp.StatusCode != 200 || d["deactivated"] != true || d["activeCount"] != 0.0 {
		t.Fatalf("the deactivation code: %d %v", resp.StatusCode, d)
	}
	if n := v.seats(lic); n != 0 {
		t.Fatalf("%d seats in use after the deactivation code", n)
	}

	// Activated again, then the vendor revokes the licence: the product
	// stops at its next validation, and stays stopped offline.
	out, errs, code = product(m2, 7*day+7*hour, "-server", url, "activate")
	expect("activate again", out, errs, code, 0, "activated")
	help, _ := v.cmd("licence", "revoke", "--help").CombinedOutput()
	revoke := []string{"licence", "revoke", lic, "--reason", "refunded"}
	if strings.Contains(string(help), "--yes") {
		revoke = append(revoke, "--yes")
	}
	v.run(revoke...)
	out, errs, code = product(m2, 7*day+8*hour, "-server", url)
	expect("revoked, before the validation is due", out, errs, code, 0, "activated")
	out, errs, code = product(m2, 8*day+8*hour, "-server", url)
	expect("revoked, at the next validation", out, errs, code, 1, "the licence was revoked")
	stop()
	out, errs, code = product(m2, 9*day, "-server", url)
	expect("revoked, offline", out, errs, code, 1, "the licence was revoked")

	// No network at all: the request code goes to the vendor and the code
	// comes back by hand.
	_, stop = v.serve(listen)
	licB := v.run("licence", "new", "--product", "umenu", "--seats", "1")
	stop()
	m3 := machine{"machine-3", "m3.json", licB}
	nowhere := closedAddress(t)
	out, errs, code = product(m3, 0, "-server", nowhere)
	expect("no network, first run", out, errs, code, 0, "7 day(s) of the grace period left")
	out, errs, code = product(m3, hour, "-server", nowhere, "request")
	expect("request", out, errs, code, 0, "Send this request code")
	issued := v.run("issue", "--request", strings.TrimSpace(strings.Split(out, "\n")[1]))
	out, errs, code = product(m3, 2*hour, "-server", nowhere, "activate", issued)
	expect("activate offline", out, errs, code, 0, "activated (never expires")
	out, errs, code = product(m3, 30*day, "-server", nowhere)
	expect("an offline activation needs no server", out, errs, code, 0, "activated (never expires")
	if errs != "" {
		t.Fatalf("an offline activation tried the server: %s", errs)
	}
}

// newServerHome is a licence server's home of its own over ws's ledger,
// with its own age identity and keystore, as the README's key lifecycle
// sets one up before its delegation request.
func newServerHome(t *testing.T, ws *vendor, dir string) (*vendor, *age.X25519Identity) {
	t.Helper()
	sid, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	sidFile := filepath.Join(dir, "server-identity.txt")
	if err := os.WriteFile(sidFile, []byte(sid.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := &vendor{t: t, bin: ws.bin, home: filepath.Join(dir, "server-home"), identity: sidFile,
		env: []string{"ACTKIT_LEDGER=" + filepath.Join(ws.home, "ledger.db")}}
	srv.run("keys", "init", "--recipient", sid.Recipient().String())
	return srv, sid
}
