package abi_test

import (
	"encoding/json"
	"os"
	"path/filepath"
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
	for name := range testvectors.Reasons {
		if abi.ReasonNumber(name) == 0 {
			t.Errorf("reason %q has no number", name)
		}
	}
	if len(abi.Reasons) != len(testvectors.Reasons) {
		t.Errorf("%d reasons, the vectors know %d", len(abi.Reasons), len(testvectors.Reasons))
	}
	if abi.ReasonNumber("typo") != 3 || abi.ReasonNumber("expired") != 13 || abi.ReasonName(0) != "" || abi.ReasonName(14) != "" {
		t.Error("reason numbers moved")
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
