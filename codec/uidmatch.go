package codec

import "strings"

// SlotChange is how one component differs between two UIDs.
type SlotChange int

const (
	Same    SlotChange = iota
	Changed            // present in both, different
	Added              // absent before, present now
	Removed            // present before, absent now
)

// UIDDiff compares the UID an activation was issued for with the
// machine's current UID, component by component.
type UIDDiff [NumSlots]SlotChange

// Compare returns how now differs from issued.
func Compare(issued, now MachineUID) UIDDiff {
	var d UIDDiff
	for i := range issued.Slots {
		a, b := issued.Slots[i], now.Slots[i]
		switch {
		case a == b:
			d[i] = Same
		case a == 0:
			d[i] = Added
		case b == 0:
			d[i] = Removed
		default:
			d[i] = Changed
		}
	}
	return d
}

// Changed lists the components that differ in any way.
func (d UIDDiff) Changed() []Component {
	var out []Component
	for i, c := range d {
		if c != Same {
			out = append(out, Component(i))
		}
	}
	return out
}

// String explains the difference for people: "network adapter changed;
// processor and version match".
func (d UIDDiff) String() string {
	var changed, same []string
	for i, c := range d {
		name := Component(i).String()
		switch c {
		case Changed:
			changed = append(changed, name+" changed")
		case Added:
			changed = append(changed, name+" added")
		case Removed:
			changed = append(changed, name+" missing")
		default:
			if i <= int(SlotVersion) {
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
	Required []Component
	// MaxChanged is how many of the other components present when the
	// code was issued may change or disappear (tolerant policy only).
	MaxChanged int
}

// Matches applies the policy to a comparison.
func (p MatchPolicy) Matches(issued MachineUID, d UIDDiff) bool {
	if !p.Tolerant {
		return d.Changed() == nil
	}
	changed := 0
	for i, c := range d {
		required := false
		for _, r := range p.Required {
			required = required || int(r) == i
		}
		if c == Same || c == Added {
			continue
		}
		if required {
			return false
		}
		changed++
	}
	return changed <= p.MaxChanged
}
