package postgres_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/internal/pgtest"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/ledger/ledgertest"
	"github.com/actkit/actkit/ledger/postgres"
	"github.com/actkit/actkit/licensing"
	"github.com/actkit/actkit/signer"
)

// What only a shared database can show: instances in separate processes,
// each with its own pool, on one database.

const (
	roleEnv = "ACTKIT_PGTEST_ROLE" // "race" or "migrate"
	locEnv  = "ACTKIT_PGTEST_LOC"
	baseEnv = "ACTKIT_PGTEST_BASE" // the first machine number a racer uses
	// racers is how many issues each of the two racing processes sends
	// at once: 50 in all.
	racers = 25
)

var ctx = context.Background()

// child is the other process of these tests.
func child(role string) int {
	switch role {
	case "migrate":
		// Open applies the migrations; Ready checks the schema.
		at, _ := strconv.ParseInt(os.Getenv(baseEnv), 10, 64)
		time.Sleep(time.Until(time.Unix(0, at)))
		s, err := postgres.Open(ctx, os.Getenv(locEnv), postgres.Options{})
		if err != nil {
			fmt.Println("error", err)
			return 3
		}
		defer s.Close()
		if err := s.Ready(ctx); err != nil {
			fmt.Println("error", err)
			return 3
		}
		fmt.Println("ready")
		return 0
	case "race":
		s, err := postgres.Open(ctx, os.Getenv(locEnv), postgres.Options{MaxConns: racers})
		if err != nil {
			fmt.Println("error", err)
			return 3
		}
		defer s.Close()
		svc := signer.New(s, ledgertest.Keys(), signer.Options{Now: func() time.Time { return ledgertest.Now }})
		base, _ := strconv.Atoi(os.Getenv(baseEnv))
		// One line in (the licence keys of a round), one line out (how
		// many of this process's issues got a seat, per licence).
		in := bufio.NewScanner(os.Stdin)
		for in.Scan() {
			lics := strings.Fields(in.Text())
			var wg sync.WaitGroup
			var mu sync.Mutex
			won, other := make([]int, len(lics)), ""
			for l, lic := range lics {
				for i := range racers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						_, err := svc.Issue(ctx, licensing.IssueRequest{Licence: lic, Machine: ledgertest.UID(base + i)})
						mu.Lock()
						defer mu.Unlock()
						switch {
						case err == nil:
							won[l]++
						case !errors.Is(err, licensing.ErrSeatLimit):
							other = err.Error()
						}
					}()
				}
			}
			wg.Wait()
			if other != "" {
				fmt.Println("error", other)
				return 3
			}
			fmt.Println(strings.Trim(fmt.Sprint(won), "[]"))
		}
		return 0
	}
	return 2
}

// racer is a child process that races for seats.
type racer struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

func startRacer(t *testing.T, loc string, base int) *racer {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), roleEnv+"=race", locEnv+"="+loc, baseEnv+"="+strconv.Itoa(base))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &racer{cmd: cmd, in: in, out: bufio.NewScanner(out)}
	t.Cleanup(func() { in.Close(); cmd.Wait() })
	return r
}

func (r *racer) result(t *testing.T, round, races int) []int {
	t.Helper()
	if !r.out.Scan() {
		t.Fatalf("round %d: a racing process ended: %v", round, r.out.Err())
	}
	f := strings.Fields(r.out.Text())
	if len(f) != races {
		t.Fatalf("round %d: %s", round, r.out.Text())
	}
	won := make([]int, races)
	for i, s := range f {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("round %d: %s", round, r.out.Text())
		}
		won[i] = n
	}
	return won
}

// TestLastSeatAcrossProcesses: 50 issues at once, 25 from each of two
// processes with their own pools, for the last seat of a licence;
// exactly one wins, in every one of 1,000 races, and the seat counter
// ends at the licence's seats. Ten races run at once (on ten licences,
// whose rows do not contend), a hundred times.
func TestLastSeatAcrossProcesses(t *testing.T) {
	loc := pgtest.NewDatabase(t)
	s, err := postgres.Open(ctx, loc, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	svc := signer.New(s, ledgertest.Keys(), signer.Options{Now: func() time.Time { return ledgertest.Now }})
	if _, err := svc.AddProduct(ctx, "umenu", "", nil); err != nil {
		t.Fatal(err)
	}
	a, b := startRacer(t, loc, 0), startRacer(t, loc, racers)
	const races = 10
	rounds := 100
	if testing.Short() {
		rounds = 5
	}
	for round := range rounds {
		var lics []licensing.Licence
		for range races {
			li, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 2, Expires: codec.NoExpiry})
			if err != nil {
				t.Fatal(err)
			}
			// One seat taken by a machine neither racer uses.
			if _, err := svc.Issue(ctx, licensing.IssueRequest{Licence: li.Display, Machine: ledgertest.UID(9999)}); err != nil {
				t.Fatal(err)
			}
			lics = append(lics, li)
		}
		var line []string
		for _, li := range lics {
			line = append(line, li.Display)
		}
		fmt.Fprintln(a.in, strings.Join(line, " "))
		fmt.Fprintln(b.in, strings.Join(line, " "))
		wa, wb := a.result(t, round, races), b.result(t, round, races)
		for i, li := range lics {
			got, err := svc.Licence(ctx, li.Display)
			if err != nil {
				t.Fatal(err)
			}
			if won := wa[i] + wb[i]; won != 1 || got.InUse != 2 || len(got.Holders) != 2 {
				t.Fatalf("round %d race %d: %d of 50 issues got the last seat; %d seats counted, %d holders", round, i, won, got.InUse, len(got.Holders))
			}
		}
	}
	if err := svc.VerifyState(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d races of 50 issues from two processes: one winner each", rounds*races)
}

// TestMigrationsOnceAcrossInstances: three instances open a new database
// at the same moment; the migrations run once (a second run of the first
// one would fail: its tables exist) and all three become ready.
func TestMigrationsOnceAcrossInstances(t *testing.T) {
	for round := range 3 {
		loc := pgtest.NewDatabase(t)
		at := strconv.FormatInt(time.Now().Add(500*time.Millisecond).UnixNano(), 10)
		var cmds []*exec.Cmd
		var outs []*strings.Builder
		for range 3 {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), roleEnv+"=migrate", locEnv+"="+loc, baseEnv+"="+at)
			out := &strings.Builder{}
			cmd.Stdout, cmd.Stderr = out, out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			cmds, outs = append(cmds, cmd), append(outs, out)
		}
		for i, cmd := range cmds {
			if err := cmd.Wait(); err != nil || strings.TrimSpace(outs[i].String()) != "ready" {
				t.Fatalf("round %d instance %d: %v: %s", round, i, err, outs[i])
			}
		}
		s, err := postgres.Open(ctx, loc, postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Ready(ctx); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
}

// TestPasswordNeverInErrors: a password in the ledger's URL appears in no
// error, whatever fails.
func TestPasswordNeverInErrors(t *testing.T) {
	base := pgtest.ServerURL(t)
	const pw = "pw-s3cret-9f2c"
	withPassword, err := pgtest.WithPassword(base, pw)
	if err != nil {
		t.Fatal(err)
	}
	noSuchDB, err := pgtest.WithDatabase(withPassword, "actkit_no_such_db")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, url string }{
		{"refused", "postgres://actkit:" + pw + "@127.0.0.1:1/ledger?sslmode=disable&connect_timeout=2"},
		{"no such database", noSuchDB},
		{"does not parse", "postgres://actkit:" + pw + "@127.0.0.1:notaport/ledger"},
		{"password parameter", "postgres://127.0.0.1:1/ledger?sslmode=disable&connect_timeout=2&password=" + pw},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := postgres.Open(ctx, c.url, postgres.Options{ConnectTimeout: 2 * time.Second})
			if err == nil {
				t.Fatal("opened")
			}
			if strings.Contains(err.Error(), pw) || strings.Contains(fmt.Sprintf("%+v", err), pw) {
				t.Fatalf("the password is in the error: %v", err)
			}
			if !errors.Is(err, ledger.ErrCannotOpen) {
				t.Fatalf("want ErrCannotOpen: %v", err)
			}
			if strings.Contains(postgres.Redact(c.url), pw) {
				t.Fatalf("Redact left the password: %s", postgres.Redact(c.url))
			}
		})
	}
}

// TestLockTimeoutSaysBusy: a writer that waits longer than the lock
// timeout for a licence held by a stalled session gives up with ErrBusy
// and records nothing.
func TestLockTimeoutSaysBusy(t *testing.T) {
	loc := pgtest.NewDatabase(t)
	s, err := postgres.Open(ctx, loc, postgres.Options{LockTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	svc := signer.New(s, ledgertest.Keys(), signer.Options{Now: func() time.Time { return ledgertest.Now }})
	if _, err := svc.AddProduct(ctx, "umenu", "", nil); err != nil {
		t.Fatal(err)
	}
	li, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 3, Expires: codec.NoExpiry})
	if err != nil {
		t.Fatal(err)
	}
	held, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		done <- s.Update(ctx, func(tx ledger.Tx) error {
			if _, err := tx.LicenceForUpdate(li.Key); err != nil {
				return err
			}
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	start := time.Now()
	_, err = svc.Issue(ctx, licensing.IssueRequest{Licence: li.Display, Machine: ledgertest.UID(1)})
	waited := time.Since(start)
	close(release)
	if werr := <-done; werr != nil {
		t.Fatal(werr)
	}
	if !errors.Is(err, ledger.ErrBusy) || waited > 5*time.Second {
		t.Fatalf("after %s: %v; want ErrBusy after the lock timeout", waited, err)
	}
	if got, _ := svc.Licence(ctx, li.Display); got.InUse != 0 {
		t.Fatal("a request that gave up took a seat")
	}
}

// TestConstraintIsARefusal: the database's own seat checks, reached by a
// writer that bypassed the rules, come back as the licensing refusal, not
// as a database error.
func TestConstraintIsARefusal(t *testing.T) {
	loc := pgtest.NewDatabase(t)
	s, err := postgres.Open(ctx, loc, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	svc := signer.New(s, ledgertest.Keys(), signer.Options{Now: func() time.Time { return ledgertest.Now }})
	if _, err := svc.AddProduct(ctx, "umenu", "", nil); err != nil {
		t.Fatal(err)
	}
	li, err := svc.NewLicence(ctx, rand.Reader, licensing.LicenceSpec{Product: "umenu", Seats: 1, Expires: codec.NoExpiry})
	if err != nil {
		t.Fatal(err)
	}
	k, _ := ledgertest.Keys().Active("umenu")
	a := licensing.Activation{Licence: li.Key, Product: "umenu", Seats: 1, KeyID: k.ID, Expires: codec.NoExpiry, Created: ledgertest.Now}
	for _, c := range []struct{ name, second string }{{"unique live activation", ledgertest.UID(1)}, {"seat counter CHECK", ledgertest.UID(2)}} {
		err := s.Update(ctx, func(tx ledger.Tx) error {
			a.Machine = ledgertest.UID(1)
			if _, err := tx.InsertActivation(a); err != nil {
				return err
			}
			a.Machine = c.second
			_, err := tx.InsertActivation(a)
			return err
		})
		if !errors.Is(err, licensing.ErrSeatLimit) || licensing.ReasonCode(err) == "" {
			t.Fatalf("%s: %v", c.name, err)
		}
	}
	if got, _ := svc.Licence(ctx, li.Display); got.InUse != 0 {
		t.Fatal("a refused transaction left a seat")
	}
}
