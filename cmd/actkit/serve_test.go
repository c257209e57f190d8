package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/internal/pgtest"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/verify"
)

// actkitBinary builds the real actkit binary once per test run.
func actkitBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "actkit")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

type vendor struct {
	t        *testing.T
	bin, dir string
	id       string
	// ledger is ACTKIT_LEDGER ("": the home's ledger.db).
	ledger string
	// delegated: the home holds delegated keys only (delegatedServer), and
	// serve runs without --allow-root-keys, as the README's server does.
	delegated bool
}

func (v *vendor) env() []string {
	env := append(os.Environ(), "ACTKIT_HOME="+filepath.Join(v.dir, "home"), "ACTKIT_IDENTITY="+v.id)
	if v.ledger != "" {
		env = append(env, "ACTKIT_LEDGER="+v.ledger)
	}
	return env
}

// backends runs fn on the SQLite ledger and on a PostgreSQL database.
func backends(t *testing.T, fn func(t *testing.T, ledger string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, "") })
	t.Run("postgres", func(t *testing.T) { fn(t, pgtest.NewDatabase(t)) })
}

func (v *vendor) run(args ...string) string {
	v.t.Helper()
	cmd := exec.Command(v.bin, args...)
	cmd.Env = v.env()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		v.t.Fatalf("actkit %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return strings.TrimSpace(out.String())
}

// serve starts 'actkit serve' on a free loopback port and returns its URL.
// serverLog is what a server printed on stderr, safe to read while it
// runs.
type serverLog struct {
	mu   sync.Mutex
	b    bytes.Buffer
	done chan struct{}
}

func (l *serverLog) add(line string) { l.mu.Lock(); l.b.WriteString(line + "\n"); l.mu.Unlock() }

// String is the log so far; after the server exited, all of it.
func (l *serverLog) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// all waits until the server's stderr is closed, then returns all of it.
func (l *serverLog) all() string { <-l.done; return l.String() }

func (v *vendor) serve(extra ...string) (string, *exec.Cmd, *serverLog) {
	v.t.Helper()
	args := []string{"serve", "--listen", "127.0.0.1:0", "--home", filepath.Join(v.dir, "home"), "--identity", v.id}
	if !v.delegated {
		args = append(args, "--allow-root-keys")
	}
	cmd := exec.Command(v.bin, append(args, extra...)...)
	cmd.Env = v.env()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		v.t.Fatal(err)
	}
	logs := &serverLog{done: make(chan struct{})}
	sc := bufio.NewScanner(stderr)
	url := ""
	for sc.Scan() {
		logs.add(sc.Text())
		if m := regexp.MustCompile(`serving the licence API on (http://\S+)`).FindStringSubmatch(sc.Text()); m != nil {
			url = m[1]
			break
		}
	}
	if url == "" {
		cmd.Process.Kill()
		v.t.Fatalf("serve did not start: %s", logs)
	}
	go func() {
		defer close(logs.done)
		for sc.Scan() {
			logs.add(sc.Text())
		}
	}()
	v.t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return url, cmd, logs
}

type reply struct {
	status int
	ctype  string
	header http.Header
	body   map[string]any
}

func call(t *testing.T, method, url, key, body string, header ...string) reply {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, ctype: resp.Header.Get("Content-Type"), header: resp.Header}
	if err := json.Unmarshal(data, &r.body); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %q", method, url, resp.StatusCode, data)
	}
	return r
}

// TestServeEndToEnd runs the real actkit binary as the licence server on
// 127.0.0.1 and drives the API as products do: activate (the code
// verifies offline), the same machine again (no second seat), the seat
// limit (with the machines holding the seats), deactivation (twice is not
// an error) freeing the seat, validation (business outcomes as 200 with
// valid false), a GUID instead of a UID, and hostile requests answered
// with the documented 4xx, never a 500.
func TestServeEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs a server")
	}
	bin := actkitBinary(t)
	backends(t, func(t *testing.T, ledger string) { serveEndToEnd(t, bin, ledger) })
}

// newVendor makes a vendor with an age identity in a new folder.
func newVendor(t *testing.T, bin, ledger string) *vendor {
	dir := t.TempDir()
	id, _ := age.GenerateX25519Identity()
	idFile := filepath.Join(dir, "id.txt")
	os.WriteFile(idFile, []byte(id.String()+"\n"), 0o600)
	v := &vendor{t: t, bin: bin, dir: dir, id: idFile, ledger: ledger}
	v.run("keys", "init", "--recipient", id.Recipient().String())
	return v
}

func serveEndToEnd(t *testing.T, bin, ledger string) {
	v := newVendor(t, bin, ledger)
	dir := v.dir
	v.run("keys", "new", "--product", "umenu")
	v.run("product", "add", "umenu", "--features", "export,api")
	lic := v.run("licence", "new", "--product", "umenu", "--seats", "1", "--features", "api")
	v.run("keys", "export", "--product", "umenu", "-o", filepath.Join(dir, "umenu.keyring"))
	krText, _ := os.ReadFile(filepath.Join(dir, "umenu.keyring"))
	kr, err := verify.ParseKeyring(string(krText))
	if err != nil {
		t.Fatal(err)
	}
	v.run("keys", "new", "--checkpoint")
	url, srv, logs := v.serve()

	const m1, m2 = "19DSX-5JRR5-00000-0000E", "18J8C-GJRR5-00000-0000R"
	r := call(t, "POST", url+"/api/licence/activate", "", `{"licenceKey":"`+lic+`","machineId":"`+m1+`","machineName":"DESKTOP-ABC123"}`)
	if r.status != 200 || r.body["activeCount"] != 1.0 || r.body["maxActivations"] != 1.0 {
		t.Fatalf("activate: %d %v", r.status, r.body)
	}
	code := r.body["activationCode"].(string)
	if _, err := kr.Verify(code, verify.Binding{Product: "umenu", LicenceKey: lic, MachineUID: m1}, time.Now()); err != nil {
		t.Fatalf("the online code does not verify offline: %v", err)
	}
	// A retry after a lost answer: the same record, no second seat.
	r2 := call(t, "POST", url+"/api/licence/activate", lic, `{"machineId":"`+strings.ToLower(m1)+`"}`)
	if r2.status != 200 || r2.body["activationCode"] != code || r2.body["activeCount"] != 1.0 || r2.body["serial"] != r.body["serial"] {
		t.Fatalf("repeated activation: %d %v", r2.status, r2.body)
	}
	// The seat limit names the machine holding the seat.
	r = call(t, "POST", url+"/api/licence/activate", lic, `{"machineId":"`+m2+`"}`)
	if r.status != 409 || r.body["code"] != "SEAT_LIMIT_EXCEEDED" || r.ctype != "application/problem+json" ||
		r.body["error"] != "Seat limit exceeded. Deactivate a machine first." || !strings.Contains(mustJSON(r.body["machines"]), m1) {
		t.Fatalf("seat limit: %d %s %v", r.status, r.ctype, r.body)
	}
	// Validation reads and answers 200.
	r = call(t, "POST", url+"/api/licence/validate", lic, `{"machineId":"`+m1+`"}`)
	if r.status != 200 || r.body["valid"] != true || r.body["activationCode"] != code {
		t.Fatalf("validate: %d %v", r.status, r.body)
	}
	r = call(t, "POST", url+"/api/licence/validate", lic, `{"machineId":"`+m2+`"}`)
	if r.status != 200 || r.body["valid"] != false || r.body["code"] != "NOT_ACTIVATED" {
		t.Fatalf("validate a machine without a seat: %d %v", r.status, r.body)
	}
	// Deactivation frees the seat; twice is not an error.
	r = call(t, "POST", url+"/api/licence/deactivate", lic, `{"machineId":"`+m1+`"}`)
	if r.status != 200 || r.body["deactivated"] != true || r.body["activeCount"] != 0.0 {
		t.Fatalf("deactivate: %d %v", r.status, r.body)
	}
	r = call(t, "POST", url+"/api/licence/deactivate", lic, `{"machineId":"`+m1+`"}`)
	if r.status != 200 || r.body["deactivated"] != false {
		t.Fatalf("deactivate twice: %d %v", r.status, r.body)
	}
	// A product that cannot compute a UID sends a GUID.
	guid := "550e8400-e29b-41d4-a716-446655440000"
	r = call(t, "POST", url+"/api/licence/activate", lic, `{"machineId":"`+guid+`"}`)
	if r.status != 200 {
		t.Fatalf("activate by GUID: %d %v", r.status, r.body)
	}
	want, _ := licensing.FingerprintUID("umenu", guid)
	if r.body["machineUid"] != want.String() {
		t.Fatalf("GUID mapped to %v, want %s", r.body["machineUid"], want)
	}
	if _, err := kr.Verify(r.body["activationCode"].(string), verify.Binding{Product: "umenu", LicenceKey: lic, MachineUID: want.String()}, time.Now()); err != nil {
		t.Fatalf("GUID code: %v", err)
	}
	// The vendor suspends the licence (another process, same ledger): the
	// next validation says so, as a business outcome.
	v.run("licence", "suspend", lic, "--reason", "unpaid")
	r = call(t, "POST", url+"/api/licence/validate", lic, `{"machineId":"`+guid+`"}`)
	if r.status != 200 || r.body["valid"] != false || r.body["code"] != "LICENCE_SUSPENDED" {
		t.Fatalf("validate a suspended licence: %d %v", r.status, r.body)
	}
	r = call(t, "GET", url+"/api/licence", lic, "")
	if r.status != 200 || r.body["status"] != "suspended" || r.body["activeCount"] != 1.0 {
		t.Fatalf("licence: %d %v", r.status, r.body)
	}
	if r := call(t, "GET", url+"/.well-known/actkit/keys.json", "", ""); r.status != 200 || !strings.Contains(mustJSON(r.body), "actkit-keyring v1") {
		t.Fatalf("keys.json: %d %v", r.status, r.body)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if r := call(t, "GET", url+path, "", ""); r.status != 200 {
			t.Fatalf("%s: %d", path, r.status)
		}
	}

	// Hostile and mistaken requests: documented 4xx, problem+json.
	typo := lic[:len(lic)-1] + map[bool]string{true: "0", false: "1"}[lic[len(lic)-1] != '0']
	for _, c := range []struct {
		name, method, path, key, body string
		header                        []string
		status                        int
		code                          string
	}{
		{"typo in the licence key", "POST", "/api/licence/activate", typo, `{"machineId":"` + m1 + `"}`, nil, 400, "LICENCE_KEY_TYPO"},
		{"unknown licence", "POST", "/api/licence/activate", "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM", `{"machineId":"` + m1 + `"}`, nil, 404, "LICENCE_NOT_FOUND"},
		{"no licence key", "POST", "/api/licence/activate", "", `{"machineId":"` + m1 + `"}`, nil, 401, "UNAUTHORIZED"},
		{"invalid machine ID", "POST", "/api/licence/activate", lic, `{"machineId":"x"}`, nil, 400, "INVALID_MACHINE_ID"},
		{"a UID with a typo", "POST", "/api/licence/activate", lic, `{"machineId":"19DSX-5JRR5-00000-0000F"}`, nil, 400, "INVALID_MACHINE_ID"},
		{"invalid JSON", "POST", "/api/licence/activate", lic, `{"machineId":`, nil, 400, "INVALID_REQUEST"},
		{"wrong type", "POST", "/api/licence/activate", lic, `{"machineId":42}`, nil, 400, "INVALID_REQUEST"},
		{"unknown field", "POST", "/api/licence/activate", lic, `{"machineId":"` + m1 + `","seats":99}`, nil, 400, "INVALID_REQUEST"},
		{"two objects", "POST", "/api/licence/activate", lic, `{"machineId":"` + m1 + `"}{}`, nil, 400, "INVALID_REQUEST"},
		{"huge body", "POST", "/api/licence/activate", lic, `{"machineId":"` + strings.Repeat("A", 1<<20) + `"}`, nil, 413, "BODY_TOO_LARGE"},
		{"not JSON", "POST", "/api/licence/activate", lic, `machineId=x`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"Basic auth", "POST", "/api/licence/activate", "", `{"machineId":"` + m1 + `"}`, []string{"Authorization", "Basic Zm9vOmJhcg=="}, 401, "UNAUTHORIZED"},
		{"wrong method", "GET", "/api/licence/activate", lic, "", nil, 405, "METHOD_NOT_ALLOWED"},
		{"no such endpoint", "GET", "/api/nothing", "", "", nil, 404, "NOT_FOUND"},
	} {
		r := call(t, c.method, url+c.path, c.key, c.body, c.header...)
		if r.status != c.status || r.body["code"] != c.code || r.ctype != "application/problem+json" || r.body["status"] != float64(c.status) {
			t.Errorf("%s: %d %s %v, want %d %s", c.name, r.status, r.ctype, r.body, c.status, c.code)
		}
	}

	// The vendor's own tools: an admin token reads and changes the licence
	// by its key in the URL, which the log shows as {key}.
	token := v.run("token", "new", "--scope", "admin", "--name", "e2e")
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/admin/licences/" + lic}, {"POST", "/api/admin/licences/" + lic + "/suspend"}, {"POST", "/api/admin/licences/" + lic + "/resume"},
	} {
		if r := call(t, c.method, url+c.path, token, "{}"); r.status != 200 {
			t.Errorf("%s %s: %d %v", c.method, c.path, r.status, r.body)
		}
	}
	// The keyrings products fetch: the product's, not the checkpoint key.
	if r := call(t, "GET", url+"/.well-known/actkit/keys.json", "", ""); r.status != 200 || len(r.body["keyrings"].(map[string]any)) != 1 || r.body["keyrings"].(map[string]any)["umenu"] == nil {
		t.Errorf("keys.json: %d %v", r.status, r.body)
	}

	// A graceful stop: SIGTERM, exit 0, and licence keys were never logged.
	srv.Process.Signal(syscall.SIGTERM)
	if err := srv.Wait(); err != nil {
		t.Fatalf("serve did not stop cleanly: %v", err)
	}
	logs.all()
	if strings.Contains(logs.String(), lic) || strings.Contains(logs.String(), strings.ReplaceAll(lic, "-", "")) {
		t.Fatal("a licence key reached the log")
	}
	for _, want := range []string{`"path":"/api/licence/activate"`, `"path":"/api/admin/licences/{key}/suspend"`} {
		if !strings.Contains(logs.String(), want) {
			t.Fatalf("no request log line with %s: %s", want, logs)
		}
	}
	if strings.Contains(logs.String(), `"status":0`) {
		t.Fatalf("a request logged without its status: %s", logs)
	}
}

// TestServeRateLimit: past the burst, 429 with Retry-After.
func TestServeRateLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs a server")
	}
	dir := t.TempDir()
	id, _ := age.GenerateX25519Identity()
	idFile := filepath.Join(dir, "id.txt")
	os.WriteFile(idFile, []byte(id.String()+"\n"), 0o600)
	v := &vendor{t: t, bin: actkitBinary(t), dir: dir, id: idFile}
	v.run("keys", "init", "--recipient", id.Recipient().String())
	url, _, _ := v.serve("--rate", "1", "--burst", "3")
	limited := 0
	for range 10 {
		r := call(t, "GET", url+"/api/licence", "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM", "")
		if r.status == 429 {
			limited++
			if r.header.Get("Retry-After") == "" || r.body["code"] != "RATE_LIMITED" {
				t.Fatalf("429 without Retry-After or code: %v", r.body)
			}
		}
	}
	if limited < 6 {
		t.Fatalf("only %d of 10 requests over a burst of 3 were limited", limited)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestServeKilledDuringActivations: kill -9 of the server while clients
// activate leaves no code without its record: every code a client
// received is in the ledger, live, and the ledger's state matches its
// audit trail.
func TestServeKilledDuringActivations(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs a server")
	}
	bin := actkitBinary(t)
	backends(t, func(t *testing.T, ledger string) { serveKilled(t, bin, ledger) })
}

func serveKilled(t *testing.T, bin, ledger string) {
	v := newVendor(t, bin, ledger)
	v.run("keys", "new", "--product", "umenu")
	v.run("product", "add", "umenu")
	lic := v.run("licence", "new", "--product", "umenu", "--seats", "5000")
	received := map[float64]string{}
	for round := range 3 {
		url, srv, _ := v.serve("--rate", "100000", "--burst", "100000")
		var mu sync.Mutex
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				client := &http.Client{Timeout: 5 * time.Second}
				for n := 0; ; n++ {
					select {
					case <-stop:
						return
					default:
					}
					u := codec.MachineUID{Version: codec.UIDVersion}
					u.Slots[codec.SlotNetwork], u.Slots[codec.SlotCPU] = uint16(1+round*5000+w*600+n), 9
					req, _ := http.NewRequest("POST", url+"/api/licence/activate", strings.NewReader(`{"machineId":"`+u.String()+`"}`))
					req.Header.Set("Authorization", "Bearer "+lic)
					resp, err := client.Do(req)
					if err != nil {
						return // the server is gone
					}
					var a map[string]any
					err = json.NewDecoder(resp.Body).Decode(&a)
					resp.Body.Close()
					if err == nil && resp.StatusCode == 200 {
						mu.Lock()
						received[a["serial"].(float64)] = a["machineUid"].(string)
						mu.Unlock()
					}
				}
			}()
		}
		time.Sleep(time.Duration(100+round*150) * time.Millisecond)
		srv.Process.Signal(syscall.SIGKILL)
		srv.Wait()
		close(stop)
		wg.Wait()
	}
	if len(received) < 10 {
		t.Fatalf("only %d codes received: the kill came too early to show anything", len(received))
	}
	out := v.run("licence", "show", lic, "--json")
	var li map[string]any
	json.Unmarshal([]byte(out), &li)
	held := map[string]bool{}
	for _, m := range li["machines"].([]any) {
		held[m.(map[string]any)["machine"].(string)] = true
	}
	for serial, machine := range received {
		if !held[machine] {
			t.Errorf("code serial %v for %s was received but its seat is not in the ledger", serial, machine)
		}
	}
	if li["seatsInUse"].(float64) != float64(len(held)) {
		t.Errorf("%v seats counted, %d held", li["seatsInUse"], len(held))
	}
	if out := v.run("ledger", "verify"); !strings.Contains(out, "the tables match it") {
		t.Fatalf("ledger verify: %s", out)
	}
	t.Logf("%d codes received over 3 kills; %d seats held", len(received), len(held))
}

// TestServeWarnsOfProductsWithoutKeys: a product without a signing key
// would refuse every activation with NO_SIGNING_KEY; serve says so when it
// starts, naming the command that fixes it.
func TestServeWarnsOfProductsWithoutKeys(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs a server")
	}
	v := newVendor(t, actkitBinary(t), "")
	v.run("product", "add", "umenu")
	lic := v.run("licence", "new", "--product", "umenu", "--seats", "1")
	url, srv, logs := v.serve()
	if r := call(t, "POST", url+"/api/licence/activate", lic, `{"machineId":"19DSX-5JRR5-00000-0000E"}`); r.status != 503 || r.body["code"] != "NO_SIGNING_KEY" {
		t.Errorf("activate without a key: %d %v", r.status, r.body)
	}
	srv.Process.Signal(syscall.SIGTERM)
	srv.Wait()
	if out := logs.all(); !strings.Contains(out, "warning: product umenu has no active signing key") || !strings.Contains(out, "actkit keys new --product umenu") {
		t.Fatalf("no warning of the missing key: %s", out)
	}
}
