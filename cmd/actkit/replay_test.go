package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/actkit/actkit/verify"
)

// The documented licence API calls of issue 26, as add-ins in the field
// send them: the bodies byte for byte, the headers the document shows.
const (
	fieldGUID     = "550e8400-e29b-41d4-a716-446655440000"
	fieldActivate = `{"licenceKey": "UMENU-XXXX-XXXX-XXXX", "machineId": "550e8400-e29b-41d4-a716-446655440000", "machineName": "DESKTOP-ABC123"}`
	fieldDeact    = `{"machineId": "550e8400-e29b-41d4-a716-446655440000"}`
)

// rawCall sends one HTTP/1.1 request written out by hand (so nothing but
// what the document shows, plus Host and Content-Length, is sent) and
// returns the status and the decoded JSON body.
func rawCall(t *testing.T, base, method, path, token, body string, omitContentType bool) (int, map[string]any, string) {
	t.Helper()
	host := strings.TrimPrefix(base, "http://")
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n", method, path, host, token)
	if !omitContentType {
		b.WriteString("Content-Type: application/json\r\n")
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
	if _, err := io.WriteString(conn, b.String()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("%s %s: %d %q is not JSON", method, path, resp.StatusCode, data)
	}
	return resp.StatusCode, out, string(data)
}

// TestReplayFieldClients replays the documented requests against the real
// 'actkit serve' on both ledgers, with licences imported from another
// licensing system (keys UMENU-XXXX-XXXX-XXXX) and a customer API token:
// the documented answers field by field, the 409 at the seat limit,
// deactivation by machineId alone, and the returned code verifying
// offline with the imported key typed in lower case. Once on a server
// holding the roots (--allow-root-keys), once on the README's server,
// which holds only a delegated key: there the code verifies with the
// root keyring and the certificate the answer carries.
func TestReplayFieldClients(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs a server")
	}
	bin := actkitBinary(t)
	for _, delegated := range []bool{false, true} {
		name := "roots"
		if delegated {
			name = "delegated"
		}
		t.Run(name, func(t *testing.T) {
			backends(t, func(t *testing.T, ledger string) { replayFieldClients(t, bin, ledger, delegated) })
		})
	}
}

func replayFieldClients(t *testing.T, bin, ledger string, delegated bool) {
	v := newVendor(t, bin, ledger)
	v.run("keys", "new", "--product", "umenu")
	v.run("keys", "new", "--checkpoint")
	v.run("product", "add", "umenu", "--features", "export,api")
	v.run("product", "change", "umenu", "--legacy-keys", "UMENU-XXXX-XXXX-XXXX")
	v.run("keys", "export", "--product", "umenu", "-o", filepath.Join(v.dir, "umenu.keyring"))
	krText, _ := os.ReadFile(filepath.Join(v.dir, "umenu.keyring"))
	kr, err := verify.ParseKeyring(string(krText))
	if err != nil {
		t.Fatal(err)
	}

	// The import, as Excel writes a semicolon file: a byte-order mark, CRLF.
	csvPath := filepath.Join(v.dir, "customers.csv")
	good := "\ufeffkey;seats;expires;customer\r\nUMENU-XXXX-XXXX-XXXX;1;never;Acme Ltd\r\numenu 4r0b 1kq2 m9tu;2;2030-12-31;Acme Ltd\r\n"
	os.WriteFile(csvPath, []byte(good), 0o644)
	out := v.run("licence", "import", "--product", "umenu", "--json", csvPath)
	var rep struct {
		Imported int
		Rows     []struct{ Outcome, Key string }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Imported != 2 || rep.Rows[1].Key != "UMENU-4R0B-1KQ2-M9TU" {
		t.Fatalf("import: %v %s", err, out)
	}
	// A re-run imports nothing new; a file with bad rows imports nothing.
	if out := v.run("licence", "import", "--product", "umenu", "--json", csvPath); !strings.Contains(out, `"imported": 0`) || strings.Count(out, `"unchanged"`) != 2 {
		t.Fatalf("re-run: %s", out)
	}
	bad := "key,seats,plan,expires,customer\nUMENU-AAAA-BBBB-CCCC,1,,never,C\nUMENU-AAAA-BBBB-CCCC,1,,never,C\nUMENU-AAAA-BBBB,1,,never,C\nUMENU-DDDD-EEEE-FFFF,,gold,never,C\nUMENU-XXXX-XXXX-XXXX,5,,never,Acme Ltd\n"
	os.WriteFile(csvPath, []byte(bad), 0o644)
	cmd := v.cmd("licence", "import", "--product", "umenu", csvPath)
	msg, err := cmd.CombinedOutput()
	for _, want := range []string{"line 3: refused: duplicate", "line 4: refused: malformed", `line 5: refused: unknown plan "gold"`, "line 6: refused: duplicate: a licence with this key already exists", "4 of 5 rows refused: nothing imported"} {
		if err == nil || !strings.Contains(string(msg), want) {
			t.Errorf("bad import (%v) does not say %q:\n%s", err, want, msg)
		}
	}
	if list := v.run("licence", "list", "--product", "umenu"); strings.Contains(list, "AAAA") {
		t.Fatalf("a refused import recorded a licence:\n%s", list)
	}
	token := v.run("token", "new", "--scope", "licence", "--licence", "umenu-xxxx-xxxx-xxxx", "--name", "add-in")
	v.run("ledger", "verify")
	var url string
	var logs *serverLog
	if delegated {
		url, logs = v.delegatedServer("--product", "umenu")
	} else {
		url, _, logs = v.serve()
	}
	// verifyCode checks an answer's code offline as the vendor's verifier
	// does: with the root keyring, and on a delegated server the
	// certificate the answer carries.
	verifyCode := func(body map[string]any, key string) error {
		code, _ := body["activationCode"].(string)
		cert, _ := body["certificate"].(string)
		uid, _ := body["machineUid"].(string)
		b := verify.Binding{Product: "umenu", LicenceKey: key, MachineUID: uid}
		if !delegated {
			if cert != "" {
				return fmt.Errorf("a root's code came with a certificate")
			}
			_, err := kr.Verify(code, b, time.Now())
			return err
		}
		if cert == "" {
			return fmt.Errorf("no certificate in the answer")
		}
		_, err := kr.VerifyDelegated(code, cert, b, time.Now())
		return err
	}

	// Activate, as documented, with the customer token.
	st, body, raw := rawCall(t, url, "POST", "/api/licence/activate", token, fieldActivate, false)
	if st != 200 {
		t.Fatalf("documented activate: %d %s", st, raw)
	}
	if body["machineId"] != fieldGUID || body["activeCount"] != 1.0 || body["maxActivations"] != 1.0 {
		t.Errorf("activate answer: %s", raw)
	}
	if at, ok := body["activatedAt"].(string); !ok {
		t.Errorf("activatedAt %v", body["activatedAt"])
	} else if _, err := time.Parse(time.RFC3339, at); err != nil {
		t.Errorf("activatedAt %q: %v", at, err)
	}
	uid, _ := body["machineUid"].(string)
	if err := verifyCode(body, "umenu-xxxx-xxxx-xxxx"); err != nil {
		t.Errorf("the code does not verify offline with the imported key in lower case: %v", err)
	}
	if err := verifyCode(body, "umenu-4r0b-1kq2-m9tu"); err == nil {
		t.Error("the code verifies with the customer's other key")
	}
	// The same call again: the same seat.
	if st, body, raw := rawCall(t, url, "POST", "/api/licence/activate", token, fieldActivate, false); st != 200 || body["activeCount"] != 1.0 {
		t.Errorf("activate again: %d %s", st, raw)
	}
	// Another machine: the seat limit, in the documented words.
	other := strings.Replace(fieldActivate, "550e8400", "660e8400", 1)
	st, body, raw = rawCall(t, url, "POST", "/api/licence/activate", token, other, false)
	if st != 409 || body["error"] != "Seat limit exceeded. Deactivate a machine first." || body["code"] != "SEAT_LIMIT_EXCEEDED" {
		t.Errorf("seat limit: %d %s", st, raw)
	}
	// Deactivate, as documented: the machine ID alone (no Content-Type, as the document shows).
	st, body, raw = rawCall(t, url, "POST", "/api/licence/deactivate", token, fieldDeact, true)
	if st != 200 || body["deactivated"] != true || body["activeCount"] != 0.0 || body["machineUid"] != uid {
		t.Errorf("deactivate by machineId: %d %s", st, raw)
	}
	// The seat is free for the other machine; the US spelling; the key as bearer, typed in lower case.
	if st, body, raw := rawCall(t, url, "POST", "/api/license/activate", token, other, false); st != 200 {
		t.Errorf("activate the other machine via /api/license: %d %s", st, raw)
	} else if err := verifyCode(body, "umenu-xxxx-xxxx-xxxx"); err != nil {
		t.Errorf("the other machine's code: %v", err)
	}
	if st, body, raw := rawCall(t, url, "POST", "/api/licence/validate", "umenu-xxxx-xxxx-xxxx",
		`{"machineId": "660e8400-e29b-41d4-a716-446655440000"}`, false); st != 200 || body["valid"] != true {
		t.Errorf("validate with the imported key as bearer: %d %s", st, raw)
	} else if err := verifyCode(body, "umenu-xxxx-xxxx-xxxx"); err != nil {
		t.Errorf("the validation's code: %v", err)
	}
	// Look-alikes were not declared: O for 0 is another key.
	if st, _, raw := rawCall(t, url, "GET", "/api/licence", "UMENU-4ROB-1KQ2-M9TU", "", false); st != 404 {
		t.Errorf("a look-alike spelling of a legacy key: %d %s", st, raw)
	}
	// The token acts for its licence only.
	st, body, raw = rawCall(t, url, "POST", "/api/licence/activate", token, strings.Replace(fieldActivate, "XXXX-XXXX-XXXX", "4R0B-1KQ2-M9TU", 1), false)
	if st != 403 || body["code"] != "LICENCE_NOT_COVERED" {
		t.Errorf("another licence with the token: %d %s", st, raw)
	}
	secret := token[strings.LastIndexByte(token, '_')+1:]
	if strings.Contains(logs.String(), secret) || strings.Contains(logs.String(), token[:20]) {
		t.Errorf("the server logged the token")
	}
}

// cmd is an actkit command in the vendor's environment, not yet run.
func (v *vendor) cmd(args ...string) *exec.Cmd {
	cmd := exec.Command(v.bin, args...)
	cmd.Env = v.env()
	return cmd
}
