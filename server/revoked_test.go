package server_test

import (
	"context"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/internal/pgtest"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/ledger/postgres"
	"github.com/actkit/actkit/ledger/sqlite"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/server"
)

// TestRevokedLicenceCannotDeactivate: a revoked licence may read its
// status through the licence API, but changes nothing: deactivating one
// of its machines, by machine or by deactivation code, is refused with
// LICENCE_REVOKED and frees no seat (which machines held it when it was
// revoked stays the vendor's record). The vendor's own release still
// works. On both ledgers: the rule is the service's, not a backend's.
func TestRevokedLicenceCannotDeactivate(t *testing.T) {
	ledgers := map[string]func(t *testing.T) ledger.Store{
		"sqlite": func(t *testing.T) ledger.Store {
			s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "ledger.db"), sqlite.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		"postgres": func(t *testing.T) ledger.Store {
			s, err := postgres.Open(context.Background(), pgtest.NewDatabase(t), postgres.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
	}
	for name, open := range ledgers {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			store := open(t)
			defer store.Close()
			svc, _ := umenuService(t, store)
			li, _ := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 3, Expires: codec.NoExpiry})
			srv := httptest.NewServer(server.New(server.Config{Service: svc, Rate: 1e9, Burst: 1 << 30}))
			defer srv.Close()
			serials := map[string]uint64{}
			for _, m := range []string{machineN(1), machineN(2), machineN(3)} {
				st, a := post(t, srv.URL, li.Display, "/api/licence/activate", m)
				if st != 200 {
					t.Fatalf("activate: %d %v", st, a)
				}
				serials[m] = uint64(a["serial"].(float64))
			}
			if _, err := svc.Revoke(ctx, li.Display, "chargeback"); err != nil {
				t.Fatal(err)
			}

			if st, b := post(t, srv.URL, li.Display, "/api/licence/deactivate", machineN(1)); st != http.StatusForbidden || b["code"] != "LICENCE_REVOKED" {
				t.Errorf("deactivate by machine: %d %v, want 403 LICENCE_REVOKED", st, b)
			}
			uid, _ := codec.ParseMachineUID(machineN(2))
			norm, _ := codec.NormalizeLicenceKey(li.Display)
			code, err := codec.DeactivationCode{Product: "umenu", LicenceKey: norm, MachineUID: uid, Serial: serials[machineN(2)], Day: codec.DayOf(time.Now())}.Text()
			if err != nil {
				t.Fatal(err)
			}
			if st, b := postJSON(t, srv.URL, li.Display, "/api/licence/deactivate", `{"deactivationCode":"`+code+`"}`); st != http.StatusForbidden || b["code"] != "LICENCE_REVOKED" {
				t.Errorf("deactivate by code: %d %v, want 403 LICENCE_REVOKED", st, b)
			}
			// Its status is still there to see, with every seat as it was.
			req, _ := http.NewRequest("GET", srv.URL+"/api/licence", nil)
			req.Header.Set("Authorization", "Bearer "+li.Display)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("GET /api/licence of a revoked licence: %d", resp.StatusCode)
			}
			got, err := svc.Licence(ctx, li.Display)
			if err != nil || got.InUse != 3 {
				t.Fatalf("seats in use after the refused deactivations: %d (%v), want 3", got.InUse, err)
			}
			// The vendor may still release a revoked licence's seat.
			if _, err := svc.Release(ctx, li.Display, machineN(3)); err != nil {
				t.Fatalf("the vendor's release: %v", err)
			}
			if _, err := svc.ReleaseCode(ctx, code); err != nil {
				t.Fatalf("the vendor's release by code: %v", err)
			}
		})
	}
}
