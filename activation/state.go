package activation

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/internal/atomicfile"
)

// stateFile is the product's state, stored as JSON with a checksum that
// catches a damaged (truncated, half-written by another tool) file. It is
// not a secret and not tamper-proof: see docs/security.md.
type stateFile struct {
	Format     string    `json:"format"`
	Version    int       `json:"version"`
	FirstRun   time.Time `json:"firstRun"`
	LatestSeen time.Time `json:"latestSeen"`
	LicenceKey string    `json:"licenceKey,omitempty"`
	Code       string    `json:"code,omitempty"`
	MachineUID string    `json:"machineUid,omitempty"`
	Checksum   string    `json:"checksum"`
}

const (
	stateFormat  = "actkit-product-state"
	stateVersion = 1
	maxStateFile = 64 << 10
)

func (s *stateFile) sum() string {
	c := *s
	c.Checksum = ""
	b, _ := json.Marshal(c)
	h := sha256.Sum256(append([]byte(codec.LabelProductState+"\x00"), b...))
	return hex.EncodeToString(h[:8])
}

// errDamaged marks a state file that exists but cannot be trusted.
var errDamaged = errors.New("the activation state file is damaged")

// load reads the state; a missing file is (nil, nil).
func load(path string) (*stateFile, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxStateFile+1))
	if err != nil {
		return nil, err
	}
	var s stateFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if len(data) > maxStateFile || dec.Decode(&s) != nil || s.Format != stateFormat || s.Version != stateVersion ||
		s.Checksum != s.sum() || s.FirstRun.IsZero() || s.LatestSeen.IsZero() {
		return nil, errDamaged
	}
	return &s, nil
}

func save(path string, s *stateFile) error {
	s.Format, s.Version = stateFormat, stateVersion
	s.FirstRun, s.LatestSeen = s.FirstRun.UTC(), s.LatestSeen.UTC()
	s.Checksum = s.sum()
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(atomicfile.OS, path, 0o600, func(w io.Writer) error {
		_, err := w.Write(append(data, '\n'))
		return err
	})
}
