package abi

import (
	"github.com/actkit/actkit/codec"
)

// RequestCode returns the request code for offline activation: product,
// licence key, machine UID and product version, as 'actkit request'.
func RequestCode(product, licenceKey, machineUID, productVersion string) (string, *Error) {
	uid, err := codec.ParseMachineUID(machineUID)
	if err != nil {
		return "", fail(StatusInvalid, "%v", err)
	}
	text, err := codec.RequestCode{Product: product, LicenceKey: licenceKey, MachineUID: uid, ProductVersion: productVersion}.Text()
	if err != nil {
		return "", fail(StatusInvalid, "%v", err)
	}
	return text, nil
}

// DeactivationCode returns the deactivation code that tells the vendor
// this machine gave up the activation code with serial, on the day of
// unixMillis (or today, for Now). A Client's Deactivate makes one itself;
// this is for a product that keeps its own state.
func DeactivationCode(product, licenceKey, machineUID string, serial uint64, unixMillis int64) (string, *Error) {
	uid, err := codec.ParseMachineUID(machineUID)
	if err != nil {
		return "", fail(StatusInvalid, "%v", err)
	}
	text, err := codec.DeactivationCode{Product: product, LicenceKey: licenceKey, MachineUID: uid,
		Serial: serial, Day: codec.DayOf(TimeOf(unixMillis))}.Text()
	if err != nil {
		return "", fail(StatusInvalid, "%v", err)
	}
	return text, nil
}
