package machine

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/internal/boundedfile"
	"github.com/digitalocean/go-smbios/smbios"
	"github.com/jaypipes/ghw"
)

// dmiInfo is what the SMBIOS table gave, or why it could not be read.
type dmiInfo struct {
	structures []*smbios.Structure
	err        error
}

// maxDMITable caps the table read from a file.
const maxDMITable = 1 << 20

// readDMI reads the SMBIOS structures: from Root's copy of the sysfs
// table, or from the live system (sysfs or /dev/mem on Linux, the
// firmware table API on Windows) through go-smbios.
func readDMI(root string) dmiInfo {
	var data []byte
	if root != "" {
		path := filepath.Join(root, "sys", "firmware", "dmi", "tables", "DMI")
		var err error
		if data, err = boundedfile.ReadFile(path, maxDMITable); err != nil {
			return dmiInfo{err: fmt.Errorf("no usable DMI table: %w", err)}
		}
	} else {
		rc, _, err := smbios.Stream()
		if err != nil {
			return dmiInfo{err: fmt.Errorf("the DMI table cannot be read: %w", err)}
		}
		defer rc.Close()
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(rc); err != nil {
			return dmiInfo{err: err}
		}
		data = buf.Bytes()
	}
	ss, err := smbios.NewDecoder(bytes.NewReader(data)).Decode()
	if err != nil {
		return dmiInfo{err: fmt.Errorf("the DMI table does not decode: %w", err)}
	}
	return dmiInfo{structures: ss}
}

// field returns n bytes at offset off of the formatted area (the
// structure's bytes after its 4-byte header), if the first structure of
// type t has them.
func (d dmiInfo) field(t uint8, off, n int) ([]byte, bool) {
	for _, s := range d.structures {
		if s.Header.Type == t {
			if len(s.Formatted) < off+n {
				return nil, false
			}
			return s.Formatted[off : off+n], true
		}
	}
	return nil, false
}

// meaningful rejects the placeholder values firmware writes when it has
// no real one (all zero, all 0xFF).
func meaningful(b []byte) bool {
	allZero, allFF := true, true
	for _, x := range b {
		allZero = allZero && x == 0
		allFF = allFF && x == 0xFF
	}
	return !allZero && !allFF
}

// cpuComponent takes the processor ID of the first SMBIOS type-4
// structure (offset 08h, 8 bytes), or, where the table cannot be read or
// has no ID, the CPU signature (vendor and model name), saying so.
func cpuComponent(root string, d dmiInfo) ComponentInfo {
	ci := ComponentInfo{Component: codec.SlotCPU}
	why := ""
	if d.err != nil {
		why = d.err.Error()
	} else if id, ok := d.field(4, 0x08-4, 8); ok && meaningful(id) {
		ci.State, ci.Source, ci.raw = Found, "SMBIOS type 4 processor ID", strings.ToUpper(hex.EncodeToString(id))
		return ci
	} else {
		why = "the DMI table has no processor ID"
	}
	opts := []any{ghw.WithDisableTools(), ghw.WithDisableWarnings()}
	if root != "" {
		opts = append(opts, ghw.WithChroot(root))
	}
	info, err := ghw.CPU(opts...)
	if err == nil && len(info.Processors) > 0 && info.Processors[0].Model != "" && !unknown(info.Processors[0].Model) {
		p := info.Processors[0]
		ci.State, ci.Source, ci.raw = Fallback, "CPU signature (vendor and model)", p.Vendor+"|"+p.Model
		ci.Detail = why + "; the CPU signature is shared by every machine with the same processor model"
		return ci
	}
	ci.State, ci.Source = Missing, why+"; no CPU signature either"
	return ci
}

// systemUUIDComponent takes the SMBIOS type-1 system UUID (offset 08h).
func systemUUIDComponent(d dmiInfo) ComponentInfo {
	ci := ComponentInfo{Component: codec.SlotSystemUUID, State: Missing}
	if d.err != nil {
		ci.Source = d.err.Error()
		return ci
	}
	if id, ok := d.field(1, 0x08-4, 16); ok && meaningful(id) {
		ci.State, ci.Source, ci.raw = Found, "SMBIOS type 1 system UUID", strings.ToUpper(hex.EncodeToString(id))
		return ci
	}
	ci.Source = "the DMI table has no system UUID"
	return ci
}

// unknown is ghw's marker for a field it could not read.
func unknown(s string) bool { return strings.EqualFold(strings.TrimSpace(s), "unknown") }
