package machine

import (
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"github.com/actkit/actkit/codec"
	"github.com/jaypipes/ghw"
)

// nic is a candidate network interface.
type nic struct {
	name  string
	mac   string
	index int
	up    bool
}

// usableMAC rejects what cannot identify a machine: empty or blanked,
// all-zero and multicast addresses, and, unless the OS has already proven
// the address permanent, locally administered ones (randomized Wi-Fi
// MACs). On Linux ghw blanks every address whose addr_assign_type is not
// 0 (permanent), which is exactly the randomized or software-set ones; a
// permanent locally administered address there is a VM's configured MAC
// (QEMU's 52:54:00:...), stable across restarts, and is kept.
func usableMAC(s string, permanent bool) (string, bool) {
	hw, err := net.ParseMAC(s)
	if err != nil || len(hw) != 6 {
		return "", false
	}
	if hw[0]&0x01 != 0 || (hw[0]&0x02 != 0 && !permanent) {
		return "", false
	}
	zero := true
	for _, b := range hw {
		zero = zero && b == 0
	}
	if zero {
		return "", false
	}
	return hw.String(), true
}

func networkComponent(root string) ComponentInfo {
	ci := ComponentInfo{Component: codec.SlotNetwork, State: Missing}
	var cands []nic
	var why string
	if runtime.GOOS == "linux" || root != "" {
		cands, why = linuxNICs(root)
	} else {
		cands, why = osNICs()
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].index < cands[j].index })
	for _, c := range cands {
		if !c.up {
			continue
		}
		ci.State = Found
		ci.Source = c.name + " (interface " + strconv.Itoa(c.index) + ")"
		ci.raw = c.mac
		return ci
	}
	if why == "" {
		why = "no physical network interface that is up with a fixed MAC address"
	}
	ci.Source = why
	return ci
}

// linuxNICs lists physical interfaces through ghw (external tools off),
// then reads each one's interface index and link state from sysfs under
// the same root: ghw lists them by name, but the recipe wants the
// operating system's order and only interfaces that are up.
func linuxNICs(root string) ([]nic, string) {
	opts := []any{ghw.WithDisableTools(), ghw.WithDisableWarnings()}
	if root != "" {
		opts = append(opts, ghw.WithChroot(root))
	}
	info, err := ghw.Network(opts...)
	if err != nil {
		return nil, "network interfaces could not be listed: " + err.Error()
	}
	sysNet := filepath.Join(rootOr(root), "sys", "class", "net")
	var out []nic
	for _, n := range info.NICs {
		if n.IsVirtual || n.Name == "lo" {
			continue // loopback, bridges, veth, tun/tap, docker: devices/virtual/net
		}
		mac, ok := usableMAC(n.MACAddress, true) // ghw returned it: addr_assign_type 0
		if !ok {
			continue
		}
		idx, err := strconv.Atoi(readTrim(filepath.Join(sysNet, n.Name, "ifindex")))
		if err != nil {
			continue
		}
		state := readTrim(filepath.Join(sysNet, n.Name, "operstate"))
		// Some drivers report "unknown" while the link works: trust the
		// carrier then.
		up := state == "up" || (state == "unknown" && readTrim(filepath.Join(sysNet, n.Name, "carrier")) == "1")
		out = append(out, nic{name: n.Name, mac: mac, index: idx, up: up})
	}
	return out, ""
}

// osNICs uses the operating system's interface table (Windows, macOS):
// it has the OS order and link flags that ghw's view there lacks.
func osNICs() ([]nic, string) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, "network interfaces could not be listed: " + err.Error()
	}
	var out []nic
	for _, i := range ifs {
		if i.Flags&net.FlagLoopback != 0 || virtualName(i.Name) {
			continue
		}
		mac, ok := usableMAC(i.HardwareAddr.String(), false)
		if !ok {
			continue
		}
		out = append(out, nic{name: i.Name, mac: mac, index: i.Index,
			up: i.Flags&net.FlagUp != 0 && i.Flags&net.FlagRunning != 0})
	}
	return out, ""
}

// virtualName recognizes common virtual interfaces by name where the OS
// does not say (macOS, Windows).
func virtualName(name string) bool {
	n := strings.ToLower(name)
	for _, p := range []string{"bridge", "utun", "awdl", "llw", "vmnet", "veth", "docker", "vboxnet", "tap", "tun", "vethernet", "virtualbox", "hyper-v"} {
		if strings.HasPrefix(n, p) {
			return true
		}
	}
	return false
}

func rootOr(root string) string {
	if root == "" {
		return "/"
	}
	return root
}

func readTrim(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
