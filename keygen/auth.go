package keygen

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"

	"filippo.io/age"
	"github.com/actkit/actkit/codec"
)

// Keystore authenticity. age recipients give confidentiality, not
// authenticity: anyone holding a vendor's public recipient can write a
// keystore that the vendor's identity opens. A recipient-protected
// keystore therefore carries, inside its encrypted content:
//
//   - an authentication key, random, made when the keystore is made or
//     its recipients change;
//   - a MAC of the whole content under that key, renewed on every write
//     (only someone who decrypted a genuine keystore knows the key);
//   - one pin per identity that vouches for it: a MAC of the
//     authentication key under a key derived from the identity's secret,
//     which only that identity's holder can compute.
//
// Opening checks the MAC and that one of the caller's identities has a
// pin. A forged keystore has neither; a team member added as a recipient
// has no pin until they confirm the keystore once (Store.Trust).
// Passphrase-protected keystores need none of this: only the passphrase's
// holder can write one that the passphrase opens.

// ErrUnauthenticated is returned when a recipient-protected keystore
// cannot show that it was written by a holder of the caller's identity: a
// keystore forged with the public recipient, one written before this
// check existed, or one whose recipients changed since the caller last
// confirmed it.
var ErrUnauthenticated = errors.New("keystore is not authenticated for this identity")

// keystoreAuth is the authentication data of a recipient keystore.
type keystoreAuth struct {
	key  []byte
	pins [][]byte
}

func newAuth(rand io.Reader) (*keystoreAuth, error) {
	k := make([]byte, 32)
	if _, err := io.ReadFull(rand, k); err != nil {
		return nil, err
	}
	return &keystoreAuth{key: k}, nil
}

// identitySecret returns the secret that an identity's pin is keyed
// from, or false for an identity this package cannot read a secret from.
func identitySecret(id age.Identity) ([]byte, bool) {
	switch v := id.(type) {
	case *age.X25519Identity:
		return []byte(v.String()), true
	case *sshIdentity:
		return v.secret, true
	}
	return nil, false
}

// pin is the identity's MAC of the authentication key.
func (a *keystoreAuth) pin(id age.Identity) ([]byte, bool) {
	secret, ok := identitySecret(id)
	if !ok {
		return nil, false
	}
	k := sha256.Sum256(codec.AppendField(codec.AppendField(nil, []byte(codec.LabelKeystorePin)), secret))
	m := hmac.New(sha256.New, k[:])
	m.Write(codec.AppendField(nil, a.key))
	return m.Sum(nil), true
}

// addPins pins every identity the caller holds; it reports whether one
// could be pinned.
func (a *keystoreAuth) addPins(ids []age.Identity) bool {
	added := false
	for _, id := range ids {
		p, ok := a.pin(id)
		if !ok {
			continue
		}
		added = true
		if !a.pinned(p) {
			a.pins = append(a.pins, p)
		}
	}
	return added
}

func (a *keystoreAuth) pinned(p []byte) bool {
	for _, q := range a.pins {
		if hmac.Equal(p, q) {
			return true
		}
	}
	return false
}

// vouches reports whether one of ids has a pin.
func (a *keystoreAuth) vouches(ids []age.Identity) bool {
	for _, id := range ids {
		if p, ok := a.pin(id); ok && a.pinned(p) {
			return true
		}
	}
	return false
}

// mac is the MAC of the keystore content (written with an empty MAC).
func (a *keystoreAuth) mac(content []byte) []byte {
	m := hmac.New(sha256.New, a.key)
	m.Write(codec.AppendField(nil, []byte(codec.LabelKeystoreMAC)))
	m.Write(codec.AppendField(nil, content))
	return m.Sum(nil)
}

func hexAll(bs [][]byte) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = hex.EncodeToString(b)
	}
	return out
}

var randReader = rand.Reader
