package sqlledger

import (
	"testing"

	"github.com/actkit/actkit/codec"
)

// TestDriftSlotsFollowTheUIDLayout: each substring the drift indexes are
// built on changes exactly when its component does, and no other
// component's change moves it; so the candidates Seat finds are exactly
// the activations sharing that component.
func TestDriftSlotsFollowTheUIDLayout(t *testing.T) {
	base := codec.MachineUID{Version: codec.UIDVersion, Slots: [codec.NumSlots]uint16{101, 202, 42, 303, 404, 505}}
	cut := func(u codec.MachineUID, from, n int) string { s := u.String(); return s[from-1 : from-1+n] }
	for _, s := range driftSlots {
		if !s.c.PerMachine() {
			t.Errorf("%v is not a per-machine component", s.c)
		}
		for c := range codec.Component(codec.NumSlots) {
			for _, v := range []uint16{1, 0x1F, 0x3E0, 0x7C00, 32767} {
				u := base
				u.Slots[c] = v
				moved := cut(u, s.from, s.n) != cut(base, s.from, s.n)
				if want := c == s.c; moved != want {
					t.Errorf("slot %v = %#x: substr(machine, %d, %d) moved %v, want %v", c, v, s.from, s.n, moved, want)
				}
			}
		}
	}
	exprs, args := driftTerms(base.String())
	if len(args) != 4 || len(exprs) != 4 {
		t.Errorf("a UID with all four per-machine components: %q %v", exprs, args)
	}
	u := base
	u.Slots[codec.SlotOSID], u.Slots[codec.SlotSystemUUID], u.Slots[codec.SlotCustom] = 0, 0, 0
	if _, args := driftTerms(u.String()); len(args) != 1 {
		t.Errorf("a UID with only its network adapter: %d terms", len(args))
	}
	if exprs, _ := driftTerms("not a UID"); exprs != nil {
		t.Errorf("a fingerprint-like text got drift terms %q", exprs)
	}
}
