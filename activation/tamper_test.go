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

// TestEditedFirstRunIsDamaged: moving the first-run time forward and
// recomputing the file's old unkeyed checksum (all an attacker needed
// before) is caught: the file is damaged and the grace period is over.
func TestEditedFirstRunIsDamaged(t *testing.T) {
	f := newFixture(t)
	f.cfg.StateKey = []byte("compiled into the product")
	check(t, f, f.here, t0)
	var m map[string]any
	data, _ := os.ReadFile(f.cfg.StatePath)
	json.Unmarshal(data, &m)
	for _, forge := range []func(){
		func() { m["firstRun"] = t0.Add(20 * 365 * 24 * time.Hour).Format(time.RFC3339) }, // decades of grace
		func() { m["firstRun"] = t0.Add(6 * 24 * time.Hour).Format(time.RFC3339) },        // six more days
	} {
		forge()
		for _, version := range []float64{1, 2} {
			m["version"], m["checksum"] = version, ""
			b, _ := json.Marshal(m)
			h := sha256.Sum256(append([]byte(codec.LabelProductState+"\x00"), b...))
			m["checksum"] = hex.EncodeToString(h[:8])
			b, _ = json.Marshal(m)
			os.WriteFile(f.cfg.StatePath, b, 0o600)
			if st := check(t, f, f.here, t0.Add(8*24*time.Hour)); st.Licensed() {
				t.Errorf("forged first run %v (version %v) still licenses: %v", m["firstRun"], version, st)
			}
		}
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
