package server_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/actkit/actkit/activation"
	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/ledger/sqlite"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/server"
	"github.com/actkit/actkit/verify"
)

// TestDriftedMachineKeepsItsSeat: a machine whose network adapter changed
// but whose OS machine ID did not activates again and keeps its seat: the
// earlier activation is replaced in the same transaction, the answer says
// what changed, the new code verifies for the new UID, and the ledger's
// state matches its trail. Another machine of the same model (both
// per-machine components differ) is another machine, and a server
// without a tolerance treats every change as one.
func TestDriftedMachineKeepsItsSeat(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ledger.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc, ks := umenuService(t, store)
	li, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 1, Expires: codec.NoExpiry})
	if err != nil {
		t.Fatal(err)
	}
	kr, err := verify.ParseKeyring(mustExport(t, ks))
	if err != nil {
		t.Fatal(err)
	}
	policy := activation.DefaultPolicy
	tolerance := func(issued, now codec.MachineUID) (bool, string) {
		d := activation.CompareUIDs(issued, now)
		return d.Differing() != nil && policy.Matches(d), d.String()
	}
	tolerant := httptest.NewServer(server.New(server.Config{Service: svc, Rate: 1e9, Burst: 1 << 30, Tolerance: tolerance}))
	defer tolerant.Close()
	strict := httptest.NewServer(server.New(server.Config{Service: svc, Rate: 1e9, Burst: 1 << 30}))
	defer strict.Close()

	uid := func(nic, osid uint16) string {
		u := codec.MachineUID{Version: codec.UIDVersion}
		u.Slots[codec.SlotNetwork], u.Slots[codec.SlotOSID], u.Slots[codec.SlotCPU], u.Slots[codec.SlotVersion] = nic, osid, 5, 42
		return u.String()
	}
	activate := func(url, machine string) (int, map[string]any) {
		req, _ := http.NewRequest("POST", url+"/api/licence/activate", strings.NewReader(`{"machineId":"`+machine+`","machineName":"PLANT-PC"}`))
		req.Header.Set("Authorization", "Bearer "+li.Display)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	first, replaced := uid(100, 200), uid(101, 200)
	if st, b := activate(tolerant.URL, first); st != 200 {
		t.Fatalf("first activation: %d %v", st, b)
	}
	// The same machine with another network adapter: a strict server
	// sees another machine, and the only seat is taken.
	if st, b := activate(strict.URL, replaced); st != 409 || b["code"] != "SEAT_LIMIT_EXCEEDED" {
		t.Fatalf("strict server, drifted UID: %d %v", st, b)
	}
	st, b := activate(tolerant.URL, replaced)
	if st != 200 || b["activeCount"] != 1.0 || b["replacedMachineUid"] != first || !strings.Contains(b["machineChanged"].(string), "network adapter changed") || b["machineName"] != "PLANT-PC" {
		t.Fatalf("tolerant server, drifted UID: %d %v", st, b)
	}
	if _, err := kr.Verify(b["activationCode"].(string), verify.Binding{Product: "umenu", LicenceKey: li.Display, MachineUID: replaced}, time.Now()); err != nil {
		t.Fatalf("the drifted machine's code: %v", err)
	}
	got, err := svc.Licence(ctx, li.Display)
	if err != nil {
		t.Fatal(err)
	}
	if got.InUse != 1 || len(got.Holders) != 1 || got.Holders[0].Machine != replaced {
		t.Fatalf("after the drift: %d in use, holders %v", got.InUse, got.Holders)
	}
	// Another machine of the same model is refused: no seat is free.
	if st, b := activate(tolerant.URL, uid(300, 400)); st != 409 {
		t.Fatalf("another machine: %d %v", st, b)
	}
	if err := svc.VerifyState(ctx); err != nil {
		t.Fatal(err)
	}
}

func mustExport(t *testing.T, ks *keygen.Keyset) string {
	t.Helper()
	kr, err := ks.Export("umenu", false)
	if err != nil {
		t.Fatal(err)
	}
	return kr.String()
}
