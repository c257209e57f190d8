package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"sync"
	"syscall"

	"github.com/actkit/actkit/internal/pgtest"
	"github.com/actkit/actkit/ledger"
	"github.com/actkit/actkit/ledger/postgres"
)

// A full disk, for real: the ledger's tables and indexes are moved to a
// tablespace on a small tmpfs that is then filled, so that PostgreSQL
// itself fails to extend a table (SQLSTATE 53100). It needs root (mount)
// and a server on this machine; elsewhere the conformance suite skips its
// full-disk test.

var (
	fullMu      sync.Mutex
	fullCleanup []func()
)

// cleanupFullDisks drops the tablespaces and unmounts, after every test
// (and so every test database in them) is gone.
func cleanupFullDisks() {
	fullMu.Lock()
	defer fullMu.Unlock()
	for i := len(fullCleanup) - 1; i >= 0; i-- {
		fullCleanup[i]()
	}
}

// fullDiskBackend returns the suite's Full function, or nil where a full
// disk cannot be made here.
func fullDiskBackend() func(loc string) (ledger.Store, error) {
	if os.Geteuid() != 0 || os.Getenv(pgtest.Env) == "" {
		return nil
	}
	if _, err := user.Lookup("postgres"); err != nil {
		return nil
	}
	return fullDisk
}

func fullDisk(loc string) (ledger.Store, error) {
	pg, err := user.Lookup("postgres")
	if err != nil {
		return nil, err
	}
	uid, _ := strconv.Atoi(pg.Uid)
	gid, _ := strconv.Atoi(pg.Gid)
	dir, err := os.MkdirTemp("", "actkit-pgfull-")
	if err != nil {
		return nil, err
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", dir).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("mount tmpfs: %v: %s", err, out)
	}
	var b [4]byte
	rand.Read(b[:])
	ts := "actkit_full_" + hex.EncodeToString(b[:])
	admin := os.Getenv(pgtest.Env)
	fullMu.Lock()
	fullCleanup = append(fullCleanup, func() {
		pgtest.Exec(admin, "DROP TABLESPACE IF EXISTS "+ts)
		exec.Command("umount", "-l", dir).Run()
		os.Remove(dir)
	})
	fullMu.Unlock()
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	if err := pgtest.Exec(loc,
		"CREATE TABLESPACE "+ts+" LOCATION '"+dir+"'",
		"ALTER TABLE ALL IN TABLESPACE pg_default SET TABLESPACE "+ts,
		"ALTER INDEX ALL IN TABLESPACE pg_default SET TABLESPACE "+ts,
	); err != nil {
		return nil, err
	}
	// Fill the disk but for a few pages: enough for the first issue,
	// whose insert gives each of the activations table's eight indexes
	// its first page.
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return nil, err
	}
	free := int64(st.Bavail) * int64(st.Bsize)
	filler, err := os.Create(dir + "/filler")
	if err != nil {
		return nil, err
	}
	defer filler.Close()
	if _, err := filler.Write(make([]byte, max(free-160<<10, 0))); err != nil {
		return nil, err
	}
	return postgres.Open(context.Background(), loc, postgres.Options{})
}
