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

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/ledger/sqlite"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/server"
)

func postJSON(t *testing.T, url, key, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// TestDeactivateWithDeactivationCode: the deactivate endpoint takes the
// deactivation code a product showed offline: it frees the seat of the
// serial it names (the answer says which), twice is not an error, a code
// for another licence key or a damaged one is refused, and machineId
// with a code is an invalid request. activate does not take the field.
func TestDeactivateWithDeactivationCode(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ledger.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc, _ := umenuService(t, store)
	li, _ := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 2, Expires: codec.NoExpiry})
	other, _ := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 2, Expires: codec.NoExpiry})
	srv := httptest.NewServer(server.New(server.Config{Service: svc, Rate: 1e9, Burst: 1 << 30}))
	defer srv.Close()

	m := machineN(1)
	st, a := post(t, srv.URL, li.Display, "/api/licence/activate", m)
	if st != 200 {
		t.Fatalf("activate: %d %v", st, a)
	}
	uid, _ := codec.ParseMachineUID(m)
	norm, _ := codec.NormalizeLicenceKey(li.Display)
	code, err := codec.DeactivationCode{Product: "umenu", LicenceKey: norm, MachineUID: uid, Serial: uint64(a["serial"].(float64)), Day: codec.DayOf(time.Now())}.Text()
	if err != nil {
		t.Fatal(err)
	}
	body := `{"deactivationCode":"` + code + `"}`

	for _, c := range []struct {
		name, key, body string
		status          int
		code            string
	}{
		{"another licence's key", other.Display, body, 400, "INVALID_DEACTIVATION_CODE"},
		{"a damaged code", li.Display, `{"deactivationCode":"` + code[:len(code)-1] + `"}`, 400, "INVALID_DEACTIVATION_CODE"},
		{"a machine and a code", li.Display, `{"machineId":"` + m + `","deactivationCode":"` + code + `"}`, 400, "INVALID_REQUEST"},
		{"activate with a code", li.Display, `{"machineId":"` + m + `","deactivationCode":"` + code + `"}`, 400, "INVALID_REQUEST"},
	} {
		path := "/api/licence/deactivate"
		if strings.HasPrefix(c.name, "activate") {
			path = "/api/licence/activate"
		}
		if st, b := postJSON(t, srv.URL, c.key, path, c.body); st != c.status || b["code"] != c.code {
			t.Errorf("%s: %d %v, want %d %s", c.name, st, b, c.status, c.code)
		}
	}
	st, b := postJSON(t, srv.URL, li.Display, "/api/licence/deactivate", body)
	if st != 200 || b["deactivated"] != true || b["machineUid"] != m || b["serial"] != a["serial"] || b["activeCount"] != 0.0 {
		t.Fatalf("deactivate by code: %d %v", st, b)
	}
	st, b = postJSON(t, srv.URL, li.Display, "/api/licence/deactivate", body)
	if st != 200 || b["deactivated"] != false || b["machineUid"] != m {
		t.Fatalf("the same code again: %d %v", st, b)
	}
	// The machine activates again: the old code does not free the new seat.
	if st, a2 := post(t, srv.URL, li.Display, "/api/licence/activate", m); st != 200 || a2["serial"] == a["serial"] {
		t.Fatalf("activate again: %d %v", st, a2)
	}
	if st, b = postJSON(t, srv.URL, li.Display, "/api/licence/deactivate", body); st != 200 || b["deactivated"] != false || b["activeCount"] != 1.0 {
		t.Fatalf("an old code after a new activation: %d %v", st, b)
	}
}
