package licensing_test

import (
	"errors"
	"testing"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/machine"
)

// TestFingerprintUIDIsTheProductValueSlot: the mapping is the one a
// product computes with machine.SlotHash for its own value, so a product
// can derive it offline too; spellings of one GUID agree.
func TestFingerprintUIDIsTheProductValueSlot(t *testing.T) {
	guid := "550e8400-e29b-41d4-a716-446655440000"
	u, err := licensing.FingerprintUID("umenu", guid)
	if err != nil {
		t.Fatal(err)
	}
	want := codec.MachineUID{Version: codec.UIDVersion}
	want.Slots[codec.SlotCustom] = machine.SlotHash("umenu", codec.SlotCustom, []byte(guid))
	if u != want || !u.HasMachineComponent() {
		t.Fatalf("got %s, want %s", u, want)
	}
	for _, spelling := range []string{"{550E8400-E29B-41D4-A716-446655440000}", " 550e8400-e29b-41d4-a716-446655440000\n"} {
		if v, _ := licensing.FingerprintUID("umenu", spelling); v != u {
			t.Errorf("%q maps to %s", spelling, v)
		}
	}
	if v, _ := licensing.FingerprintUID("other", guid); v == u {
		t.Error("two products share the mapping")
	}
	for _, bad := range []string{"short", string(make([]byte, 200)), "with space inside here"} {
		if _, err := licensing.FingerprintUID("umenu", bad); !errors.Is(err, licensing.ErrInvalidMachine) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
