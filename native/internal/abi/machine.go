package abi

import (
	"encoding/json"
	"errors"

	"github.com/actkit/actkit/machine"
)

// Flags of MachineUID (ACTKIT_MACHINE_*), the switches of
// 'actkit machine-id'.
const (
	MachineOSID       = 1 // include the OS machine ID (--os-id)
	MachineSystemUUID = 2 // include the SMBIOS system UUID (--system-uuid)
	MachineShowRaw    = 4 // explain with raw hardware values (--show-raw)
)

// Component is one component of the explanation, the shape of
// 'actkit machine-id --json'.
type Component struct {
	Component string `json:"component"`
	State     string `json:"state"`
	Source    string `json:"source,omitempty"`
	Detail    string `json:"detail,omitempty"`
	Raw       string `json:"raw,omitempty"`
}

// Explanation is the UID and how it was made, the JSON of
// 'actkit machine-id --json'.
type Explanation struct {
	UID        string      `json:"uid"`
	Components []Component `json:"components"`
}

// MachineUID computes this machine's UID for a product and version, as
// 'actkit machine-id' does, and explains it as JSON. productValue, when
// not empty, is the product's own component (--value).
func MachineUID(product, version string, flags int, productValue string) (uid, explain string, e *Error) {
	if flags&^(MachineOSID|MachineSystemUUID|MachineShowRaw) != 0 {
		return "", "", fail(StatusArgument, "unknown machine flags %#x", flags)
	}
	id, err := machine.Collect(machine.Options{Product: product, Version: version,
		OSMachineID: flags&MachineOSID != 0, SystemUUID: flags&MachineSystemUUID != 0, ProductValue: productValue})
	if errors.Is(err, machine.ErrBadOptions) {
		return "", "", fail(StatusInvalid, "%v", err)
	}
	if err != nil {
		return "", "", fail(StatusMachine, "%v", err)
	}
	x := Explanation{UID: id.UID.String(), Components: []Component{}}
	for _, c := range id.Components {
		comp := Component{Component: c.Component.Key(), State: string(c.State), Source: c.Source, Detail: c.Detail}
		if flags&MachineShowRaw != 0 {
			comp.Raw = c.Raw()
		}
		x.Components = append(x.Components, comp)
	}
	js, err := json.Marshal(x)
	if err != nil {
		return "", "", fail(StatusInternal, "encoding the explanation: %v", err)
	}
	return x.UID, string(js), nil
}
