package codec

// Check symbols use the Verhoeff–Gumm scheme over the dihedral group D29,
// which has exactly 58 elements, one per base58 symbol. With the
// anti-symmetric permutation sigma below, the check catches every single
// substitution and every adjacent transposition inside a group (including
// one involving the check symbol itself); weighted sums modulo 58 cannot
// promise that, because 58 is not prime. Starting each group's product at
// r^position makes the check depend on where the group stands, so two
// swapped groups fail too. The last group starts at the reflection
// s r^position instead, so a code cut short at a group boundary, or with a
// group appended, is reported as incomplete or over-long rather than
// decoding to garbage. Every (position, last) pair has its own start
// element, so a group is valid at exactly one place. check_test.go verifies
// these properties exhaustively.
//
// An element s^f r^k is stored as f*29 + k, so symbol value v < 29 is the
// rotation r^v and v >= 29 is the reflection s r^(v-29).

const dihedralN = 29

// dmulTable is D29's multiplication table, built once; immutable.
var dmulTable = func() (t [58][58]uint8) {
	for a := range uint8(58) {
		for b := range uint8(58) {
			t[a][b] = dmulSlow(a, b)
		}
	}
	return t
}()

// dmul returns a·b in D29.
func dmul(a, b uint8) uint8 { return dmulTable[a][b] }

func dmulSlow(a, b uint8) uint8 {
	fa, ka := a/dihedralN, a%dihedralN
	fb, kb := b/dihedralN, b%dihedralN
	if fb == 0 {
		return fa*dihedralN + (ka+kb)%dihedralN
	}
	return (fa^1)*dihedralN + (kb+dihedralN-ka)%dihedralN
}

// dinv returns a⁻¹: reflections are their own inverses.
func dinv(a uint8) uint8 {
	if a >= dihedralN {
		return a
	}
	return (dihedralN - a) % dihedralN
}

// sigma is the anti-symmetric permutation r^k -> s r^k, s r^k -> r^(1-k):
// x·sigma(y) != y·sigma(x) whenever x != y. It has order 4.
func sigma(a uint8) uint8 {
	if a < dihedralN {
		return dihedralN + a
	}
	return (1 + 2*dihedralN - a) % dihedralN
}

// sigmaPowTable[n][a] is sigma^n(a) for n = 0..3 (sigma has order 4).
var sigmaPowTable = func() (t [4][58]uint8) {
	for a := range uint8(58) {
		v := a
		for n := range 4 {
			t[n][a] = v
			v = sigma(v)
		}
	}
	return t
}()

func sigmaPow(a uint8, n int) uint8 { return sigmaPowTable[n&3][a] }

// groupStart is the element a group's product starts from.
func groupStart(pos int, last bool) uint8 {
	if last {
		return dihedralN + uint8(pos%dihedralN)
	}
	return uint8(pos % dihedralN)
}

// groupProduct folds the symbol values of one group (data symbols, and the
// check symbol when present) at 1-based position pos.
func groupProduct(pos int, last bool, vals []uint8) uint8 {
	acc := groupStart(pos, last)
	for i, v := range vals {
		acc = dmul(acc, sigmaPow(v, i+1))
	}
	return acc
}

// checkValue returns the symbol value that completes the data symbols of
// the group at pos.
func checkValue(pos int, last bool, data []uint8) uint8 {
	need := dinv(groupProduct(pos, last, data))
	// sigma^(n+1)(c) = need  =>  c = sigma^-(n+1)(need) = sigma^(3(n+1))(need)
	return sigmaPow(need, 3*(len(data)+1))
}

// groupValid reports whether a whole group (data and check) is consistent.
func groupValid(pos int, last bool, vals []uint8) bool {
	return groupProduct(pos, last, vals) == 0
}
