package codec

import (
	"bytes"
	"math/big"
)

// Ed25519 public keys are checked once, when a keyring is built, with
// math/big: the standard library's crypto/ed25519 accepts non-canonical
// and small-order keys, and the verifier may import nothing else.

// smallOrder lists the canonical encodings of the eight points of small
// order (the CCTV ed25519 vectors' list); their non-canonical encodings are
// rejected by the canonical-encoding check first.
var smallOrder = [8]string{
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0000000000000000000000000000000000000000000000000000000000000080",
	"0100000000000000000000000000000000000000000000000000000000000000",
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
}

func keyErr(detail string) error {
	return &Error{Err: ErrInvalidKey, What: "ed25519 public key", Detail: detail}
}

func checkEd25519PublicKey(pub []byte) error {
	if len(pub) != 32 {
		return keyErr("must be 32 bytes")
	}
	for _, h := range smallOrder {
		if hexEqual(h, pub) {
			// A small-order key verifies signatures on many messages
			// without any secret: never pin one.
			return keyErr("point of small order")
		}
	}
	p := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	le := make([]byte, 32)
	for i := range 32 {
		le[31-i] = pub[i]
	}
	sign := le[0] >> 7
	le[0] &= 0x7f
	y := new(big.Int).SetBytes(le)
	if y.Cmp(p) >= 0 {
		return keyErr("non-canonical encoding")
	}
	// x² = (y² - 1) / (d·y² + 1), d = -121665/121666
	d := new(big.Int).Mul(big.NewInt(-121665), new(big.Int).ModInverse(big.NewInt(121666), p))
	d.Mod(d, p)
	y2 := new(big.Int).Mul(y, y)
	u := new(big.Int).Sub(y2, big.NewInt(1))
	u.Mod(u, p)
	v := new(big.Int).Mul(d, y2)
	v.Add(v, big.NewInt(1)).Mod(v, p)
	if v.Sign() == 0 { // impossible for a non-square d; checked, not assumed
		return keyErr("not a point on the curve")
	}
	x2 := new(big.Int).Mul(u, new(big.Int).ModInverse(v, p))
	x2.Mod(x2, p)
	if x2.Sign() == 0 {
		if sign == 1 {
			return keyErr("non-canonical encoding")
		}
		return nil
	}
	// Euler's criterion: x² must be a square for the point to exist.
	e := new(big.Int).Rsh(new(big.Int).Sub(p, big.NewInt(1)), 1)
	if new(big.Int).Exp(x2, e, p).Cmp(big.NewInt(1)) != 0 {
		return keyErr("not a point on the curve")
	}
	return nil
}

func hexEqual(h string, b []byte) bool {
	if len(h) != 2*len(b) {
		return false
	}
	dec := make([]byte, len(b))
	for i := range b {
		hi, _ := hexVal(h[2*i])
		lo, _ := hexVal(h[2*i+1])
		dec[i] = hi<<4 | lo
	}
	return bytes.Equal(dec, b)
}
