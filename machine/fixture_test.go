package machine

import (
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

// A fixture machine is written as a small tree of the files the collector
// reads: /sys/class/net (links into devices/, with address,
// addr_assign_type, operstate, carrier, ifindex), the DMI table,
// /proc/cpuinfo with /sys/devices/system/cpu, and /etc/machine-id.

type fixNIC struct {
	name, mac string
	index     int
	operstate string
	random    bool // addr_assign_type 3: a randomized MAC
	virtual   bool // under devices/virtual/net
}

type fixture struct {
	nics        []fixNIC
	processorID string // hex, 8 bytes; "" for no type-4 ID
	systemUUID  string // hex, 16 bytes
	noDMI       bool
	cpuModel    string // "" for no /proc/cpuinfo
	machineID   string
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// dmiStructure builds one SMBIOS structure: header, formatted area
// (offsets counted from the start of the structure), strings.
func dmiStructure(typ byte, handle uint16, formatted []byte, strs ...string) []byte {
	b := []byte{typ, byte(4 + len(formatted)), 0, 0}
	binary.LittleEndian.PutUint16(b[2:], handle)
	b = append(b, formatted...)
	if len(strs) == 0 {
		return append(b, 0, 0)
	}
	for _, s := range strs {
		b = append(append(b, s...), 0)
	}
	return append(b, 0)
}

func (f fixture) build(t testing.TB) string {
	t.Helper()
	return f.buildIn(t, t.TempDir())
}

func (f fixture) buildIn(t testing.TB, root string) string {
	t.Helper()
	for _, n := range f.nics {
		dev := filepath.Join("devices", "pci0000:00", "0000:00:0"+string(rune('1'+n.index))+".0", "net", n.name)
		if n.virtual {
			dev = filepath.Join("devices", "virtual", "net", n.name)
		}
		dir := filepath.Join(root, "sys", dev)
		aat := "0"
		if n.random {
			aat = "3"
		}
		writeFile(t, filepath.Join(dir, "address"), n.mac+"\n")
		writeFile(t, filepath.Join(dir, "addr_assign_type"), aat+"\n")
		writeFile(t, filepath.Join(dir, "operstate"), n.operstate+"\n")
		carrier := "0"
		if n.operstate == "up" {
			carrier = "1"
		}
		writeFile(t, filepath.Join(dir, "carrier"), carrier+"\n")
		writeFile(t, filepath.Join(dir, "ifindex"), itoa(n.index)+"\n")
		link := filepath.Join(root, "sys", "class", "net", n.name)
		os.MkdirAll(filepath.Dir(link), 0o755)
		if err := os.Symlink(filepath.Join("..", "..", dev), link); err != nil {
			t.Fatal(err)
		}
	}
	if !f.noDMI {
		var table []byte
		if f.processorID != "" {
			id, _ := hex.DecodeString(f.processorID)
			formatted := make([]byte, 0x1A-4)
			formatted[0] = 1 // socket designation: string 1
			formatted[1] = 3 // central processor
			copy(formatted[0x08-4:], id)
			table = append(table, dmiStructure(4, 0x0400, formatted, "CPU0")...)
		}
		if f.systemUUID != "" {
			id, _ := hex.DecodeString(f.systemUUID)
			formatted := make([]byte, 0x1B-4)
			copy(formatted[0x08-4:], id)
			table = append(table, dmiStructure(1, 0x0100, formatted)...)
		}
		table = append(table, dmiStructure(127, 0xFFFF, nil)...)
		writeFile(t, filepath.Join(root, "sys", "firmware", "dmi", "tables", "DMI"), string(table))
	}
	if f.cpuModel != "" {
		writeFile(t, filepath.Join(root, "proc", "cpuinfo"),
			"processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\nmodel name\t: "+f.cpuModel+"\nflags\t\t: fpu sse2\n\n")
		writeFile(t, filepath.Join(root, "sys", "devices", "system", "cpu", "cpu0", "topology", "physical_package_id"), "0\n")
		writeFile(t, filepath.Join(root, "sys", "devices", "system", "cpu", "cpu0", "topology", "core_id"), "0\n")
		writeFile(t, filepath.Join(root, "sys", "devices", "system", "cpu", "cpu0", "online"), "1\n")
	}
	if f.machineID != "" {
		writeFile(t, filepath.Join(root, "etc", "machine-id"), f.machineID+"\n")
	}
	return root
}

func itoa(i int) string {
	b := []byte{}
	for {
		b = append([]byte{byte('0' + i%10)}, b...)
		i /= 10
		if i == 0 {
			return string(b)
		}
	}
}
