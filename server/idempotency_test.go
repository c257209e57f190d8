package server_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/ledger/sqlite"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/server"
)

// lossy runs each request to the end (the activation is recorded) and
// then, half the time, loses the answer: the connection is closed before
// a byte of it is written, as when a proxy or a network drops it.
func lossy(next http.Handler, r *mrand.Rand, mu *sync.Mutex) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, req)
		mu.Lock()
		lose := r.IntN(2) == 0
		mu.Unlock()
		if lose {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
				return
			}
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	})
}

// TestRetriedActivationsNeverTakeASecondSeat: thousands of activations
// whose answers are lost, retried until one arrives, from many clients at
// once: every machine holds exactly one seat, with one serial, and the
// ledger's state matches its audit trail.
func TestRetriedActivationsNeverTakeASecondSeat(t *testing.T) {
	attempts := 10_000
	if testing.Short() {
		attempts = 1_000
	}
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ledger.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc, _ := umenuService(t, store)
	const machines = 40
	li, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: machines, Expires: codec.NoExpiry})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	api := server.New(server.Config{Service: svc, Rate: 1e9, Burst: 1 << 30})
	srv := httptest.NewServer(lossy(api, mrand.New(mrand.NewPCG(7, 9)), &mu))
	defer srv.Close()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

	uid := func(n int) string {
		u := codec.MachineUID{Version: codec.UIDVersion}
		u.Slots[codec.SlotNetwork], u.Slots[codec.SlotCPU] = uint16(1000+n), 5
		return u.String()
	}
	var total sync.WaitGroup
	var count struct {
		sync.Mutex
		attempts, answers int
		serials           map[int]float64
	}
	count.serials = map[int]float64{}
	perMachine := attempts / machines
	for m := range machines {
		total.Add(1)
		go func() {
			defer total.Done()
			for range perMachine {
				body := fmt.Sprintf(`{"machineId":%q}`, uid(m))
				req, _ := http.NewRequest("POST", srv.URL+"/api/licence/activate", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+li.Display)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				count.Lock()
				count.attempts++
				count.Unlock()
				if err != nil {
					continue // the answer was lost: retry
				}
				var a map[string]any
				json.NewDecoder(resp.Body).Decode(&a)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Errorf("machine %d: %d %v", m, resp.StatusCode, a)
					return
				}
				count.Lock()
				count.answers++
				if s, ok := count.serials[m]; ok && s != a["serial"] {
					t.Errorf("machine %d got serial %v, then %v", m, s, a["serial"])
				}
				count.serials[m] = a["serial"].(float64)
				count.Unlock()
			}
		}()
	}
	total.Wait()
	got, err := svc.Licence(ctx, li.Display)
	if err != nil {
		t.Fatal(err)
	}
	if got.InUse != machines || len(got.Holders) != machines {
		t.Fatalf("%d seats in use by %d holders after %d attempts, want %d", got.InUse, len(got.Holders), count.attempts, machines)
	}
	if count.answers == 0 || count.answers == count.attempts {
		t.Fatalf("%d of %d answers arrived: the loss was not injected", count.answers, count.attempts)
	}
	if err := ledger.VerifyState(ctx, store); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d activations, %d answers lost, %d seats", count.attempts, count.attempts-count.answers, got.InUse)
}
