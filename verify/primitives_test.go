package verify

import (
	"bufio"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/actkit/actkit/codec"
)

var update = flag.Bool("update", false, "rewrite golden files")

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func strictDecode(t *testing.T, name string, v any) {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

type wycheproofNote struct {
	BugType     string `json:"bugType"`
	Description string `json:"description"`
	Effect      string `json:"effect"`
}

// wycheproofFile is the header every Wycheproof file shares.
type wycheproofFile struct {
	Algorithm     string                    `json:"algorithm"`
	Schema        string                    `json:"schema"`
	NumberOfTests int                       `json:"numberOfTests"`
	Header        []string                  `json:"header"`
	Notes         map[string]wycheproofNote `json:"notes"`
}

type wycheproofSource struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// TestWycheproofEd25519 runs the Wycheproof EdDSA vectors against the
// primitive the verifier uses for Ed25519 keys (pinnedKey.check).
func TestWycheproofEd25519(t *testing.T) {
	var file struct {
		wycheproofFile
		TestGroups []struct {
			Type      string           `json:"type"`
			Source    wycheproofSource `json:"source"`
			PublicKey struct {
				Type    string `json:"type"`
				Curve   string `json:"curve"`
				KeySize int    `json:"keySize"`
				PK      string `json:"pk"`
			} `json:"publicKey"`
			PublicKeyDer string            `json:"publicKeyDer"`
			PublicKeyPem string            `json:"publicKeyPem"`
			PublicKeyJwk map[string]string `json:"publicKeyJwk"`
			Tests        []struct {
				TcID    int      `json:"tcId"`
				Comment string   `json:"comment"`
				Flags   []string `json:"flags"`
				Msg     string   `json:"msg"`
				Sig     string   `json:"sig"`
				Result  string   `json:"result"`
			} `json:"tests"`
		} `json:"testGroups"`
	}
	strictDecode(t, "testdata/wycheproof/ed25519_test.json", &file)
	ran := 0
	for _, g := range file.TestGroups {
		if g.Type != "EddsaVerify" || g.PublicKey.Curve != "edwards25519" {
			t.Fatalf("unknown group %s/%s", g.Type, g.PublicKey.Curve)
		}
		pk := pinnedKey{alg: codec.Ed25519, pub: ed25519.PublicKey(mustHex(t, g.PublicKey.PK))}
		for _, tc := range g.Tests {
			ran++
			for _, fl := range tc.Flags {
				if _, ok := file.Notes[fl]; !ok {
					t.Fatalf("tc %d: unknown flag %q", tc.TcID, fl)
				}
			}
			got := pk.check(mustHex(t, tc.Msg), mustHex(t, tc.Sig), new([32]byte))
			switch tc.Result {
			case "valid":
				if !got {
					t.Errorf("tc %d (%s): valid signature rejected", tc.TcID, tc.Comment)
				}
			case "invalid":
				if got {
					t.Errorf("tc %d (%s): invalid signature accepted", tc.TcID, tc.Comment)
				}
			default:
				t.Fatalf("tc %d: unknown result %q", tc.TcID, tc.Result)
			}
		}
	}
	if ran != file.NumberOfTests {
		t.Fatalf("ran %d, file has %d", ran, file.NumberOfTests)
	}
}

// TestWycheproofHMACSHA256 runs the Wycheproof HMAC-SHA256 vectors, full
// and truncated tags, through checkMAC, the comparison the verifier uses.
func TestWycheproofHMACSHA256(t *testing.T) {
	var file struct {
		wycheproofFile
		TestGroups []struct {
			Type    string           `json:"type"`
			Source  wycheproofSource `json:"source"`
			KeySize int              `json:"keySize"`
			TagSize int              `json:"tagSize"`
			Tests   []struct {
				TcID    int      `json:"tcId"`
				Comment string   `json:"comment"`
				Flags   []string `json:"flags"`
				Key     string   `json:"key"`
				Msg     string   `json:"msg"`
				Tag     string   `json:"tag"`
				Result  string   `json:"result"`
			} `json:"tests"`
		} `json:"testGroups"`
	}
	strictDecode(t, "testdata/wycheproof/hmac_sha256_test.json", &file)
	ran := 0
	for _, g := range file.TestGroups {
		if g.Type != "MacTest" || g.TagSize%8 != 0 {
			t.Fatalf("unknown group %s/%d", g.Type, g.TagSize)
		}
		for _, tc := range g.Tests {
			ran++
			for _, fl := range tc.Flags {
				if _, ok := file.Notes[fl]; !ok {
					t.Fatalf("tc %d: unknown flag %q", tc.TcID, fl)
				}
			}
			m := hmac.New(sha256.New, mustHex(t, tc.Key))
			got := checkMAC(m, mustHex(t, tc.Msg), mustHex(t, tc.Tag), g.TagSize/8, new([32]byte))
			want := tc.Result == "valid"
			if tc.Result != "valid" && tc.Result != "invalid" {
				t.Fatalf("tc %d: unknown result %q", tc.TcID, tc.Result)
			}
			if got != want {
				t.Errorf("tc %d (%s): got %v, want %s", tc.TcID, tc.Comment, got, tc.Result)
			}
		}
	}
	if ran != file.NumberOfTests {
		t.Fatalf("ran %d, file has %d", ran, file.NumberOfTests)
	}
}

// TestCCTVEd25519 records, for every CCTV edge case, whether a keyring
// accepts the public key and whether the signature primitive accepts the
// signature, and compares with the golden table in testdata, so that a Go
// upgrade that changes an edge case fails here instead of changing
// behaviour unnoticed. Run with -update to rewrite the table.
func TestCCTVEd25519(t *testing.T) {
	var vectors []struct {
		Number int      `json:"number"`
		Key    string   `json:"key"`
		Sig    string   `json:"sig"`
		Msg    string   `json:"msg"`
		Flags  []string `json:"flags"`
	}
	strictDecode(t, "testdata/cctv-ed25519/ed25519vectors.json", &vectors)
	known := []string{"low_order_A", "low_order_R", "non_canonical_A", "non_canonical_R",
		"low_order_component_A", "low_order_component_R", "low_order_residue", "reencoded_k"}
	var b strings.Builder
	b.WriteString("# number key-accepted-by-keyring signature-accepted flags\n")
	for _, v := range vectors {
		for _, f := range v.Flags {
			if !slices.Contains(known, f) {
				t.Fatalf("vector %d: unknown flag %q", v.Number, f)
			}
		}
		key := mustHex(t, v.Key)
		keyOK := (codec.Key{Alg: codec.Ed25519, Bytes: key}).Validate() == nil
		pk := pinnedKey{alg: codec.Ed25519, pub: ed25519.PublicKey(key)}
		sigOK := pk.check([]byte(v.Msg), mustHex(t, v.Sig), new([32]byte))
		if keyOK && (slices.Contains(v.Flags, "low_order_A") || slices.Contains(v.Flags, "non_canonical_A")) {
			t.Errorf("vector %d: keyring accepts a low-order or non-canonical key", v.Number)
		}
		if sigOK && slices.Contains(v.Flags, "non_canonical_R") {
			t.Errorf("vector %d: non-canonical R accepted", v.Number)
		}
		fmt.Fprintf(&b, "%d %v %v %s\n", v.Number, yn(keyOK), yn(sigOK), strings.Join(v.Flags, ","))
	}
	const golden = "testdata/cctv_golden.txt"
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != b.String() {
		got := bufio.NewScanner(strings.NewReader(b.String()))
		exp := bufio.NewScanner(strings.NewReader(string(want)))
		for got.Scan() {
			exp.Scan()
			if got.Text() != exp.Text() {
				t.Fatalf("CCTV behaviour changed:\n got  %s\n want %s", got.Text(), exp.Text())
			}
		}
		t.Fatal("CCTV golden table differs in length")
	}
}

func yn(b bool) string {
	if b {
		return "accept"
	}
	return "reject"
}
