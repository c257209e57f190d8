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

// BenchmarkVerifyDelegated verifies a code signed by a delegated key
// whose certificate the keyring embeds (a typed portal code): the chain
// was checked when the keyring was parsed, so the cost is one Ed25519
// verification plus the limit checks. Goal: within 1.10x of
// BenchmarkBaselineEd25519Verify.
func BenchmarkVerifyDelegated(b *testing.B) {
	c := newChain(b)
	kr := c.keyring(b, true, 1)
	code := signWith(b, c.server, delegatedPayload())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := kr.Verify(code, testBinding, testNow); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyDelegatedSupplied verifies a code with the certificate
// it came with (an online answer), after the first call has checked and
// remembered the certificate. Goal: within 1.10x of the baseline.
func BenchmarkVerifyDelegatedSupplied(b *testing.B) {
	c := newChain(b)
	kr := c.keyring(b, false, 1)
	code := signWith(b, c.server, delegatedPayload())
	cert := c.cert.String()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := kr.VerifyDelegated(code, cert, testBinding, testNow); err != nil {
			b.Fatal(err)
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
