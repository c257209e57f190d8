package activation

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
)

// TestImpossibleStatesAreDamaged: a state whose MAC verifies but that this
// code could never have written is damaged all the same: a first run
// after the latest time seen (the only way to have more grace left than
// the grace period: the time used is never before the latest time seen),
// a missing time, a code without its licence key or machine, an issue day
// seen without a code.
func TestImpossibleStatesAreDamaged(t *testing.T) {
	uid := codec.MachineUID{Version: 1, Slots: [codec.NumSlots]uint16{1, 2, 3}}
	key := newStateKey(nil, "umenu", uid)
	path := filepath.Join(t.TempDir(), "state.json")
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	const lk, code = "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM", "stored-code"
	for _, c := range []struct {
		name string
		s    stateFile
	}{
		{"first run an hour after the latest time seen", stateFile{FirstRun: now.Add(time.Hour), LatestSeen: now}},
		{"first run a year after the latest time seen", stateFile{FirstRun: now.AddDate(1, 0, 0), LatestSeen: now}},
		{"no first run", stateFile{LatestSeen: now}},
		{"no latest time seen", stateFile{FirstRun: now}},
		{"a code without its machine", stateFile{FirstRun: now, LatestSeen: now, LicenceKey: lk, Code: code}},
		{"a code without its licence key", stateFile{FirstRun: now, LatestSeen: now, Code: code, MachineUID: uid.String()}},
		{"a machine without a code", stateFile{FirstRun: now, LatestSeen: now, MachineUID: uid.String()}},
		{"an issue day without a code", stateFile{FirstRun: now, LatestSeen: now, IssuedSeen: codec.DayOf(now)}},
	} {
		if err := save(path, &c.s, key); err != nil {
			t.Fatal(err)
		}
		if _, err := load(path, key); !errors.Is(err, errDamaged) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	for _, s := range []stateFile{
		{FirstRun: now, LatestSeen: now},
		{FirstRun: now.Add(-30 * 24 * time.Hour), LatestSeen: now},
		{FirstRun: now, LatestSeen: now, LicenceKey: lk, Code: code, MachineUID: uid.String(), IssuedSeen: codec.DayOf(now)},
	} {
		if err := save(path, &s, key); err != nil {
			t.Fatal(err)
		}
		if s, err := load(path, key); err != nil || s == nil {
			t.Fatalf("a possible state: %v", err)
		}
	}
	other := newStateKey([]byte("another product secret"), "umenu", uid)
	if _, err := load(path, other); !errors.Is(err, errDamaged) {
		t.Fatalf("opened with another key: %v", err)
	}
}
