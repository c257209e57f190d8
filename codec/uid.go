package codec

import (
	"fmt"
	"strings"
)

// A MachineUID identifies one machine for one product: a version symbol,
// six component slots of 15 bits each, and a check symbol, written as four
// groups of five Crockford base32 symbols ("1ABCD-EFGHJ-KMNPQ-RSTVW", 23
// characters). Each slot is a hash of one hardware or product component
// with the product ID, so the UID reveals no raw hardware data and differs
// between products on the same machine; comparing two UIDs slot by slot
// says which component changed. The format is in docs/machine-uid.md.
type MachineUID struct {
	Version byte
	Slots   [NumSlots]uint16 // 0 = component absent; else 1..32767
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
	for c := range Component(NumSlots) {
		if c.PerMachine() && u.Slots[c] != 0 {
			return true
		}
	}
	return false
}

// UIDVersion is the UID format version this package writes.
const UIDVersion = 1

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
	for i, v := range u.Slots {
		s[1+3*i] = byte(v >> 10 & 31)
		s[2+3*i] = byte(v >> 5 & 31)
		s[3+3*i] = byte(v & 31)
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

// Present reports whether the component is part of the UID.
func (u MachineUID) Present(c Component) bool { return u.Slots[c] != 0 }

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
// version other than 1 is ErrUnsupportedVersion.
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
	if sym[0] != UIDVersion {
		return sym, u, &Error{Err: ErrUnsupportedVersion, What: "machine UID",
			Detail: fmt.Sprintf("version %d; this build reads version %d", sym[0], UIDVersion)}
	}
	u.Version = sym[0]
	present := 0
	for i := range u.Slots {
		v := uint16(sym[1+3*i])<<10 | uint16(sym[2+3*i])<<5 | uint16(sym[3+3*i])
		if v > 0x7FFF {
			return sym, u, uidErr(0, "slot out of range")
		}
		u.Slots[i] = v
		if v != 0 {
			present++
		}
	}
	if present == 0 {
		return sym, u, uidErr(0, "no component present")
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
