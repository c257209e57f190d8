package keygen

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"filippo.io/age/armor"
	"golang.org/x/crypto/ssh"
)

// Protection is how a keystore file is encrypted: with a passphrase
// (scrypt, age's default work factor) or to age recipients, optionally
// ASCII-armored so that a backup can be printed or pasted.
type Protection struct {
	Passphrase string
	// Recipients are age X25519 recipients ("age1...") or SSH public keys
	// ("ssh-ed25519 ...", "ssh-rsa ..."), one per entry.
	Recipients []string
	Armor      bool
	// Identities are the caller's identities among the recipients: they
	// vouch for the keystore from the start (auth.go). A recipient whose
	// identity is not given confirms the keystore once with Store.Trust.
	Identities []age.Identity
}

func (p Protection) validate() error {
	switch {
	case p.Passphrase != "" && len(p.Recipients) > 0:
		return &KeystoreError{Err: ErrBadProtection, Detail: "use a passphrase or recipients, not both"}
	case p.Passphrase == "" && len(p.Recipients) == 0:
		return &KeystoreError{Err: ErrBadProtection, Detail: "a passphrase or at least one recipient is needed"}
	}
	for _, r := range p.Recipients {
		if _, err := parseRecipient(r); err != nil {
			return err
		}
	}
	return nil
}

// Unlock is what opens a keystore. Passphrase is called only when the file
// is passphrase-protected (so a prompt appears only when needed).
type Unlock struct {
	Passphrase func() (string, error)
	Identities []age.Identity
}

// ParseRecipients reads recipients, one per line ('#' comments and blank
// lines ignored), as in an age recipients file.
func ParseRecipients(r io.Reader) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(io.LimitReader(r, 1<<20))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if _, err := parseRecipient(line); err != nil {
			return nil, fmt.Errorf("recipients line %d: %w", n, err)
		}
		out = append(out, line)
	}
	return out, sc.Err()
}

func parseRecipient(s string) (age.Recipient, error) {
	if strings.HasPrefix(s, "ssh-") {
		r, err := agessh.ParseRecipient(s)
		if err != nil {
			return nil, &KeystoreError{Err: ErrBadProtection, Detail: "not a usable SSH public key"}
		}
		return r, nil
	}
	rs, err := age.ParseRecipients(strings.NewReader(s))
	if err != nil || len(rs) != 1 {
		return nil, &KeystoreError{Err: ErrBadProtection, Detail: "not an age recipient (age1...) or SSH public key"}
	}
	return rs[0], nil
}

// ParseIdentityFile reads an age identity file (AGE-SECRET-KEY-1...) or an
// unencrypted SSH private key. Errors never quote the file's content.
func ParseIdentityFile(data []byte) ([]age.Identity, error) {
	if ids, err := age.ParseIdentities(bytes.NewReader(data)); err == nil {
		return ids, nil
	}
	id, err := agessh.ParseIdentity(data)
	if err != nil {
		var missing *ssh.PassphraseMissingError
		if errors.As(err, &missing) {
			return nil, errors.New("identity file: passphrase-protected SSH keys are not supported; use an age identity")
		}
		return nil, errors.New("identity file: not an age identity or unencrypted SSH private key")
	}
	secret := sha256.Sum256(bytes.TrimSpace(data))
	return []age.Identity{&sshIdentity{Identity: id, secret: secret[:]}}, nil
}

// sshIdentity is an SSH identity with a secret to key its keystore pin
// from (a hash of the private key file: age's SSH identities do not expose
// their key).
type sshIdentity struct {
	age.Identity
	secret []byte
}

// header is what a keystore file's age header says about its protection.
type header struct {
	armored bool
	scrypt  bool
	logN    int
}

const armorBegin = "-----BEGIN AGE ENCRYPTED FILE-----"

// readHeader inspects the age header without decrypting, so that the
// error for a wrong kind of unlock, or a planted huge work factor, comes
// before any expensive work.
func readHeader(data []byte) (header, error) {
	var h header
	var src io.Reader = bytes.NewReader(data)
	if bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte(armorBegin)) {
		h.armored = true
		src = armor.NewReader(src)
	}
	hdr, err := age.ExtractHeader(src)
	if err != nil {
		return h, err
	}
	for _, line := range strings.Split(string(hdr), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "->" && f[1] == "scrypt" {
			h.scrypt = true
			if len(f) == 4 {
				h.logN, err = strconv.Atoi(f[3])
				if err != nil {
					return h, errors.New("bad scrypt work factor")
				}
			}
		}
	}
	return h, nil
}

// encrypt writes plaintext to w under the protection. workFactor 0 keeps
// age's default.
func encrypt(w io.Writer, plaintext []byte, passphrase string, recipients []string, armored bool, workFactor int) error {
	var rs []age.Recipient
	if passphrase != "" {
		r, err := age.NewScryptRecipient(passphrase)
		if err != nil {
			return &KeystoreError{Err: ErrBadProtection, Detail: "empty passphrase"}
		}
		if workFactor > 0 {
			r.SetWorkFactor(workFactor)
		}
		rs = append(rs, r)
	}
	for _, s := range recipients {
		r, err := parseRecipient(s)
		if err != nil {
			return err
		}
		rs = append(rs, r)
	}
	dst := w
	var aw io.WriteCloser
	if armored {
		aw = armor.NewWriter(w)
		dst = aw
	}
	ew, err := age.Encrypt(dst, rs...)
	if err != nil {
		return fmt.Errorf("encrypting keystore: %w", err)
	}
	if _, err := ew.Write(plaintext); err != nil {
		return fmt.Errorf("encrypting keystore: %w", err)
	}
	// age buffers the last chunk: without Close the file is truncated.
	if err := ew.Close(); err != nil {
		return fmt.Errorf("encrypting keystore: %w", err)
	}
	if aw != nil {
		return aw.Close()
	}
	return nil
}
