package codec

import (
	"errors"
	"strings"
	"testing"
)

// TestDeactivationCodeRoundTrip: a code prints and parses back to itself,
// typed with spaces and line breaks instead of hyphens, and a licence key
// given with hyphens and look-alikes is stored in its normal form.
func TestDeactivationCodeRoundTrip(t *testing.T) {
	d := DeactivationCode{Product: "umenu", LicenceKey: "umenu-7kq2x-m4rta-9vwce-h3npm", MachineUID: sampleUID(), Serial: 70000, Day: 1100}
	text, err := d.Text()
	if err != nil {
		t.Fatal(err)
	}
	typed := strings.ReplaceAll(text, "-", " ")
	typed = typed[:20] + "\n" + typed[20:]
	got, err := ParseDeactivationCode(typed)
	d.LicenceKey = "UMENU7KQ2XM4RTA9VWCEH3NPM"
	if err != nil || got != d {
		t.Fatalf("%+v %v, want %+v", got, err, d)
	}
}

// TestDeactivationCodeTextRefuses: Text writes only codes that parse.
func TestDeactivationCodeTextRefuses(t *testing.T) {
	good := DeactivationCode{Product: "umenu", LicenceKey: "UMENU7KQ2XM4RTA9VWCEH3NPM", MachineUID: sampleUID(), Serial: 1, Day: 1}
	if _, err := good.Text(); err != nil {
		t.Fatalf("control: %v", err)
	}
	for _, c := range []struct {
		name string
		edit func(d *DeactivationCode)
		want error
	}{
		{"serial 0", func(d *DeactivationCode) { d.Serial = 0 }, ErrMalformed},
		{"day 65535", func(d *DeactivationCode) { d.Day = NoExpiry }, ErrMalformed},
		{"a bad product ID", func(d *DeactivationCode) { d.Product = "Umenu" }, ErrInvalidBinding},
		{"a licence key with a typo", func(d *DeactivationCode) { d.LicenceKey = "UMENU7KQ2XM4RTA9VWCEH3NPN" }, ErrTypo},
		{"no machine UID", func(d *DeactivationCode) { d.MachineUID = MachineUID{} }, ErrUnsupportedVersion},
		{"a UID with no component", func(d *DeactivationCode) { d.MachineUID = MachineUID{Version: UIDVersion} }, ErrMalformed},
	} {
		d := good
		c.edit(&d)
		if text, err := d.Text(); !errors.Is(err, c.want) {
			t.Errorf("%s: %q %v, want %v", c.name, text, err, c.want)
		}
	}
}

// TestDeactivationCodeIsNotARequestCode: each code pasted where the other
// belongs is refused as malformed, never read as the other kind.
func TestDeactivationCodeIsNotARequestCode(t *testing.T) {
	text, err := deactivationVectors[0].want.Text()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseRequestCode(text); !errors.Is(err, ErrMalformed) {
		t.Fatalf("a deactivation code read as a request code: %v", err)
	}
	// Malformed, naming the kind, never unsupported-version ("version
	// 68, a newer actkit may read it"): 'D' is no activation-code version.
	if _, err := DecodeCode(text); !errors.Is(err, ErrIsDeactivationCode) || !errors.Is(err, ErrMalformed) ||
		errors.Is(err, ErrUnsupportedVersion) || !strings.Contains(err.Error(), "deactivation code") {
		t.Fatalf("a deactivation code as an activation code: %v", err)
	}
	rc, _ := RequestCode{Product: "umenu", LicenceKey: "UMENU7KQ2XM4RTA9VWCEH3NPM", MachineUID: sampleUID(), ProductVersion: "1"}.Text()
	if _, err := ParseDeactivationCode(rc); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "request code") {
		t.Fatalf("a request code read as a deactivation code: %v", err)
	}
}
