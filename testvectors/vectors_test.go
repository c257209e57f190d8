package testvectors

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
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
	var f File
	decodeStrict(t, name, &f)
	return f
}

func decodeStrict(t *testing.T, name string, v any) {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if dec.More() {
		t.Fatalf("%s: data after the file's object", name)
	}
}

// TestAllFilesRun makes sure every JSON file in the directory is one that
// Build writes and that a runner below reads, by its schema.
func TestAllFilesRun(t *testing.T) {
	names, err := filepath.Glob("*.json")
	if err != nil {
		t.Fatal(err)
	}
	built := map[string]bool{}
	for _, nf := range Build() {
		built[nf.Name] = true
	}
	for _, name := range names {
		if !built[name] {
			t.Errorf("%s is not written by the generator", name)
		}
		var head struct {
			Schema string `json:"schema"`
		}
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &head); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, ok := schemaRunners[head.Schema]; !ok {
			t.Errorf("%s: schema %q has no runner", name, head.Schema)
		}
		if slices.Contains(files, name) != (head.Schema == "actkit_activation_code_verify_v1") {
			t.Errorf("%s: schema %q but listed as %v", name, head.Schema, slices.Contains(files, name))
		}
	}
	if len(names) != len(built) {
		t.Errorf("%d vector files, the generator writes %d: run go generate ./testvectors", len(names), len(built))
	}
}

var schemaRunners = map[string]func(t *testing.T, name string){
	"actkit_activation_code_verify_v1": nil, // TestVectors
	"keyring_parse_v1":                 runKeyrings,
	"request_code_parse_v1":            runRequestCodes,
	"machine_uid_parse_v1":             runMachineUIDs,
	"licence_key_normalize_v1":         runLicenceKeys,
	"deactivation_code_parse_v1":       runDeactivationCodes,
	"actkit_delegation_verify_v1":      runDelegations,
	"keyring_update_v1":                runUpdates,
}

func TestParseVectors(t *testing.T) {
	for _, name := range []string{"keyring_parse.json", "request_code_parse.json", "machine_uid_parse.json", "licence_key_normalize.json", "deactivation_code_parse.json",
		"delegation_verify.json", "keyring_update.json"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var head struct {
				Schema string `json:"schema"`
			}
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, &head); err != nil {
				t.Fatal(err)
			}
			schemaRunners[head.Schema](t, name)
		})
	}
}

// parseOutcome is what a parse function gave: an output or an error.
type parseOutcome[O any] struct {
	out O
	err error
}

// runParse runs every test of a parse file through parse and compares
// result, reason and output; wantReasons are the reasons the file must
// cover.
func runParse[O any](t *testing.T, name, schema, groupType string, wantReasons []string, parse func(g ParseGroup[O], input string) parseOutcome[O]) {
	var f ParseFile[O]
	decodeStrict(t, name, &f)
	if f.Schema != schema {
		t.Fatalf("schema %q, want %q", f.Schema, schema)
	}
	ran := 0
	seen := map[string]bool{}
	for _, g := range f.TestGroups {
		if g.Type != groupType {
			t.Fatalf("unknown group type %q", g.Type)
		}
		for _, tc := range g.Tests {
			ran++
			for _, fl := range tc.Flags {
				if _, ok := Flags[fl]; !ok {
					t.Fatalf("tc %d: unknown flag %q", tc.TcID, fl)
				}
			}
			got := parse(g, tc.Input)
			switch tc.Result {
			case "valid":
				if got.err != nil {
					t.Errorf("tc %d (%s): want valid, got %v", tc.TcID, tc.Comment, got.err)
					continue
				}
				if tc.Output == nil {
					t.Fatalf("tc %d: valid test without output", tc.TcID)
				}
				if !reflect.DeepEqual(got.out, *tc.Output) {
					t.Errorf("tc %d (%s): output %+v, want %+v", tc.TcID, tc.Comment, got.out, *tc.Output)
				}
			case "invalid":
				if _, ok := ParseReasons[tc.Reason]; !ok {
					t.Fatalf("tc %d: unknown reason %q", tc.TcID, tc.Reason)
				}
				if tc.Output != nil {
					t.Fatalf("tc %d: invalid test with output", tc.TcID)
				}
				seen[tc.Reason] = true
				if r := ParseReason(got.err); r != tc.Reason {
					t.Errorf("tc %d (%s): want %s, got %q (%v)", tc.TcID, tc.Comment, tc.Reason, r, got.err)
				}
			default:
				t.Fatalf("tc %d: unknown result %q", tc.TcID, tc.Result)
			}
		}
	}
	if ran != f.NumberOfTests {
		t.Fatalf("ran %d tests, file says %d", ran, f.NumberOfTests)
	}
	for _, r := range wantReasons {
		if !seen[r] {
			t.Errorf("no test covers reason %q", r)
		}
	}
}

func runKeyrings(t *testing.T, name string) {
	runParse(t, name, "keyring_parse_v1", "KeyringParse",
		[]string{"malformed", "unsupported-version", "checksum", "invalid-key", "invalid-binding", "hmac-secret-not-allowed"},
		func(g ParseGroup[KeyringOutput], in string) parseOutcome[KeyringOutput] {
			parse := verify.ParseKeyring
			if g.HMACSecrets {
				parse = verify.ParseKeyringWithHMACSecrets
			}
			kr, err := parse(in)
			if err != nil {
				return parseOutcome[KeyringOutput]{err: err}
			}
			// verify.Keyring does not list its keys: read them with codec.
			c, err := codec.ParseKeyring(in)
			if err != nil {
				t.Fatalf("verify accepted what codec refuses: %v", err)
			}
			return parseOutcome[KeyringOutput]{out: keyringOut(kr.Product(), c.Keys, idStrings(c.Revoked)...)}
		})
}

func idStrings(ids []codec.KeyID) []string {
	var out []string
	for _, id := range ids {
		out = append(out, id.String())
	}
	return out
}

func runRequestCodes(t *testing.T, name string) {
	runParse(t, name, "request_code_parse_v1", "RequestCodeParse",
		[]string{"malformed", "typo", "unsupported-version", "checksum", "invalid-binding"},
		func(_ ParseGroup[RequestCodeOutput], in string) parseOutcome[RequestCodeOutput] {
			r, err := codec.ParseRequestCode(in)
			return parseOutcome[RequestCodeOutput]{
				out: RequestCodeOutput{Product: r.Product, LicenceKey: r.LicenceKey, MachineUID: r.MachineUID.String(), ProductVersion: r.ProductVersion},
				err: err}
		})
}

func runDeactivationCodes(t *testing.T, name string) {
	runParse(t, name, "deactivation_code_parse_v1", "DeactivationCodeParse",
		[]string{"malformed", "typo", "unsupported-version", "checksum", "invalid-binding"},
		func(_ ParseGroup[DeactivationCodeOutput], in string) parseOutcome[DeactivationCodeOutput] {
			d, err := codec.ParseDeactivationCode(in)
			return parseOutcome[DeactivationCodeOutput]{out: deactivationOutput(d), err: err}
		})
}

func runMachineUIDs(t *testing.T, name string) {
	runParse(t, name, "machine_uid_parse_v1", "MachineUIDParse",
		[]string{"malformed", "typo", "unsupported-version"},
		func(_ ParseGroup[MachineUIDOutput], in string) parseOutcome[MachineUIDOutput] {
			u, err := codec.ParseMachineUID(in)
			n, nerr := codec.NormalizeMachineUID(in)
			if ParseReason(err) != ParseReason(nerr) {
				t.Errorf("%q: ParseMachineUID says %v, NormalizeMachineUID %v", in, err, nerr)
			}
			if err != nil {
				return parseOutcome[MachineUIDOutput]{err: err}
			}
			o := uidOutput(u)
			if n != o.Normalized {
				t.Errorf("%q: NormalizeMachineUID %q, ParseMachineUID %q", in, n, o.Normalized)
			}
			return parseOutcome[MachineUIDOutput]{out: o}
		})
}

func runLicenceKeys(t *testing.T, name string) {
	runParse(t, name, "licence_key_normalize_v1", "LicenceKeyNormalize",
		[]string{"malformed", "typo"},
		func(_ ParseGroup[LicenceKeyOutput], in string) parseOutcome[LicenceKeyOutput] {
			n, err := codec.NormalizeLicenceKey(in)
			if _, pn, perr := codec.ParseLicenceKey(in); pn != n || ParseReason(perr) != ParseReason(err) {
				t.Errorf("%q: ParseLicenceKey (%q, %v) and NormalizeLicenceKey (%q, %v) differ", in, pn, perr, n, err)
			}
			return parseOutcome[LicenceKeyOutput]{out: LicenceKeyOutput{Normalized: n}, err: err}
		})
}

// TestParseReason pins the names of the codec sentinels.
func TestParseReason(t *testing.T) {
	for err, want := range map[error]string{
		nil:                              "",
		errors.New("other"):              "",
		codec.ErrMalformed:               "malformed",
		codec.ErrIsRequestCode:           "malformed",
		codec.ErrTypo:                    "typo",
		codec.ErrUnsupportedVersion:      "unsupported-version",
		codec.ErrChecksum:                "checksum",
		codec.ErrInvalidKey:              "invalid-key",
		codec.ErrInvalidBinding:          "invalid-binding",
		verify.ErrHMACKeyNotAllowed:      "hmac-secret-not-allowed",
		&codec.Error{Err: codec.ErrTypo}: "typo",
	} {
		if got := ParseReason(err); got != want {
			t.Errorf("ParseReason(%v) = %q, want %q", err, got, want)
		}
	}
	for name := range ParseReasons {
		found := name == ""
		for _, s := range parseSentinels {
			found = found || s.name == name
		}
		if !found {
			t.Errorf("reason %q names no sentinel", name)
		}
	}
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
					runVerifyCase(t, kr, tc, reasonErr, seenReasons)
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

// runVerifyCase verifies one code (with its certificate, if the test has
// one) and checks the result, reason and suggestion; seen collects the
// reasons covered.
func runVerifyCase(t *testing.T, kr *verify.Keyring, tc Test, reasons map[string]error, seen map[string]bool) {
	t.Helper()
	now, err := time.Parse(time.RFC3339, tc.Now)
	if err != nil {
		t.Fatalf("tc %d: now: %v", tc.TcID, err)
	}
	b := verify.Binding{Product: tc.Product, LicenceKey: tc.LicenceKey, MachineUID: tc.MachineUID}
	terms, err := kr.VerifyDelegated(tc.Code, tc.Certificate, b, now)
	switch tc.Result {
	case "valid":
		if err != nil {
			t.Errorf("tc %d (%s): want valid, got %v", tc.TcID, tc.Comment, err)
			return
		}
		checkTerms(t, tc, terms)
	case "invalid":
		want, ok := reasons[tc.Reason]
		if !ok {
			t.Fatalf("tc %d: unknown reason %q", tc.TcID, tc.Reason)
		}
		seen[tc.Reason] = true
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
