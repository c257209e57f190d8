package keygen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"filippo.io/age"
	"filippo.io/age/armor"
	"github.com/actkit/actkit/internal/atomicfile"
	"github.com/gofrs/flock"
)

// Defaults for StoreOptions.
const (
	// DefaultMaxWorkFactor caps the scrypt work factor accepted when
	// opening a keystore: 2^20 is four times age's default and about a
	// gigabyte of memory. A planted file asking for more is refused before
	// any scrypt work, instead of stalling the signer.
	DefaultMaxWorkFactor = 20
	DefaultLockTimeout   = 10 * time.Second
	// maxKeystoreFile caps what is read from disk.
	maxKeystoreFile = 8 << 20
)

// StoreOptions tune a Store. The zero value is the production setting.
type StoreOptions struct {
	// Warn receives warnings meant for the user (a keystore readable by
	// others). Nil drops them.
	Warn func(msg string)
	// LockTimeout is how long a change waits for another process holding
	// the keystore's lock.
	LockTimeout time.Duration
	// MaxWorkFactor caps scrypt's work factor when opening.
	MaxWorkFactor int

	// ScryptWorkFactor sets the work factor (log2 N) of passphrase-protected
	// files written from now on. Zero keeps age's default, which is what
	// production must use; lower values exist so that tests, which run
	// scrypt many times under the race detector, finish.
	ScryptWorkFactor int
	// fs is the file system writes go through; tests inject faults.
	fs atomicfile.FS
}

// Store is a keystore file: one age-encrypted file holding every signing
// key, replaced atomically on every change, with the previous version
// kept beside it as PATH.bak.
//
// A Store is safe for concurrent use: one value may be shared by any
// number of goroutines. Changes (Init, Update, Trust, ChangeProtection)
// are serialized across goroutines and processes by the keystore's lock
// file; a change waiting for the lock gives up when its context ends or
// after StoreOptions.LockTimeout. Load and Inspect take no lock: the file
// is replaced by an atomic rename, so they read one whole version, and
// each call returns a Keyset of its own. The only state a Store keeps is
// the passphrase remembered after an open, behind a mutex; until one is
// remembered, opens running at the same time each ask Unlock.Passphrase,
// so a Passphrase function given to a shared Store must be safe to call
// from several goroutines.
type Store struct {
	path   string
	unlock Unlock
	opts   StoreOptions

	mu sync.Mutex
	// passphrase is remembered after a successful open of a
	// passphrase-protected keystore, to re-encrypt it on writes.
	passphrase string
}

func (s *Store) rememberedPassphrase() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.passphrase
}

func (s *Store) remember(pass string) {
	s.mu.Lock()
	s.passphrase = pass
	s.mu.Unlock()
}

// NewStore returns the store at path. Nothing is read until it is used.
func NewStore(path string, u Unlock, opts StoreOptions) *Store {
	if opts.LockTimeout == 0 {
		opts.LockTimeout = DefaultLockTimeout
	}
	if opts.MaxWorkFactor == 0 {
		opts.MaxWorkFactor = DefaultMaxWorkFactor
	}
	if opts.fs == nil {
		opts.fs = atomicfile.OS
	}
	return &Store{path: path, unlock: u, opts: opts}
}

// Path returns the keystore file's path.
func (s *Store) Path() string { return s.path }

// BackupPath returns where the previous version of the keystore is kept.
func (s *Store) BackupPath() string { return s.path + ".bak" }

func (s *Store) fail(err error, detail string) *KeystoreError {
	return &KeystoreError{Err: err, Path: s.path, Detail: detail}
}

// lock takes the keystore's lock file, waiting up to LockTimeout or until
// ctx ends, so that two processes changing the keystore never lose an
// update.
func (s *Store) lock(ctx context.Context) (func(), error) {
	l := flock.New(s.path+".lock", flock.SetFlag(os.O_CREATE|os.O_RDONLY|oNoFollow), flock.SetPermissions(0o600))
	lctx, cancel := context.WithTimeout(ctx, s.opts.LockTimeout)
	defer cancel()
	ok, err := l.TryLockContext(lctx, 50*time.Millisecond)
	switch {
	case ok:
		return func() { l.Unlock() }, nil
	case ctx.Err() != nil:
		return nil, s.fail(ErrLocked, "gave up waiting for another process: "+ctx.Err().Error())
	case err != nil && !errors.Is(err, context.DeadlineExceeded):
		return nil, s.fail(ErrLocked, err.Error())
	}
	return nil, s.fail(ErrLocked, fmt.Sprintf("waited %s; another process is changing it", s.opts.LockTimeout))
}

// Init creates the keystore, empty, with the given protection. It refuses
// to replace an existing keystore.
func (s *Store) Init(ctx context.Context, p Protection) error {
	if err := p.validate(); err != nil {
		return err
	}
	unlock, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	ks := &Keyset{recipients: p.Recipients}
	if len(p.Recipients) > 0 {
		if ks.auth, err = newAuth(randReader); err != nil {
			return err
		}
		ks.auth.addPins(append(append([]age.Identity{}, p.Identities...), s.unlock.Identities...))
	}
	err = s.write(ks, p.Passphrase, p.Armor, true)
	if errors.Is(err, atomicfile.ErrExists) {
		return s.fail(ErrKeystoreExists, "remove it first if you really mean to start over (its keys would be lost)")
	}
	if err == nil {
		s.remember(p.Passphrase)
	}
	return err
}

// Load decrypts and returns the keystore's keys.
func (s *Store) Load(ctx context.Context) (*Keyset, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ks, _, err := s.load()
	return ks, err
}

// load reads and decrypts the file, returning the keyset and the raw file
// (for the backup) and remembering whether it is armored.
func (s *Store) load() (*Keyset, *loaded, error) { return s.loadChecked(true) }

// loadChecked is load; with checkAuth false a recipient keystore that
// cannot authenticate itself is returned anyway (Trust, which the user
// confirms).
func (s *Store) loadChecked(checkAuth bool) (*Keyset, *loaded, error) {
	f, err := os.Open(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, s.fail(ErrKeystoreNotFound, "")
	}
	if err != nil {
		return nil, nil, s.fail(ErrDamaged, err.Error())
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 && s.opts.Warn != nil {
		// A fact for the front end to word: the fix (and its command) is
		// the caller's to suggest.
		s.opts.Warn(fmt.Sprintf("%s is readable by other users (mode %04o); it holds every signing key and should be readable and writable by its owner only (mode 0600)", s.path, st.Mode().Perm()))
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeystoreFile+1))
	if err != nil {
		return nil, nil, s.fail(ErrDamaged, err.Error())
	}
	if len(data) > maxKeystoreFile {
		return nil, nil, s.damaged("larger than any keystore")
	}
	h, err := readHeader(data)
	if err != nil {
		return nil, nil, s.damaged("not a readable age file")
	}
	var ids []age.Identity
	if h.scrypt {
		if h.logN > s.opts.MaxWorkFactor {
			return nil, nil, s.fail(ErrWorkFactor, fmt.Sprintf("the file asks for 2^%d, the limit is 2^%d", h.logN, s.opts.MaxWorkFactor))
		}
		if s.unlock.Passphrase == nil {
			return nil, nil, s.fail(ErrWrongProtection, "it is protected by a passphrase: give the passphrase")
		}
		pass := s.rememberedPassphrase()
		if pass == "" {
			if pass, err = s.unlock.Passphrase(); err != nil {
				return nil, nil, err
			}
		}
		id, err := age.NewScryptIdentity(pass)
		if err != nil {
			return nil, nil, s.fail(ErrIncorrectPassword, "empty passphrase")
		}
		id.SetMaxWorkFactor(s.opts.MaxWorkFactor)
		ids = []age.Identity{id}
		s.remember(pass)
	} else {
		if len(s.unlock.Identities) == 0 {
			return nil, nil, s.fail(ErrWrongProtection, "it is encrypted to age recipients: give the identity file that matches one of them")
		}
		ids = s.unlock.Identities
	}
	var src io.Reader = bytes.NewReader(data)
	if h.armored {
		src = armor.NewReader(src)
	}
	r, err := age.Decrypt(src, ids...)
	if err != nil {
		s.remember("")
		var nomatch *age.NoIdentityMatchError
		if errors.As(err, &nomatch) {
			if h.scrypt {
				return nil, nil, s.fail(ErrIncorrectPassword, "")
			}
			return nil, nil, s.fail(ErrNoMatchingIdentity, "the identity given is not one the keystore was encrypted to")
		}
		return nil, nil, s.damaged("the encrypted header does not parse")
	}
	plain, err := io.ReadAll(io.LimitReader(r, maxPlaintext+1))
	if err != nil || len(plain) > maxPlaintext {
		return nil, nil, s.damaged("the encrypted content is truncated or was altered")
	}
	ks, err := unmarshalKeyset(plain)
	if err == nil && !h.scrypt && checkAuth {
		switch {
		case ks.auth == nil:
			err = &KeystoreError{Err: ErrUnauthenticated, Detail: "it carries no authentication: it was written before keystores were authenticated, or forged by someone holding only its public recipient"}
		case !ks.auth.vouches(s.unlock.Identities):
			err = &KeystoreError{Err: ErrUnauthenticated, Detail: "no identity given vouches for it: it was forged, or its recipients changed since this identity last confirmed it"}
		}
	}
	if err != nil {
		var ke *KeystoreError
		if errors.As(err, &ke) {
			ke.Path = s.path
			if ke.Err == ErrDamaged {
				ke.Backup = s.backupIfExists()
			}
		}
		return nil, nil, err
	}
	return ks, &loaded{data: data, armored: h.armored}, nil
}

type loaded struct {
	data    []byte
	armored bool
}

func (s *Store) damaged(detail string) *KeystoreError {
	e := s.fail(ErrDamaged, detail)
	e.Backup = s.backupIfExists()
	return e
}

func (s *Store) backupIfExists() string {
	if _, err := os.Stat(s.BackupPath()); err == nil {
		return s.BackupPath()
	}
	return ""
}

// Update loads the keystore under its lock, applies fn and, if fn
// succeeds, writes the result atomically, keeping the previous file as
// the backup. If fn fails, nothing is written.
func (s *Store) Update(ctx context.Context, fn func(*Keyset) error) error {
	unlock, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	s.removeStaleTemps()
	ks, prev, err := s.load()
	if err != nil {
		return err
	}
	if err := fn(ks); err != nil {
		return err
	}
	return s.replace(ks, prev, s.rememberedPassphrase(), prev.armored)
}

// removeStaleTemps deletes temporary files left by a writer that crashed
// before its rename. It runs under the lock, so no live writer owns them.
// Only regular files are: a writer never makes anything else, so a
// symlink, FIFO, device or directory given such a name is someone else's
// and stays (Lstat: a symlink is judged as itself, never by its target).
func (s *Store) removeStaleTemps() {
	dir, base := filepath.Split(s.path)
	if dir == "" {
		dir = "."
	}
	for _, b := range []string{base, filepath.Base(s.BackupPath())} {
		stale, _ := filepath.Glob(filepath.Join(dir, "."+b+".tmp-*"))
		for _, f := range stale {
			if fi, err := os.Lstat(f); err == nil && fi.Mode().IsRegular() {
				os.Remove(f)
			}
		}
	}
}

// Trust makes the caller's identities vouch for a recipient keystore that
// cannot authenticate itself to them: one written before keystores were
// authenticated, or one whose recipients were changed by another team
// member. Call it only after the user has seen what the keystore holds
// (Inspect) and confirmed it is theirs: a forged keystore is exactly one
// that would ask for this.
func (s *Store) Trust(ctx context.Context) error {
	unlock, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	s.removeStaleTemps()
	ks, prev, err := s.loadChecked(false)
	if err != nil {
		return err
	}
	if len(ks.recipients) == 0 {
		return s.fail(ErrWrongProtection, "a passphrase keystore needs no trust")
	}
	if ks.auth == nil {
		if ks.auth, err = newAuth(randReader); err != nil {
			return err
		}
	}
	if !ks.auth.addPins(s.unlock.Identities) {
		return s.fail(ErrUnauthenticated, "none of the identities given can vouch for a keystore (use an age or SSH identity file)")
	}
	return s.replace(ks, prev, "", prev.armored)
}

// Inspect returns the keystore's keys without checking its
// authentication, so that a user can see what Trust would vouch for.
func (s *Store) Inspect(ctx context.Context) (*Keyset, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ks, _, err := s.loadChecked(false)
	return ks, err
}

// Recipients returns the recipients a keystore is encrypted to (none for
// a passphrase keystore).
func (ks *Keyset) Recipients() []string { return append([]string(nil), ks.recipients...) }

// ChangeProtection re-encrypts the keystore with new protection (a new
// passphrase, or new recipients), atomically.
func (s *Store) ChangeProtection(ctx context.Context, p Protection) error {
	if err := p.validate(); err != nil {
		return err
	}
	unlock, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	s.removeStaleTemps()
	ks, _, err := s.load()
	if err != nil {
		return err
	}
	// After a change of protection no file may open with the old secret
	// (a rotated passphrase, a recipient that was removed): the backup is
	// the previous version re-encrypted under the new protection, written
	// first, so that a crash leaves the keystore under the old protection
	// (still openable) or both files under the new one.
	ks.recipients = p.Recipients
	ks.auth = nil
	if len(p.Recipients) > 0 {
		// New recipients, new authentication key: pins made for the old
		// recipient list vouch for nothing any more.
		if ks.auth, err = newAuth(randReader); err != nil {
			return err
		}
		ks.auth.addPins(append(append([]age.Identity{}, p.Identities...), s.unlock.Identities...))
	}
	prevPlain, err := ks.marshal()
	if err != nil {
		return err
	}
	err = atomicfile.Write(s.opts.fs, s.BackupPath(), 0o600, func(w io.Writer) error {
		return encrypt(w, prevPlain, p.Passphrase, p.Recipients, p.Armor, s.opts.ScryptWorkFactor)
	})
	if err != nil {
		return s.fail(err, "writing the backup under the new protection; the keystore was not changed")
	}
	ks.generation++
	if err := s.write(ks, p.Passphrase, p.Armor, false); err != nil {
		return err
	}
	s.remember(p.Passphrase)
	return nil
}

// replace keeps the current file as the backup, then writes the new one.
// Each step is atomic, so after a crash the keystore is the old or the new
// version and the backup an old one.
func (s *Store) replace(ks *Keyset, prev *loaded, passphrase string, armored bool) error {
	err := atomicfile.Write(s.opts.fs, s.BackupPath(), 0o600, func(w io.Writer) error {
		_, err := w.Write(prev.data)
		return err
	})
	if err != nil {
		return s.fail(err, "keeping the backup; the keystore was not changed")
	}
	ks.generation++
	return s.write(ks, passphrase, armored, false)
}

func (s *Store) write(ks *Keyset, passphrase string, armored, create bool) error {
	plain, err := ks.marshal()
	if err != nil {
		return err
	}
	recipients := ks.recipients
	if passphrase != "" {
		recipients = nil
	}
	write := atomicfile.Write
	if create {
		write = atomicfile.Create
	}
	err = write(s.opts.fs, s.path, 0o600, func(w io.Writer) error {
		return encrypt(w, plain, passphrase, recipients, armored, s.opts.ScryptWorkFactor)
	})
	if err != nil && !errors.Is(err, atomicfile.ErrExists) {
		var ke *KeystoreError
		if errors.As(err, &ke) {
			return err
		}
		return &KeystoreError{Err: err, Path: s.path, Detail: "the previous keystore is unchanged"}
	}
	return err
}
