package verify_test

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/verify"
)

// fixedRand is a deterministic randomness source for test keys.
type fixedRand struct{ seed [32]byte }

func (r *fixedRand) Read(p []byte) (int, error) {
	for i := range p {
		r.seed = sha256.Sum256(r.seed[:])
		p[i] = r.seed[0]
	}
	return len(p), nil
}

var (
	testNow     = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	testBinding = verify.Binding{Product: "umenu", LicenceKey: "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM", MachineUID: "18J8D-22RR5-50W00-0000C"}
)

func newKey(t testing.TB, seed byte, alg codec.Algorithm) *keygen.SigningKey {
	t.Helper()
	k, err := keygen.Generate(&fixedRand{seed: [32]byte{seed}}, "umenu", alg, testNow, nil)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func typicalPayload() codec.Payload {
	return codec.Payload{Issued: codec.DayOf(testNow), Expires: codec.DayOf(testNow.AddDate(1, 0, 0)),
		Seats: 1, Features: 0b1011, Serial: 4242}
}

func signTypical(t testing.TB, k *keygen.SigningKey) string {
	t.Helper()
	code, err := codec.Sign(k, testBinding, typicalPayload())
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func keyringOf(t testing.TB, keys ...*keygen.SigningKey) *verify.Keyring {
	t.Helper()
	kr := &codec.Keyring{Product: "umenu"}
	for _, k := range keys {
		kr.Keys = append(kr.Keys, k.VerificationKey())
	}
	v, err := verify.NewKeyringWithHMACSecrets(kr)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
