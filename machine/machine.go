package machine

import (
	"errors"
	"fmt"
	"strings"

	"github.com/actkit/actkit/codec"
)

// Options say what to read for which product.
type Options struct {
	// Product is the product ID the UID is for.
	Product string
	// Version is the product's version ("4.2.17"); its minor version
	// ("4.2") is a component, so a minor upgrade asks for re-activation.
	Version string
	// OSMachineID and SystemUUID switch on the optional components.
	OSMachineID bool
	SystemUUID  bool
	// ProductValue, when set, is an extra component the product supplies
	// itself: for containers and VMs whose hardware changes on every start.
	ProductValue string
	// Root reads the hardware description from a copy of /sys, /proc and
	// /etc under this directory instead of the live system (Linux; used
	// by fixtures and containers). The DMI table is then read from
	// Root/sys/firmware/dmi/tables/DMI.
	Root string
}

// State is how a component was obtained.
type State string

const (
	Found    State = "found"
	Fallback State = "fallback" // a weaker substitute was used; see Detail
	Missing  State = "missing"
	Off      State = "off" // optional and not switched on
)

// ComponentInfo explains one component of the UID.
type ComponentInfo struct {
	Component codec.Component
	State     State
	// Source says where the value came from ("enp3s0 (interface 2)",
	// "SMBIOS type 4", ...), or why it is missing.
	Source string
	Detail string
	// raw is the unhashed value; only Raw reveals it.
	raw string
}

// Raw returns the unhashed value (a MAC address, a processor ID). Show it
// only when the user asks: the point of the UID is not to reveal it.
func (c ComponentInfo) Raw() string { return c.raw }

// Identity is a machine's UID and how it was made.
type Identity struct {
	UID        codec.MachineUID
	Components []ComponentInfo
}

// ErrNoComponent is returned when no per-machine component can be read:
// a network adapter's MAC, the OS machine ID, the system UUID or a value
// the product supplies. The processor slot does not count: an SMBIOS
// processor ID or CPU signature names a processor model, shared by every
// machine of a fleet, so a UID of the processor and version alone would
// let one code activate any number of machines.
var ErrNoComponent = errors.New("no per-machine component")

// ErrBadOptions is returned for a missing product or version.
var ErrBadOptions = errors.New("invalid machine UID options")

// MinorVersion returns "4.2" of "4.2.17" (and "4" of "4").
func MinorVersion(v string) (string, error) {
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	parts := strings.SplitN(v, ".", 3)
	for _, p := range parts[:min(2, len(parts))] {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return "", fmt.Errorf("%w: version %q is not like 4.2.17", ErrBadOptions, v)
		}
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	return parts[0] + "." + parts[1], nil
}

// Collect reads the machine and returns its identity for the product.
func Collect(opts Options) (*Identity, error) {
	if err := codec.ValidateProduct(opts.Product); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadOptions, err)
	}
	minor, err := MinorVersion(opts.Version)
	if err != nil {
		return nil, err
	}
	id := &Identity{UID: codec.MachineUID{Version: codec.UIDVersion}}
	add := func(c ComponentInfo) {
		if c.State == Found || c.State == Fallback {
			id.UID.Slots[c.Component] = SlotHash(opts.Product, c.Component, []byte(c.raw))
		}
		id.Components = append(id.Components, c)
	}
	add(networkComponent(opts.Root))
	dmi := readDMI(opts.Root)
	add(cpuComponent(opts.Root, dmi))
	add(ComponentInfo{Component: codec.SlotVersion, State: Found, Source: "product version " + opts.Version, raw: minor})
	if opts.OSMachineID {
		add(osIDComponent(opts.Root))
	} else {
		add(ComponentInfo{Component: codec.SlotOSID, State: Off})
	}
	if opts.SystemUUID {
		add(systemUUIDComponent(dmi))
	} else {
		add(ComponentInfo{Component: codec.SlotSystemUUID, State: Off})
	}
	if opts.ProductValue != "" {
		add(ComponentInfo{Component: codec.SlotCustom, State: Found, Source: "supplied by the product", raw: opts.ProductValue})
	} else {
		add(ComponentInfo{Component: codec.SlotCustom, State: Off})
	}
	perMachine := 0
	var looked []string
	for _, c := range id.Components {
		if !c.Component.PerMachine() || c.State == Off {
			continue
		}
		looked = append(looked, c.Component.String()+" ("+c.Source+")")
		if c.State != Missing {
			perMachine++
		}
	}
	if perMachine == 0 {
		return nil, fmt.Errorf("%w: looked for %s; switch on the OS machine ID or the system UUID, or give the product a value of its own (ProductValue), on machines like this",
			ErrNoComponent, strings.Join(looked, "; "))
	}
	return id, nil
}
