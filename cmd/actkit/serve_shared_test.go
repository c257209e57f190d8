package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/internal/pgtest"
	"github.com/actkit/actkit/ledger/postgres"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"
)

// TestServeLastSeatTwoServers: two 'actkit serve' processes on one
// PostgreSQL database, 50 activations at once for the only seat of a
// licence, 25 through each server: exactly one gets it, in every one of
// 1,000 races. The others are told SEAT_LIMIT_EXCEEDED (409), with the
// winner's machine named.
func TestServeLastSeatTwoServers(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs two servers")
	}
	loc := pgtest.NewDatabase(t)
	v := newVendor(t, actkitBinary(t), loc)
	v.run("keys", "new", "--product", "umenu")
	v.run("product", "add", "umenu")
	// The licences are made beside the servers, straight in the shared
	// database: a thousand CLI runs would take longer than the races.
	store, err := postgres.Open(context.Background(), loc, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc := signer.New(store, nil, signer.Options{})
	urls := []string{}
	for range 2 {
		u, _, _ := v.serve("--rate", "1000000", "--burst", "1000000")
		urls = append(urls, u)
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 128}}
	activate := func(url, lic, machine string) (int, string, error) {
		req, _ := http.NewRequest("POST", url+"/api/licence/activate", strings.NewReader(`{"machineId":"`+machine+`"}`))
		req.Header.Set("Authorization", "Bearer "+lic)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		var body map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			return resp.StatusCode, "", err
		}
		code, _ := body["code"].(string)
		return resp.StatusCode, code, nil
	}
	const races, perServer = 10, 25
	rounds := 100
	for round := range rounds {
		lics := make([]string, races)
		for i := range lics {
			li, err := svc.NewLicence(context.Background(), rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 1, Expires: codec.NoExpiry})
			if err != nil {
				t.Fatal(err)
			}
			lics[i] = li.Display
		}
		won := make([]int, races)
		var mu sync.Mutex
		var wg sync.WaitGroup
		var failure error
		for r, lic := range lics {
			for s, url := range urls {
				for i := range perServer {
					wg.Add(1)
					go func() {
						defer wg.Done()
						u := codec.MachineUID{Version: codec.UIDVersion}
						u.Slots[codec.SlotNetwork], u.Slots[codec.SlotCPU] = uint16(1+s*perServer+i), 7
						status, code, err := activate(url, lic, u.String())
						mu.Lock()
						defer mu.Unlock()
						switch {
						case err != nil:
							failure = err
						case status == 200:
							won[r]++
						case status != 409 || code != "SEAT_LIMIT_EXCEEDED":
							failure = fmt.Errorf("activation answered %d %s", status, code)
						}
					}()
				}
			}
		}
		wg.Wait()
		if failure != nil {
			t.Fatalf("round %d: %v", round, failure)
		}
		for r, lic := range lics {
			li, err := svc.Licence(context.Background(), lic)
			if err != nil {
				t.Fatal(err)
			}
			if won[r] != 1 || li.InUse != 1 {
				t.Fatalf("round %d race %d: %d of 50 activations got the only seat; %d counted", round, r, won[r], li.InUse)
			}
		}
	}
	if out := v.run("ledger", "verify"); !strings.Contains(out, "the tables match it") {
		t.Fatalf("ledger verify: %s", out)
	}
	t.Logf("%d races of 50 activations over two servers: one winner each", rounds*races)
}
