package keygen_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/internal/atomicfile/atomicfiletest"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/verify"
)

const testWorkFactor = 10 // 2^10: fast; production uses age's default

var now = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func passphrase(p string) keygen.Unlock {
	return keygen.Unlock{Passphrase: func() (string, error) { return p, nil }}
}

func newPassStore(t *testing.T, armor bool) *keygen.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "keystore.age")
	s := keygen.NewStore(path, passphrase("correct horse"), keygen.OptionsForTest(testWorkFactor, nil))
	if err := s.Init(context.Background(), keygen.Protection{Passphrase: "correct horse", Armor: armor}); err != nil {
		t.Fatal(err)
	}
	return s
}

func newRecipientStore(t *testing.T, opts keygen.StoreOptions) (*keygen.Store, *age.X25519Identity) {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "keystore.age")
	s := keygen.NewStore(path, keygen.Unlock{Identities: []age.Identity{id}}, opts)
	if err := s.Init(context.Background(), keygen.Protection{Recipients: []string{id.Recipient().String()}}); err != nil {
		t.Fatal(err)
	}
	return s, id
}

func addKey(t *testing.T, s *keygen.Store, product string, alg codec.Algorithm) *keygen.SigningKey {
	t.Helper()
	var k *keygen.SigningKey
	err := s.Update(context.Background(), func(ks *keygen.Keyset) error {
		var err error
		k, err = ks.Add(rand.Reader, product, alg, now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestRoundTripBothProtections(t *testing.T) {
	for _, armor := range []bool{false, true} {
		s := newPassStore(t, armor)
		k := addKey(t, s, "umenu", codec.Ed25519)
		h := addKey(t, s, "closed", codec.HMACSHA256)
		// A fresh Store (a new process) reads the same keys.
		again := keygen.NewStore(s.Path(), passphrase("correct horse"), keygen.OptionsForTest(testWorkFactor, nil))
		ks, err := again.Load(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got := ks.Keys()
		if len(got) != 2 || got[0].ID != k.ID || got[1].ID != h.ID || !bytes.Equal(got[1].Secret(), h.Secret()) {
			t.Fatalf("keys %+v", got)
		}
		data, _ := os.ReadFile(s.Path())
		if armor != strings.HasPrefix(string(data), "-----BEGIN AGE ENCRYPTED FILE-----") {
			t.Fatalf("armor=%v but file starts %q", armor, data[:20])
		}
		st, _ := os.Stat(s.Path())
		if st.Mode().Perm() != 0o600 {
			t.Fatalf("mode %v", st.Mode())
		}
	}
	rs, id := newRecipientStore(t, keygen.OptionsForTest(0, nil))
	k := addKey(t, rs, "umenu", codec.Ed25519)
	ks, err := keygen.NewStore(rs.Path(), keygen.Unlock{Identities: []age.Identity{id}}, keygen.StoreOptions{}).Load(context.Background())
	if err != nil || ks.Keys()[0].ID != k.ID {
		t.Fatalf("recipient keystore: %v", err)
	}
}

func TestInitRefusesOverwrite(t *testing.T) {
	s := newPassStore(t, false)
	addKey(t, s, "umenu", codec.Ed25519)
	before, _ := os.ReadFile(s.Path())
	err := s.Init(context.Background(), keygen.Protection{Passphrase: "other"})
	if !errors.Is(err, keygen.ErrKeystoreExists) {
		t.Fatalf("got %v", err)
	}
	after, _ := os.ReadFile(s.Path())
	if !bytes.Equal(before, after) {
		t.Fatal("keystore changed")
	}
	for _, p := range []keygen.Protection{{}, {Passphrase: "x", Recipients: []string{"age1x"}}, {Recipients: []string{"nonsense"}}} {
		if err := keygen.NewStore(filepath.Join(t.TempDir(), "k"), keygen.Unlock{}, keygen.StoreOptions{}).Init(context.Background(), p); !errors.Is(err, keygen.ErrBadProtection) {
			t.Errorf("%+v: %v", p, err)
		}
	}
}

func TestOpenErrorsLeaveFileUnchanged(t *testing.T) {
	s := newPassStore(t, false)
	addKey(t, s, "umenu", codec.Ed25519)
	orig, _ := os.ReadFile(s.Path())
	other, _ := age.GenerateX25519Identity()
	cases := []struct {
		name   string
		unlock keygen.Unlock
		want   error
	}{
		{"wrong passphrase", passphrase("wrong"), keygen.ErrIncorrectPassword},
		{"identity for a passphrase file", keygen.Unlock{Identities: []age.Identity{other}}, keygen.ErrWrongProtection},
	}
	for _, c := range cases {
		_, err := keygen.NewStore(s.Path(), c.unlock, keygen.StoreOptions{}).Load(context.Background())
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v", c.name, err)
		}
		if c.want == keygen.ErrIncorrectPassword && !strings.Contains(err.Error(), "incorrect passphrase") {
			t.Errorf("message %q", err)
		}
	}
	rs, _ := newRecipientStore(t, keygen.StoreOptions{})
	if _, err := keygen.NewStore(rs.Path(), keygen.Unlock{Identities: []age.Identity{other}}, keygen.StoreOptions{}).Load(context.Background()); !errors.Is(err, keygen.ErrNoMatchingIdentity) {
		t.Errorf("wrong identity: %v", err)
	}
	if _, err := keygen.NewStore(rs.Path(), passphrase("x"), keygen.StoreOptions{}).Load(context.Background()); !errors.Is(err, keygen.ErrWrongProtection) {
		t.Errorf("passphrase for recipient file: %v", err)
	}
	if _, err := keygen.NewStore(filepath.Join(t.TempDir(), "none"), passphrase("x"), keygen.StoreOptions{}).Load(context.Background()); !errors.Is(err, keygen.ErrKeystoreNotFound) {
		t.Errorf("missing: %v", err)
	}
	after, _ := os.ReadFile(s.Path())
	if !bytes.Equal(orig, after) {
		t.Fatal("a failed open changed the keystore")
	}
}

// TestDamagedFiles truncates a small keystore at every byte offset and
// flips every bit of it: each gives a typed error, never a panic or a
// success, and the damage report names the backup.
func TestDamagedFiles(t *testing.T) {
	rs, id := newRecipientStore(t, keygen.StoreOptions{})
	addKey(t, rs, "umenu", codec.Ed25519) // now a backup exists
	orig, _ := os.ReadFile(rs.Path())
	dir := t.TempDir()
	path := filepath.Join(dir, "keystore.age")
	os.WriteFile(path+".bak", []byte("x"), 0o600)
	open := func(data []byte) error {
		os.WriteFile(path, data, 0o600)
		_, err := keygen.NewStore(path, keygen.Unlock{Identities: []age.Identity{id}}, keygen.StoreOptions{}).Load(context.Background())
		return err
	}
	check := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s: opened", what)
		}
		var ke *keygen.KeystoreError
		if !errors.As(err, &ke) || (ke.Err != keygen.ErrDamaged && ke.Err != keygen.ErrNoMatchingIdentity) {
			t.Fatalf("%s: %v", what, err)
		}
		if ke.Err == keygen.ErrDamaged && ke.Backup != path+".bak" {
			t.Fatalf("%s: damage report does not name the backup: %v", what, err)
		}
	}
	for n := 0; n < len(orig); n++ {
		check(fmt.Sprintf("truncated to %d", n), open(orig[:n]))
	}
	for i := 0; i < len(orig)*8; i += 3 {
		mut := bytes.Clone(orig)
		mut[i/8] ^= 1 << (i % 8)
		check(fmt.Sprintf("bit %d flipped", i), open(mut))
	}
}

func TestWorkFactorCap(t *testing.T) {
	s := newPassStore(t, false)
	data, _ := os.ReadFile(s.Path())
	planted := bytes.Replace(data, []byte(fmt.Sprintf(" %d\n", testWorkFactor)), []byte(" 25\n"), 1)
	if bytes.Equal(planted, data) {
		t.Fatal("could not find the work factor in the header")
	}
	os.WriteFile(s.Path(), planted, 0o600)
	start := time.Now()
	_, err := keygen.NewStore(s.Path(), passphrase("correct horse"), keygen.StoreOptions{}).Load(context.Background())
	if !errors.Is(err, keygen.ErrWorkFactor) {
		t.Fatalf("got %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("the cap was applied after doing the work")
	}
}

func TestPermissionWarning(t *testing.T) {
	s := newPassStore(t, false)
	os.Chmod(s.Path(), 0o644)
	var warned []string
	opts := keygen.OptionsForTest(testWorkFactor, nil)
	opts.Warn = func(m string) { warned = append(warned, m) }
	if _, err := keygen.NewStore(s.Path(), passphrase("correct horse"), opts).Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(warned) != 1 || !strings.Contains(warned[0], "readable by other users") {
		t.Fatalf("warnings %q", warned)
	}
}

// TestWriteFaults fails each step of the keystore write in turn: the
// previous keystore stays intact and loadable, no temporary file remains.
func TestWriteFaults(t *testing.T) {
	for _, step := range []string{"create", "write", "sync", "close", "rename"} {
		t.Run(step, func(t *testing.T) {
			good, id := newRecipientStore(t, keygen.StoreOptions{})
			first := addKey(t, good, "umenu", codec.Ed25519)
			orig, _ := os.ReadFile(good.Path())
			faulty := keygen.NewStore(good.Path(), keygen.Unlock{Identities: []age.Identity{id}},
				keygen.OptionsForTest(0, atomicfiletest.FaultFS{Fail: step, Match: "keystore.age.tmp"}))
			err := faulty.Update(context.Background(), func(ks *keygen.Keyset) error {
				_, err := ks.Add(rand.Reader, "umenu", codec.Ed25519, now)
				return err
			})
			if !errors.Is(err, atomicfiletest.ErrInjected) {
				t.Fatalf("got %v", err)
			}
			after, _ := os.ReadFile(good.Path())
			if !bytes.Equal(orig, after) {
				t.Fatal("keystore changed by a failed write")
			}
			ks, err := good.Load(context.Background())
			if err != nil || len(ks.Keys()) != 1 || ks.Keys()[0].ID != first.ID {
				t.Fatalf("previous keystore not loadable: %v", err)
			}
			entries, _ := os.ReadDir(filepath.Dir(good.Path()))
			for _, e := range entries {
				if strings.Contains(e.Name(), ".tmp-") {
					t.Fatalf("temporary file left: %s", e.Name())
				}
			}
		})
	}
	// A failed directory sync is reported, not turned into success.
	good, id := newRecipientStore(t, keygen.StoreOptions{})
	faulty := keygen.NewStore(good.Path(), keygen.Unlock{Identities: []age.Identity{id}},
		keygen.OptionsForTest(0, atomicfiletest.FaultFS{Fail: "syncdir"}))
	err := faulty.Update(context.Background(), func(ks *keygen.Keyset) error { return nil })
	if !errors.Is(err, atomicfiletest.ErrInjected) {
		t.Fatalf("syncdir: %v", err)
	}
}

// TestConcurrentUpdatesLoseNothing: the lock serializes writers.
func TestConcurrentUpdatesLoseNothing(t *testing.T) {
	s, id := newRecipientStore(t, keygen.StoreOptions{})
	const workers, each = 4, 5
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := keygen.NewStore(s.Path(), keygen.Unlock{Identities: []age.Identity{id}}, keygen.StoreOptions{LockTimeout: time.Minute})
			for range each {
				errs <- st.Update(context.Background(), func(ks *keygen.Keyset) error {
					_, err := ks.Add(rand.Reader, fmt.Sprintf("p%d", w), codec.Ed25519, now)
					return err
				})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	ks, err := s.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ks.Keys()) != workers*each || ks.Generation() != workers*each {
		t.Fatalf("%d keys, generation %d: updates were lost", len(ks.Keys()), ks.Generation())
	}
}

func TestLockTimeout(t *testing.T) {
	s, id := newRecipientStore(t, keygen.StoreOptions{})
	release := make(chan struct{})
	holding := make(chan struct{})
	done := make(chan error)
	go func() {
		done <- s.Update(context.Background(), func(*keygen.Keyset) error { close(holding); <-release; return nil })
	}()
	<-holding
	other := keygen.NewStore(s.Path(), keygen.Unlock{Identities: []age.Identity{id}}, keygen.StoreOptions{LockTimeout: 200 * time.Millisecond})
	err := other.Update(context.Background(), func(*keygen.Keyset) error { return nil })
	close(release)
	if herr := <-done; herr != nil {
		t.Fatal(herr)
	}
	if !errors.Is(err, keygen.ErrLocked) {
		t.Fatalf("got %v", err)
	}
}

// TestCancelledContextStopsWaitingForTheLock: a change queued behind
// another process's change gives up when its caller's context ends (an
// HTTP request that was abandoned), long before the lock timeout.
func TestCancelledContextStopsWaitingForTheLock(t *testing.T) {
	s, id := newRecipientStore(t, keygen.StoreOptions{})
	release := make(chan struct{})
	holding := make(chan struct{})
	done := make(chan error)
	go func() {
		done <- s.Update(context.Background(), func(*keygen.Keyset) error { close(holding); <-release; return nil })
	}()
	<-holding
	other := keygen.NewStore(s.Path(), keygen.Unlock{Identities: []age.Identity{id}}, keygen.StoreOptions{LockTimeout: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := other.Update(ctx, func(*keygen.Keyset) error { t.Error("ran without the lock"); return nil })
	waited := time.Since(start)
	close(release)
	if herr := <-done; herr != nil {
		t.Fatal(herr)
	}
	if !errors.Is(err, keygen.ErrLocked) || waited > 10*time.Second {
		t.Fatalf("after %s: %v; want ErrLocked soon after the context ended", waited, err)
	}
}

func TestRotationAndRevocation(t *testing.T) {
	s, _ := newRecipientStore(t, keygen.StoreOptions{})
	old := addKey(t, s, "umenu", codec.Ed25519)
	b := codec.Binding{Product: "umenu", LicenceKey: "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM", MachineUID: "18J8D-22RR5-50W00-0000C"}
	p := codec.Payload{Issued: codec.DayOf(now), Expires: codec.NoExpiry, Seats: 1, Serial: 1}
	oldCode, _ := codec.Sign(old, b, p)
	rotated := addKey(t, s, "umenu", codec.Ed25519)
	newCode, _ := codec.Sign(rotated, b, p)
	ks, _ := s.Load(context.Background())
	if a, _ := ks.Active("umenu"); a.ID != rotated.ID {
		t.Fatal("the new key is not active")
	}
	if k, _ := ks.Key(old.ID); k.Status != keygen.Retired {
		t.Fatalf("old key status %s", k.Status)
	}
	kr, err := ks.Export("umenu", false)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := verify.NewKeyring(kr)
	for _, c := range []string{oldCode, newCode} {
		if _, err := v.Verify(c, b, now); err != nil {
			t.Fatalf("after rotation: %v", err)
		}
	}
	if err := s.Update(context.Background(), func(ks *keygen.Keyset) error { return ks.Revoke(old.ID) }); err != nil {
		t.Fatal(err)
	}
	ks, _ = s.Load(context.Background())
	kr, _ = ks.Export("umenu", false)
	v, _ = verify.NewKeyring(kr)
	if _, err := v.Verify(oldCode, b, now); !errors.Is(err, verify.ErrRevokedKey) {
		t.Fatalf("revoked key's code: %v", err)
	}
	if _, err := v.Verify(newCode, b, now); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(context.Background(), func(ks *keygen.Keyset) error { return ks.Retire(old.ID) }); err == nil {
		t.Fatal("a revoked key was brought back")
	}
}

func TestExportRefusesHMACWithoutConsent(t *testing.T) {
	s, _ := newRecipientStore(t, keygen.StoreOptions{})
	h := addKey(t, s, "closed", codec.HMACSHA256)
	ks, _ := s.Load(context.Background())
	_, err := ks.Export("closed", false)
	if !errors.Is(err, keygen.ErrHMACExport) {
		t.Fatalf("got %v", err)
	}
	if strings.Contains(err.Error(), fmt.Sprintf("%x", h.Secret())) {
		t.Fatal("secret in error")
	}
	kr, err := ks.Export("closed", true)
	if err != nil || kr.Keys[0].Alg != codec.HMACSHA256 {
		t.Fatalf("with consent: %v", err)
	}
	if _, err := ks.Export("nothing", false); !errors.Is(err, keygen.ErrNoKey) {
		t.Fatal(err)
	}
}

func TestChangeProtection(t *testing.T) {
	s := newPassStore(t, false)
	k := addKey(t, s, "umenu", codec.Ed25519)
	if err := s.ChangeProtection(context.Background(), keygen.Protection{Passphrase: "new passphrase", Armor: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := keygen.NewStore(s.Path(), passphrase("correct horse"), keygen.StoreOptions{}).Load(context.Background()); !errors.Is(err, keygen.ErrIncorrectPassword) {
		t.Fatalf("old passphrase: %v", err)
	}
	id, _ := age.GenerateX25519Identity()
	if err := keygen.NewStore(s.Path(), passphrase("new passphrase"), keygen.StoreOptions{}).ChangeProtection(context.Background(),
		keygen.Protection{Recipients: []string{id.Recipient().String()}, Identities: []age.Identity{id}}); err != nil {
		t.Fatal(err)
	}
	ks, err := keygen.NewStore(s.Path(), keygen.Unlock{Identities: []age.Identity{id}}, keygen.StoreOptions{}).Load(context.Background())
	if err != nil || ks.Keys()[0].ID != k.ID {
		t.Fatalf("after switching to recipients: %v", err)
	}
}

// TestNoFileOpensWithTheOldSecret: after a change of protection, neither
// the keystore nor its backup (nor a temp file) opens with the old
// passphrase; the backup opens with the new one and holds the keys.
func TestNoFileOpensWithTheOldSecret(t *testing.T) {
	ctx := context.Background()
	s := newPassStore(t, false)
	k := addKey(t, s, "umenu", codec.Ed25519)
	addKey(t, s, "other", codec.Ed25519) // a .bak exists under the old passphrase
	dir := filepath.Dir(s.Path())
	os.WriteFile(filepath.Join(dir, ".keystore.age.tmp-crashed"), []byte("left by a crash"), 0o600)
	if err := s.ChangeProtection(ctx, keygen.Protection{Passphrase: "new passphrase"}); err != nil {
		t.Fatal(err)
	}
	files, _ := os.ReadDir(dir)
	for _, f := range files {
		if strings.HasSuffix(f.Name(), ".lock") {
			continue
		}
		path := filepath.Join(dir, f.Name())
		if strings.Contains(f.Name(), ".tmp-") {
			t.Errorf("temp file %s survived the change", f.Name())
			continue
		}
		if _, err := keygen.NewStore(path, passphrase("correct horse"), keygen.StoreOptions{}).Load(ctx); err == nil {
			t.Errorf("%s still opens with the old passphrase", f.Name())
		}
		ks, err := keygen.NewStore(path, passphrase("new passphrase"), keygen.StoreOptions{}).Load(ctx)
		if err != nil {
			t.Errorf("%s does not open with the new passphrase: %v", f.Name(), err)
			continue
		}
		if _, err := ks.Key(k.ID); err != nil {
			t.Errorf("%s lost key %s", f.Name(), k.ID)
		}
	}
	// Switching to recipients: the passphrase opens nothing any more.
	id, _ := age.GenerateX25519Identity()
	st := keygen.NewStore(s.Path(), passphrase("new passphrase"), keygen.StoreOptions{})
	if err := st.ChangeProtection(ctx, keygen.Protection{Recipients: []string{id.Recipient().String()}, Identities: []age.Identity{id}}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{s.Path(), s.BackupPath()} {
		if _, err := keygen.NewStore(path, passphrase("new passphrase"), keygen.StoreOptions{}).Load(ctx); err == nil {
			t.Errorf("%s opens with the passphrase after switching to recipients", filepath.Base(path))
		}
		if _, err := keygen.NewStore(path, keygen.Unlock{Identities: []age.Identity{id}}, keygen.StoreOptions{}).Load(ctx); err != nil {
			t.Errorf("%s does not open with the identity: %v", filepath.Base(path), err)
		}
	}
}
