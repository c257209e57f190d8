package signer_test

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"database/sql"
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
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/signer"
)

// fixedKeys is the same keyset in every process of a test.
func fixedKeys(t testing.TB) *keygen.Keyset {
	t.Helper()
	k, err := keygen.Generate(bytes.NewReader(bytes.Repeat([]byte{42}, 32)), "umenu", codec.Ed25519, testNow, nil)
	if err != nil {
		t.Fatal(err)
	}
	return keygen.NewKeyset(k)
}

// TestLastSeatGoroutines: many goroutines ask for the last seat at once;
// exactly one gets it. Repeated.
func TestLastSeatGoroutines(t *testing.T) {
	for round := range 10 {
		l, ks, li := setup(t, 3)
		for i := range 2 {
			if _, err := l.Issue(ks, signer.IssueRequest{Licence: li.Key, Machine: uid(1000 + i)}); err != nil {
				t.Fatal(err)
			}
		}
		const n = 12
		var wg sync.WaitGroup
		results := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := l.Issue(ks, signer.IssueRequest{Licence: li.Key, Machine: uid(i)})
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
			case signer.RefusalCode(err) != signer.CodeSeatLimit:
				t.Fatalf("round %d: unexpected error %v", round, err)
			}
		}
		got, _ := l.Licence(li.Key)
		if ok != 1 || got.InUse != 3 {
			t.Fatalf("round %d: %d goroutines got the last seat; %d seats in use", round, ok, got.InUse)
		}
	}
}

// TestRaceChild is the child of TestLastSeatProcesses and of
// TestCrashWhileIssuing.
func TestRaceChild(t *testing.T) {
	path := os.Getenv("ACTKIT_LEDGER")
	if path == "" {
		t.Skip("child process")
	}
	l, err := signer.Open(path, signer.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	ks := fixedKeys(t)
	lic := os.Getenv("ACTKIT_LICENCE")
	if os.Getenv("ACTKIT_MODE") == "loop" {
		for i := 0; ; i++ {
			is, err := l.Issue(ks, signer.IssueRequest{Licence: lic, Machine: uid(i)})
			if err != nil {
				fmt.Println("error", err)
				os.Exit(3)
			}
			fmt.Printf("%d %s\n", is.Serial, is.Code)
		}
	}
	n, _ := strconv.Atoi(os.Getenv("ACTKIT_MACHINE"))
	<-waitUntil(os.Getenv("ACTKIT_START"))
	_, err = l.Issue(ks, signer.IssueRequest{Licence: lic, Machine: uid(n)})
	if err == nil {
		fmt.Println("RESULT ok")
	} else {
		fmt.Println("RESULT", signer.RefusalCode(err), err)
	}
}

// waitUntil returns a channel closed at the given Unix-nanosecond time, so
// that the children start their requests together.
func waitUntil(ns string) <-chan struct{} {
	c := make(chan struct{})
	at, _ := strconv.ParseInt(ns, 10, 64)
	time.AfterFunc(time.Until(time.Unix(0, at)), func() { close(c) })
	return c
}

func sharedLedger(t *testing.T, seats, taken int) (string, string) {
	t.Helper()
	dir := t.TempDir()
	l := openLedger(t, dir)
	ks := fixedKeys(t)
	l.AddProduct(signer.Product{ID: "umenu"})
	li, err := l.NewLicence(rand.Reader, signer.LicenceSpec{Product: "umenu", Seats: seats, Expires: codec.NoExpiry})
	if err != nil {
		t.Fatal(err)
	}
	for i := range taken {
		if _, err := l.Issue(ks, signer.IssueRequest{Licence: li.Key, Machine: uid(5000 + i)}); err != nil {
			t.Fatal(err)
		}
	}
	return l.Path(), li.Key
}

// TestLastSeatProcesses: separate processes ask for the last seat at the
// same instant; exactly one gets it. Repeated.
func TestLastSeatProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	for round := range 5 {
		path, lic := sharedLedger(t, 2, 1)
		const procs = 4
		start := strconv.FormatInt(time.Now().Add(700*time.Millisecond).UnixNano(), 10)
		outs := make([]bytes.Buffer, procs)
		cmds := make([]*exec.Cmd, procs)
		for i := range procs {
			cmds[i] = exec.Command(os.Args[0], "-test.run=^TestRaceChild$")
			cmds[i].Env = append(os.Environ(), "ACTKIT_LEDGER="+path, "ACTKIT_LICENCE="+lic,
				"ACTKIT_MACHINE="+strconv.Itoa(i), "ACTKIT_START="+start)
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
			case strings.Contains(out, "RESULT "+signer.CodeSeatLimit):
			default:
				t.Fatalf("round %d child %d: %s", round, i, out)
			}
		}
		if ok != 1 {
			t.Fatalf("round %d: %d processes got the last seat", round, ok)
		}
	}
}

// TestCrashWhileIssuing kills a child process at random points while it
// issues codes, many times. After each kill the database passes
// integrity_check, the audit chain verifies, and every code the child
// printed has its activation row.
func TestCrashWhileIssuing(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	path, lic := sharedLedger(t, 60000, 0)
	printed := map[uint64]string{}
	for run := range 25 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestRaceChild$")
		cmd.Env = append(os.Environ(), "ACTKIT_LEDGER="+path, "ACTKIT_LICENCE="+lic, "ACTKIT_MODE=loop")
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan []string)
		go func() {
			var got []string
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				got = append(got, sc.Text())
			}
			lines <- got
		}()
		d, _ := rand.Int(rand.Reader, big.NewInt(150))
		time.Sleep(time.Duration(50+d.Int64()) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		for _, line := range <-lines {
			f := strings.Fields(line)
			if len(f) == 2 {
				s, _ := strconv.ParseUint(f[0], 10, 64)
				printed[s] = f[1]
			}
		}
		l, err := signer.Open(path, signer.Options{Now: clock})
		if err != nil {
			t.Fatalf("run %d: ledger does not open: %v", run, err)
		}
		if err := l.IntegrityCheck(); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		if _, _, err := l.VerifyChain(); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		l.Close()
	}
	raw, _ := sql.Open("sqlite", path)
	defer raw.Close()
	for serial := range printed {
		var n int
		raw.QueryRow("SELECT count(*) FROM activations WHERE serial = ?", serial).Scan(&n)
		if n != 1 {
			t.Fatalf("code with serial %d was printed but has no row", serial)
		}
	}
	if len(printed) == 0 {
		t.Fatal("the child printed no code: the test proved nothing")
	}
	t.Logf("25 kills; %d printed codes, all recorded", len(printed))
}
