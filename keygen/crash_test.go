package keygen_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/keygen"
)

// TestCrashChild is the child of TestCrashWhileRewriting: it adds keys to
// the keystore in a loop, printing each committed generation, until it is
// killed.
func TestCrashChild(t *testing.T) {
	path := os.Getenv("ACTKIT_CRASH_KEYSTORE")
	if path == "" {
		t.Skip("child process of TestCrashWhileRewriting")
	}
	id, err := age.ParseX25519Identity(os.Getenv("ACTKIT_CRASH_IDENTITY"))
	if err != nil {
		t.Fatal(err)
	}
	s := keygen.NewStore(path, keygen.Unlock{Identities: []age.Identity{id}}, keygen.StoreOptions{})
	for {
		var gen uint64
		err := s.Update(context.Background(), func(ks *keygen.Keyset) error {
			_, err := ks.Add(rand.Reader, "umenu", codec.Ed25519, time.Now())
			gen = ks.Generation() + 1
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		os.Stdout.WriteString(strconv.FormatUint(gen, 10) + "\n")
	}
}

// TestCrashWhileRewriting kills a child process at random points while it
// rewrites the keystore, many times. After every kill the keystore opens,
// holds a consistent key set (one key per committed update), and holds at
// least every update the child reported as committed.
func TestCrashWhileRewriting(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	id, _ := age.GenerateX25519Identity()
	path := filepath.Join(t.TempDir(), "keystore.age")
	s := keygen.NewStore(path, keygen.Unlock{Identities: []age.Identity{id}}, keygen.StoreOptions{})
	if err := s.Init(context.Background(), keygen.Protection{Recipients: []string{id.Recipient().String()}}); err != nil {
		t.Fatal(err)
	}
	runs := 40
	for run := range runs {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
		cmd.Env = append(os.Environ(), "ACTKIT_CRASH_KEYSTORE="+path, "ACTKIT_CRASH_IDENTITY="+id.String())
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		committed := make(chan uint64, 1)
		go func() {
			var last uint64
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if n, err := strconv.ParseUint(sc.Text(), 10, 64); err == nil {
					last = n
				}
			}
			committed <- last
		}()
		d, _ := rand.Int(rand.Reader, big.NewInt(40))
		time.Sleep(time.Duration(10+d.Int64()) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		last := <-committed
		ks, err := s.Load(context.Background())
		if err != nil {
			t.Fatalf("run %d: keystore does not open after a kill: %v", run, err)
		}
		if uint64(len(ks.Keys())) != ks.Generation() {
			t.Fatalf("run %d: %d keys at generation %d: a partial update", run, len(ks.Keys()), ks.Generation())
		}
		if ks.Generation() < last {
			t.Fatalf("run %d: generation %d, but the child reported %d committed", run, ks.Generation(), last)
		}
	}
	// The next update sweeps the temporary files killed writers left.
	if err := s.Update(context.Background(), func(*keygen.Keyset) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if stale, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".keystore.age*.tmp-*")); len(stale) > 0 {
		t.Fatalf("stale temporary files remain: %v", stale)
	}
	ks, _ := s.Load(context.Background())
	t.Logf("%d kills, %d updates survived", runs, ks.Generation())
}
