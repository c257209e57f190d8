// Command apiload measures the licence API over real HTTP on 127.0.0.1:
// activations per second and their p50/p99 latency at 1 and 64 clients,
// validations per second and the share of them that wrote nothing, on
// the SQLite ledger (a PostgreSQL ledger is measured by the PostgreSQL
// tools). It starts its own server in a temporary folder and stops by
// itself.
//
//	go run ./tools/apiload [-activations 4000] [-validations 20000]
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/ledger/sqlite"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/server"
	"github.com/actkit/actkit/signer"
)

func main() {
	activations := flag.Int("activations", 4000, "activations per run")
	validations := flag.Int("validations", 20000, "validations")
	flag.Parse()
	if err := run(*activations, *validations); err != nil {
		fmt.Fprintln(os.Stderr, "apiload:", err)
		os.Exit(1)
	}
}

func uid(n int) string {
	u := codec.MachineUID{Version: codec.UIDVersion}
	u.Slots[codec.SlotNetwork], u.Slots[codec.SlotCPU], u.Slots[codec.SlotOSID] = uint16(n%32000+1), 7, uint16(n/32000+1)
	return u.String()
}

type result struct {
	ops       int
	elapsed   time.Duration
	latencies []time.Duration
}

func (r result) String() string {
	sort.Slice(r.latencies, func(i, j int) bool { return r.latencies[i] < r.latencies[j] })
	q := func(p float64) time.Duration { return r.latencies[int(p*float64(len(r.latencies)-1))] }
	return fmt.Sprintf("%7.0f/s  p50 %6.2f ms  p99 %6.2f ms", float64(r.ops)/r.elapsed.Seconds(),
		float64(q(0.50).Microseconds())/1000, float64(q(0.99).Microseconds())/1000)
}

// load runs n requests from clients goroutines; body(i) is request i's body.
func load(url, key string, n, clients int, body func(i int) string) (result, error) {
	var next atomic.Int64
	lat := make([]time.Duration, n)
	var failed atomic.Int64
	var first atomic.Value
	tr := &http.Transport{MaxIdleConnsPerHost: clients}
	c := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	start := time.Now()
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				req, _ := http.NewRequest("POST", url, strings.NewReader(body(i)))
				req.Header.Set("Authorization", "Bearer "+key)
				req.Header.Set("Content-Type", "application/json")
				t0 := time.Now()
				resp, err := c.Do(req)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				lat[i] = time.Since(t0)
				if err != nil {
					failed.Add(1)
					first.CompareAndSwap(nil, err)
				}
			}
		}()
	}
	wg.Wait()
	if f := failed.Load(); f > 0 {
		return result{}, fmt.Errorf("%d of %d requests failed: %v", f, n, first.Load())
	}
	return result{ops: n, elapsed: time.Since(start), latencies: lat}, nil
}

func run(activations, validations int) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "apiload")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	store, err := sqlite.Open(ctx, filepath.Join(dir, "ledger.db"), sqlite.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	ks := keygen.NewKeyset()
	if _, err := ks.Add(rand.Reader, "umenu", codec.Ed25519, time.Now()); err != nil {
		return err
	}
	svc := signer.New(store, ks, signer.Options{})
	if _, err := svc.AddProduct(ctx, "umenu", "", nil); err != nil {
		return err
	}
	srv := httptest.NewServer(server.New(server.Config{Service: svc, Rate: 1e9, Burst: 1 << 30}))
	defer srv.Close()
	fmt.Printf("licence API on SQLite, %s, real HTTP on 127.0.0.1\n", time.Now().UTC().Format(time.RFC3339))
	base := 0
	var validateLicence string
	for _, clients := range []int{1, 64} {
		li, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: codec.MaxSeats, Expires: codec.NoExpiry})
		if err != nil {
			return err
		}
		n := activations
		if clients == 1 {
			n = activations / 4
		}
		r, err := load(srv.URL+"/api/licence/activate", li.Display, n, clients, func(i int) string {
			return `{"machineId":"` + uid(base+i) + `"}`
		})
		if err != nil {
			return err
		}
		fmt.Printf("activations, %2d clients: %s\n", clients, r)
		base += n
		validateLicence = li.Display
	}
	// Validations of machines activated above, spread over them.
	before, _, _ := ledger.VerifyChain(ctx, store)
	r, err := load(srv.URL+"/api/licence/validate", validateLicence, validations, 64, func(i int) string {
		return `{"machineId":"` + uid(base-activations+i%activations) + `"}`
	})
	if err != nil {
		return err
	}
	after, _, _ := ledger.VerifyChain(ctx, store)
	fmt.Printf("validations, 64 clients: %s; %d of %d wrote nothing (%.1f%%)\n", r, validations-int(after-before), validations,
		100*float64(validations-int(after-before))/float64(validations))
	return nil
}
