package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/verify"
)

// The JavaScript verifier (js/) must agree with the Go verifier on codes
// the CLI issues: this test issues a few hundred codes with the real
// commands, mutates each, records the Go verdicts and has
// js/test/differential.mjs check every one with the built package.

// diffCase is one verification and the Go verifier's verdict.
type diffCase struct {
	Keyring    string     `json:"keyring"` // key of diffFile.Keyrings
	Comment    string     `json:"comment"`
	Code       string     `json:"code"`
	Product    string     `json:"product"`
	LicenceKey string     `json:"licenceKey"`
	MachineUID string     `json:"machineUid"`
	Now        string     `json:"now"`
	Result     string     `json:"result"` // valid or invalid
	Reason     string     `json:"reason,omitempty"`
	Groups     []int      `json:"groups,omitempty"`
	NumGroups  int        `json:"numGroups,omitempty"`
	Suggestion string     `json:"suggestion,omitempty"`
	Terms      *diffTerms `json:"terms,omitempty"`
}

type diffTerms struct {
	KeyID    string `json:"keyId"`
	Serial   string `json:"serial"` // decimal: 64 bits do not fit a JSON number everywhere
	Issued   string `json:"issued"`
	Expires  string `json:"expires"` // "never" for a perpetual code
	Seats    int    `json:"seats"`
	Features string `json:"features"`
}

type diffKeyring struct {
	Text        string `json:"text"`
	HMACSecrets bool   `json:"hmacSecrets"`
}

type diffFile struct {
	Keyrings map[string]diffKeyring `json:"keyrings"`
	Cases    []diffCase             `json:"cases"`
}

// jsPackage finds js/ and makes sure it is built, or skips (fails in CI).
func jsPackage(t *testing.T) string {
	t.Helper()
	ci := os.Getenv("CI") == "true"
	unavailable := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...)
		if ci {
			t.Fatalf("CI=true and %s: CI must run 'npm ci' in js/ before go test", msg)
		}
		t.Skipf("skipping the JavaScript differential test: %s", msg)
	}
	if _, err := exec.LookPath("node"); err != nil {
		unavailable("node is not on PATH")
	}
	dir, err := filepath.Abs(filepath.Join("..", "..", "js"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err != nil {
		unavailable("js/node_modules is missing (run 'npm ci' in js/)")
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		unavailable("npm is not on PATH")
	}
	cmd := exec.Command(npm, "run", "build")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm run build in js/: %v\n%s", err, out)
	}
	return dir
}

// diffCLI runs the actkit command in-process and returns its stdout.
func diffCLI(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(append([]string{"actkit"}, args...), strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("actkit %s: exit %d\n%s", strings.Join(args, " "), code, errb.String())
	}
	return out.String()
}

func TestJSDifferential(t *testing.T) {
	jsDir := jsPackage(t)
	now := time.Date(2026, 6, 15, 9, 30, 0, 0, time.UTC)
	prevNow, prevWF := testOnlyNow, testOnlyScryptWorkFactor
	testOnlyNow = func() time.Time { return now }
	testOnlyScryptWorkFactor = 10
	t.Cleanup(func() { testOnlyNow, testOnlyScryptWorkFactor = prevNow, prevWF })

	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	id := filepath.Join(dir, "id.txt")
	// The identity of testdata/script/keys_recipients.txtar.
	if err := os.WriteFile(id, []byte("AGE-SECRET-KEY-1AKCE6M2FVVRHTZ6GSS8LGV8GQCY2VUFDEFAN46SJA6V4DZ6QRMESGELWCT\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := []string{"--home", home}
	diffCLI(t, append(h, "keys", "init", "--recipient", "age1thssdd2n9munyp74lszusr03g3dxqgu7txxgssn40l9ek7p46gnscqrvfr")...)
	ks := []string{"--identity", id}
	// A keystore made without the identity vouches for nothing until the
	// identity confirms it once.
	diffCLI(t, append(append(h, "keys", "trust", "--yes"), ks...)...)

	type product struct {
		id, alg, prefix string
		hmac            bool
	}
	products := []product{{"umenu", "ed25519", "UMENU", false}, {"plant-hmi", "hmac", "PLANT", true}}
	rng := rand.New(rand.NewPCG(1, 2))
	file := diffFile{Keyrings: map[string]diffKeyring{}}
	keyrings := map[string]*verify.Keyring{}
	var issued []diffCase
	for _, p := range products {
		diffCLI(t, append(append(h, "keys", "new", "--product", p.id, "--alg", p.alg), ks...)...)
		diffCLI(t, append(h, "product", "add", p.id, "--features", "f0,f1,f2,f3,f4,f5,f6,f7,f8,f9,f10", "--licence-prefix", p.prefix)...)
		exportArgs := append(append(h, "keys", "export", "--product", p.id), ks...)
		if p.hmac {
			exportArgs = append(exportArgs, "--include-secret")
		}
		text := diffCLI(t, exportArgs...)
		parse := verify.ParseKeyring
		if p.hmac {
			parse = verify.ParseKeyringWithHMACSecrets
		}
		kr, err := parse(text)
		if err != nil {
			t.Fatalf("exported keyring: %v", err)
		}
		file.Keyrings[p.id] = diffKeyring{Text: text, HMACSecrets: p.hmac}
		keyrings[p.id] = kr

		// Licences with varied terms, each with a batch of machines.
		for l := 0; l < 8; l++ {
			seats := 1 + rng.IntN(40)
			args := append(h, "licence", "new", "--product", p.id, "--seats", strconv.Itoa(seats))
			switch l % 3 {
			case 1:
				args = append(args, "--expires", now.AddDate(0, 0, 1+rng.IntN(900)).Format("2006-01-02"))
			case 2:
				args = append(args, "--expires", now.Format("2006-01-02")) // expires today
			}
			var feats []string
			for f := 0; f <= 10; f++ {
				if rng.IntN(3) == 0 {
					feats = append(feats, "f"+strconv.Itoa(f))
				}
			}
			if len(feats) > 0 {
				args = append(args, "--features", strings.Join(feats, ","))
			}
			lic := strings.TrimSpace(diffCLI(t, args...))

			var csvIn bytes.Buffer
			csvIn.WriteString("licence,machine,lease\n")
			machines := map[string]bool{}
			for len(machines) < seats {
				u := codec.MachineUID{Version: 1}
				u.Slots[codec.SlotNetwork] = uint16(1 + rng.IntN(32767))
				u.Slots[codec.SlotCPU] = uint16(rng.IntN(32768))
				u.Slots[codec.SlotVersion] = uint16(1 + rng.IntN(32767))
				if rng.IntN(3) == 0 {
					u.Slots[codec.SlotCustom] = uint16(1 + rng.IntN(32767))
				}
				machines[u.String()] = true
				lease := ""
				if rng.IntN(3) == 0 {
					lease = strconv.Itoa(1 + rng.IntN(60))
				}
				fmt.Fprintf(&csvIn, "%s,%s,%s\n", lic, u.String(), lease)
			}
			in := filepath.Join(dir, fmt.Sprintf("%s-%d.csv", p.id, l))
			if err := os.WriteFile(in, csvIn.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, fmt.Sprintf("%s-%d.out.csv", p.id, l))
			diffCLI(t, append(append(h, "issue", "--batch", in, "-o", out), ks...)...)
			rows := readCSV(t, out)
			for _, r := range rows {
				if r["status"] != "issued" {
					t.Fatalf("batch row not issued: %v", r)
				}
				issued = append(issued, diffCase{Keyring: p.id, Code: r["code"], Product: p.id, LicenceKey: r["licence"], MachineUID: r["machine"]})
			}
		}
	}
	if len(issued) < 200 {
		t.Fatalf("only %d codes issued", len(issued))
	}

	verdict := func(c diffCase, when time.Time) diffCase {
		c.Now = when.Format(time.RFC3339)
		terms, err := keyrings[c.Keyring].Verify(c.Code, verify.Binding{Product: c.Product, LicenceKey: c.LicenceKey, MachineUID: c.MachineUID}, when)
		if err == nil {
			c.Result = "valid"
			c.Terms = &diffTerms{KeyID: terms.KeyID.String(), Serial: strconv.FormatUint(terms.Serial, 10), Issued: terms.Issued.String(),
				Expires: terms.Expires.String(), Seats: terms.Seats, Features: strconv.FormatUint(terms.Features, 10)}
			return c
		}
		c.Result, c.Reason = "invalid", verify.ReasonCode(err)
		var ve *verify.Error
		if errors.As(err, &ve) {
			c.Groups, c.NumGroups, c.Suggestion = ve.Groups, ve.NumGroups, ve.Suggestion
		}
		return c
	}
	const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	reasons := map[string]int{}
	for i, c := range issued {
		add := func(comment string, d diffCase) {
			d.Comment = fmt.Sprintf("code %d: %s", i+1, comment)
			file.Cases = append(file.Cases, d)
			reasons[d.Reason]++
		}
		v := verdict(c, now)
		if v.Result != "valid" {
			t.Fatalf("issued code %d does not verify: %s", i+1, v.Reason)
		}
		add("as issued", v)
		var exp codec.Day
		if v.Terms.Expires != "never" {
			var err error
			if exp, err = codec.ParseDay(v.Terms.Expires); err != nil {
				t.Fatal(err)
			}
			add("last second of the expiry day", verdict(c, exp.End().Add(-time.Second)))
			add("first second after the expiry day", verdict(c, exp.End()))
		}
		add("three days before it was issued", verdict(c, now.AddDate(0, 0, -3)))
		other := c
		other.MachineUID = issued[(i+1)%len(issued)].MachineUID
		add("checked on another machine", verdict(other, now))
		other = c
		other.LicenceKey = strings.ToLower(strings.ReplaceAll(c.LicenceKey, "-", " "))
		add("licence key typed in lower case with spaces", verdict(other, now))
		other = c
		other.LicenceKey = issued[(i+len(issued)/2)%len(issued)].LicenceKey
		add("checked with another licence key", verdict(other, now))
		// Bytes changed under recomputed check symbols: only the
		// signature (and then the tags) can tell.
		raw, err := codec.ParseText(c.Code)
		if err != nil {
			t.Fatal(err)
		}
		for _, at := range []int{1, 4, rng.IntN(len(raw))} {
			mut := append([]byte(nil), raw...)
			mut[at] ^= byte(1 << rng.IntN(8))
			d := c
			d.Code = codec.FormatText(mut)
			add(fmt.Sprintf("byte %d changed, check symbols recomputed", at), verdict(d, now))
		}
		other = c
		other.Keyring = products[0].id
		if c.Keyring == products[0].id {
			other.Keyring = products[1].id
		}
		other.Product = other.Keyring
		add("checked by the other product", verdict(other, now))
		// Single-symbol mutations: the JavaScript verifier must find the
		// same typo group and the same suggestion, or none.
		sym := []byte(strings.ReplaceAll(c.Code, "-", ""))
		for m := 0; m < 6; m++ {
			mut := append([]byte(nil), sym...)
			pos := rng.IntN(len(mut))
			ch := alphabet[rng.IntN(len(alphabet))]
			for ch == mut[pos] {
				ch = alphabet[rng.IntN(len(alphabet))]
			}
			mut[pos] = ch
			d := c
			d.Code = string(mut)
			if m%2 == 1 {
				d.Code = regroup11(mut)
			}
			add(fmt.Sprintf("symbol %d changed to %c", pos+1, ch), verdict(d, now))
		}
	}
	t.Logf("%d codes issued, %d cases; reasons: %v", len(issued), len(file.Cases), reasons)

	data, err := json.Marshal(file)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "differential.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", filepath.Join(jsDir, "test", "differential.mjs"), path)
	cmd.Dir = jsDir
	out, err := cmd.CombinedOutput()
	t.Logf("node test/differential.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("the JavaScript verifier disagrees with Go: %v", err)
	}
}

func regroup11(sym []byte) string {
	var parts []string
	for i := 0; i < len(sym); i += 11 {
		parts = append(parts, string(sym[i:min(i+11, len(sym))]))
	}
	return strings.Join(parts, "-")
}

// readCSV reads a batch result file into maps keyed by column.
func readCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, col := range recs[0] {
			m[col] = rec[i]
		}
		rows = append(rows, m)
	}
	return rows
}
