package ledgertest

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"
)

// The child process's role and arguments, passed by environment to the
// backend's own test binary (ledgertest.Main); only test binaries read
// them.
const (
	childEnv     = "ACTKIT_LEDGERTEST_CHILD" // "race" or "loop"
	childLoc     = "ACTKIT_LEDGERTEST_LOC"
	childLicence = "ACTKIT_LEDGERTEST_LICENCE"
	childMachine = "ACTKIT_LEDGERTEST_MACHINE"
	childStart   = "ACTKIT_LEDGERTEST_START"
)

// child is the other process of the cross-process tests.
func child(b Backend) int {
	store, err := b.Open(os.Getenv(childLoc))
	if err != nil {
		fmt.Println("error", err)
		return 3
	}
	defer store.Close()
	svc := signer.New(store, Keys(), signer.Options{Now: clock})
	lic := os.Getenv(childLicence)
	if os.Getenv(childEnv) == "loop" {
		for i := 0; ; i++ {
			is, err := svc.Issue(ctx, licensing.IssueRequest{Licence: lic, Machine: UID(i)})
			if err != nil {
				fmt.Println("error", err)
				return 3
			}
			// Printed only after Issue returned: the record is durable.
			fmt.Printf("%d %s\n", is.Serial, is.Code)
		}
	}
	n, _ := strconv.Atoi(os.Getenv(childMachine))
	at, _ := strconv.ParseInt(os.Getenv(childStart), 10, 64)
	time.Sleep(time.Until(time.Unix(0, at)))
	_, err = svc.Issue(ctx, licensing.IssueRequest{Licence: lic, Machine: UID(n)})
	if err == nil {
		fmt.Println("RESULT ok")
	} else {
		fmt.Println("RESULT", licensing.ReasonCode(err), err)
	}
	return 0
}

// shared makes a ledger with a licence of seats, taken of them in use.
func shared(t *testing.T, b Backend, seats, taken int) (string, string) {
	t.Helper()
	loc := b.New(t)
	store := open(t, b, loc)
	svc := signer.New(store, Keys(), signer.Options{Now: clock})
	if _, err := svc.AddProduct(ctx, "umenu", "", nil); err != nil {
		t.Fatal(err)
	}
	li, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: seats, Expires: codec.NoExpiry})
	if err != nil {
		t.Fatal(err)
	}
	for i := range taken {
		if _, err := svc.Issue(ctx, licensing.IssueRequest{Licence: li.Display, Machine: UID(5000 + i)}); err != nil {
			t.Fatal(err)
		}
	}
	return loc, li.Display
}

// testLastSeatGoroutines: many goroutines ask for the last seat at once;
// exactly one gets it. Repeated.
func testLastSeatGoroutines(t *testing.T, b Backend) {
	for round := range 10 {
		f := setup(t, b, 3)
		f.issue(t, UID(1000))
		f.issue(t, UID(1001))
		const n = 12
		var wg sync.WaitGroup
		results := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := f.svc.Issue(ctx, licensing.IssueRequest{Licence: f.li.Display, Machine: UID(i)})
				results <- err
			}()
		}
		wg.Wait()
		close(results)
		ok := 0
		for err := range results {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, licensing.ErrSeatLimit):
				t.Fatalf("round %d: unexpected error %v", round, err)
			}
		}
		if got := f.licence(t); ok != 1 || got.InUse != 3 {
			t.Fatalf("round %d: %d goroutines got the last seat; %d seats in use", round, ok, got.InUse)
		}
	}
}

// testLastSeatProcesses: separate processes ask for the last seat at the
// same instant; exactly one gets it. Repeated.
func testLastSeatProcesses(t *testing.T, b Backend) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	for round := range 5 {
		loc, lic := shared(t, b, 2, 1)
		const procs = 4
		start := strconv.FormatInt(time.Now().Add(700*time.Millisecond).UnixNano(), 10)
		outs := make([]bytes.Buffer, procs)
		cmds := make([]*exec.Cmd, procs)
		for i := range procs {
			cmds[i] = exec.Command(os.Args[0], "-test.run=^$")
			cmds[i].Env = append(os.Environ(), childEnv+"=race", childLoc+"="+loc, childLicence+"="+lic,
				childMachine+"="+strconv.Itoa(i), childStart+"="+start)
			cmds[i].Stdout = &outs[i]
			if err := cmds[i].Start(); err != nil {
				t.Fatal(err)
			}
		}
		ok := 0
		for i, c := range cmds {
			c.Wait()
			out := outs[i].String()
			switch {
			case strings.Contains(out, "RESULT ok"):
				ok++
			case strings.Contains(out, "RESULT seat-limit"):
			default:
				t.Fatalf("round %d child %d: %s", round, i, out)
			}
		}
		if ok != 1 {
			t.Fatalf("round %d: %d processes got the last seat", round, ok)
		}
	}
}

// testCrashWhileIssuing kills a child process at random moments while it
// issues codes, many times. After each kill the ledger opens, the backend
// check passes, the trail verifies, and every code the child printed has
// its activation, live.
func testCrashWhileIssuing(t *testing.T, b Backend) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	loc, lic := shared(t, b, 60000, 0)
	printed := map[uint64]string{}
	for run := range 25 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"=loop", childLoc+"="+loc, childLicence+"="+lic)
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan []string)
		first := make(chan struct{})
		go func() {
			var got []string
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if got = append(got, sc.Text()); len(got) == 1 {
					close(first)
				}
			}
			lines <- got
		}()
		// The kill falls at a random moment once the child is issuing (its
		// first code printed), not at a fixed time after its start: on a
		// loaded machine a race-built child can take longer than any fixed
		// delay to open the ledger, and 25 kills before the first code
		// would prove nothing. Every other run is killed at start-up
		// instead, while it may be opening or migrating the ledger.
		if run%2 == 0 {
			select {
			case <-first:
			case <-time.After(time.Minute):
				t.Errorf("run %d: the child printed no code within a minute", run)
			}
		}
		d, _ := rand.Int(rand.Reader, big.NewInt(150))
		time.Sleep(time.Duration(d.Int64()) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		for _, line := range <-lines {
			if f := strings.Fields(line); len(f) == 2 {
				s, _ := strconv.ParseUint(f[0], 10, 64)
				printed[s] = f[1]
			}
		}
		store, err := b.Open(loc)
		if err != nil {
			t.Fatalf("run %d: the ledger does not open: %v", run, err)
		}
		if b.Check != nil {
			if err := b.Check(store); err != nil {
				t.Fatalf("run %d: %v", run, err)
			}
		}
		svc := signer.New(store, Keys(), signer.Options{Now: clock})
		if _, _, err := svc.VerifyChain(ctx); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		store.Close()
	}
	store := open(t, b, loc)
	svc := signer.New(store, Keys(), signer.Options{Now: clock})
	li, err := svc.Licence(ctx, lic)
	if err != nil {
		t.Fatal(err)
	}
	live := map[uint64]bool{}
	for _, h := range li.Holders {
		live[h.Serial] = true
	}
	for serial := range printed {
		if !live[serial] {
			t.Fatalf("code with serial %d was printed but has no live activation", serial)
		}
	}
	if len(printed) == 0 {
		t.Fatal("the child printed no code: the test proved nothing")
	}
	if li.InUse != len(li.Holders) {
		t.Fatalf("%d seats counted for %d holders", li.InUse, len(li.Holders))
	}
	if err := svc.VerifyState(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("25 kills; %d printed codes, all recorded", len(printed))
}

// testFullDisk fills the ledger's storage: issuing then fails with no
// code, and every earlier record is intact.
func testFullDisk(t *testing.T, b Backend) {
	if b.Full == nil {
		t.Skip("the backend cannot simulate a full disk")
	}
	f := setup(t, b, codec.MaxSeats)
	f.store.Close()
	store, err := b.Full(f.loc)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc := signer.New(store, f.ks, signer.Options{Now: clock})
	var issued []signer.Issued
	var full error
	for i := 0; i < 5000 && full == nil; i++ {
		is, err := svc.Issue(ctx, licensing.IssueRequest{Licence: f.li.Display, Machine: UID(i)})
		if err != nil {
			if is.Code != "" {
				t.Fatal("a code was returned with an error")
			}
			full = err
			break
		}
		issued = append(issued, is)
	}
	if full == nil || !strings.Contains(full.Error(), "full") {
		t.Fatalf("never hit the limit, or another error: %v", full)
	}
	if len(issued) == 0 {
		t.Fatal("the limit left no room at all: the test proves nothing")
	}
	if b.Check != nil {
		if err := b.Check(store); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := svc.VerifyChain(ctx); err != nil {
		t.Fatal(err)
	}
	li, err := svc.Licence(ctx, f.li.Display)
	if err != nil {
		t.Fatal(err)
	}
	if li.InUse != len(issued) {
		t.Fatalf("%d codes issued, %d seats recorded", len(issued), li.InUse)
	}
	for _, is := range issued {
		again, err := svc.Issue(ctx, licensing.IssueRequest{Licence: f.li.Display, Machine: is.Machine})
		if err != nil && !strings.Contains(err.Error(), "full") {
			t.Fatal(err)
		}
		if err == nil && (again.Serial != is.Serial || again.Code != is.Code) {
			t.Fatalf("serial %d changed after the disk filled", is.Serial)
		}
	}
	t.Logf("%d codes before the disk was full: %v", len(issued), full)
}
