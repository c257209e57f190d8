package verify_test

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"testing"

	"github.com/actkit/actkit/codec"
)

// The benchmarks come in pairs: each verification next to the raw
// primitive over a message of the same length, the baseline that bounds
// it. Goals: Ed25519 verification within 1.10x of BaselineEd25519Verify;
// HMAC verification within 3x of BaselineHMACSHA256.

func messageLen(t testing.TB) int {
	nb, err := testBinding.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	p := typicalPayload()
	raw, _ := p.AppendBinary(nil)
	return len(codec.AppendMessage(nil, &nb, raw))
}

func benchVerify(b *testing.B, alg codec.Algorithm) {
	k := newKey(b, byte(alg), alg)
	kr := keyringOf(b, k)
	code := signTypical(b, k)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := kr.Verify(code, testBinding, testNow); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyEd25519(b *testing.B) { benchVerify(b, codec.Ed25519) }

func BenchmarkBaselineEd25519Verify(b *testing.B) {
	priv := ed25519.NewKeyFromSeed(make([]byte, 32))
	pub := priv.Public().(ed25519.PublicKey)
	msg := make([]byte, messageLen(b))
	sig := ed25519.Sign(priv, msg)
	b.ReportAllocs()
	for b.Loop() {
		if !ed25519.Verify(pub, msg, sig) {
			b.Fatal("baseline failed")
		}
	}
}

func BenchmarkVerifyHMAC(b *testing.B) { benchVerify(b, codec.HMACSHA256) }

// BenchmarkBaselineHMACSHA256 is raw HMAC-SHA256 over a message of the
// same length, with a keyed state reused as the verifier reuses one.
func BenchmarkBaselineHMACSHA256(b *testing.B) {
	m := hmac.New(sha256.New, make([]byte, 32))
	msg := make([]byte, messageLen(b))
	var sum [sha256.Size]byte
	b.ReportAllocs()
	for b.Loop() {
		m.Reset()
		m.Write(msg)
		m.Sum(sum[:0])
	}
}
