package abi_test

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/actkit/actkit/native/internal/abi"
)

// FuzzEntryPoints calls the Go side of every ABI entry point that takes
// strings, with arbitrary strings: none may panic (a panic would be
// ACTKIT_E_INTERNAL in C), every status must be one the header names,
// and a success must come with a well-formed result. The code's
// certificate and the keyring update are arbitrary strings too (seeded
// with the delegation and keyring-update vectors): "cert" doubles as the
// update text.
func FuzzEntryPoints(f *testing.F) {
	n := 0
	for _, name := range vectorFiles {
		vf := loadVectors(f, name)
		for _, g := range vf.TestGroups {
			for i, tc := range g.Tests {
				if i%97 != 0 { // a spread of the vectors, not all 9,000
					continue
				}
				now, _ := time.Parse(time.RFC3339Nano, tc.Now)
				f.Add(g.Keyring, g.HMACSecrets, tc.Product, tc.LicenceKey, tc.MachineUID, tc.Code, tc.Certificate, now.UnixMilli(), "4.2.17")
				n++
			}
		}
	}
	for i, g := range loadVectors(f, "delegation_verify.json").TestGroups {
		for j, tc := range g.Tests {
			if (i+j)%3 == 0 {
				now, _ := time.Parse(time.RFC3339Nano, tc.Now)
				f.Add(g.Keyring, false, tc.Product, tc.LicenceKey, tc.MachineUID, tc.Code, tc.Certificate, now.UnixMilli(), "4.2.17")
			}
		}
	}
	for _, g := range loadUpdates(f).TestGroups {
		for j, tc := range g.Tests {
			if j%3 == 0 {
				now, _ := time.Parse(time.RFC3339, tc.Now)
				f.Add(g.Keyring, false, "umenu", "", "", "", tc.Update, now.UnixMilli(), "")
			}
		}
	}
	f.Add("", false, "", "", "", "", "", int64(abi.Now), "")
	f.Add("\xff\x00", true, "\xff", "UMENU-\x00", "18J8D-22RR5-50W00-0000C", "R", "actkit-delegation v1 \xff", int64(-1), "v")
	if n == 0 {
		f.Fatal("no seeds")
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, keyring string, hmac bool, product, licence, uid, code, cert string, now int64, version string) {
		known := func(e *abi.Error) {
			if e != nil {
				if _, ok := abi.StatusNames[e.Status]; !ok || e.Status == abi.StatusOK || e.Status == abi.StatusInternal {
					t.Fatalf("status %d: %s", e.Status, e.Message)
				}
			}
		}
		flags := 0
		if hmac {
			flags = abi.KeyringHMACSecrets
		}
		h, e := abi.ParseKeyring(keyring, flags)
		known(e)
		if e == nil {
			defer abi.Close(h)
		}
		for _, c := range []string{"", cert} {
			terms, refusal, e := abi.VerifyDelegated(h, &product, licence, uid, code, c, now)
			known(e)
			switch {
			case e != nil:
			case refusal != nil:
				if abi.ReasonName(refusal.Reason) == "" || refusal.Message == "" {
					t.Fatalf("refusal without a reason: %+v", refusal)
				}
			default:
				var tm abi.Terms
				if err := json.Unmarshal([]byte(terms), &tm); err != nil || tm.Product == "" {
					t.Fatalf("terms %q: %v", terms, err)
				}
			}
		}
		info, e := abi.Info(h)
		known(e)
		if e == nil {
			var ki abi.KeyringInfo
			if err := json.Unmarshal([]byte(info), &ki); err != nil || ki.Product == "" {
				t.Fatalf("info %q: %v", info, err)
			}
		}
		nh, text, ur, e := abi.UpdateKeyring(h, cert, now, true)
		known(e)
		text2, ur2, e2 := abi.UpdateKeyringText(keyring, flags, cert, now)
		known(e2)
		switch {
		case e != nil:
			if e2 == nil && ur2 == nil {
				t.Fatalf("the handle fails (%v), the text is accepted", e)
			}
		case ur != nil:
			if abi.ReasonName(ur.Reason) == "" || ur.Message == "" {
				t.Fatalf("update refusal without a reason: %+v", ur)
			}
			if ur2 == nil || *ur2 != *ur {
				t.Fatalf("UpdateKeyring %+v, UpdateKeyringText %+v %v", ur, ur2, e2)
			}
		default:
			defer abi.Close(nh)
			if text != text2 {
				t.Fatalf("UpdateKeyring %q, UpdateKeyringText %q", text, text2)
			}
			if _, e := abi.Info(nh); e != nil {
				t.Fatalf("info of the updated keyring: %v", e)
			}
			if h2, e := abi.ParseKeyring(text, flags); e != nil {
				t.Fatalf("the updated text %q does not parse: %v", text, e)
			} else {
				abi.Close(h2)
			}
		}
		_, e = abi.RequestCode(product, licence, uid, version)
		known(e)
		_, e = abi.DeactivationCode(product, licence, uid, uint64(now), now)
		known(e)
		if e == nil {
			c, e := abi.NewClient(h, filepath.Join(dir, "state"), "", uid)
			known(e)
			if e == nil {
				known(abi.SetClientOption(c, product, version))
				_, e = abi.ClientRequestCode(c, licence)
				known(e)
				_, e = abi.ClientActivateCode(c, licence, code)
				known(e)
				abi.Close(c)
			}
		}
	})
}
