package activation_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/actkit/actkit/activation"
	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/machine"
	"github.com/actkit/actkit/verify"
)

var (
	t0      = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	licence = "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM"
)

func machineUID(nic string) codec.MachineUID {
	u := codec.MachineUID{Version: codec.UIDVersion}
	u.Slots[codec.SlotNetwork] = machine.SlotHash("umenu", codec.SlotNetwork, []byte(nic))
	u.Slots[codec.SlotCPU] = machine.SlotHash("umenu", codec.SlotCPU, []byte("cpu"))
	u.Slots[codec.SlotVersion] = machine.SlotHash("umenu", codec.SlotVersion, []byte("4.2"))
	return u
}

type fixture struct {
	cfg  activation.Config
	key  *keygen.SigningKey
	here codec.MachineUID
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	k, err := keygen.Generate(bytes.NewReader(bytes.Repeat([]byte{3}, 32)), "umenu", codec.Ed25519, t0, nil)
	if err != nil {
		t.Fatal(err)
	}
	kr, err := verify.NewKeyring(&codec.Keyring{Product: "umenu", Keys: []codec.Key{k.VerificationKey()}})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{cfg: activation.Config{Keyring: kr, StatePath: filepath.Join(t.TempDir(), "state.json")}, key: k, here: machineUID("nic-1")}
}

func (f *fixture) code(t *testing.T, uid codec.MachineUID, expires codec.Day) string {
	t.Helper()
	c, err := codec.Sign(f.key, codec.Binding{Product: "umenu", LicenceKey: licence, MachineUID: uid.String()},
		codec.Payload{Issued: codec.DayOf(t0), Expires: expires, Seats: 1, Serial: 7})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func check(t *testing.T, f *fixture, uid codec.MachineUID, now time.Time) activation.Status {
	t.Helper()
	st, err := activation.Check(f.cfg, uid, now)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestGraceThenActivation(t *testing.T) {
	f := newFixture(t)
	st := check(t, f, f.here, t0)
	if st.State != activation.InGrace || st.GraceLeft != activation.DefaultGrace || !st.Licensed() {
		t.Fatalf("first run: %v", st)
	}
	if st := check(t, f, f.here, t0.Add(6*24*time.Hour)); st.State != activation.InGrace || !strings.Contains(st.String(), "1 day(s)") {
		t.Fatalf("day 6: %v", st)
	}
	if st := check(t, f, f.here, t0.Add(7*24*time.Hour)); st.State != activation.ActivationRequired || st.Licensed() {
		t.Fatalf("day 7: %v", st)
	}
	// A code for another machine is refused and nothing is stored.
	_, err := activation.Activate(f.cfg, licence, f.code(t, machineUID("nic-9"), codec.NoExpiry), f.here, t0.Add(8*24*time.Hour))
	if !errors.Is(err, verify.ErrWrongMachine) {
		t.Fatalf("wrong machine: %v", err)
	}
	if st := check(t, f, f.here, t0.Add(8*24*time.Hour)); st.State != activation.ActivationRequired {
		t.Fatalf("after a refused code: %v", st)
	}
	// The right code, typed with spaces and a lower-case licence key.
	code := strings.ReplaceAll(f.code(t, f.here, codec.NoExpiry), "-", " ")
	st, err = activation.Activate(f.cfg, strings.ToLower(licence), code, f.here, t0.Add(8*24*time.Hour))
	if err != nil || st.State != activation.Activated || st.Terms.Serial != 7 {
		t.Fatalf("activate: %v %v", st, err)
	}
	if st := check(t, f, f.here, t0.Add(9*24*time.Hour)); st.State != activation.Activated {
		t.Fatalf("after activation: %v", st)
	}
}

func TestMachineChangedAndTolerantPolicy(t *testing.T) {
	f := newFixture(t)
	if _, err := activation.Activate(f.cfg, licence, f.code(t, f.here, codec.NoExpiry), f.here, t0); err != nil {
		t.Fatal(err)
	}
	newNIC := machineUID("nic-2")
	st := check(t, f, newNIC, t0)
	if st.State != activation.MachineChanged || !strings.Contains(st.String(), "network adapter changed; processor and version match") {
		t.Fatalf("new NIC: %v", st)
	}
	// A tolerant policy still needs another per-machine component to
	// match: with the network adapter the only one, a new adapter is
	// indistinguishable from another machine of the same model.
	f.cfg.Policy = activation.MatchPolicy{Required: []codec.Component{codec.SlotCPU}, MaxChanged: 1}
	if st := check(t, f, newNIC, t0); st.State != activation.MachineChanged {
		t.Fatalf("tolerant policy without a second per-machine component: %v", st)
	}
}

func TestClockRollback(t *testing.T) {
	f := newFixture(t)
	exp := codec.DayOf(t0.Add(10 * 24 * time.Hour))
	if _, err := activation.Activate(f.cfg, licence, f.code(t, f.here, exp), f.here, t0); err != nil {
		t.Fatal(err)
	}
	// Run on day 12: expired. Rolling the clock back to day 5 does not
	// bring it back: the latest time seen wins.
	if st := check(t, f, f.here, t0.Add(12*24*time.Hour)); st.State != activation.Expired {
		t.Fatalf("day 12: %v", st)
	}
	st := check(t, f, f.here, t0.Add(5*24*time.Hour))
	if st.State != activation.ClockTampering || st.Licensed() {
		t.Fatalf("rolled back: %v", st)
	}
	// A small step back (within tolerance) is judged at the latest time
	// seen: still expired.
	if st := check(t, f, f.here, t0.Add(12*24*time.Hour-time.Hour)); st.State != activation.Expired {
		t.Fatalf("within tolerance: %v", st)
	}
}

func TestStateFileDamageNeverLicenses(t *testing.T) {
	f := newFixture(t)
	check(t, f, f.here, t0)
	data, _ := os.ReadFile(f.cfg.StatePath)
	for _, damaged := range [][]byte{data[:len(data)/2], bytes.Replace(data, []byte("2026"), []byte("2099"), 1), []byte("{}"), nil} {
		os.WriteFile(f.cfg.StatePath, damaged, 0o600)
		st := check(t, f, f.here, t0.Add(time.Hour))
		if st.State != activation.ActivationRequired || st.Licensed() {
			t.Fatalf("damaged %q: %v", damaged, st)
		}
		// And it stays that way: the grace period is not restarted.
		if st := check(t, f, f.here, t0.Add(2*time.Hour)); st.Licensed() {
			t.Fatalf("after damage: %v", st)
		}
		os.Remove(f.cfg.StatePath)
		check(t, f, f.here, t0) // fresh state for the next case
	}
}

func TestRequestCode(t *testing.T) {
	f := newFixture(t)
	txt, err := activation.RequestCode(f.cfg, licence, f.here, "4.2.17")
	if err != nil {
		t.Fatal(err)
	}
	r, err := codec.ParseRequestCode(txt)
	if err != nil || r.MachineUID != f.here || r.Product != "umenu" {
		t.Fatalf("%+v %v", r, err)
	}
	if _, err := activation.Check(activation.Config{}, f.here, t0); err == nil {
		t.Fatal("empty config accepted")
	}
}

// TestNoHardwareDependencies: products that supply their own UID must not
// pull ghw in through this package.
func TestNoHardwareDependencies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(dep, "jaypipes/ghw") || strings.Contains(dep, "go-smbios") || strings.HasSuffix(dep, "actkit/machine") {
			t.Errorf("activation depends on %s", dep)
		}
	}
}

// TestUnwritableStateNeverLicenses: when the state file cannot be written,
// Check and Activate fail, and the status is not a licensed one.
func TestUnwritableStateNeverLicenses(t *testing.T) {
	f := newFixture(t)
	f.cfg.StatePath = filepath.Join(t.TempDir(), "missing-dir", "state.json")
	st, err := activation.Check(f.cfg, f.here, t0)
	if err == nil || st.Licensed() {
		t.Fatalf("check: %v %v", st, err)
	}
	st, err = activation.Activate(f.cfg, licence, f.code(t, f.here, codec.NoExpiry), f.here, t0)
	if err == nil || st.Licensed() {
		t.Fatalf("activate: %v %v", st, err)
	}
}
