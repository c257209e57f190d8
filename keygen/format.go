package keygen

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/actkit/actkit/codec"
)

// The keystore plaintext, documented in docs/keystore.md. It only ever
// exists in memory and inside the age-encrypted file.
const (
	keystoreFormat = "actkit-keystore"
	// keystoreVersion 2 adds the authentication of recipient keystores
	// (auth.go); version 1 files are read and written back as version 2.
	keystoreVersion = 2
	// keystoreVersionDelegated 3 adds delegated keys. A keystore holding
	// none is still written as version 2, so that a workstation's file
	// stays readable by earlier actkit builds.
	keystoreVersionDelegated = 3
	// maxPlaintext caps what Load reads after decryption.
	maxPlaintext = 4 << 20
)

type fileV1 struct {
	Format     string   `json:"format"`
	Version    int      `json:"version"`
	Generation uint64   `json:"generation"`
	Recipients []string `json:"recipients,omitempty"`
	Keys       []keyV1  `json:"keys"`
	// Delegated are the delegated keys (version 3).
	Delegated []delegatedV3 `json:"delegated,omitempty"`
	// Auth authenticates a recipient keystore (version 2).
	Auth *authV2 `json:"auth,omitempty"`
}

type authV2 struct {
	Key  string   `json:"key"`  // base64, 32 bytes
	Pins []string `json:"pins"` // hex MACs
	MAC  string   `json:"mac"`  // hex MAC of the content with MAC ""
}

type delegatedV3 struct {
	Created      time.Time `json:"created"`
	Secret       string    `json:"secret"` // base64 Ed25519 seed
	Certificates []string  `json:"certificates"`
}

type keyV1 struct {
	ID        string    `json:"id"`
	Product   string    `json:"product"`
	Algorithm string    `json:"algorithm"`
	Status    Status    `json:"status"`
	Created   time.Time `json:"created"`
	Secret    string    `json:"secret"` // base64 (standard, padded), 32 bytes
}

func (ks *Keyset) marshal() ([]byte, error) {
	f := fileV1{Format: keystoreFormat, Version: keystoreVersion, Generation: ks.generation,
		Recipients: ks.recipients, Keys: []keyV1{}}
	for _, k := range ks.keys {
		f.Keys = append(f.Keys, keyV1{ID: k.ID.String(), Product: k.Product, Algorithm: k.Alg.String(),
			Status: k.Status, Created: k.Created.UTC(), Secret: base64.StdEncoding.EncodeToString(k.secret)})
	}
	for _, d := range ks.delegated {
		e := delegatedV3{Created: d.Created.UTC(), Secret: base64.StdEncoding.EncodeToString(d.seed), Certificates: []string{}}
		for _, c := range d.Certificates {
			e.Certificates = append(e.Certificates, c.String())
		}
		f.Delegated = append(f.Delegated, e)
		f.Version = keystoreVersionDelegated
	}
	if ks.auth == nil {
		return json.MarshalIndent(f, "", "  ")
	}
	f.Auth = &authV2{Key: base64.StdEncoding.EncodeToString(ks.auth.key), Pins: hexAll(ks.auth.pins)}
	content, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	f.Auth.MAC = hex.EncodeToString(ks.auth.mac(content))
	return json.MarshalIndent(f, "", "  ")
}

// authenticate checks the content MAC of a plaintext that carries auth
// data, against the same plaintext re-marshalled with an empty MAC.
func authenticate(f *fileV1, a *keystoreAuth) bool {
	mac, err := hex.DecodeString(f.Auth.MAC)
	if err != nil {
		return false
	}
	g := *f
	auth := *f.Auth
	auth.MAC = ""
	g.Auth = &auth
	content, err := json.MarshalIndent(g, "", "  ")
	return err == nil && hmac.Equal(mac, a.mac(content))
}

// unmarshalKeyset parses and validates the plaintext. Errors say what is
// wrong without quoting any value from a key entry.
func unmarshalKeyset(data []byte) (*Keyset, error) {
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil || head.Format != keystoreFormat {
		return nil, &KeystoreError{Err: ErrDamaged, Detail: "the decrypted content is not an actkit keystore"}
	}
	if head.Version != 1 && head.Version != keystoreVersion && head.Version != keystoreVersionDelegated {
		return nil, &KeystoreError{Err: ErrUnsupportedVersion,
			Detail: fmt.Sprintf("version %d; this build reads versions up to %d", head.Version, keystoreVersionDelegated)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f fileV1
	if err := dec.Decode(&f); err != nil {
		return nil, &KeystoreError{Err: ErrDamaged, Detail: "keystore content does not parse"}
	}
	ks := &Keyset{generation: f.Generation, recipients: f.Recipients}
	if f.Auth != nil {
		key, err := base64.StdEncoding.Strict().DecodeString(f.Auth.Key)
		if err != nil || len(key) != 32 {
			return nil, &KeystoreError{Err: ErrDamaged, Detail: "bad authentication key"}
		}
		a := &keystoreAuth{key: key}
		for _, p := range f.Auth.Pins {
			b, err := hex.DecodeString(p)
			if err != nil || len(b) != sha256.Size {
				return nil, &KeystoreError{Err: ErrDamaged, Detail: "bad authentication pin"}
			}
			a.pins = append(a.pins, b)
		}
		if !authenticate(&f, a) {
			return nil, &KeystoreError{Err: ErrUnauthenticated, Detail: "its content MAC does not verify: it was not written by actkit from a genuine keystore"}
		}
		ks.auth = a
	}
	active := map[string]bool{}
	for i, e := range f.Keys {
		bad := func(what string) error {
			return &KeystoreError{Err: ErrDamaged, Detail: fmt.Sprintf("key entry %d: %s", i+1, what)}
		}
		id, err := codec.ParseKeyID(e.ID)
		if err != nil {
			return nil, bad("bad key ID")
		}
		alg, err := codec.ParseAlgorithm(e.Algorithm)
		if err != nil || alg.String() != e.Algorithm {
			return nil, bad("bad algorithm")
		}
		if e.Status != Active && e.Status != Retired && e.Status != Revoked {
			return nil, bad("bad status")
		}
		secret, err := base64.StdEncoding.Strict().DecodeString(e.Secret)
		if err != nil {
			return nil, bad("bad secret encoding")
		}
		k, err := FromSecret(e.Product, alg, id, secret, e.Created, e.Status)
		if err != nil || codec.ValidateProduct(e.Product) != nil {
			return nil, bad("key material does not match its ID or product")
		}
		if _, err := ks.Key(id); err == nil {
			return nil, bad("duplicate key ID " + e.ID)
		}
		if k.Status == Active {
			if active[k.Product] {
				return nil, bad("second active key for product " + k.Product)
			}
			active[k.Product] = true
		}
		ks.keys = append(ks.keys, k)
	}
	if len(f.Delegated) > 0 && f.Version != keystoreVersionDelegated {
		return nil, &KeystoreError{Err: ErrDamaged, Detail: "delegated keys in a version " + fmt.Sprint(f.Version) + " keystore"}
	}
	for i, e := range f.Delegated {
		bad := func(what string) error {
			return &KeystoreError{Err: ErrDamaged, Detail: fmt.Sprintf("delegated key %d: %s", i+1, what)}
		}
		seed, err := base64.StdEncoding.Strict().DecodeString(e.Secret)
		if err != nil || len(seed) != codec.KeySize {
			return nil, bad("bad secret")
		}
		d := newDelegatedKey(seed, e.Created)
		for _, text := range e.Certificates {
			c, err := codec.ParseCertificate(text)
			if err != nil || !bytes.Equal(c.PublicKey, d.PublicKey()) {
				return nil, bad("a certificate is damaged or for another key")
			}
			d.Certificates = append(d.Certificates, c)
		}
		ks.delegated = append(ks.delegated, d)
	}
	return ks, nil
}
