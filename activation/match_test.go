package activation_test

import (
	"strings"
	"testing"

	"github.com/actkit/actkit/activation"
	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/machine"
)

func TestCompareAndPolicy(t *testing.T) {
	issued := machineUID("52:54:00:12:34:56")
	issued.Slots[codec.SlotOSID] = machine.SlotHash("umenu", codec.SlotOSID, []byte("os-1"))
	now := issued
	now.Slots[codec.SlotNetwork] = machine.SlotHash("umenu", codec.SlotNetwork, []byte("52:54:00:ff:ff:ff"))
	d := activation.CompareUIDs(issued, now)
	if got := d.String(); got != "network adapter changed; processor and version match" {
		t.Fatalf("explanation %q", got)
	}
	if activation.ExactPolicy.Matches(d) {
		t.Fatal("exact policy accepted a changed NIC")
	}
	tolerant := activation.MatchPolicy{Required: []codec.Component{codec.SlotVersion}, MaxChanged: 1}
	if !tolerant.Matches(d) {
		t.Fatal("tolerant policy refused one change")
	}
	now.Slots[codec.SlotVersion] = machine.SlotHash("umenu", codec.SlotVersion, []byte("4.3"))
	d = activation.CompareUIDs(issued, now)
	if tolerant.Matches(d) {
		t.Fatal("tolerant policy accepted a changed required component")
	}
	if !strings.Contains(d.String(), "version changed") {
		t.Fatalf("explanation %q", d)
	}
	now = issued
	now.Slots[codec.SlotCPU] = 0
	if activation.CompareUIDs(issued, now)[codec.SlotCPU] != activation.SlotRemoved || activation.CompareUIDs(now, issued)[codec.SlotCPU] != activation.SlotAdded {
		t.Fatal("added/removed not told apart")
	}
	if activation.CompareUIDs(issued, issued).String() != "all components match" || !activation.ExactPolicy.Matches(activation.CompareUIDs(issued, issued)) {
		t.Fatal("identical UIDs")
	}
}

// TestDefaultPolicyUnpluggedCable: with the OS machine ID in the UID, the
// default policy keeps an honest machine activated through a cable
// unplugged at start-up (network missing) or a replaced adapter, and
// still refuses another machine of the same model.
func TestDefaultPolicyUnpluggedCable(t *testing.T) {
	uid := func(nic, osid string) codec.MachineUID {
		u := machineUID(nic)
		u.Slots[codec.SlotNetwork] = 0
		if nic != "" {
			u.Slots[codec.SlotNetwork] = machine.SlotHash("umenu", codec.SlotNetwork, []byte(nic))
		}
		u.Slots[codec.SlotOSID] = machine.SlotHash("umenu", codec.SlotOSID, []byte(osid))
		return u
	}
	issued := uid("nic-1", "os-1")
	p := activation.DefaultPolicy
	for name, c := range map[string]struct {
		now  codec.MachineUID
		want bool
	}{
		"same machine":                          {issued, true},
		"cable unplugged at start-up":           {uid("", "os-1"), true},
		"adapter replaced":                      {uid("nic-9", "os-1"), true},
		"another machine of the same model":     {uid("nic-2", "os-2"), false},
		"another machine, cable unplugged":      {uid("", "os-2"), false},
		"same machine, version upgraded to 4.3": {func() codec.MachineUID { u := issued; u.Slots[codec.SlotVersion]++; return u }(), false},
	} {
		if got := p.Matches(activation.CompareUIDs(issued, c.now)); got != c.want {
			t.Errorf("%s: matches %v, want %v (%s)", name, got, c.want, activation.CompareUIDs(issued, c.now))
		}
	}
	// Without a second per-machine component nothing tells this machine
	// from another of its model once the network slot changes.
	if p.Matches(activation.CompareUIDs(machineUID("nic-1"), machineUID("nic-2"))) {
		t.Error("network-only UIDs: another machine passed")
	}
}

// TestToleranceAlwaysNeedsAMachineMatch: a policy that tolerates a change
// but leaves MinMachineMatches at 0 still asks for one unchanged
// per-machine component, so another machine of the same model (same
// processor and version, another network adapter) does not pass.
func TestToleranceAlwaysNeedsAMachineMatch(t *testing.T) {
	here, other := machineUID("nic-1"), machineUID("nic-2")
	for _, p := range []activation.MatchPolicy{
		{MaxChanged: 1},
		{Required: []codec.Component{codec.SlotVersion}, MaxChanged: 1},
		{MaxChanged: 2, MinMachineMatches: 0},
	} {
		if p.Matches(activation.CompareUIDs(here, other)) {
			t.Errorf("%+v: another machine of the same model passed", p)
		}
	}
	// The same machine with a second per-machine component: its adapter
	// may change.
	here.Slots[codec.SlotOSID] = machine.SlotHash("umenu", codec.SlotOSID, []byte("os-1"))
	moved := here
	moved.Slots[codec.SlotNetwork] = other.Slots[codec.SlotNetwork]
	if !(activation.MatchPolicy{MaxChanged: 1}).Matches(activation.CompareUIDs(here, moved)) {
		t.Error("the same machine with a new adapter was refused")
	}
}
