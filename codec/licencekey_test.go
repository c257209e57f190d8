package codec

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
)

func TestLicenceKey(t *testing.T) {
	k, err := NewLicenceKey(rand.Reader, "umenu")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(k, "UMENU-") || len(k) != len("UMENU-XXXXX-XXXXX-XXXXX-XXXXX") {
		t.Fatalf("key %q", k)
	}
	d, n, err := ParseLicenceKey(strings.ToLower(strings.ReplaceAll(k, "-", " ")))
	if err != nil || d != k || n != strings.ReplaceAll(k, "-", "") {
		t.Fatalf("parse: %q %q %v", d, n, err)
	}
	// Every single substitution in the body is a typo (or a bad symbol).
	body := len("UMENU-")
	for i := body; i < len(k); i++ {
		if k[i] == '-' {
			continue
		}
		for _, c := range crockford {
			if byte(c) == k[i] {
				continue
			}
			mut := k[:i] + string(c) + k[i+1:]
			if _, _, err := ParseLicenceKey(mut); !errors.Is(err, ErrTypo) {
				t.Fatalf("substitution at %d: %v", i, err)
			}
		}
	}
	for _, bad := range []string{"", "UMENU", "UMENU-" + strings.Repeat("X", 19), "ABCDEFGHIJKLMNOP-" + k[6:], "UMENU_" + k[6:]} {
		if _, _, err := ParseLicenceKey(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := NewLicenceKey(bytes.NewReader(nil), "umenu"); err == nil {
		t.Fatal("no error without randomness")
	}
	if _, err := NewLicenceKey(rand.Reader, "um-enu"); err == nil {
		t.Fatal("bad prefix accepted")
	}
}
