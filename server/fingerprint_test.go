package server_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/ledger/sqlite"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/server"
)

// guidsSharingALegacyUID returns two distinct GUIDs that the 15-bit
// mapping gave the same UID (a birthday search, fixed seed).
func guidsSharingALegacyUID(t *testing.T) (string, string) {
	r := rand.New(rand.NewPCG(7, 24))
	seen := map[codec.MachineUID]string{}
	for range 100_000 {
		g := fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", r.Uint32(), r.Uint32()&0xffff, r.Uint32()&0xfff, r.Uint32()&0xfff, r.Uint64()&(1<<48-1))
		u, err := licensing.LegacyFingerprintUID("umenu", g)
		if err != nil {
			t.Fatal(err)
		}
		if other, ok := seen[u]; ok && other != g {
			return other, g
		}
		seen[u] = g
	}
	t.Fatal("no two GUIDs share a 15-bit UID")
	return "", ""
}

// TestFingerprintsOwnTheirSeats: two GUIDs that shared a UID (and a seat)
// under the 15-bit mapping now hold a seat each, under fingerprint UIDs;
// 20 hex digits are a fingerprint, not a mistyped UID; a mistyped UID
// written as UIDs are shown is still refused.
func TestFingerprintsOwnTheirSeats(t *testing.T) {
	f := newAPIFixture(t, sqlite.Options{}, server.Config{}, nil)
	li := f.licence(t, licensing.LicenceSpec{Seats: 3})
	a, b := guidsSharingALegacyUID(t)
	ua, _ := licensing.FingerprintUID("umenu", a)
	ub, _ := licensing.FingerprintUID("umenu", b)
	for i, g := range []string{a, b} {
		r := send(t, f.srv.URL, productCall("activate", li.Display, g))
		m := r.json()
		if r.Status != 200 || m["machineUid"] != []codec.MachineUID{ua, ub}[i].String() || m["activeCount"] != float64(i+1) || m["reissued"] != false {
			t.Fatalf("activate %s: %d %s", g, r.Status, r.Body)
		}
	}
	// Deactivating one frees its own seat only.
	if r := send(t, f.srv.URL, productCall("deactivate", li.Display, a)); r.Status != 200 || r.json()["deactivated"] != true || r.json()["activeCount"] != float64(1) {
		t.Fatalf("deactivate: %d %s", r.Status, r.Body)
	}
	if r := send(t, f.srv.URL, productCall("validate", li.Display, b)); r.Status != 200 || r.json()["valid"] != true {
		t.Fatalf("the other machine lost its seat: %s", r.Body)
	}

	const hex = "0123456789abcdef0123" // its check symbol does not match: not a UID
	if _, err := codec.ParseMachineUID(hex); err == nil {
		t.Fatal("the hex fingerprint is a valid UID: pick another")
	}
	uh, _ := licensing.FingerprintUID("umenu", hex)
	r := send(t, f.srv.URL, productCall("activate", li.Display, hex))
	if r.Status != 200 || r.json()["machineUid"] != uh.String() {
		t.Fatalf("20 hex digits: %d %s", r.Status, r.Body)
	}
	if r := send(t, f.srv.URL, productCall("validate", li.Display, strings.ToUpper(hex))); r.json()["valid"] != true || r.json()["machineUid"] != uh.String() {
		t.Fatalf("the same hex fingerprint in upper case: %s", r.Body)
	}
	// Written as a UID, a wrong check symbol is a typo, whatever else
	// the text could be.
	uid := ua.String()
	for _, bad := range []string{uid[:22] + map[bool]string{true: "0", false: "1"}[uid[22] != '0'], "0123A-456BC-789DE-F0123", "19DSX 5JRR5 00000 0000F"} {
		r := send(t, f.srv.URL, productCall("activate", li.Display, bad))
		if r.Status != 400 || r.json()["code"] != server.CodeInvalidMachine {
			t.Errorf("%q: %d %s", bad, r.Status, r.Body)
		}
	}
}

// TestLegacyFingerprintSeatsMove: a machine activated under the 15-bit
// mapping (recorded here as the old server recorded it) keeps working:
// validation and deactivation find its seat under the old UID, and its
// next activation moves the seat to its fingerprint UID in one
// transaction, taking no second seat, even on a full licence.
func TestLegacyFingerprintSeatsMove(t *testing.T) {
	f := newAPIFixture(t, sqlite.Options{}, server.Config{}, nil)
	li := f.licence(t, licensing.LicenceSpec{Seats: 1})
	guid := "{6B29FC40-CA47-1067-B31D-00DD010662DA}"
	legacy, _ := licensing.LegacyFingerprintUID("umenu", guid)
	fresh, _ := licensing.FingerprintUID("umenu", guid)
	old, err := f.svc.Issue(f.ctx, licensing.IssueRequest{Licence: li.Display, Machine: legacy.String()})
	if err != nil {
		t.Fatal(err)
	}

	r := send(t, f.srv.URL, productCall("validate", li.Display, guid))
	if m := r.json(); m["valid"] != true || m["machineUid"] != legacy.String() || m["serial"] != float64(old.Serial) {
		t.Fatalf("validate before the move: %s", r.Body)
	}
	// Another machine finds the one seat taken.
	if r := send(t, f.srv.URL, productCall("activate", li.Display, "another-machine-0001")); r.Status != 409 {
		t.Fatalf("second machine: %d %s", r.Status, r.Body)
	}
	r = send(t, f.srv.URL, productCall("activate", li.Display, guid))
	m := r.json()
	if r.Status != 200 || m["machineUid"] != fresh.String() || m["replacedMachineUid"] != legacy.String() || m["activeCount"] != float64(1) || m["serial"] == float64(old.Serial) {
		t.Fatalf("activate moves the seat: %d %s", r.Status, r.Body)
	}
	moved := m["serial"]
	if _, _, err := f.svc.Current(f.ctx, li.Display, legacy.String()); err == nil {
		t.Fatal("the old UID still holds a seat")
	}
	r = send(t, f.srv.URL, productCall("validate", li.Display, strings.ToLower(strings.Trim(guid, "{}"))))
	if m := r.json(); m["valid"] != true || m["machineUid"] != fresh.String() || m["serial"] != moved {
		t.Fatalf("validate after the move: %s", r.Body)
	}
	// Activating again is a re-issue, nothing moves.
	if r := send(t, f.srv.URL, productCall("activate", li.Display, guid)); r.json()["reissued"] != true || r.json()["replacedMachineUid"] != nil {
		t.Fatalf("activate again: %s", r.Body)
	}

	// Deactivation of a seat still under the old UID frees it.
	li2 := f.licence(t, licensing.LicenceSpec{Seats: 1})
	if _, err := f.svc.Issue(f.ctx, licensing.IssueRequest{Licence: li2.Display, Machine: legacy.String()}); err != nil {
		t.Fatal(err)
	}
	r = send(t, f.srv.URL, productCall("deactivate", li2.Display, guid))
	if m := r.json(); m["deactivated"] != true || m["machineUid"] != legacy.String() || m["activeCount"] != float64(0) {
		t.Fatalf("deactivate under the old UID: %s", r.Body)
	}
	if r := send(t, f.srv.URL, productCall("validate", li2.Display, guid)); r.json()["valid"] != false || r.json()["code"] != "NOT_ACTIVATED" {
		t.Fatalf("validate after deactivation: %s", r.Body)
	}
}
