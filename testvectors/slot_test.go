package testvectors

import (
	"strings"
	"testing"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/licensing"
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

// TestFingerprintOfIsTheSpec: the vectors' fingerprint UID, written from
// docs/machine-uid.md, is the one the licence server maps a fingerprint
// to, and its example in that document.
func TestFingerprintOfIsTheSpec(t *testing.T) {
	for _, fp := range append(fingerprints, "device-0001", strings.Repeat("z", 128)) {
		want, err := licensing.FingerprintUID(Product, fp)
		if err != nil {
			t.Fatal(err)
		}
		if got := fingerprintOf(Product, fp); got != want {
			t.Fatalf("%q: %s, licensing.FingerprintUID %s", fp, got, want)
		}
	}
	if got := fingerprintOf("umenu", "550e8400-e29b-41d4-a716-446655440000").String(); got != "F17KX-EW4AT-GM22X-8CJ8J" {
		t.Fatalf("docs/machine-uid.md's example is %s", got)
	}
}
