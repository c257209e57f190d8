package keygen

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
)

// FuzzKeystorePlaintext: the decrypted keystore content is parsed
// strictly; whatever it holds, the result is a keyset that marshals back
// to an equivalent one, or a typed *KeystoreError. Seeds are real
// keystores.
func FuzzKeystorePlaintext(f *testing.F) {
	ks := &Keyset{}
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	for _, alg := range []codec.Algorithm{codec.Ed25519, codec.HMACSHA256, codec.Ed25519} {
		if _, err := ks.Add(rand.Reader, "umenu", alg, now); err != nil {
			f.Fatal(err)
		}
		seed, err := ks.marshal()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(seed)
	}
	ks.recipients = []string{"age1thssdd2n9munyp74lszusr03g3dxqgu7txxgssn40l9ek7p46gnscqrvfr"}
	seed, _ := ks.marshal()
	f.Add(seed)
	f.Fuzz(func(t *testing.T, data []byte) {
		ks, err := unmarshalKeyset(data)
		if err != nil {
			var ke *KeystoreError
			if !errors.As(err, &ke) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		out, err := ks.marshal()
		if err != nil {
			t.Fatal(err)
		}
		again, err := unmarshalKeyset(out)
		if err != nil {
			t.Fatalf("re-marshalled keyset does not parse: %v", err)
		}
		out2, _ := again.marshal()
		if !bytes.Equal(out, out2) {
			t.Fatal("keyset does not round-trip")
		}
	})
}

// FuzzKeystoreHeader: header inspection of arbitrary files never panics,
// and only reports a passphrase file, or a work factor, that its header
// actually names.
func FuzzKeystoreHeader(f *testing.F) {
	f.Add([]byte("age-encryption.org/v1\n-> scrypt AAAAAAAAAAAAAAAAAAAAAA 18\nxx\n--- AAAA\n"))
	f.Add([]byte("-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n-----END AGE ENCRYPTED FILE-----\n"))
	f.Add([]byte("age-encryption.org/v1\n-> X25519 abc\nxyz\n--- AAAA\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := readHeader(data)
		if err != nil || h.armored {
			return
		}
		if h.scrypt && !bytes.Contains(data, []byte("scrypt")) {
			t.Fatal("scrypt reported for a header without an scrypt stanza")
		}
		if !h.scrypt && h.logN != 0 {
			t.Fatal("a work factor without an scrypt stanza")
		}
	})
}
