package abi_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/actkit/actkit/native/internal/abi"
	"github.com/actkit/actkit/testvectors"
)

var vectorFiles = []string{"activation_code_ed25519.json", "activation_code_hmac.json"}

func loadVectors(t testing.TB, name string) testvectors.File {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "testvectors", name))
	if err != nil {
		t.Fatal(err)
	}
	var f testvectors.File
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestVectors runs every activation-code vector through the ABI's Go
// side: the result, the reason (by number and name), the suggestion and
// the terms must be what the vector says.
func TestVectors(t *testing.T) {
	for _, name := range vectorFiles {
		f := loadVectors(t, name)
		n := 0
		for _, g := range f.TestGroups {
			flags := 0
			if g.HMACSecrets {
				flags = abi.KeyringHMACSecrets
			}
			h, e := abi.ParseKeyring(g.Keyring, flags)
			if e != nil {
				t.Fatalf("%s: keyring: %v", name, e)
			}
			for _, tc := range g.Tests {
				n++
				now, err := time.Parse(time.RFC3339Nano, tc.Now)
				if err != nil {
					t.Fatal(err)
				}
				terms, refusal, e := abi.Verify(h, &tc.Product, tc.LicenceKey, tc.MachineUID, tc.Code, now.UnixMilli())
				if e != nil {
					t.Fatalf("%s #%d: %v", name, tc.TcID, e)
				}
				if tc.Result == "valid" {
					if refusal != nil {
						t.Errorf("%s #%d (%s): refused %s: %s", name, tc.TcID, tc.Comment, abi.ReasonName(refusal.Reason), refusal.Message)
						continue
					}
					var got abi.Terms
					if err := json.Unmarshal([]byte(terms), &got); err != nil {
						t.Fatal(err)
					}
					w := tc.Terms
					if got.KeyID != w.KeyID || got.Serial != w.Serial || got.Issued != w.Issued || got.Expires != w.Expires ||
						got.Seats != w.Seats || got.Features != w.Features || got.Product != tc.Product {
						t.Errorf("%s #%d: terms %s, want %+v", name, tc.TcID, terms, *w)
					}
					continue
				}
				if refusal == nil {
					t.Errorf("%s #%d (%s): accepted, want %s", name, tc.TcID, tc.Comment, tc.Reason)
					continue
				}
				if abi.ReasonName(refusal.Reason) != tc.Reason || refusal.Suggestion != tc.Suggestion {
					t.Errorf("%s #%d (%s): reason %q suggestion %q, want %q %q", name, tc.TcID, tc.Comment,
						abi.ReasonName(refusal.Reason), refusal.Suggestion, tc.Reason, tc.Suggestion)
				}
			}
			abi.Close(h)
		}
		if n != f.NumberOfTests || n == 0 {
			t.Errorf("%s: ran %d of %d tests", name, n, f.NumberOfTests)
		}
	}
}

// TestReasonsCoverVectors: every reason a vector may name has a number,
// and the numbers are the header's (ACTKIT_REASON_TYPO is 3, ...).
func TestReasonsCoverVectors(t *testing.T) {
	all := map[string]bool{}
	for _, m := range []map[string]string{testvectors.Reasons, testvectors.DelegationReasons, testvectors.UpdateReasons} {
		for name := range m {
			all[name] = true
			if abi.ReasonNumber(name) == 0 {
				t.Errorf("reason %q has no number", name)
			}
		}
	}
	// Beyond the vectors' reasons: the two parse failures an update text
	// may also have (a damaged key line, an HMAC secret).
	if len(abi.Reasons) != len(all)+2 {
		t.Errorf("%d reasons, the vectors know %d", len(abi.Reasons), len(all))
	}
	if abi.ReasonNumber("typo") != 3 || abi.ReasonNumber("expired") != 13 || abi.ReasonName(0) != "" || abi.ReasonName(23) != "" {
		t.Error("reason numbers moved")
	}
	// The numbers of actkit.h, appended after 13.
	for n, name := range map[int]string{14: "outside-delegation", 15: "revoked-delegation", 16: "invalid-delegation",
		17: "insufficient-signatures", 18: "rolled-back", 19: "update-expired", 20: "invalid-key", 21: "checksum",
		22: "hmac-secret-not-allowed"} {
		if abi.ReasonName(n) != name {
			t.Errorf("reason %d is %q, want %q", n, abi.ReasonName(n), name)
		}
	}
}

func TestHandles(t *testing.T) {
	f := loadVectors(t, vectorFiles[0])
	h, e := abi.ParseKeyring(f.TestGroups[0].Keyring, 0)
	if e != nil {
		t.Fatal(e)
	}
	if p, e := abi.KeyringProduct(h); e != nil || p != "umenu" {
		t.Fatalf("product %q %v", p, e)
	}
	// A keyring handle is not a client handle.
	if _, e := abi.ClientDo(t.Context(), h, abi.CallStatus, ""); e == nil || e.Status != abi.StatusHandle {
		t.Fatalf("keyring used as a client: %v", e)
	}
	abi.Close(h)
	abi.Close(h) // twice is fine
	if _, _, e := abi.Verify(h, nil, "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM", "18J8D-22RR5-50W00-0000C", "x", 0); e == nil || e.Status != abi.StatusHandle {
		t.Fatalf("closed handle: %v", e)
	}
	if _, e := abi.ParseKeyring(f.TestGroups[0].Keyring, 8); e == nil || e.Status != abi.StatusArgument {
		t.Fatalf("unknown flag: %v", e)
	}
	if _, e := abi.ParseKeyring("actkit-keyring v1\n", 0); e == nil || e.Status != abi.StatusKeyring {
		t.Fatalf("bad keyring: %v", e)
	}
	if _, e := abi.Text("x", "\xff"); e == nil || e.Status != abi.StatusArgument {
		t.Fatalf("not UTF-8: %v", e)
	}
}

func loadUpdates(t testing.TB) testvectors.UpdateFile {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "testvectors", "keyring_update.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f testvectors.UpdateFile
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestDelegationVectors runs every delegation vector through
// VerifyDelegated, with the test's certificate: result, reason (by
// number and name) and terms as Go's verifier says.
func TestDelegationVectors(t *testing.T) {
	f := loadVectors(t, "delegation_verify.json")
	n, seen := 0, map[string]bool{}
	for _, g := range f.TestGroups {
		h, e := abi.ParseKeyring(g.Keyring, 0)
		if e != nil {
			t.Fatalf("keyring: %v", e)
		}
		for _, tc := range g.Tests {
			n++
			now, err := time.Parse(time.RFC3339Nano, tc.Now)
			if err != nil {
				t.Fatal(err)
			}
			terms, refusal, e := abi.VerifyDelegated(h, &tc.Product, tc.LicenceKey, tc.MachineUID, tc.Code, tc.Certificate, now.UnixMilli())
			if e != nil {
				t.Fatalf("#%d: %v", tc.TcID, e)
			}
			if tc.Result == "valid" {
				if refusal != nil {
					t.Errorf("#%d (%s): refused %s: %s", tc.TcID, tc.Comment, abi.ReasonName(refusal.Reason), refusal.Message)
					continue
				}
				var got abi.Terms
				if err := json.Unmarshal([]byte(terms), &got); err != nil {
					t.Fatal(err)
				}
				w := tc.Terms
				if got.KeyID != w.KeyID || got.Serial != w.Serial || got.Issued != w.Issued || got.Expires != w.Expires ||
					got.Seats != w.Seats || got.Features != w.Features || got.Product != tc.Product {
					t.Errorf("#%d: terms %s, want %+v", tc.TcID, terms, *w)
				}
				continue
			}
			if refusal == nil {
				t.Errorf("#%d (%s): accepted, want %s", tc.TcID, tc.Comment, tc.Reason)
				continue
			}
			seen[tc.Reason] = true
			if abi.ReasonName(refusal.Reason) != tc.Reason {
				t.Errorf("#%d (%s): reason %q, want %q", tc.TcID, tc.Comment, abi.ReasonName(refusal.Reason), tc.Reason)
			}
			// Without the certificate, plain Verify says the same for a
			// test that has none (an embedded delegation).
			if tc.Certificate == "" {
				if _, r2, _ := abi.Verify(h, &tc.Product, tc.LicenceKey, tc.MachineUID, tc.Code, now.UnixMilli()); r2 == nil || r2.Reason != refusal.Reason {
					t.Errorf("#%d: Verify and VerifyDelegated differ: %+v %+v", tc.TcID, r2, refusal)
				}
			}
		}
		abi.Close(h)
	}
	if n != f.NumberOfTests || n == 0 {
		t.Errorf("ran %d of %d tests", n, f.NumberOfTests)
	}
	for _, r := range []string{"outside-delegation", "revoked-delegation", "invalid-delegation"} {
		if !seen[r] {
			t.Errorf("no vector covers %s", r)
		}
	}
}

// TestUpdateVectors runs every keyring-update vector through
// UpdateKeyring and UpdateKeyringText: the keyring held afterwards (by
// Info, field for field against the vector's output, and by its text)
// or the reason.
func TestUpdateVectors(t *testing.T) {
	f := loadUpdates(t)
	n := 0
	for _, g := range f.TestGroups {
		h, e := abi.ParseKeyring(g.Keyring, 0)
		if e != nil {
			t.Fatalf("keyring: %v", e)
		}
		for _, tc := range g.Tests {
			n++
			now, err := time.Parse(time.RFC3339, tc.Now)
			if err != nil {
				t.Fatal(err)
			}
			nh, text, refusal, e := abi.UpdateKeyring(h, tc.Update, now.UnixMilli(), true)
			if e != nil {
				t.Fatalf("#%d: %v", tc.TcID, e)
			}
			text2, refusal2, e := abi.UpdateKeyringText(g.Keyring, 0, tc.Update, now.UnixMilli())
			if e != nil {
				t.Fatalf("#%d: text: %v", tc.TcID, e)
			}
			if text != text2 || (refusal == nil) != (refusal2 == nil) || (refusal != nil && *refusal != *refusal2) {
				t.Errorf("#%d: UpdateKeyring and UpdateKeyringText differ: %q %+v, %q %+v", tc.TcID, text, refusal, text2, refusal2)
			}
			if tc.Result != "valid" {
				if refusal == nil {
					t.Errorf("#%d (%s): accepted, want %s", tc.TcID, tc.Comment, tc.Reason)
				} else if abi.ReasonName(refusal.Reason) != tc.Reason {
					t.Errorf("#%d (%s): reason %q (%s), want %q", tc.TcID, tc.Comment, abi.ReasonName(refusal.Reason), refusal.Message, tc.Reason)
				}
				continue
			}
			if refusal != nil {
				t.Errorf("#%d (%s): refused %s: %s", tc.TcID, tc.Comment, abi.ReasonName(refusal.Reason), refusal.Message)
				continue
			}
			info, e := abi.Info(nh)
			if e != nil {
				t.Fatal(e)
			}
			if got, want := infoOutput(t, info), *tc.Output; !reflect.DeepEqual(got, want) {
				t.Errorf("#%d (%s): info %s, want %+v", tc.TcID, tc.Comment, info, want)
			}
			// The text is what the product stores: it parses into the same keyring.
			h2, e := abi.ParseKeyring(text, 0)
			if e != nil {
				t.Fatalf("#%d: the new text does not parse: %v", tc.TcID, e)
			}
			if info2, _ := abi.Info(h2); info2 != info {
				t.Errorf("#%d: the stored text reads back as %s, want %s", tc.TcID, info2, info)
			}
			abi.Close(h2)
			abi.Close(nh)
		}
		abi.Close(h)
	}
	if n != f.NumberOfTests || n == 0 {
		t.Errorf("ran %d of %d tests", n, f.NumberOfTests)
	}
}

// infoOutput reads Info's JSON as a vector's output.
func infoOutput(t *testing.T, info string) testvectors.KeyringUpdateOutput {
	t.Helper()
	var ki abi.KeyringInfo
	if err := json.Unmarshal([]byte(info), &ki); err != nil {
		t.Fatal(err)
	}
	o := testvectors.KeyringUpdateOutput{Product: ki.Product, Version: ki.Version, Threshold: ki.Threshold,
		Roots: ki.Roots, Keys: []testvectors.KeyringKey{}, Delegations: []string{}, Revoked: ki.Revoked}
	for _, k := range ki.Keys {
		o.Keys = append(o.Keys, testvectors.KeyringKey{ID: k.ID, Algorithm: k.Algorithm})
	}
	for _, d := range ki.Delegations {
		o.Delegations = append(o.Delegations, d.KeyID)
	}
	if (ki.Version == 0) != (ki.Expires == nil) {
		t.Errorf("version %d with expires %v", ki.Version, ki.Expires)
	}
	return o
}

// TestKeyringInfo checks Info on a version 1 keyring and on the update
// misuse paths.
func TestKeyringInfo(t *testing.T) {
	f := loadUpdates(t)
	h, e := abi.ParseKeyring(f.TestGroups[0].Keyring, 0)
	if e != nil {
		t.Fatal(e)
	}
	info, e := abi.Info(h)
	if e != nil || info != `{"product":"umenu","version":0,"expires":null,"threshold":1,"roots":[],"keys":[{"id":"b784","algorithm":"ed25519"}],"delegations":[],"revoked":[]}` {
		t.Errorf("info %s %v", info, e)
	}
	// Without a handle wanted, nothing is registered.
	tc := f.TestGroups[0].Tests[0]
	now, _ := time.Parse(time.RFC3339, tc.Now)
	if nh, text, r, e := abi.UpdateKeyring(h, tc.Update, now.UnixMilli(), false); nh != 0 || text == "" || r != nil || e != nil {
		t.Errorf("update without a handle: %d %q %+v %v", nh, text, r, e)
	}
	// A key line damaged in copying is "checksum", a reason of its own.
	damaged := strings.Replace(tc.Update, "root ed25519:b784:tVvVu2", "root ed25519:b784:tVvVu3", 1)
	if _, _, r, e := abi.UpdateKeyring(h, damaged, now.UnixMilli(), true); e != nil || r == nil || abi.ReasonName(r.Reason) != "checksum" {
		t.Errorf("damaged key: %+v %v", r, e)
	}
	abi.Close(h)
	if _, _, _, e := abi.UpdateKeyring(h, tc.Update, 0, true); e == nil || e.Status != abi.StatusHandle {
		t.Errorf("closed handle: %v", e)
	}
	if _, e := abi.Info(h); e == nil || e.Status != abi.StatusHandle {
		t.Errorf("info of a closed handle: %v", e)
	}
	if _, _, e := abi.UpdateKeyringText("actkit-keyring v1\n", 0, tc.Update, 0); e == nil || e.Status != abi.StatusKeyring {
		t.Errorf("bad keyring text: %v", e)
	}
	if _, _, e := abi.UpdateKeyringText(f.TestGroups[0].Keyring, 4, tc.Update, 0); e == nil || e.Status != abi.StatusArgument {
		t.Errorf("unknown flag: %v", e)
	}
}
