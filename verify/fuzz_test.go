package verify_test

import (
	"errors"
	"testing"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/verify"
)

// FuzzVerify: whatever the input, Verify returns a typed error or the
// terms of one of the two codes actually issued; a mutated code never
// verifies, and nothing panics.
func FuzzVerify(f *testing.F) {
	ed, mac := newKey(f, 1, codec.Ed25519), newKey(f, 2, codec.HMACSHA256)
	kr := keyringOf(f, ed, mac)
	valid := map[string]bool{signTypical(f, ed): true, signTypical(f, mac): true}
	for c := range valid {
		f.Add(c)
		f.Add(c[:len(c)-1] + "x")
		f.Add(c + "-2")
	}
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		_, err := kr.Verify(s, testBinding, testNow)
		if err != nil {
			var ve *verify.Error
			if !errors.As(err, &ve) || ve.Reason == nil {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			if ve.Suggestion != "" && !valid[ve.Suggestion] {
				t.Fatalf("suggested a code that was never issued: %q", ve.Suggestion)
			}
			return
		}
		canon, cerr := codec.CanonicalText(s)
		if cerr != nil || !valid[canon] {
			t.Fatalf("accepted a code that was never issued: %q", s)
		}
	})
}
