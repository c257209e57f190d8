package codec

import "testing"

func TestSigmaIsAntiSymmetricPermutation(t *testing.T) {
	seen := map[uint8]bool{}
	for x := uint8(0); x < 58; x++ {
		seen[sigma(x)] = true
		if sigmaPow(x, 4) != x {
			t.Fatalf("sigma^4(%d) != %d", x, x)
		}
		for y := uint8(0); y < 58; y++ {
			if x != y && dmul(x, sigma(y)) == dmul(y, sigma(x)) {
				t.Fatalf("sigma not anti-symmetric at %d, %d", x, y)
			}
		}
	}
	if len(seen) != 58 {
		t.Fatalf("sigma is not a permutation: %d images", len(seen))
	}
}

func TestDihedralGroupLaws(t *testing.T) {
	for a := uint8(0); a < 58; a++ {
		if dmul(a, dinv(a)) != 0 || dmul(dinv(a), a) != 0 {
			t.Fatalf("inverse of %d wrong", a)
		}
		for b := uint8(0); b < 58; b += 7 {
			for c := uint8(0); c < 58; c += 5 {
				if dmul(dmul(a, b), c) != dmul(a, dmul(b, c)) {
					t.Fatalf("not associative at %d %d %d", a, b, c)
				}
			}
		}
	}
}

// TestCheckCatchesAllSingleErrors checks exhaustively, for groups at every
// position, every single substitution and every adjacent transposition.
func TestCheckCatchesAllSingleErrors(t *testing.T) {
	rng := uint32(1)
	next := func() uint8 { rng = rng*1664525 + 1013904223; return uint8((rng >> 24) % 58) }
	for pos := 1; pos <= maxGroups; pos++ {
		for _, last := range []bool{false, true} {
			for n := 1; n <= groupData; n++ {
				for trial := 0; trial < 4; trial++ {
					g := make([]uint8, n+1)
					for i := range n {
						g[i] = next()
					}
					g[n] = checkValue(pos, last, g[:n])
					if !groupValid(pos, last, g) {
						t.Fatalf("fresh group invalid at pos %d", pos)
					}
					for i := range g {
						orig := g[i]
						for v := uint8(0); v < 58; v++ {
							if v == orig {
								continue
							}
							g[i] = v
							if groupValid(pos, last, g) {
								t.Fatalf("substitution %d->%d at %d in group %d accepted", orig, v, i, pos)
							}
						}
						g[i] = orig
					}
					for i := 0; i+1 < len(g); i++ {
						if g[i] == g[i+1] {
							continue
						}
						g[i], g[i+1] = g[i+1], g[i]
						if groupValid(pos, last, g) {
							t.Fatalf("transposition at %d in group %d accepted", i, pos)
						}
						g[i], g[i+1] = g[i+1], g[i]
					}
					for other := 1; other <= maxGroups; other++ {
						for _, otherLast := range []bool{false, true} {
							if (other != pos || otherLast != last) && groupValid(other, otherLast, g) {
								t.Fatalf("group from position %d (last %v) accepted at %d (last %v)", pos, last, other, otherLast)
							}
						}
					}
				}
			}
		}
	}
}
