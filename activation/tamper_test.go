package activation_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/actkit/actkit/activation"
	"github.com/actkit/actkit/codec"
)

const day = 24 * time.Hour

// v1State is the version 1 state file as earlier releases wrote it. Its
// checksum is SHA-256 over the label, a NUL byte and the JSON: anyone can
// recompute it.
type v1State struct {
	Format     string    `json:"format"`
	Version    int       `json:"version"`
	FirstRun   time.Time `json:"firstRun"`
	LatestSeen time.Time `json:"latestSeen"`
	LicenceKey string    `json:"licenceKey,omitempty"`
	Code       string    `json:"code,omitempty"`
	MachineUID string    `json:"machineUid,omitempty"`
	Checksum   string    `json:"checksum"`
}

func writeV1(t *testing.T, path string, s v1State) {
	t.Helper()
	s.Format, s.Version, s.Checksum = "actkit-product-state", 1, ""
	s.FirstRun, s.LatestSeen = s.FirstRun.UTC(), s.LatestSeen.UTC()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(append([]byte(codec.LabelProductState+"\x00"), b...))
	s.Checksum = hex.EncodeToString(h[:8])
	b, _ = json.MarshalIndent(s, "", "  ")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestEditedFirstRunIsDamaged: a product with a StateKey whose grace
// period is over gets no more grace from a state file forged with
// everything but that key: a MAC keyed without it (what reading actkit's
// source gives) or with a guessed one, or a version 1 file with its
// unkeyed checksum recomputed. The forged states are possible ones, so
// only the MAC stops them: the same states written with the right key do
// license. An impossible state (first run after the latest time seen:
// more grace left than the grace period) is damaged even with the right
// key.
func TestEditedFirstRunIsDamaged(t *testing.T) {
	f := newFixture(t)
	secret := []byte("compiled into the product")
	f.cfg.StateKey = secret
	path := f.cfg.StatePath
	check(t, f, f.here, t0)
	now := t0.Add(8 * day) // the grace period ended a day ago
	if st := check(t, f, f.here, now); st.Licensed() {
		t.Fatalf("day 8: %v", st)
	}
	for _, forged := range []struct {
		name                 string
		firstRun, latestSeen time.Time
	}{
		{"a fresh grace period", now, now},
		{"the first run moved six days forward", t0.Add(6 * day), t0.Add(7 * day)},
	} {
		writes := []struct {
			name  string
			write func() error
		}{
			{"version 2, MAC keyed without the StateKey", func() error {
				return activation.WriteState(path, forged.firstRun, forged.latestSeen, nil, "umenu", f.here)
			}},
			{"version 2, MAC keyed with a guessed StateKey", func() error {
				return activation.WriteState(path, forged.firstRun, forged.latestSeen, []byte("guessed"), "umenu", f.here)
			}},
			{"version 1, unkeyed checksum", func() error {
				writeV1(t, path, v1State{FirstRun: forged.firstRun, LatestSeen: forged.latestSeen})
				return nil
			}},
		}
		for _, w := range writes {
			if err := w.write(); err != nil {
				t.Fatal(err)
			}
			if st := check(t, f, f.here, now); st.Licensed() {
				t.Errorf("%s, %s: still licenses: %v", forged.name, w.name, st)
			}
			// The damaged file is not a way to restart the grace period
			// either.
			if st := check(t, f, f.here, now.Add(time.Hour)); st.Licensed() {
				t.Errorf("%s, %s: licenses after the damage: %v", forged.name, w.name, st)
			}
		}
		// Control: with the right key the same state licenses, so it is the
		// MAC, not the state, that stopped the forgeries.
		if err := activation.WriteState(path, forged.firstRun, forged.latestSeen, secret, "umenu", f.here); err != nil {
			t.Fatal(err)
		}
		if st := check(t, f, f.here, now); st.State != activation.InGrace {
			t.Fatalf("%s with the right key: %v; the forgery tests nothing", forged.name, st)
		}
	}
	// More grace left than the period: only possible with a first run
	// after the latest time seen.
	if err := activation.WriteState(path, now.Add(30*day), now, secret, "umenu", f.here); err != nil {
		t.Fatal(err)
	}
	if st := check(t, f, f.here, now); st.Licensed() {
		t.Errorf("first run after the latest time seen, right key: %v", st)
	}
}

// TestVersion1StateGrantsNothingNew: once a product has a StateKey, a
// version 1 file (whose checksum anyone can recompute) is read only as a
// migration that grants nothing it could not prove: one carrying a code
// that verifies keeps that code, anything else is damaged (no licence and
// no grace, like any damaged file). Without a StateKey version 2 is no
// harder to forge, and version 1 files are read as before.
func TestVersion1StateGrantsNothingNew(t *testing.T) {
	f := newFixture(t)
	f.cfg.StateKey = []byte("compiled into the product")
	path := f.cfg.StatePath
	now := t0.Add(30 * day)

	writeV1(t, path, v1State{FirstRun: now, LatestSeen: now})
	if st := check(t, f, f.here, now); st.Licensed() {
		t.Fatalf("a version 1 file with a fresh grace period: %v", st)
	}
	if st := check(t, f, f.here, now.Add(time.Hour)); st.Licensed() {
		t.Fatalf("after the version 1 file was refused: %v", st)
	}

	// A code that does not verify (another licence key) is no evidence.
	writeV1(t, path, v1State{FirstRun: now, LatestSeen: now, LicenceKey: "UMENU-00000-00000-00000-00000", Code: f.code(t, f.here, codec.NoExpiry), MachineUID: f.here.String()})
	if st := check(t, f, f.here, now); st.Licensed() {
		t.Fatalf("a version 1 file with a code that does not verify: %v", st)
	}

	// An activated product from an earlier release keeps its code.
	code, _ := codec.CanonicalText(f.code(t, f.here, codec.NoExpiry))
	writeV1(t, path, v1State{FirstRun: t0, LatestSeen: t0.Add(day), LicenceKey: licence, Code: code, MachineUID: f.here.String()})
	if st := check(t, f, f.here, now); st.State != activation.Activated {
		t.Fatalf("an activated version 1 file: %v", st)
	}
	var back struct {
		Version  int       `json:"version"`
		FirstRun time.Time `json:"firstRun"`
	}
	data, _ := os.ReadFile(path)
	if err := json.Unmarshal(data, &back); err != nil || back.Version != 3 {
		t.Fatalf("not rewritten as version 3: %s (%v)", data, err)
	}
	if st := check(t, f, f.here, now.Add(time.Hour)); st.State != activation.Activated {
		t.Fatalf("after migration: %v", st)
	}

	// Without a StateKey an in-grace version 1 file keeps its grace.
	g := newFixture(t)
	writeV1(t, g.cfg.StatePath, v1State{FirstRun: t0, LatestSeen: t0})
	if st := check(t, g, g.here, t0.Add(2*day)); st.State != activation.InGrace {
		t.Fatalf("version 1 without a StateKey: %v", st)
	}
}

// TestStateFileIsBoundToItsMachine: a state file copied from another
// machine does not verify there.
func TestStateFileIsBoundToItsMachine(t *testing.T) {
	f := newFixture(t)
	check(t, f, machineUID("nic-other"), t0)
	if st := check(t, f, f.here, t0.Add(time.Hour)); st.State != activation.ActivationRequired {
		t.Fatalf("a state file from another machine gave %v", st)
	}
}

// TestFreshCodeEndsClockTampering: a clock that once ran years ahead and
// was corrected locks the product in ClockTampering; a code the vendor
// issued today proves the date and lifts it. An old code kept from before
// does not.
func TestFreshCodeEndsClockTampering(t *testing.T) {
	f := newFixture(t)
	if _, err := activation.Activate(f.cfg, licence, f.code(t, f.here, codec.NoExpiry), f.here, t0); err != nil {
		t.Fatal(err)
	}
	check(t, f, f.here, t0.Add(3*365*24*time.Hour)) // the clock jumps three years ahead once
	today := t0.Add(40 * 24 * time.Hour)            // and is corrected
	if st := check(t, f, f.here, today); st.State != activation.ClockTampering {
		t.Fatalf("corrected clock: %v", st)
	}
	// The old code (issued on t0) is no evidence of today's date.
	if st, err := activation.Activate(f.cfg, licence, f.code(t, f.here, codec.NoExpiry), f.here, today); err == nil || st.State != activation.ClockTampering {
		t.Fatalf("an old code lifted the tampering state: %v %v", st, err)
	}
	fresh, err := codec.Sign(f.key, codec.Binding{Product: "umenu", LicenceKey: licence, MachineUID: f.here.String()},
		codec.Payload{Issued: codec.DayOf(today), Expires: codec.NoExpiry, Seats: 1, Serial: 8})
	if err != nil {
		t.Fatal(err)
	}
	st, err := activation.Activate(f.cfg, licence, fresh, f.here, today)
	if err != nil || st.State != activation.Activated {
		t.Fatalf("a fresh code: %v %v", st, err)
	}
	if st := check(t, f, f.here, today.Add(time.Hour)); st.State != activation.Activated {
		t.Fatalf("after the fresh code: %v", st)
	}
	// Rolling the clock back again is still caught.
	if st := check(t, f, f.here, today.Add(-10*24*time.Hour)); st.State != activation.ClockTampering {
		t.Fatalf("rolled back after recovery: %v", st)
	}
}
