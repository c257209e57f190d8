package codec

import (
	"bytes"
	"errors"
	"testing"
)

func TestPayloadRoundTrip(t *testing.T) {
	cases := []Payload{
		{KeyID: KeyID{1, 2}, Issued: 1000, Expires: 1365, Seats: 1, Features: 0b1011, Serial: 4242, LicenceTag: 7, MachineTag: 9},
		{Issued: 0, Expires: NoExpiry, Seats: 1, Serial: 0},
		{Issued: 5, Expires: 5, Seats: 2, Features: 1, Serial: 255},
		{Issued: NoExpiry - 1, Expires: NoExpiry - 1, Seats: MaxSeats, Features: 1<<56 - 1, Serial: 1<<64 - 1},
	}
	for _, p := range cases {
		raw, err := p.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		got, n, err := UnmarshalPayload(append(raw, 0xAA)) // trailing bytes are the signature
		if err != nil {
			t.Fatalf("%+v: %v", p, err)
		}
		if n != len(raw) || got != p {
			t.Fatalf("round trip: got %+v (n=%d), want %+v (n=%d)", got, n, p, len(raw))
		}
	}
}

func TestPayloadSizes(t *testing.T) {
	typical := Payload{Issued: 1000, Expires: 1365, Seats: 1, Features: 0b1011, Serial: 4242}
	raw, _ := typical.AppendBinary(nil)
	if len(raw) != 13 {
		t.Errorf("typical payload is %d bytes, want 13", len(raw))
	}
	biggest := Payload{Issued: 1, Expires: 2, Seats: 9, Features: 1<<56 - 1, Serial: 1<<64 - 1}
	raw, _ = biggest.AppendBinary(nil)
	if len(raw) != MaxPayloadLen {
		t.Errorf("largest payload is %d bytes, MaxPayloadLen %d", len(raw), MaxPayloadLen)
	}
	smallest := Payload{Issued: 1, Expires: NoExpiry, Seats: 1}
	raw, _ = smallest.AppendBinary(nil)
	if len(raw) != MinPayloadLen {
		t.Errorf("smallest payload is %d bytes, MinPayloadLen %d", len(raw), MinPayloadLen)
	}
}

func TestPayloadRejects(t *testing.T) {
	good := Payload{KeyID: KeyID{1, 2}, Issued: 1000, Expires: 1365, Seats: 1, Features: 0b1011, Serial: 4242}
	raw, _ := good.AppendBinary(nil)
	edit := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), raw...)) }
	cases := []struct {
		name string
		raw  []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"version 0", edit(func(b []byte) []byte { b[0] = 0; return b }), ErrUnsupportedVersion},
		{"version 2", edit(func(b []byte) []byte { b[0] = 2; return b }), ErrUnsupportedVersion},
		{"truncated", raw[:len(raw)-1], ErrMalformed},
		{"too short", raw[:4], ErrMalformed},
		{"explicit one seat", edit(func(b []byte) []byte {
			out := append(append([]byte{}, b[:8]...), 0, 1)
			out[1] |= flagSeats
			return append(out, b[8:]...)
		}), ErrMalformed},
		{"zero seats", edit(func(b []byte) []byte {
			out := append(append([]byte{}, b[:8]...), 0, 0)
			out[1] |= flagSeats
			return append(out, b[8:]...)
		}), ErrMalformed},
		{"explicit NoExpiry", edit(func(b []byte) []byte { b[6], b[7] = 0xFF, 0xFF; return b }), ErrMalformed},
		{"expiry before issue", edit(func(b []byte) []byte { b[6], b[7] = 0, 1; return b }), ErrMalformed},
		{"features leading zero", edit(func(b []byte) []byte {
			out := append([]byte{}, b[:8]...)
			out[1] += 1 << featLenShift
			return append(append(out, 0), b[8:]...)
		}), ErrMalformed},
		{"serial leading zero", edit(func(b []byte) []byte {
			out := append([]byte{}, b[:9]...)
			out[1]++
			return append(append(out, 0), b[9:]...)
		}), ErrMalformed},
	}
	for _, c := range cases {
		_, _, err := UnmarshalPayload(c.raw)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
		var ce *Error
		if err != nil && !errors.As(err, &ce) {
			t.Errorf("%s: error %T is not *codec.Error", c.name, err)
		}
	}
}

func TestPayloadValidate(t *testing.T) {
	for _, p := range []Payload{
		{Seats: 0, Expires: NoExpiry},
		{Seats: 1, Expires: NoExpiry, Features: 1 << 56},
		{Seats: 1, Issued: 10, Expires: 9},
	} {
		if _, err := p.AppendBinary(nil); !errors.Is(err, ErrMalformed) {
			t.Errorf("%+v: got %v", p, err)
		}
	}
}

func TestCodeBinary(t *testing.T) {
	c := Code{Payload: Payload{Issued: 1, Expires: NoExpiry, Seats: 1}, Sig: bytes.Repeat([]byte{5}, HMACTagSize)}
	txt, err := c.Text()
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeCode(txt)
	if err != nil || back.Payload != c.Payload || !bytes.Equal(back.Sig, c.Sig) {
		t.Fatalf("round trip: %+v %v", back, err)
	}
	c.Sig = c.Sig[:15]
	if _, err := c.Text(); !errors.Is(err, ErrMalformed) {
		t.Fatalf("15-byte signature accepted: %v", err)
	}
	raw, _ := c.Payload.AppendBinary(nil)
	if _, err := DecodeBinary(append(raw, make([]byte, 20)...)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("20-byte signature accepted: %v", err)
	}
}
