package keygen

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
)

var now = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

func TestGenerateSkipsTakenIDs(t *testing.T) {
	rnd := bytes.NewReader(bytes.Repeat([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9}, 100))
	first, err := Generate(rnd, "umenu", codec.Ed25519, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	rnd = bytes.NewReader(bytes.Repeat([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9}, 100))
	second, err := Generate(rnd, "umenu", codec.Ed25519, now, func(id codec.KeyID) bool { return id == first.ID })
	if err != nil {
		t.Fatal(err)
	}
	if second.ID == first.ID {
		t.Fatal("taken key ID reused")
	}
	_, err = Generate(bytes.NewReader(make([]byte, 1<<16)), "umenu", codec.HMACSHA256, now, func(codec.KeyID) bool { return true })
	if !errors.Is(err, ErrKeyIDTaken) {
		t.Fatalf("got %v", err)
	}
	if _, err := Generate(bytes.NewReader(nil), "umenu", codec.Ed25519, now, nil); err == nil {
		t.Fatal("no error when randomness runs out")
	}
	if _, err := Generate(bytes.NewReader(make([]byte, 64)), "Bad Product", codec.Ed25519, now, nil); err == nil {
		t.Fatal("invalid product accepted")
	}
}

func TestFromSecretChecksID(t *testing.T) {
	k, err := Generate(bytes.NewReader(make([]byte, 64)), "umenu", codec.HMACSHA256, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	back, err := FromSecret("umenu", codec.HMACSHA256, k.ID, k.Secret(), k.Created, Active)
	if err != nil || back.VerificationKey().String() != k.VerificationKey().String() {
		t.Fatalf("round trip: %v", err)
	}
	if _, err := FromSecret("umenu", codec.HMACSHA256, codec.KeyID{0, 0}, k.Secret(), now, Active); err == nil {
		t.Fatal("mismatched key ID accepted")
	}
	if _, err := FromSecret("umenu", codec.HMACSHA256, k.ID, k.Secret()[:5], now, Active); err == nil {
		t.Fatal("short secret accepted")
	}
}

func TestSignRefusesOtherProduct(t *testing.T) {
	k, _ := Generate(bytes.NewReader(make([]byte, 64)), "umenu", codec.Ed25519, now, nil)
	b := codec.Binding{Product: "other", LicenceKey: "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM", MachineUID: "18J8D-22RR5-50W00-0000C"}
	if _, err := codec.Sign(k, b, codec.Payload{Seats: 1, Expires: codec.NoExpiry}); err == nil {
		t.Fatal("signed a code for another product")
	}
	b.Product = "umenu"
	if _, err := codec.Sign(k, b, codec.Payload{Seats: 0, Expires: codec.NoExpiry}); err == nil {
		t.Fatal("signed an invalid payload")
	}
}
