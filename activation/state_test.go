package activation

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
)

// TestImpossibleStatesAreDamaged: a state whose MAC verifies but that this
// code could never have written (a first run after the latest time seen)
// is damaged all the same.
func TestImpossibleStatesAreDamaged(t *testing.T) {
	key := newStateKey(nil, "umenu", codec.MachineUID{Version: 1, Slots: [codec.NumSlots]uint16{1, 2, 3}})
	path := filepath.Join(t.TempDir(), "state.json")
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	if err := save(path, &stateFile{FirstRun: now.Add(time.Hour), LatestSeen: now}, key); err != nil {
		t.Fatal(err)
	}
	if _, err := load(path, key); !errors.Is(err, errDamaged) {
		t.Fatalf("first run after the latest time seen: %v", err)
	}
	if err := save(path, &stateFile{FirstRun: now, LatestSeen: now}, key); err != nil {
		t.Fatal(err)
	}
	if s, err := load(path, key); err != nil || s == nil {
		t.Fatalf("a possible state: %v", err)
	}
	other := newStateKey([]byte("another product secret"), "umenu", codec.MachineUID{Version: 1, Slots: [codec.NumSlots]uint16{1, 2, 3}})
	if _, err := load(path, other); !errors.Is(err, errDamaged) {
		t.Fatalf("opened with another key: %v", err)
	}
}
