package activation

import (
	"bytes"
	"crypto/hmac"
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

// stateFile is the product's state, stored as JSON with a MAC (version 2)
// keyed from the product's own secret (Config.StateKey), the keyring and
// the machine's UID: an edit (a first run moved forward for endless
// grace) or a file copied from another machine does not verify. Without
// a StateKey the MAC key is derived from public values only, so the MAC
// then stops edits by hand and copies, not a determined attacker who
// reads this code: see docs/security.md. Impossible states (see possible)
// count as damaged whatever the MAC says.
type stateFile struct {
	Format     string    `json:"format"`
	Version    int       `json:"version"`
	FirstRun   time.Time `json:"firstRun"`
	LatestSeen time.Time `json:"latestSeen"`
	LicenceKey string    `json:"licenceKey,omitempty"`
	Code       string    `json:"code,omitempty"`
	// Certificate is the delegation certificate that came with an online
	// code signed by a delegated key: the code verifies with it.
	Certificate string `json:"certificate,omitempty"`
	// Keyring is the last keyring update this product installed (a
	// root-signed version 2 keyring, from an online answer), and
	// KeyringAt when: on every open it is checked again against the
	// embedded keyring, as of KeyringAt.
	Keyring string `json:"keyring,omitempty"`
	// (A pointer: a zero time.Time is not omitted, and every field must
	// be absent when unused, so that files written before keep their MAC.)
	KeyringAt  *time.Time `json:"keyringAt,omitempty"`
	MachineUID string     `json:"machineUid,omitempty"`
	// IssuedSeen is the latest issue day of a code this product stored:
	// only a code issued later is fresh evidence of today's date.
	IssuedSeen codec.Day `json:"issuedSeen,omitempty"`
	// Version 3 adds the online half. Online is set while the stored
	// code came from the licence server and is kept by validating.
	Online *onlineState `json:"online,omitempty"`
	// Lost is the licence server's code for the answer that took the
	// licence away (ServerCode): the code is gone; the licence key and
	// machine stay, to say which licence and to validate again.
	Lost string `json:"lost,omitempty"`
	// Released is the serial of the code the product gave up by
	// deactivating; Deactivation the deactivation code it showed while
	// the server has not freed the seat.
	Released     uint64 `json:"released,omitempty"`
	Deactivation string `json:"deactivation,omitempty"`
	Checksum     string `json:"checksum"`
}

// onlineState is the schedule of an online activation, in the product's
// own clock: the server's answer gives durations (from its Date), so a
// server whose clock is off moves nothing.
type onlineState struct {
	// Contact is when the server last answered.
	Contact time.Time `json:"contact"`
	// ValidateAfter is when to validate next, OfflineUntil until when the
	// code is used without an answer.
	ValidateAfter time.Time `json:"validateAfter"`
	OfflineUntil  time.Time `json:"offlineUntil"`
}

const (
	stateFormat = "actkit-product-state"
	// stateVersion 2 carries a MAC. Version 1 files (an unkeyed checksum
	// anyone can recompute) are read once and written back as the current
	// version; once the product has a StateKey they are only a migration
	// that grants nothing new (Config.migrate). Version 3 adds the online
	// fields (Online, Lost, Released, Deactivation) under the same MAC: a
	// version 2 file is read as it is (it cannot hold them) and written
	// back as version 3.
	stateVersion = 3
	maxStateFile = 64 << 10
)

// stateKey derives a state file's MAC key from the product's secret, its
// keyring's product and a machine UID, each length-prefixed under the
// product-state label: the UID the stored code was issued for, or before
// activation the machine's current one (a tolerant match policy may
// accept a changed machine; its state must still open).
//
// The label is the one the version 1 checksum used (label, NUL, JSON).
// The two inputs cannot be confused: this one starts with the label's
// two-byte length, that one with the label's text. The label stays shared
// because a new one would turn every version 2 file already written into
// a damaged one (docs/format.md §4).
type stateKey func(s *stateFile) []byte

func newStateKey(secret []byte, product string, current codec.MachineUID) stateKey {
	return func(s *stateFile) []byte {
		uid := current.String()
		if s.MachineUID != "" {
			uid = s.MachineUID
		}
		b := codec.AppendField(nil, []byte(codec.LabelProductState))
		b = codec.AppendField(b, secret)
		b = codec.AppendField(b, []byte(product))
		b = codec.AppendField(b, []byte(uid))
		k := sha256.Sum256(b)
		return k[:]
	}
}

func (s *stateFile) sum(key stateKey) string {
	c := *s
	c.Checksum = ""
	b, _ := json.Marshal(c)
	if s.Version == 1 {
		h := sha256.Sum256(append([]byte(codec.LabelProductState+"\x00"), b...))
		return hex.EncodeToString(h[:8])
	}
	m := hmac.New(sha256.New, key(s))
	m.Write(b)
	return hex.EncodeToString(m.Sum(nil))
}

// possible reports whether the state could have been written by this
// code. The times are set and in order: the time a product judges by is
// never before the latest time seen, so a first run not after it leaves
// no more grace than the grace period. A code is stored with its licence
// key and machine, and the issue day seen only with a code.
//
// A licence taken away (Lost) or given up (Released, with the
// deactivation code while the seat may be held) keeps its licence key
// and machine but never a code, and never both. An online schedule
// belongs to a stored code, and its times are in order: the last answer
// not after the latest time seen, the next validation not after the end
// of the offline grace.
func (s *stateFile) possible() bool {
	if s.FirstRun.IsZero() || s.LatestSeen.IsZero() || s.FirstRun.After(s.LatestSeen) {
		return false
	}
	activated := s.Code != ""
	lost, released := s.Lost != "", s.Released != 0
	switch {
	case activated && (lost || released), lost && released, s.Deactivation != "" && !released:
		return false
	case lost:
		if _, ok := lostStates[s.Lost]; !ok {
			return false
		}
	case s.Online != nil && (!activated || s.Online.Contact.IsZero() || s.Online.Contact.After(s.LatestSeen) ||
		s.Online.ValidateAfter.Before(s.Online.Contact) || s.Online.OfflineUntil.Before(s.Online.ValidateAfter)):
		return false
	}
	bound := activated || lost || released
	return (s.LicenceKey != "") == bound && (s.MachineUID != "") == bound && (s.IssuedSeen == 0 || bound)
}

// hasOnlineFields reports whether the state has any version 3 field.
func (s *stateFile) hasOnlineFields() bool {
	return s.Online != nil || s.Lost != "" || s.Released != 0 || s.Deactivation != ""
}

// errDamaged marks a state file that exists but cannot be trusted.
var errDamaged = errors.New("the activation state file is damaged")

// load reads the state; a missing file is (nil, nil).
func load(path string, key stateKey) (*stateFile, error) {
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
	// Version 1 never wrote an issue day seen, versions 1 and 2 none of
	// the online fields.
	if len(data) > maxStateFile || dec.Decode(&s) != nil || s.Format != stateFormat || s.Version < 1 || s.Version > stateVersion ||
		(s.Version == 1 && s.IssuedSeen != 0) || (s.Version < 3 && s.hasOnlineFields()) ||
		!hmac.Equal([]byte(s.Checksum), []byte(s.sum(key))) || !s.possible() {
		return nil, errDamaged
	}
	return &s, nil
}

func save(path string, s *stateFile, key stateKey) error {
	s.Format, s.Version = stateFormat, stateVersion
	s.FirstRun, s.LatestSeen = s.FirstRun.UTC(), s.LatestSeen.UTC()
	if s.Online != nil {
		s.Online.Contact, s.Online.ValidateAfter, s.Online.OfflineUntil = s.Online.Contact.UTC(), s.Online.ValidateAfter.UTC(), s.Online.OfflineUntil.UTC()
	}
	s.Checksum = s.sum(key)
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(atomicfile.OS, path, 0o600, func(w io.Writer) error {
		_, err := w.Write(append(data, '\n'))
		return err
	})
}
