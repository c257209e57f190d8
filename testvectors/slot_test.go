package testvectors

import (
	"testing"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/machine"
)

// TestSlotOfIsTheSpec: the vectors' slot hash, written from
// docs/machine-uid.md, is the one products compute.
func TestSlotOfIsTheSpec(t *testing.T) {
	for _, v := range []string{"", "52:54:00:12:34:56", "BFEBFBFF000906EA", "4.2", "x"} {
		for c := range codec.Component(codec.NumSlots) {
			if got, want := slotOf(c.Key(), "umenu", v), machine.SlotHash("umenu", c, []byte(v)); got != want {
				t.Fatalf("%s %q: %d, machine.SlotHash %d", c.Key(), v, got, want)
			}
		}
	}
}
