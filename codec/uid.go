package codec

import (
	"fmt"
	"strings"
)

// A MachineUID identifies one machine for one product: a version symbol,
// 18 symbols of content, and a check symbol, written as four groups of
// five Crockford base32 symbols ("1ABCD-EFGHJ-KMNPQ-RSTVW", 23
// characters). Two versions share that text form:
//
//   - version 1, a component UID (what package machine computes): six
//     slots of 15 bits, each a hash of one hardware or product component
//     with the product ID, so the UID reveals no raw hardware data and
//     differs between products on the same machine; comparing two UIDs
//     slot by slot says which component changed;
//   - version F (UIDVersionFingerprint), a fingerprint UID: 90 bits of
//     the hash of one fingerprint a product supplies (a GUID), so that
//     two distinct fingerprints share a UID with probability 2^-90, where
//     a 15-bit slot gave 1 in 32,768. Its fingerprint counts as the
//     product-value component.
//
// The format is in docs/machine-uid.md.
type MachineUID struct {
	Version byte
	// Slots are version 1's components: 0 = absent, else 1..32767. All 0
	// in a fingerprint UID.
	Slots [NumSlots]uint16
	// Fingerprint is a fingerprint UID's hash: 18 symbol values (0-31),
	// the hash's first bits first, never all 0. All 0 in version 1.
	Fingerprint [FingerprintSymbols]byte
}

// Component names a slot of a MachineUID.
type Component int

// The slots, in order.
const (
	SlotNetwork    Component = iota // MAC of the first operational physical NIC
	SlotCPU                         // SMBIOS processor ID (or CPU signature)
	SlotVersion                     // the product's minor version
	SlotOSID                        // optional: the OS machine ID
	SlotSystemUUID                  // optional: the SMBIOS system UUID
	SlotCustom                      // optional: a value the product supplies
	NumSlots       = 6
)

var componentNames = [NumSlots]string{"network adapter", "processor", "version", "OS machine ID", "system UUID", "product value"}
var componentKeys = [NumSlots]string{"network", "cpu", "version", "os-id", "system-uuid", "custom"}

// String returns the component's name for people ("network adapter").
func (c Component) String() string {
	if c < 0 || c >= NumSlots {
		return "unknown component"
	}
	return componentNames[c]
}

// Key returns the component's stable identifier ("network").
func (c Component) Key() string {
	if c < 0 || c >= NumSlots {
		return "unknown"
	}
	return componentKeys[c]
}

// PerMachine reports whether the component tells one machine from another
// of the same model: the network adapter, OS machine ID, system UUID and
// product value do; the processor (a model's ID or signature) and the
// product version do not.
func (c Component) PerMachine() bool {
	return c == SlotNetwork || c == SlotOSID || c == SlotSystemUUID || c == SlotCustom
}

// HasMachineComponent reports whether the UID has at least one
// per-machine component. A UID without one is the same on every machine
// of a model: vendors refuse to issue for it.
func (u MachineUID) HasMachineComponent() bool {
	if u.IsFingerprint() {
		return true // a fingerprint names one machine
	}
	for c := range Component(NumSlots) {
		if c.PerMachine() && u.Slots[c] != 0 {
			return true
		}
	}
	return false
}

// UIDVersion is the version of component UIDs, the ones package machine
// computes from hardware.
const UIDVersion = 1

// UIDVersionFingerprint is the version of fingerprint UIDs (symbol F):
// one 90-bit hash of a fingerprint a product supplies, such as a GUID
// (licensing.FingerprintUID). Versions 2 to E are left for future
// component layouts.
const UIDVersionFingerprint = 15

// FingerprintSymbols is the length of a fingerprint UID's hash in
// symbols: 18, 90 bits.
const FingerprintSymbols = uidSymbols - 2

// IsFingerprint reports whether u is a fingerprint UID (version F).
func (u MachineUID) IsFingerprint() bool { return u.Version == UIDVersionFingerprint }

// NewFingerprintUID returns the fingerprint UID of a digest: its first 90
// bits, five to a symbol, most significant first (docs/machine-uid.md).
// Ninety zero bits (probability 2^-90) become a final symbol 1, since a
// UID is never empty. The digest must be at least 12 bytes long; a
// shorter one is a programming error and panics.
func NewFingerprintUID(digest []byte) MachineUID {
	if len(digest) < 12 {
		panic("codec: fingerprint digest shorter than 90 bits")
	}
	u := MachineUID{Version: UIDVersionFingerprint}
	zero := true
	for i := range u.Fingerprint {
		bit := 5 * i
		// Five bits starting at bit: they span at most two bytes.
		w := uint16(digest[bit/8])<<8 | uint16(digest[bit/8+1])
		u.Fingerprint[i] = byte(w >> (11 - bit%8) & 31)
		zero = zero && u.Fingerprint[i] == 0
	}
	if zero {
		u.Fingerprint[FingerprintSymbols-1] = 1
	}
	return u
}

const (
	crockford  = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	uidSymbols = 20
	// MaxUIDText caps UID input before parsing.
	MaxUIDText = 64
)

func uidErr(pos int, detail string) *Error {
	return &Error{Err: ErrMalformed, What: "machine UID", Pos: pos, Detail: detail}
}

// symbols returns the UID's 20 symbol values: version, 18 slot symbols,
// check.
func (u MachineUID) symbols() [uidSymbols]byte {
	var s [uidSymbols]byte
	s[0] = u.Version
	if u.IsFingerprint() {
		copy(s[1:], u.Fingerprint[:])
	} else {
		for i, v := range u.Slots {
			s[1+3*i] = byte(v >> 10 & 31)
			s[2+3*i] = byte(v >> 5 & 31)
			s[3+3*i] = byte(v & 31)
		}
	}
	s[uidSymbols-1] = gf32Check(s[:uidSymbols-1])
	return s
}

// NormalizeMachineUID returns the one normal form of a machine UID, the
// form that is signed, stored and compared: its 20 symbols in canonical
// Crockford base32 without separators. It accepts what ParseMachineUID
// accepts (any case, separators, O/I/L for 0/1/1) and fails as it does.
// The signer, the verifier, request codes and the product side all
// normalize through this one function (docs/format.md, section 4).
func NormalizeMachineUID(s string) (string, error) {
	var buf [uidSymbols]byte
	n, err := appendMachineUID(buf[:0], s)
	return string(n), err
}

// appendMachineUID appends the normal form of s to dst, without
// allocating on success.
func appendMachineUID(dst []byte, s string) ([]byte, error) {
	sym, _, err := parseMachineUID(s)
	if err != nil {
		return dst, err
	}
	for _, v := range sym {
		dst = append(dst, crockford[v])
	}
	return dst, nil
}

// String returns the canonical text form.
func (u MachineUID) String() string {
	s := u.symbols()
	var b strings.Builder
	for i, v := range s {
		if i > 0 && i%5 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(crockford[v])
	}
	return b.String()
}

// Present reports whether the component is part of the UID. A
// fingerprint UID has one component, the product value.
func (u MachineUID) Present(c Component) bool {
	if u.IsFingerprint() {
		return c == SlotCustom
	}
	return u.Slots[c] != 0
}

// SameComponent reports whether component c is present in both u and v
// with the same value. A fingerprint is a product value that only the
// same fingerprint equals: never a version-1 slot, whose 15 bits could
// match it by chance.
func (u MachineUID) SameComponent(v MachineUID, c Component) bool {
	if !u.Present(c) || !v.Present(c) {
		return false
	}
	if u.IsFingerprint() || v.IsFingerprint() {
		return u == v
	}
	return u.Slots[c] == v.Slots[c]
}

// HasUIDShape reports whether s is written as machine UIDs are shown:
// four groups of five ASCII letters or digits (a U or another letter
// outside the alphabet is a typo too), split by one hyphen or space each, white space around
// allowed. A caller that takes either a UID or something else (a machine
// fingerprint) refuses such text that fails as a UID as a mistyped UID
// instead of reading it as the other kind; 20 hex digits, a GUID or a
// UID's symbols without separators do not have the shape.
func HasUIDShape(s string) bool {
	s = strings.TrimSpace(s)
	if len(s) != uidSymbols+3 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if i%6 == 5 {
			if s[i] != '-' && s[i] != ' ' {
				return false
			}
		} else if c := s[i]; !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

// crockfordValue decodes one symbol, accepting the usual misreadings
// (O for 0, I and L for 1) and lower case; -1 for anything else.
func crockfordValue(c byte) int { return int(crockfordTable[c]) }

// crockfordTable maps every byte to its symbol value, or -1. It is
// computed once from the alphabet: constant data, not configuration.
var crockfordTable = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for v := 0; v < len(crockford); v++ {
		c := crockford[v]
		t[c] = int8(v)
		if c >= 'A' && c <= 'Z' {
			t[c+'a'-'A'] = int8(v)
		}
	}
	for _, alias := range []struct {
		c byte
		v int8
	}{{'O', 0}, {'o', 0}, {'I', 1}, {'i', 1}, {'L', 1}, {'l', 1}} {
		t[alias.c] = alias.v
	}
	return t
}()

// ParseMachineUID parses a UID as typed: case, spaces and hyphens do not
// matter, O/I/L are read as 0/1/1. A wrong check symbol is ErrTypo; a
// version other than 1 and F is ErrUnsupportedVersion.
func ParseMachineUID(s string) (MachineUID, error) {
	_, u, err := parseMachineUID(s)
	return u, err
}

// parseMachineUID is ParseMachineUID also returning the symbol values.
func parseMachineUID(s string) ([uidSymbols]byte, MachineUID, error) {
	var u MachineUID
	var sym [uidSymbols]byte
	if len(s) > MaxUIDText {
		return sym, u, uidErr(0, "too long to be a machine UID")
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isSeparator(c) {
			continue
		}
		v := crockfordValue(c)
		if v < 0 || c >= 0x80 {
			return sym, u, uidErr(i+1, "machine UIDs use digits and letters except U")
		}
		if n == uidSymbols {
			return sym, u, uidErr(0, fmt.Sprintf("more than %d symbols", uidSymbols))
		}
		sym[n] = byte(v)
		n++
	}
	if n != uidSymbols {
		return sym, u, uidErr(0, fmt.Sprintf("%d symbols, want %d: a symbol is missing", n, uidSymbols))
	}
	if gf32Check(sym[:uidSymbols-1]) != sym[uidSymbols-1] {
		return sym, u, &Error{Err: ErrTypo, What: "machine UID", Detail: "check symbol does not match: compare it with the UID shown on the machine"}
	}
	u.Version = sym[0]
	switch u.Version {
	case UIDVersion:
		present := 0
		for i := range u.Slots {
			v := uint16(sym[1+3*i])<<10 | uint16(sym[2+3*i])<<5 | uint16(sym[3+3*i])
			u.Slots[i] = v
			if v != 0 {
				present++
			}
		}
		if present == 0 {
			return sym, MachineUID{}, uidErr(0, "no component present")
		}
	case UIDVersionFingerprint:
		copy(u.Fingerprint[:], sym[1:uidSymbols-1])
		if u.Fingerprint == ([FingerprintSymbols]byte{}) {
			return sym, MachineUID{}, uidErr(0, "no fingerprint present")
		}
	default:
		return sym, MachineUID{}, &Error{Err: ErrUnsupportedVersion, What: "machine UID",
			Detail: fmt.Sprintf("version %c; this build reads versions 1 and F", crockford[sym[0]])}
	}
	return sym, u, nil
}

// gf32Check computes the check symbol over GF(32) (x^5 + x^2 + 1): the
// value c with sum(α^i·s_i) + α^(n+1)·c = 0. Every single substitution and
// every adjacent transposition changes the sum (α^i ≠ 0, α ≠ 1), so each
// is caught; a 32-symbol alphabet has no prime modulus to do this with.
func gf32Check(s []byte) byte {
	// With α = x, α^k is gfExp[k mod 31], and a·b = exp(log a + log b).
	var sum byte
	for i, v := range s {
		if v != 0 {
			sum ^= gfExp[(int(gfLog[v])+i+1)%31]
		}
	}
	if sum == 0 {
		return 0
	}
	// c = sum / α^(n+1)
	return gfExp[(int(gfLog[sum])-(len(s)+1)%31+31)%31]
}

// gfExp and gfLog are GF(32)'s exponent and logarithm tables for the
// generator α = x under x^5 + x^2 + 1, computed once (constant data).
var gfExp, gfLog = func() (exp [31]byte, log [32]byte) {
	a := byte(1)
	for i := range 31 {
		exp[i], log[a] = a, byte(i)
		a <<= 1
		if a&0x20 != 0 {
			a ^= 0x25 // x^5 = x^2 + 1
		}
	}
	return exp, log
}()
