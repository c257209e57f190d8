package licensing_test

import (
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/machine"
)

// TestFingerprintUIDIsTheDigest: the fingerprint UID holds the first 90
// bits of the product-value digest (computed here with math/big, not the
// codec's bit slicing), the legacy UID the 15-bit slot a product computes
// with machine.SlotHash; spellings of one GUID agree.
func TestFingerprintUIDIsTheDigest(t *testing.T) {
	guid := "550e8400-e29b-41d4-a716-446655440000"
	u, err := licensing.FingerprintUID("umenu", guid)
	if err != nil {
		t.Fatal(err)
	}
	d := codec.ComponentDigest("umenu", codec.SlotCustom, []byte(guid))
	top := new(big.Int).Rsh(new(big.Int).SetBytes(d[:]), 256-90)
	if !u.IsFingerprint() || !u.HasMachineComponent() || u.Slots != ([codec.NumSlots]uint16{}) {
		t.Fatalf("%s is not a fingerprint UID: %+v", u, u)
	}
	for i := range codec.FingerprintSymbols {
		want := new(big.Int).Rsh(top, uint(5*(codec.FingerprintSymbols-1-i))).Uint64() & 31
		if uint64(u.Fingerprint[i]) != want {
			t.Fatalf("symbol %d: %d, want %d", i, u.Fingerprint[i], want)
		}
	}
	if back, err := codec.ParseMachineUID(u.String()); err != nil || back != u {
		t.Fatalf("%s parses back as %v, %v", u, back, err)
	}
	legacy, err := licensing.LegacyFingerprintUID("umenu", guid)
	want := codec.MachineUID{Version: codec.UIDVersion}
	want.Slots[codec.SlotCustom] = machine.SlotHash("umenu", codec.SlotCustom, []byte(guid))
	if err != nil || legacy != want {
		t.Fatalf("legacy %s, want %s (%v)", legacy, want, err)
	}
	for _, spelling := range []string{"{550E8400-E29B-41D4-A716-446655440000}", " 550e8400-e29b-41d4-a716-446655440000\n"} {
		if v, _ := licensing.FingerprintUID("umenu", spelling); v != u {
			t.Errorf("%q maps to %s", spelling, v)
		}
		if v, _ := licensing.LegacyFingerprintUID("umenu", spelling); v != legacy {
			t.Errorf("%q maps to legacy %s", spelling, v)
		}
	}
	if v, _ := licensing.FingerprintUID("other", guid); v == u {
		t.Error("two products share the mapping")
	}
	for _, bad := range []string{"short", string(make([]byte, 200)), "with space inside here"} {
		if _, err := licensing.FingerprintUID("umenu", bad); !errors.Is(err, licensing.ErrInvalidMachine) {
			t.Errorf("%q: %v", bad, err)
		}
		if _, err := licensing.LegacyFingerprintUID("umenu", bad); !errors.Is(err, licensing.ErrInvalidMachine) {
			t.Errorf("legacy %q: %v", bad, err)
		}
	}
}

// randomGUID is a version-4 GUID from r, in the usual lower-case text.
func randomGUID(r *rand.Rand) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// TestHundredThousandGUIDsHaveDistinctUIDs: 100,000 distinct random
// GUIDs (fixed seed) map to 100,000 distinct UIDs, so on one licence they
// hold 100,000 seats (the ledger keys a seat by UID: the signer's
// TestDistinctGUIDsHoldDistinctSeats holds a real ledger to that). Under
// the 15-bit mapping the same GUIDs shared UIDs by the thousand.
func TestHundredThousandGUIDsHaveDistinctUIDs(t *testing.T) {
	const n = 100_000
	r := rand.New(rand.NewPCG(24, 2026))
	guids := map[string]bool{}
	uids := make(map[codec.MachineUID]string, n)
	legacy := map[codec.MachineUID]bool{}
	for len(guids) < n {
		g := randomGUID(r)
		if guids[g] {
			continue
		}
		guids[g] = true
		u, err := licensing.FingerprintUID("umenu", g)
		if err != nil {
			t.Fatal(err)
		}
		if other, ok := uids[u]; ok {
			t.Fatalf("%s and %s share %s", g, other, u)
		}
		uids[u] = g
		l, _ := licensing.LegacyFingerprintUID("umenu", g)
		legacy[l] = true
	}
	if len(uids) != n {
		t.Fatalf("%d UIDs for %d GUIDs", len(uids), n)
	}
	// The check above is the one that matters; this one shows it can
	// fail: the old mapping has at most 32,767 values.
	if len(legacy) >= n {
		t.Fatalf("the 15-bit mapping gave %d distinct UIDs", len(legacy))
	}
	t.Logf("%d GUIDs: %d fingerprint UIDs, %d legacy 15-bit UIDs", n, len(uids), len(legacy))
}
