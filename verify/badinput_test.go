package verify_test

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/verify"
)

const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// TestEverySubstitutionNamesItsGroup changes every symbol of a valid code
// of each algorithm to every other symbol: none is accepted, and each is a
// typo in the group that holds the changed symbol.
func TestEverySubstitutionNamesItsGroup(t *testing.T) {
	for _, alg := range []codec.Algorithm{codec.Ed25519, codec.HMACSHA256} {
		k := newKey(t, 5, alg)
		kr := keyringOf(t, k)
		code := signTypical(t, k)
		sym := []byte(strings.ReplaceAll(code, "-", ""))
		for i := range sym {
			for _, c := range []byte(alphabet) {
				if c == sym[i] {
					continue
				}
				mut := append([]byte(nil), sym...)
				mut[i] = c
				_, err := kr.Verify(string(mut), testBinding, testNow)
				var ve *verify.Error
				if !errors.As(err, &ve) || ve.Reason != verify.ErrTypo || len(ve.Groups) != 1 || ve.Groups[0] != i/11+1 {
					t.Fatalf("%s: symbol %d -> %c: %v", alg, i, c, err)
				}
			}
		}
	}
}

// TestLengthDamageNeverAccepted deletes, inserts and swaps symbols.
func TestLengthDamageNeverAccepted(t *testing.T) {
	for _, alg := range []codec.Algorithm{codec.Ed25519, codec.HMACSHA256} {
		k := newKey(t, 6, alg)
		kr := keyringOf(t, k)
		sym := strings.ReplaceAll(signTypical(t, k), "-", "")
		try := func(what, s string) {
			t.Helper()
			if _, err := kr.Verify(s, testBinding, testNow); err == nil {
				t.Fatalf("%s: %s accepted", alg, what)
			}
		}
		for i := range sym {
			try("deletion", sym[:i]+sym[i+1:])
			for _, c := range []string{"1", "z", "Q"} {
				try("insertion", sym[:i]+c+sym[i:])
			}
			if i+1 < len(sym) && sym[i] != sym[i+1] {
				try("transposition", sym[:i]+string(sym[i+1])+string(sym[i])+sym[i+2:])
			}
		}
	}
}

// hostile inputs every text parser must refuse with a typed error and
// bounded memory.
var hostile = map[string]string{
	"empty":            "",
	"white space":      "  \t\r\n  ",
	"1 MB of a":        strings.Repeat("a", 1<<20),
	"1 MB of 1":        strings.Repeat("1", 1<<20),
	"invalid UTF-8":    "\xff\xfe\xfd",
	"NUL":              "abc\x00def",
	"control":          "\x01\x02\x1b[31m",
	"fullwidth":        "ＵＭＥＮＵ－１２３",
	"cyrillic lookalk": "АВС-ЕНК",
}

// allocated returns the bytes allocated by fn.
func allocated(fn func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	fn()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

func TestHostileInputs(t *testing.T) {
	k := newKey(t, 1, codec.Ed25519)
	kr := keyringOf(t, k)
	parsers := map[string]func(string) error{
		"activation code": func(s string) error { _, err := kr.Verify(s, testBinding, testNow); return err },
		"binding licence": func(s string) error {
			b := testBinding
			b.LicenceKey = s
			_, err := kr.Verify(signTypical(t, k), b, testNow)
			return err
		},
		"machine UID":  func(s string) error { _, err := codec.ParseMachineUID(s); return err },
		"licence key":  func(s string) error { _, _, err := codec.ParseLicenceKey(s); return err },
		"request code": func(s string) error { _, err := codec.ParseRequestCode(s); return err },
		"public key":   func(s string) error { _, err := codec.ParseKey(s); return err },
		"keyring":      func(s string) error { _, err := verify.ParseKeyring(s); return err },
	}
	for pname, parse := range parsers {
		for iname, in := range hostile {
			var err error
			n := allocated(func() { err = parse(in) })
			var ce *codec.Error
			var ve *verify.Error
			if err == nil || !(errors.As(err, &ce) || errors.As(err, &ve)) {
				t.Errorf("%s, %s: %v (%T)", pname, iname, err, err)
			}
			// The input is refused before any work that grows with it.
			if n > 64<<10 {
				t.Errorf("%s, %s: %d bytes allocated", pname, iname, n)
			}
		}
	}
}
