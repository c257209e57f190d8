package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/verify"
)

// delegatedServer sets up the README's "Key lifecycle" server for the
// vendor v (the workstation, holding the roots): a home of its own with
// its own identity over v's ledger, a delegation request made there,
// signed with 'keys delegate' on the workstation (delegate: its flags
// beside --request, -o), installed with 'keys install', and served without
// --allow-root-keys. It returns the server's URL and its log.
func (v *vendor) delegatedServer(delegate ...string) (string, *serverLog) {
	v.t.Helper()
	dir := v.t.TempDir()
	id, _ := age.GenerateX25519Identity()
	idFile := filepath.Join(dir, "server-identity.txt")
	os.WriteFile(idFile, []byte(id.String()+"\n"), 0o600)
	ledger := v.ledger
	if ledger == "" {
		ledger = filepath.Join(v.dir, "home", "ledger.db")
	}
	srv := &vendor{t: v.t, bin: v.bin, dir: dir, id: idFile, ledger: ledger, delegated: true}
	srv.run("keys", "init", "--recipient", id.Recipient().String())
	req, cert := filepath.Join(dir, "server.request"), filepath.Join(dir, "server.delegation")
	srv.run("keys", "request-delegation", "-o", req)
	v.run(append([]string{"keys", "delegate", "--request", req, "-o", cert}, delegate...)...)
	srv.run("keys", "install", cert)
	url, _, logs := srv.serve()
	return url, logs
}

// TestUnstatedTrustOnDelegatedServer: clients already in the field state
// no trust (no trustedKeys, certificates, keyringVersion or
// productVersion). On a server running on a delegated key alone, one
// that comes with a customer API token or an imported licence key gets a
// code under the delegation, capped to its longest code, and the
// certificate that lets a verifier holding the root check it, on
// activate and validate. What stays refused, before any seat is taken: a
// licence the delegation cannot cover, the licence key of actkit's own
// format with nothing stated (a product built before trustedKeys, which
// verifies with roots alone), and a request code (a typed code carries no
// certificate).
func TestUnstatedTrustOnDelegatedServer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs a server")
	}
	bin := actkitBinary(t)
	backends(t, func(t *testing.T, ledger string) { unstatedTrustOnDelegatedServer(t, bin, ledger) })
}

func unstatedTrustOnDelegatedServer(t *testing.T, bin, ledger string) {
	v := newVendor(t, bin, ledger)
	v.run("keys", "new", "--product", "umenu")
	v.run("product", "add", "umenu", "--features", "export,api")
	v.run("product", "change", "umenu", "--legacy-keys", "UMENU-XXXX-XXXX-XXXX")
	lic := v.run("licence", "new", "--product", "umenu", "--seats", "2", "--features", "export")
	wide := v.run("licence", "new", "--product", "umenu", "--seats", "2", "--features", "export,api")
	csvPath := filepath.Join(v.dir, "customers.csv")
	os.WriteFile(csvPath, []byte("key,seats,expires,customer\nUMENU-XXXX-XXXX-XXXX,2,never,Acme Ltd\n"), 0o644)
	v.run("licence", "import", "--product", "umenu", csvPath)
	token := v.run("token", "new", "--scope", "licence", "--licence", lic, "--name", "add-in")
	wideToken := v.run("token", "new", "--scope", "licence", "--licence", wide, "--name", "add-in")
	krPath := filepath.Join(v.dir, "umenu.keyring")
	v.run("keys", "export", "--product", "umenu", "--release", "4.2", "-o", krPath)
	krText, _ := os.ReadFile(krPath)
	kr, err := verify.ParseKeyring(string(krText))
	if err != nil {
		t.Fatal(err)
	}
	url, _ := v.delegatedServer("--product", "umenu", "--days", "30", "--max-code-days", "14", "--features", "export")
	today := codec.DayOf(time.Now())

	// checkCode: the answer carries the certificate, and the code verifies
	// with the roots' keyring and it (and not without it), bound to key as
	// typed, capped to the delegation's 14 days.
	checkCode := func(what, key string, a map[string]any) {
		t.Helper()
		code, _ := a["activationCode"].(string)
		cert, _ := a["certificate"].(string)
		uid, _ := a["machineUid"].(string)
		if !strings.HasPrefix(cert, "actkit-delegation v1 ") {
			t.Fatalf("%s: no certificate in the answer: %v", what, a)
		}
		b := verify.Binding{Product: "umenu", LicenceKey: key, MachineUID: uid}
		terms, err := kr.VerifyDelegated(code, cert, b, time.Now())
		if err != nil {
			t.Fatalf("%s: the code does not verify with the root keyring and the returned certificate: %v", what, err)
		}
		if terms.Expires != today+14 || a["expires"] != (today+14).String() {
			t.Errorf("%s: expires %v (answer %v), want the delegation's cap %v", what, terms.Expires, a["expires"], today+14)
		}
		if _, err := kr.Verify(code, b, time.Now()); err == nil {
			t.Errorf("%s: a delegated code verifies without its certificate", what)
		}
	}
	inUse := func(bearer string) float64 {
		t.Helper()
		st, body, raw := rawCall(t, url, "GET", "/api/licence", bearer, "", false)
		if st != 200 {
			t.Fatalf("GET /api/licence: %d %s", st, raw)
		}
		return body["activeCount"].(float64)
	}

	// A customer API token, the documented body: a code under the delegation.
	body := `{"licenceKey": "` + lic + `", "machineId": "` + fieldGUID + `", "machineName": "DESKTOP-ABC123"}`
	st, a, raw := rawCall(t, url, "POST", "/api/licence/activate", token, body, false)
	if st != 200 || a["activeCount"] != 1.0 || a["machineId"] != fieldGUID {
		t.Fatalf("activate with a customer token on a delegated server: %d %s", st, raw)
	}
	checkCode("token", lic, a)
	// Without licenceKey: the token's own licence.
	st, a, raw = rawCall(t, url, "POST", "/api/licence/validate", token, `{"machineId": "`+fieldGUID+`"}`, false)
	if st != 200 || a["valid"] != true {
		t.Fatalf("validate with a customer token: %d %s", st, raw)
	}
	checkCode("token, validate", lic, a)

	// An imported key as bearer, typed in lower case.
	st, a, raw = rawCall(t, url, "POST", "/api/licence/activate", "umenu-xxxx-xxxx-xxxx", fieldDeact, false)
	if st != 200 || a["activeCount"] != 1.0 {
		t.Fatalf("activate with an imported key on a delegated server: %d %s", st, raw)
	}
	checkCode("imported key", "umenu-xxxx-xxxx-xxxx", a)
	checkCode("imported key, as the ledger holds it", "UMENU-XXXX-XXXX-XXXX", a)

	// Stated trust keeps its own rules: a product that names the root and
	// takes certificates gets the same delegation.
	roots := kr.KeyIDs()
	st, a, raw = rawCall(t, url, "POST", "/api/licence/activate", token,
		`{"machineId": "19DSX-5JRR5-00000-0000E", "trustedKeys": ["`+roots[0].String()+`"], "certificates": true}`, false)
	if st != 200 {
		t.Fatalf("activate with stated trust: %d %s", st, raw)
	}
	checkCode("stated trust", lic, a)

	// Still refused, with no seat taken.
	// A licence granting a feature the delegation does not.
	st, a, raw = rawCall(t, url, "POST", "/api/licence/activate", wideToken, fieldDeact, false)
	if st != 409 || a["code"] != "NO_TRUSTED_KEY" || inUse(wide) != 0 {
		t.Errorf("a licence outside the delegation, with a token: %d %s, %v seats", st, raw, inUse(wide))
	}
	if strings.Contains(strings.ToUpper(raw), strings.ToUpper(wide)) {
		t.Errorf("the refusal carries the licence key: %s", raw)
	}
	// actkit's own key as bearer, nothing stated: a product built before
	// trustedKeys, whose keyring of roots would refuse a delegated code.
	before := inUse(lic)
	st, a, raw = rawCall(t, url, "POST", "/api/licence/activate", lic, `{"machineId": "18J8C-GJRR5-00000-0000R"}`, false)
	if st != 409 || a["code"] != "NO_TRUSTED_KEY" || inUse(lic) != before {
		t.Errorf("actkit key as bearer, no trust stated: %d %s, %v seats (were %v)", st, raw, inUse(lic), before)
	}
	// A request code through a token: the code it gets is typed into a
	// product that holds no certificate.
	norm, _ := codec.NormalizeLicenceKey(lic)
	uid, err := codec.ParseMachineUID("18J8C-GJRR5-00000-0000R")
	if err != nil {
		t.Fatal(err)
	}
	rc, err := codec.RequestCode{Product: "umenu", LicenceKey: norm, MachineUID: uid, ProductVersion: "4.2.17"}.Text()
	if err != nil {
		t.Fatal(err)
	}
	st, a, raw = rawCall(t, url, "POST", "/api/licence/activate", token, `{"machineId": "`+rc+`"}`, false)
	if st != 409 || a["code"] != "NO_TRUSTED_KEY" || inUse(lic) != before {
		t.Errorf("a request code with a token, no trust stated: %d %s, %v seats (were %v)", st, raw, inUse(lic), before)
	}
}
