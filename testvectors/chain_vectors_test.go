package testvectors

import (
	"reflect"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/verify"
)

// delegationReasonErr maps the reasons of delegation_verify.json to the
// verify sentinels.
var delegationReasonErr = func() map[string]error {
	m := map[string]error{
		"outside-delegation": verify.ErrOutsideDelegation,
		"revoked-delegation": verify.ErrRevokedDelegation,
		"invalid-delegation": verify.ErrInvalidDelegation,
	}
	for k, v := range reasonErr {
		m[k] = v
	}
	return m
}()

// runDelegations runs delegation_verify.json: each code through
// VerifyDelegated with the test's certificate.
func runDelegations(t *testing.T, name string) {
	var f File
	decodeStrict(t, name, &f)
	if f.Schema != "actkit_delegation_verify_v1" {
		t.Fatalf("schema %q", f.Schema)
	}
	ran := 0
	seen := map[string]bool{}
	for _, g := range f.TestGroups {
		if g.Type != "DelegationVerify" || g.HMACSecrets {
			t.Fatalf("group type %q, hmacSecrets %v", g.Type, g.HMACSecrets)
		}
		kr, err := verify.ParseKeyring(g.Keyring)
		if err != nil {
			t.Fatalf("keyring: %v", err)
		}
		for _, tc := range g.Tests {
			ran++
			runVerifyCase(t, kr, tc, delegationReasonErr, seen)
		}
	}
	if ran != f.NumberOfTests {
		t.Fatalf("ran %d tests, file says %d", ran, f.NumberOfTests)
	}
	for _, r := range []string{"outside-delegation", "revoked-delegation", "invalid-delegation", "unknown-key", "revoked-key", "expired", "not-yet-valid"} {
		if !seen[r] {
			t.Errorf("no test covers reason %q", r)
		}
	}
}

// updateReason names an update refusal: verify's reason, else codec's.
func updateReason(err error) string {
	if r := verify.ReasonCode(err); r != "" {
		return r
	}
	return ParseReason(err)
}

// runUpdates runs keyring_update.json through Keyring.Update.
func runUpdates(t *testing.T, name string) {
	var f UpdateFile
	decodeStrict(t, name, &f)
	if f.Schema != "keyring_update_v1" {
		t.Fatalf("schema %q", f.Schema)
	}
	ran := 0
	seen := map[string]bool{}
	for _, g := range f.TestGroups {
		if g.Type != "KeyringUpdate" {
			t.Fatalf("group type %q", g.Type)
		}
		held, err := verify.ParseKeyring(g.Keyring)
		if err != nil {
			t.Fatalf("keyring: %v", err)
		}
		for _, tc := range g.Tests {
			ran++
			now, err := time.Parse(time.RFC3339, tc.Now)
			if err != nil {
				t.Fatalf("tc %d: now: %v", tc.TcID, err)
			}
			next, err := held.Update(tc.Update, now)
			switch tc.Result {
			case "valid":
				if err != nil {
					t.Errorf("tc %d (%s): want valid, got %v", tc.TcID, tc.Comment, err)
					continue
				}
				kr, err := codec.ParseKeyring(next.Text())
				if err != nil {
					t.Fatalf("tc %d: the held keyring's text does not parse: %v", tc.TcID, err)
				}
				if got := UpdateOutput(kr); tc.Output == nil || !reflect.DeepEqual(got, *tc.Output) {
					t.Errorf("tc %d (%s): holds %+v, want %+v", tc.TcID, tc.Comment, got, tc.Output)
				}
			case "invalid":
				if _, ok := UpdateReasons[tc.Reason]; !ok {
					t.Fatalf("tc %d: unknown reason %q", tc.TcID, tc.Reason)
				}
				seen[tc.Reason] = true
				if got := updateReason(err); got != tc.Reason {
					t.Errorf("tc %d (%s): want %s, got %v (%q)", tc.TcID, tc.Comment, tc.Reason, err, got)
				}
			default:
				t.Fatalf("tc %d: unknown result %q", tc.TcID, tc.Result)
			}
		}
	}
	if ran != f.NumberOfTests {
		t.Fatalf("ran %d tests, file says %d", ran, f.NumberOfTests)
	}
	for r := range UpdateReasons {
		if !seen[r] {
			t.Errorf("no test covers reason %q", r)
		}
	}
}
