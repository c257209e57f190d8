package activation

import (
	"strings"

	"github.com/actkit/actkit/codec"
)

// SlotChange is how one component differs between two UIDs.
type SlotChange int

// How a component changed.
const (
	SlotSame    SlotChange = iota
	SlotChanged            // present in both, different
	SlotAdded              // absent before, present now
	SlotRemoved            // present before, absent now
	SlotAbsent             // absent in both
)

// Diff compares the UID an activation was issued for with the machine's
// current UID, component by component. It is product policy, not format:
// the UID format only defines the slots.
type Diff [codec.NumSlots]SlotChange

// CompareUIDs returns how now differs from issued.
func CompareUIDs(issued, now codec.MachineUID) Diff {
	var d Diff
	for i := range issued.Slots {
		a, b := issued.Slots[i], now.Slots[i]
		switch {
		case a == 0 && b == 0:
			d[i] = SlotAbsent
		case a == b:
			d[i] = SlotSame
		case a == 0:
			d[i] = SlotAdded
		case b == 0:
			d[i] = SlotRemoved
		default:
			d[i] = SlotChanged
		}
	}
	return d
}

// Differing lists the components that differ in any way.
func (d Diff) Differing() []codec.Component {
	var out []codec.Component
	for i, c := range d {
		if c != SlotSame && c != SlotAbsent {
			out = append(out, codec.Component(i))
		}
	}
	return out
}

// String explains the difference for people: "network adapter changed;
// processor and version match".
func (d Diff) String() string {
	var changed, same []string
	for i, c := range d {
		name := codec.Component(i).String()
		switch c {
		case SlotChanged:
			changed = append(changed, name+" changed")
		case SlotAdded:
			changed = append(changed, name+" added")
		case SlotRemoved:
			changed = append(changed, name+" missing")
		default:
			if i <= int(codec.SlotVersion) {
				same = append(same, name)
			}
		}
	}
	if len(changed) == 0 {
		return "all components match"
	}
	s := strings.Join(changed, ", ")
	switch len(same) {
	case 0:
	case 1:
		s += "; " + same[0] + " matches"
	default:
		s += "; " + strings.Join(same[:len(same)-1], ", ") + " and " + same[len(same)-1] + " match"
	}
	return s
}

// MatchPolicy decides whether a machine whose UID changed is still the
// machine an activation was issued for.
//
// The trade-off: the network slot comes from the first operational
// adapter, so an unplugged cable at start-up or an added adapter changes
// it on an honest machine; tolerating that change must not let another
// machine of the same model (same processor, same version) pass. So a
// tolerant policy also asks that MinMachineMatches per-machine components
// (network adapter, OS machine ID, system UUID, product value) be present
// in both UIDs and unchanged: a different machine passes only if one of
// its 15-bit slot hashes collides with this machine's, about 1 in 32,768
// per component (figures in docs/machine-uid.md).
type MatchPolicy struct {
	// Exact refuses any change: the classic recipe.
	Exact bool
	// Required components must be unchanged.
	Required []codec.Component
	// MaxChanged is how many of the other components present when the
	// code was issued may change or disappear.
	MaxChanged int
	// MinMachineMatches is how many per-machine components must be
	// present in both UIDs and unchanged. A policy that tolerates a
	// change (MaxChanged > 0) asks for at least 1 whatever this says:
	// with 0, another machine of the same model (same processor, same
	// version, another network adapter) would pass as this one.
	MinMachineMatches int
}

// Policies.
var (
	// ExactPolicy: any change of the UID means re-activation.
	ExactPolicy = MatchPolicy{Exact: true}
	// DefaultPolicy, used when Config.Policy is the zero value: one
	// component other than the version may change or disappear (an
	// unplugged cable, a replaced adapter), as long as another
	// per-machine component still matches. With machine.Options
	// OSMachineID and SystemUUID switched on, an honest machine stays
	// activated through a cable unplugged at start-up; with the network
	// adapter as its only per-machine component, it needs re-activation,
	// since nothing else tells it from another machine of its model.
	DefaultPolicy = MatchPolicy{Required: []codec.Component{codec.SlotVersion}, MaxChanged: 1, MinMachineMatches: 1}
)

func (p MatchPolicy) isZero() bool {
	return !p.Exact && p.Required == nil && p.MaxChanged == 0 && p.MinMachineMatches == 0
}

// Matches applies the policy to a comparison.
func (p MatchPolicy) Matches(d Diff) bool {
	if p.Exact {
		return d.Differing() == nil
	}
	changed, machineMatches := 0, 0
	for i, c := range d {
		comp := codec.Component(i)
		if c == SlotSame && comp.PerMachine() {
			machineMatches++
		}
		if c == SlotSame || c == SlotAdded || c == SlotAbsent {
			continue
		}
		for _, r := range p.Required {
			if r == comp {
				return false
			}
		}
		changed++
	}
	return changed <= p.MaxChanged && machineMatches >= p.minMachineMatches()
}

// minMachineMatches is MinMachineMatches, raised to 1 for a policy that
// tolerates a change (see the field).
func (p MatchPolicy) minMachineMatches() int {
	if p.MaxChanged > 0 && p.MinMachineMatches < 1 {
		return 1
	}
	return p.MinMachineMatches
}
