package main

import (
	"context"
	"encoding/json"
	"errors"
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

// drillCase is one code minted with a stolen server's key and the Go
// verifier's verdict, for js/test/delegated-differential.mjs.
type drillCase struct {
	Comment     string `json:"comment"`
	Keyring     string `json:"keyring"` // the product: its keyring in the file's keyrings
	Code        string `json:"code"`
	Certificate string `json:"certificate,omitempty"`
	Update      string `json:"update,omitempty"`
	Product     string `json:"product"`
	LicenceKey  string `json:"licenceKey"`
	MachineUID  string `json:"machineUid"`
	Now         string `json:"now"`
	Result      string `json:"result"`
	Reason      string `json:"reason,omitempty"`
}

// TestStolenServerDrillInJavaScript repeats issue 23's stolen-server
// drill against the JavaScript verifier: the server's home, made and
// delegated to with the CLI as the README says, is opened with the
// public Go API, and its delegated key mints codes outside its
// certificate (never expiring, longer than allowed, dated after the
// window, above the seat, feature and serial limits, for another
// product, after its revocation). Go must refuse each for the reason
// stated here, and the JavaScript package must give the same verdict on
// every one (an honest code under the same certificate is accepted by
// both, so the refusals prove something).
func TestStolenServerDrillInJavaScript(t *testing.T) {
	jsDir := jsPackage(t)
	now := time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC)
	today := codec.DayOf(now)
	prevNow, prevWF := testOnlyNow, testOnlyScryptWorkFactor
	testOnlyNow = func() time.Time { return now }
	testOnlyScryptWorkFactor = 10
	t.Cleanup(func() { testOnlyNow, testOnlyScryptWorkFactor = prevNow, prevWF })

	dir := t.TempDir()
	identity := func(name string) (*age.X25519Identity, string) {
		id, err := age.GenerateX25519Identity()
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, []byte(id.String()+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return id, f
	}
	wid, wfile := identity("workstation-identity.txt")
	sid, sfile := identity("server-identity.txt")
	ws := []string{"--home", filepath.Join(dir, "workstation"), "--identity", wfile}
	srvHome := filepath.Join(dir, "server")
	srv := []string{"--home", srvHome, "--identity", sfile}
	cli := func(home []string, args ...string) string { return diffCLI(t, append(args, home...)...) }

	cli(ws, "keys", "init", "--recipient", wid.Recipient().String())
	cli(ws, "keys", "new", "--product", "umenu")
	cli(ws, "keys", "new", "--product", "other")
	cli(ws, "product", "add", "umenu", "--features", "export,cloud,api", "--licence-prefix", "UMENU")
	keyringText := cli(ws, "keys", "export", "--product", "umenu")
	otherText := cli(ws, "keys", "export", "--product", "other")
	cli(srv, "keys", "init", "--recipient", sid.Recipient().String())
	reqFile, certFile := filepath.Join(dir, "server.request"), filepath.Join(dir, "umenu.delegation")
	cli(srv, "keys", "request-delegation", "-o", reqFile)
	cli(ws, "keys", "delegate", "--request", reqFile, "--product", "umenu", "--days", "30", "--max-code-days", "14",
		"--seats", "1", "--features", "export", "--serials", "1-1000", "-o", certFile)
	cli(srv, "keys", "install", certFile)

	// The attacker's copy of the server home, opened with the public API.
	ks, err := keygen.NewStore(filepath.Join(srvHome, "keystore.age"), keygen.Unlock{Identities: []age.Identity{sid}}, keygen.StoreOptions{}).Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	key, cert, err := ks.Delegation("umenu", codec.PurposeOnline, today, nil)
	if err != nil {
		t.Fatal(err)
	}
	kr, err := verify.ParseKeyring(keyringText)
	if err != nil {
		t.Fatal(err)
	}
	okr, err := verify.ParseKeyring(otherText)
	if err != nil {
		t.Fatal(err)
	}
	lic := strings.TrimSpace(cli(ws, "licence", "new", "--product", "umenu", "--seats", "1", "--features", "export"))
	uid := codec.MachineUID{Version: codec.UIDVersion}
	uid.Slots[codec.SlotNetwork], uid.Slots[codec.SlotCPU] = 4242, 7
	certText := cert.String()
	updateText := cli(ws, "keys", "export", "--product", "umenu", "--signed-version", "1", "--revoke-delegation", key.KeyID().String())

	honest := codec.Payload{Issued: today, Expires: today + 14, Seats: 1, Features: 1, Serial: 500}
	var cases []drillCase
	mint := func(what string, signer codec.Signer, product string, p codec.Payload, certificate, update string, want error) {
		t.Helper()
		b := codec.Binding{Product: product, LicenceKey: lic, MachineUID: uid.String()}
		code, err := codec.Sign(signer, b, p)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		k := kr
		if product == "other" {
			k = okr
		}
		if update != "" {
			if k, err = k.Update(update, now); err != nil {
				t.Fatalf("%s: the update: %v", what, err)
			}
		}
		vb := verify.Binding{Product: product, LicenceKey: lic, MachineUID: uid.String()}
		if certificate != "" {
			_, err = k.VerifyDelegated(code, certificate, vb, now)
		} else {
			_, err = k.Verify(code, vb, now)
		}
		if want == nil && err != nil || want != nil && !errors.Is(err, want) {
			t.Fatalf("Go verifier, %s: %v, want %v", what, err, want)
		}
		c := drillCase{Comment: what, Keyring: product, Code: code, Certificate: certificate, Update: update, Product: product,
			LicenceKey: lic, MachineUID: uid.String(), Now: now.Format(time.RFC3339), Result: "valid"}
		if err != nil {
			c.Result, c.Reason = "invalid", verify.ReasonCode(err)
		}
		cases = append(cases, c)
	}
	mint("honest code within the delegation", key, "umenu", honest, certText, "", nil)
	mint("never expiring", key, "umenu", codec.Payload{Issued: today, Expires: codec.NoExpiry, Seats: 1, Features: 1, Serial: 500}, certText, "", verify.ErrOutsideDelegation)
	mint("longer than 14 days", key, "umenu", codec.Payload{Issued: today, Expires: today + 15, Seats: 1, Features: 1, Serial: 500}, certText, "", verify.ErrOutsideDelegation)
	mint("issued after the window", key, "umenu", codec.Payload{Issued: today + 30, Expires: today + 31, Seats: 1, Features: 1, Serial: 500}, certText, "", verify.ErrOutsideDelegation)
	mint("issued before the window", key, "umenu", codec.Payload{Issued: today - 1, Expires: today + 13, Seats: 1, Features: 1, Serial: 500}, certText, "", verify.ErrOutsideDelegation)
	mint("65,535 seats", key, "umenu", codec.Payload{Issued: today, Expires: today + 14, Seats: 65535, Features: 1, Serial: 500}, certText, "", verify.ErrOutsideDelegation)
	mint("every feature", key, "umenu", codec.Payload{Issued: today, Expires: today + 14, Seats: 1, Features: codec.NoLimitFeatures, Serial: 500}, certText, "", verify.ErrOutsideDelegation)
	mint("a serial out of range", key, "umenu", codec.Payload{Issued: today, Expires: today + 14, Seats: 1, Features: 1, Serial: 5000}, certText, "", verify.ErrOutsideDelegation)
	mint("without its certificate", key, "umenu", honest, "", "", verify.ErrUnknownKey)
	asOther := drillSigner{key, codec.DeriveKeyID("other", codec.Ed25519, cert.PublicKey)}
	mint("another product, with the certificate", asOther, "other", honest, certText, "", verify.ErrInvalidDelegation)
	mint("another product, no certificate", asOther, "other", honest, "", "", verify.ErrUnknownKey)
	mint("after the revoking keyring update", key, "umenu", honest, certText, updateText, verify.ErrRevokedDelegation)

	f := filepath.Join(dir, "drill.json")
	data, err := json.Marshal(map[string]any{"keyrings": map[string]string{"umenu": keyringText, "other": otherText}, "cases": cases})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f, data, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", "test/delegated-differential.mjs", f)
	cmd.Dir = jsDir
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("the JavaScript verifier disagrees with Go on the stolen-server drill: %v", err)
	}
}

// drillSigner is the stolen secret presented under another key ID.
type drillSigner struct {
	codec.Signer
	id codec.KeyID
}

func (s drillSigner) KeyID() codec.KeyID { return s.id }
