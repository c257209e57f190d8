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
	now := issued
	now.Slots[codec.SlotNetwork] = machine.SlotHash("umenu", codec.SlotNetwork, []byte("52:54:00:ff:ff:ff"))
	d := activation.CompareUIDs(issued, now)
	if got := d.String(); got != "network adapter changed; processor and version match" {
		t.Fatalf("explanation %q", got)
	}
	if (activation.MatchPolicy{}).Matches(d) {
		t.Fatal("exact policy accepted a changed NIC")
	}
	tolerant := activation.MatchPolicy{Tolerant: true, Required: []codec.Component{codec.SlotVersion}, MaxChanged: 1}
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
	if activation.CompareUIDs(issued, issued).String() != "all components match" || !(activation.MatchPolicy{}).Matches(activation.CompareUIDs(issued, issued)) {
		t.Fatal("identical UIDs")
	}
}
