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
		if c != SlotSame {
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
// machine an activation was issued for. The zero value is the classic
// recipe's exact match.
type MatchPolicy struct {
	// Tolerant is false for the classic recipe: any change means
	// re-activation.
	Tolerant bool
	// Required components must be unchanged (tolerant policy only).
	Required []codec.Component
	// MaxChanged is how many of the other components present when the
	// code was issued may change or disappear (tolerant policy only).
	MaxChanged int
}

// Matches applies the policy to a comparison.
func (p MatchPolicy) Matches(d Diff) bool {
	if !p.Tolerant {
		return d.Differing() == nil
	}
	changed := 0
	for i, c := range d {
		required := false
		for _, r := range p.Required {
			required = required || int(r) == i
		}
		if c == SlotSame || c == SlotAdded {
			continue
		}
		if required {
			return false
		}
		changed++
	}
	return changed <= p.MaxChanged
}
