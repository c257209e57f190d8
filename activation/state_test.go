package activation

import (
	"encoding/json"
	"errors"
	"os"
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
		// Version 3: the online half.
		{"a code and a loss", stateFile{FirstRun: now, LatestSeen: now, LicenceKey: lk, Code: code, MachineUID: uid.String(), Lost: "LICENCE_REVOKED"}},
		{"a code and a deactivation", stateFile{FirstRun: now, LatestSeen: now, LicenceKey: lk, Code: code, MachineUID: uid.String(), Released: 7}},
		{"a loss and a deactivation", stateFile{FirstRun: now, LatestSeen: now, LicenceKey: lk, MachineUID: uid.String(), Lost: "NOT_ACTIVATED", Released: 7}},
		{"a deactivation code without a serial", stateFile{FirstRun: now, LatestSeen: now, LicenceKey: lk, MachineUID: uid.String(), Deactivation: "D"}},
		{"a loss the server cannot answer", stateFile{FirstRun: now, LatestSeen: now, LicenceKey: lk, MachineUID: uid.String(), Lost: "INTERNAL"}},
		{"a loss without its licence key", stateFile{FirstRun: now, LatestSeen: now, MachineUID: uid.String(), Lost: "LICENCE_REVOKED"}},
		{"a schedule without a code", stateFile{FirstRun: now, LatestSeen: now, Online: &onlineState{Contact: now, ValidateAfter: now, OfflineUntil: now}}},
		{"a last answer after the latest time seen", stateFile{FirstRun: now, LatestSeen: now, LicenceKey: lk, Code: code, MachineUID: uid.String(),
			Online: &onlineState{Contact: now.Add(time.Hour), ValidateAfter: now.Add(2 * time.Hour), OfflineUntil: now.Add(3 * time.Hour)}}},
		{"a validation due after the offline grace", stateFile{FirstRun: now, LatestSeen: now, LicenceKey: lk, Code: code, MachineUID: uid.String(),
			Online: &onlineState{Contact: now, ValidateAfter: now.Add(9 * 24 * time.Hour), OfflineUntil: now.Add(7 * 24 * time.Hour)}}},
		{"no last answer", stateFile{FirstRun: now, LatestSeen: now, LicenceKey: lk, Code: code, MachineUID: uid.String(),
			Online: &onlineState{ValidateAfter: now, OfflineUntil: now}}},
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
		{FirstRun: now, LatestSeen: now, LicenceKey: lk, Code: code, MachineUID: uid.String(),
			Online: &onlineState{Contact: now, ValidateAfter: now.Add(24 * time.Hour), OfflineUntil: now.Add(7 * 24 * time.Hour)}},
		{FirstRun: now, LatestSeen: now, LicenceKey: lk, MachineUID: uid.String(), Lost: "LICENCE_SUSPENDED", IssuedSeen: codec.DayOf(now)},
		{FirstRun: now, LatestSeen: now, LicenceKey: lk, MachineUID: uid.String(), Released: 7, Deactivation: "D"},
		{FirstRun: now, LatestSeen: now, LicenceKey: lk, MachineUID: uid.String(), Released: 7},
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

// TestVersion2StateIsReadAndMigrated: a version 2 file (the MAC this
// version keeps) is read as it is and written back as version 3 with its
// state; one that claims a version 3 field is damaged, whatever its MAC.
func TestVersion2StateIsReadAndMigrated(t *testing.T) {
	uid := codec.MachineUID{Version: 1, Slots: [codec.NumSlots]uint16{1, 2, 3}}
	key := newStateKey([]byte("secret"), "umenu", uid)
	path := filepath.Join(t.TempDir(), "state.json")
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	write := func(s stateFile) {
		t.Helper()
		s.Format, s.Version = stateFormat, 2
		s.Checksum = s.sum(key)
		data, _ := json.MarshalIndent(s, "", "  ")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(stateFile{FirstRun: now.Add(-time.Hour), LatestSeen: now})
	s, err := load(path, key)
	if err != nil || s == nil || !s.FirstRun.Equal(now.Add(-time.Hour)) {
		t.Fatalf("version 2: %+v %v", s, err)
	}
	if err := save(path, s, key); err != nil {
		t.Fatal(err)
	}
	if back, err := load(path, key); err != nil || back.Version != 3 || !back.FirstRun.Equal(s.FirstRun) {
		t.Fatalf("written back: %+v %v", back, err)
	}
	for _, s := range []stateFile{
		{FirstRun: now, LatestSeen: now, LicenceKey: "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM", MachineUID: uid.String(), Lost: "LICENCE_SUSPENDED"},
		{FirstRun: now, LatestSeen: now, LicenceKey: "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM", MachineUID: uid.String(), Released: 3},
	} {
		write(s)
		if _, err := load(path, key); !errors.Is(err, errDamaged) {
			t.Errorf("version 2 with %+v: %v", s, err)
		}
	}
}
