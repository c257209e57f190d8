package activation

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
)

// FuzzStateFile: whatever bytes the state file holds, loading never
// panics, and a file it accepts saves back to a file that loads to the
// same state.
func FuzzStateFile(f *testing.F) {
	dir := f.TempDir()
	good := filepath.Join(dir, "seed.json")
	s := &stateFile{FirstRun: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), LatestSeen: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC),
		LicenceKey: "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM", Code: "stored-code", MachineUID: "18J8D-22RR5-50W00-0000C", IssuedSeen: 1057}
	key := newStateKey([]byte("product secret"), "umenu", codec.MachineUID{Version: 1, Slots: [codec.NumSlots]uint16{1, 2, 3}})
	if err := save(good, s, key); err != nil {
		f.Fatal(err)
	}
	data, err := os.ReadFile(good)
	if err != nil {
		f.Fatal(err)
	}
	if st, err := load(good, key); err != nil || st == nil {
		f.Fatalf("the seed state does not load: %v", err)
	}
	f.Add(data)
	f.Add(data[:len(data)/2])
	online := *s
	online.Online = &onlineState{Contact: s.LatestSeen, ValidateAfter: s.LatestSeen.Add(24 * time.Hour), OfflineUntil: s.LatestSeen.Add(7 * 24 * time.Hour)}
	lost := *s
	lost.Code, lost.Lost = "", "LICENCE_SUSPENDED"
	released := *s
	released.Code, released.Released, released.Deactivation = "", 7, "a deactivation code"
	for _, v := range []*stateFile{&online, &lost, &released} {
		if err := save(good, v, key); err != nil {
			f.Fatal(err)
		}
		if st, err := load(good, key); err != nil || st == nil {
			f.Fatalf("a version 3 seed does not load: %+v %v", v, err)
		}
		b, _ := os.ReadFile(good)
		f.Add(b)
	}
	f.Add(bytes.Replace(data, []byte("2026-11-23"), []byte("2006-11-23"), 1))
	f.Add([]byte("{}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(t.TempDir(), "state.json")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		st, err := load(path, key)
		if err != nil || st == nil {
			return
		}
		again := filepath.Join(t.TempDir(), "again.json")
		if err := save(again, st, key); err != nil {
			t.Fatalf("accepted state does not save: %v", err)
		}
		back, err := load(again, key)
		if err != nil || back == nil || !back.FirstRun.Equal(st.FirstRun) || !back.LatestSeen.Equal(st.LatestSeen) ||
			back.LicenceKey != st.LicenceKey || back.Code != st.Code || back.MachineUID != st.MachineUID ||
			back.Lost != st.Lost || back.Released != st.Released || back.Deactivation != st.Deactivation ||
			(back.Online == nil) != (st.Online == nil) || back.Online != nil && *back.Online != *st.Online {
			t.Fatalf("state does not round-trip: %+v -> %+v (%v)", st, back, err)
		}
	})
}
