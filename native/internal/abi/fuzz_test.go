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
// and a success must come with a well-formed result.
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
				f.Add(g.Keyring, g.HMACSecrets, tc.Product, tc.LicenceKey, tc.MachineUID, tc.Code, now.UnixMilli(), "4.2.17")
				n++
			}
		}
	}
	f.Add("", false, "", "", "", "", int64(abi.Now), "")
	f.Add("\xff\x00", true, "\xff", "UMENU-\x00", "18J8D-22RR5-50W00-0000C", "R", int64(-1), "v")
	if n == 0 {
		f.Fatal("no seeds")
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, keyring string, hmac bool, product, licence, uid, code string, now int64, version string) {
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
		terms, refusal, e := abi.Verify(h, &product, licence, uid, code, now)
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
