package testvectors

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/verify"
)

var reasonErr = map[string]error{
	"malformed":           verify.ErrMalformed,
	"typo":                verify.ErrTypo,
	"unsupported-version": verify.ErrUnsupportedVersion,
	"invalid-binding":     verify.ErrInvalidBinding,
	"wrong-product":       verify.ErrWrongProduct,
	"revoked-key":         verify.ErrRevokedKey,
	"unknown-key":         verify.ErrUnknownKey,
	"algorithm-mismatch":  verify.ErrAlgorithmMismatch,
	"wrong-licence":       verify.ErrWrongLicence,
	"wrong-machine":       verify.ErrWrongMachine,
	"bad-signature":       verify.ErrBadSignature,
	"not-yet-valid":       verify.ErrNotYetValid,
	"expired":             verify.ErrExpired,
}

var files = []string{"activation_code_ed25519.json", "activation_code_hmac.json"}

// load decodes a vector file strictly: unknown fields fail.
func load(t *testing.T, name string) File {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return f
}

func TestVectors(t *testing.T) {
	for _, name := range files {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := load(t, name)
			ran := 0
			seenReasons := map[string]bool{}
			for _, g := range f.TestGroups {
				if g.Type != "ActivationCodeVerify" {
					t.Fatalf("unknown group type %q", g.Type)
				}
				parse := verify.ParseKeyring
				if g.HMACSecrets {
					parse = verify.ParseKeyringWithHMACSecrets
				}
				kr, err := parse(g.Keyring)
				if err != nil {
					t.Fatalf("keyring: %v", err)
				}
				for _, tc := range g.Tests {
					ran++
					now, err := time.Parse(time.RFC3339, tc.Now)
					if err != nil {
						t.Fatalf("tc %d: now: %v", tc.TcID, err)
					}
					terms, err := kr.Verify(tc.Code, verify.Binding{Product: tc.Product, LicenceKey: tc.LicenceKey, MachineUID: tc.MachineUID}, now)
					switch tc.Result {
					case "valid":
						if err != nil {
							t.Errorf("tc %d (%s): want valid, got %v", tc.TcID, tc.Comment, err)
							continue
						}
						checkTerms(t, tc, terms)
					case "invalid":
						want, ok := reasonErr[tc.Reason]
						if !ok {
							t.Fatalf("tc %d: unknown reason %q", tc.TcID, tc.Reason)
						}
						seenReasons[tc.Reason] = true
						if !errors.Is(err, want) {
							t.Errorf("tc %d (%s): want %s, got %v", tc.TcID, tc.Comment, tc.Reason, err)
						}
						if verify.ReasonCode(err) != tc.Reason {
							t.Errorf("tc %d: ReasonCode %q, want %q", tc.TcID, verify.ReasonCode(err), tc.Reason)
						}
						var ve *verify.Error
						if errors.As(err, &ve) && ve.Suggestion != tc.Suggestion {
							t.Errorf("tc %d (%s): suggestion %q, want %q", tc.TcID, tc.Comment, ve.Suggestion, tc.Suggestion)
						}
					default:
						t.Fatalf("tc %d: unknown result %q", tc.TcID, tc.Result)
					}
				}
			}
			if ran != f.NumberOfTests {
				t.Fatalf("ran %d tests, file says %d", ran, f.NumberOfTests)
			}
			for r := range reasonErr {
				if !seenReasons[r] {
					t.Errorf("no test covers reason %q", r)
				}
			}
		})
	}
}

func checkTerms(t *testing.T, tc Test, got verify.Terms) {
	t.Helper()
	w := tc.Terms
	if w == nil {
		t.Fatalf("tc %d: valid test without terms", tc.TcID)
	}
	exp := got.Expires.String()
	if got.KeyID.String() != w.KeyID || got.Serial != w.Serial || got.Issued.String() != w.Issued ||
		exp != w.Expires || got.Seats != w.Seats || got.Features != w.Features {
		t.Errorf("tc %d (%s): terms %+v, want %+v", tc.TcID, tc.Comment, got, *w)
	}
}

// TestVectorsUpToDate regenerates the vectors and compares them with the
// committed files, so that the generator and the files cannot drift.
func TestVectorsUpToDate(t *testing.T) {
	for _, nf := range Build() {
		want, err := Marshal(nf.File)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(nf.Name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go generate ./testvectors", nf.Name)
		}
	}
}

// TestTypicalLengths pins the length goals of the format: a typical code
// at most 115 symbols with Ed25519 and 48 with HMAC.
func TestTypicalLengths(t *testing.T) {
	limits := map[string]int{"activation_code_ed25519.json": 115, "activation_code_hmac.json": 48}
	for _, name := range files {
		f := load(t, name)
		tc := f.TestGroups[0].Tests[0]
		n := 0
		for _, c := range tc.Code {
			if c != '-' {
				n++
			}
		}
		if n > limits[name] {
			t.Errorf("%s: typical code has %d symbols, limit %d", name, n, limits[name])
		}
		if _, err := codec.ParseText(tc.Code); err != nil {
			t.Fatal(err)
		}
	}
}
