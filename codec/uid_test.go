package codec

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

func sampleUID() MachineUID {
	u := MachineUID{Version: UIDVersion}
	u.Slots[SlotNetwork] = 0x1234 // slots are hashes: see machine.SlotHash
	u.Slots[SlotCPU] = 0x2345
	u.Slots[SlotVersion] = 0x3456
	return u
}

func TestUIDRoundTripAndLength(t *testing.T) {
	u := sampleUID()
	s := u.String()
	if len(s) > 24 {
		t.Fatalf("UID %q is %d characters", s, len(s))
	}
	back, err := ParseMachineUID(strings.ToLower(strings.ReplaceAll(s, "-", " ")))
	if err != nil || back != u {
		t.Fatalf("round trip: %v %v", back, err)
	}
	// Crockford misreadings are accepted.
	alt := strings.NewReplacer("0", "O", "1", "L").Replace(s)
	if back, err := ParseMachineUID(alt); err != nil || back != u {
		t.Fatalf("O/L aliases: %v", err)
	}
}

func TestUIDCheckCatchesSingleErrors(t *testing.T) {
	s := strings.ReplaceAll(sampleUID().String(), "-", "")
	for i := range s {
		for _, c := range crockford {
			if byte(c) == s[i] {
				continue
			}
			mut := s[:i] + string(c) + s[i+1:]
			if _, err := ParseMachineUID(mut); err == nil {
				t.Fatalf("substitution at %d accepted", i)
			}
		}
		if i+1 < len(s) && s[i] != s[i+1] {
			mut := s[:i] + string(s[i+1]) + string(s[i]) + s[i+2:]
			if _, err := ParseMachineUID(mut); err == nil {
				t.Fatalf("transposition at %d accepted", i)
			}
		}
	}
}

func TestUIDRejects(t *testing.T) {
	s := sampleUID().String()
	cases := map[string]error{
		"":                        ErrMalformed,
		s[:len(s)-1]:              ErrMalformed,
		s + "0":                   ErrMalformed,
		"U" + s[1:]:               ErrMalformed,
		s[:3] + "é" + s[4:]:       ErrMalformed,
		strings.Repeat("1", 200):  ErrMalformed,
		"00000-00000-00000-00000": ErrUnsupportedVersion,
	}
	for in, want := range cases {
		if _, err := ParseMachineUID(in); !errors.Is(err, want) {
			t.Errorf("%.30q: got %v, want %v", in, err, want)
		}
	}
	empty := MachineUID{Version: UIDVersion}
	if _, err := ParseMachineUID(empty.String()); !errors.Is(err, ErrMalformed) {
		t.Errorf("UID with no component accepted: %v", err)
	}
	v2 := sampleUID()
	v2.Version = 2
	if _, err := ParseMachineUID(v2.String()); !errors.Is(err, ErrUnsupportedVersion) {
		t.Errorf("version 2: %v", err)
	}
}

func TestRequestCodeRoundTrip(t *testing.T) {
	r := RequestCode{Product: "umenu", LicenceKey: "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM", MachineUID: sampleUID(), ProductVersion: "4.2.17"}
	txt, err := r.Text()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseRequestCode(txt)
	if err != nil {
		t.Fatal(err)
	}
	if back.Product != "umenu" || back.LicenceKey != "UMENU7KQ2XM4RTA9VWCEH3NPM" || back.MachineUID != r.MachineUID || back.ProductVersion != "4.2.17" {
		t.Fatalf("round trip: %+v", back)
	}
	// A typo is located like an activation code's.
	b := []byte(txt)
	b[3] = map[bool]byte{true: 'b', false: 'a'}[b[3] == 'a']
	if _, err := ParseRequestCode(string(b)); !errors.Is(err, ErrTypo) {
		t.Fatalf("typo: %v", err)
	}
	// Pasted where an activation code belongs: recognized.
	if _, err := ParseText(txt); err == nil {
		if _, err := DecodeCode(txt); !errors.Is(err, ErrIsRequestCode) || !errors.Is(err, ErrMalformed) {
			t.Fatalf("request code as activation code: %v", err)
		}
	}
	// An activation code is not a request code.
	if _, err := ParseRequestCode(sampleCode(t)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("activation code as request: %v", err)
	}
	r.ProductVersion = strings.Repeat("9", 40)
	if _, err := r.Text(); err == nil {
		t.Fatal("over-long version accepted")
	}
}

// TestGF32CheckMatchesTheDefinition: the table-driven check symbol equals
// the definition computed bit by bit (c with sum(α^i·s_i) + α^(n+1)·c = 0).
func TestGF32CheckMatchesTheDefinition(t *testing.T) {
	mulAlpha := func(a byte) byte {
		a <<= 1
		if a&0x20 != 0 {
			a ^= 0x25
		}
		return a
	}
	mul := func(a, b byte) byte {
		var p byte
		for b != 0 {
			if b&1 != 0 {
				p ^= a
			}
			a = mulAlpha(a)
			b >>= 1
		}
		return p
	}
	slow := func(s []byte) byte {
		var sum, pow byte = 0, 1
		for _, v := range s {
			pow = mulAlpha(pow)
			sum ^= mul(pow, v)
		}
		pow = mulAlpha(pow)
		for c := byte(0); c < 32; c++ {
			if sum^mul(pow, c) == 0 {
				return c
			}
		}
		t.Fatal("no check symbol")
		return 0
	}
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 40; n++ {
		for range 200 {
			s := make([]byte, n)
			for i := range s {
				s[i] = byte(r.IntN(32))
			}
			if got, want := gf32Check(s), slow(s); got != want {
				t.Fatalf("%v: %d, want %d", s, got, want)
			}
		}
	}
}

func sampleFingerprintUID() MachineUID {
	d := ComponentDigest("umenu", SlotCustom, []byte("550e8400-e29b-41d4-a716-446655440000"))
	return NewFingerprintUID(d[:])
}

// TestFingerprintUIDFormat: a fingerprint UID is version F, 20 symbols,
// round-trips, catches single errors like any UID, and counts as one
// per-machine component, the product value, that only the same
// fingerprint matches.
func TestFingerprintUIDFormat(t *testing.T) {
	u := sampleFingerprintUID()
	s := u.String()
	if len(s) != 23 || s[0] != 'F' || u.Slots != ([NumSlots]uint16{}) {
		t.Fatalf("fingerprint UID %q %+v", s, u)
	}
	back, err := ParseMachineUID(strings.ToLower(s))
	if err != nil || back != u || !back.IsFingerprint() || !back.HasMachineComponent() {
		t.Fatalf("round trip: %v %v", back, err)
	}
	flat := strings.ReplaceAll(s, "-", "")
	for i := range flat {
		mut := flat[:i] + string(crockford[(strings.IndexByte(crockford, flat[i])+1)%32]) + flat[i+1:]
		if _, err := ParseMachineUID(mut); err == nil {
			t.Fatalf("substitution at %d accepted", i)
		}
	}
	for c := range Component(NumSlots) {
		if u.Present(c) != (c == SlotCustom) {
			t.Errorf("%s present: %v", c, u.Present(c))
		}
	}
	// Version 1 with the same bits in its custom slot is another value.
	v1 := MachineUID{Version: UIDVersion}
	v1.Slots[SlotCustom] = uint16(u.Fingerprint[0])<<10 | uint16(u.Fingerprint[1])<<5 | uint16(u.Fingerprint[2])
	other := NewFingerprintUID(make([]byte, 12))
	if !u.SameComponent(u, SlotCustom) || u.SameComponent(v1, SlotCustom) || v1.SameComponent(u, SlotCustom) ||
		u.SameComponent(other, SlotCustom) || u.SameComponent(u, SlotNetwork) {
		t.Error("SameComponent")
	}
	// An all-zero digest still gives a UID; all-zero content is refused.
	if other.Fingerprint[FingerprintSymbols-1] != 1 {
		t.Fatalf("zero digest: %v", other.Fingerprint)
	}
	if _, err := ParseMachineUID(other.String()); err != nil {
		t.Fatal(err)
	}
	empty := MachineUID{Version: UIDVersionFingerprint}
	if _, err := ParseMachineUID(empty.String()); !errors.Is(err, ErrMalformed) {
		t.Errorf("fingerprint UID without fingerprint: %v", err)
	}
	// A version-F text with a version-1 UID's content is a fingerprint
	// UID: the slots are not read.
	sym := sampleUID().symbols()
	sym[0] = UIDVersionFingerprint
	sym[uidSymbols-1] = gf32Check(sym[:uidSymbols-1])
	var b strings.Builder
	for _, v := range sym {
		b.WriteByte(crockford[v])
	}
	got, err := ParseMachineUID(b.String())
	if err != nil || !got.IsFingerprint() || got.Slots != ([NumSlots]uint16{}) || [FingerprintSymbols]byte(sym[1:uidSymbols-1]) != got.Fingerprint {
		t.Errorf("%s: %+v %v", b.String(), got, err)
	}
}

// TestNewFingerprintUIDBits: symbol i holds digest bits 5i..5i+4.
func TestNewFingerprintUIDBits(t *testing.T) {
	for bit := range 90 {
		d := make([]byte, 32)
		d[bit/8] = 0x80 >> (bit % 8)
		u := NewFingerprintUID(d)
		for i, v := range u.Fingerprint {
			want := byte(0)
			if i == bit/5 {
				want = 16 >> (bit % 5)
			}
			if v != want {
				t.Fatalf("bit %d: symbol %d is %d, want %d", bit, i, v, want)
			}
		}
	}
}
