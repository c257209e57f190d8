package signer

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/ledger/sqlite"
	"github.com/actkit/actkit/licensing"
)

// gatedStore holds its first write transaction, once armed, until
// released, and counts write transactions.
type gatedStore struct {
	ledger.Store
	armed   atomic.Bool
	entered chan struct{} // closed when the held transaction is reached
	release chan struct{}
	writes  atomic.Int64
}

func (g *gatedStore) Update(ctx context.Context, fn func(ledger.Tx) error) error {
	if g.armed.CompareAndSwap(true, false) {
		close(g.entered)
		<-g.release
	}
	g.writes.Add(1)
	return g.Store.Update(ctx, fn)
}

// TestConcurrentActivationsShareATransaction: activations of one licence
// that arrive while one is being recorded are recorded together in the
// next transaction, in order, the seats counted as they go: exactly as
// many succeed as there are seats, the rest are refused for want of one,
// a caller that gives up while waiting records nothing, and the ledger
// replays to the same state.
func TestConcurrentActivationsShareATransaction(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "l.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	k, err := keygen.Generate(bytes.NewReader(bytes.Repeat([]byte{7}, 32)), "umenu", codec.Ed25519, time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	g := &gatedStore{Store: store, entered: make(chan struct{}), release: make(chan struct{})}
	svc := New(g, keygen.NewKeyset(k), Options{})
	if _, err := svc.AddProduct(ctx, "umenu", "", nil); err != nil {
		t.Fatal(err)
	}
	li, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 10, Expires: codec.NoExpiry})
	if err != nil {
		t.Fatal(err)
	}
	uid := func(n int) string {
		u := codec.MachineUID{Version: codec.UIDVersion}
		u.Slots[codec.SlotNetwork], u.Slots[codec.SlotVersion] = uint16(n+1), 42
		return u.String()
	}
	g.armed.Store(true)
	before := g.writes.Load()
	const callers = 30
	results := make([]error, callers)
	serials := make([]uint64, callers)
	var wg sync.WaitGroup
	issue := func(i int) {
		wg.Go(func() {
			is, err := svc.Issue(ctx, licensing.IssueRequest{Licence: li.Display, Machine: uid(i)})
			results[i], serials[i] = err, is.Serial
		})
	}
	// The first caller alone, held in its transaction; only then the
	// others, so that none can join the first transaction (started
	// together, a quick scheduler could put them all in one batch).
	issue(0)
	select {
	case <-g.entered:
	case <-time.After(20 * time.Second):
		t.Fatal("the first activation never reached its transaction")
	}
	for i := 1; i < callers; i++ {
		issue(i)
	}
	// Every caller but the one being recorded waits its turn.
	waiting := func() int {
		svc.combine.mu.Lock()
		defer svc.combine.mu.Unlock()
		return len(svc.combine.waiting[li.Key])
	}
	waitFor := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); waiting() < n && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		if got := waiting(); got != n {
			t.Fatalf("%d callers waiting, want %d", got, n)
		}
	}
	waitFor(callers - 1)
	// One more caller, who gives up while waiting.
	gaveUp, cancel := context.WithCancel(ctx)
	quitter := make(chan error)
	go func() {
		_, err := svc.Issue(gaveUp, licensing.IssueRequest{Licence: li.Display, Machine: uid(callers)})
		quitter <- err
	}()
	waitFor(callers)
	cancel()
	if err := <-quitter; !errors.Is(err, context.Canceled) {
		t.Fatalf("the caller who gave up: %v", err)
	}
	close(g.release)
	wg.Wait()
	ok, refused := 0, 0
	seen := map[uint64]bool{}
	for i, err := range results {
		switch {
		case err == nil:
			ok++
			if seen[serials[i]] {
				t.Fatalf("serial %d issued twice", serials[i])
			}
			seen[serials[i]] = true
		case errors.Is(err, licensing.ErrSeatLimit):
			refused++
		default:
			t.Fatalf("caller %d: %v", i, err)
		}
	}
	if ok != 10 || refused != callers-10 {
		t.Fatalf("%d issued, %d refused; want 10 and %d", ok, refused, callers-10)
	}
	// The first alone, the 29 others (the quitter withdrawn) together.
	if w := g.writes.Load() - before; w != 2 {
		t.Errorf("%d write transactions for %d activations, want 2", w, callers)
	}
	got, err := svc.Licence(ctx, li.Display)
	if err != nil {
		t.Fatal(err)
	}
	if got.InUse != 10 || len(got.Holders) != 10 {
		t.Fatalf("%d seats in use, %d holders", got.InUse, len(got.Holders))
	}
	for _, h := range got.Holders {
		if h.Machine == uid(callers) {
			t.Fatal("the caller who gave up holds a seat")
		}
	}
	if err := svc.VerifyState(ctx); err != nil {
		t.Fatal(err)
	}
}
