package machine

import (
	"path/filepath"
	"runtime"

	"github.com/actkit/actkit/codec"
)

// osIDComponent reads the operating system's machine ID: /etc/machine-id
// (or D-Bus's copy) on Linux, the MachineGuid registry value on Windows.
// It is missing elsewhere (macOS keeps it in IOKit, which this package
// does not read).
func osIDComponent(root string) ComponentInfo {
	ci := ComponentInfo{Component: codec.SlotOSID, State: Missing}
	if runtime.GOOS == "windows" && root == "" {
		if v, err := windowsMachineGUID(); err == nil && v != "" {
			ci.State, ci.Source, ci.raw = Found, `HKLM\SOFTWARE\Microsoft\Cryptography\MachineGuid`, v
			return ci
		}
		ci.Source = "MachineGuid could not be read"
		return ci
	}
	for _, p := range []string{"etc/machine-id", "var/lib/dbus/machine-id"} {
		v := readTrim(filepath.Join(rootOr(root), p))
		if v != "" && !unknown(v) {
			ci.State, ci.Source, ci.raw = Found, "/"+p, v
			return ci
		}
	}
	ci.Source = "no /etc/machine-id"
	return ci
}
