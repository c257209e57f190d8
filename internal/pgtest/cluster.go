package pgtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A Cluster is a PostgreSQL server of a test's own, made with initdb in a
// temporary folder and listening on 127.0.0.1 on a free port, so that the
// test can stop, crash and restart it without touching the shared server
// that ACTKIT_TEST_POSTGRES names. PostgreSQL refuses to run as root:
// under root the cluster's programs run as the user postgres.
type Cluster struct {
	t    testing.TB
	bin  string
	dir  string // owned by the user the server runs as
	Port int
	as   *user.User // nil: the current user
}

// NewCluster makes and starts a cluster, stopped and removed when the test
// ends. It skips where the PostgreSQL tests are off (see ServerURL) or no
// initdb is installed (fails under CI).
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	ServerURL(t)
	bin := binDir()
	if bin == "" {
		msg := "no PostgreSQL server programs (initdb, pg_ctl) to make a cluster with"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	c := &Cluster{t: t, bin: bin, Port: freePort(t)}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("running as root and there is no user postgres to run a cluster as")
		}
		c.as = u
	}
	c.makeDir()
	if out, err := c.run(filepath.Join(bin, "initdb"), "-D", c.Data(), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	c.Configure("listen_addresses = '127.0.0.1'\nfsync = off\nshared_buffers = 16MB\nmax_connections = 40\n")
	c.Start()
	return c
}

// NewStandby makes a hot standby of primary: a copy by pg_basebackup
// that streams primary's changes (-R writes standby.signal and
// primary_conninfo), on a free port of its own, started. It is stopped
// and removed when the test ends.
func NewStandby(t testing.TB, primary *Cluster) *Cluster {
	t.Helper()
	c := &Cluster{t: t, bin: primary.bin, Port: freePort(t), as: primary.as}
	c.makeDir()
	if out, err := c.run(filepath.Join(c.bin, "pg_basebackup"), "-h", "127.0.0.1", "-p", strconv.Itoa(primary.Port), "-U", "postgres",
		"-D", c.Data(), "-R", "-X", "stream", "--no-sync"); err != nil {
		t.Fatalf("pg_basebackup: %v\n%s", err, out)
	}
	c.Configure("hot_standby = on\n")
	c.Start()
	return c
}

// makeDir makes the cluster's folder, owned by the user the server runs
// as, removed (after an immediate stop) when the test ends, and writes
// nothing else; the port and socket folder are set at each start.
func (c *Cluster) makeDir() {
	dir, err := os.MkdirTemp("", "actkit-pgcluster-")
	if err != nil {
		c.t.Fatal(err)
	}
	c.dir = dir
	c.t.Cleanup(func() {
		c.pgctl("stop", "-m", "immediate") // may already be stopped
		os.RemoveAll(dir)
	})
	if c.as != nil {
		uid, _ := strconv.Atoi(c.as.Uid)
		gid, _ := strconv.Atoi(c.as.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			c.t.Fatal(err)
		}
	}
}

// Data is the cluster's data directory.
func (c *Cluster) Data() string { return filepath.Join(c.dir, "data") }

// URL is the cluster's postgres database as a connection URL.
func (c *Cluster) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.Port)
}

// Configure appends lines to postgresql.conf (read at the next start).
func (c *Cluster) Configure(lines string) {
	c.t.Helper()
	c.Write("postgresql.conf", lines, true)
}

// Write writes (or, with appending, extends) a file in the data
// directory, owned by the user the server runs as.
func (c *Cluster) Write(name, text string, appending bool) {
	c.t.Helper()
	flag := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if appending {
		flag = os.O_WRONLY | os.O_APPEND
	}
	f, err := os.OpenFile(filepath.Join(c.Data(), name), flag, 0o600)
	if err == nil {
		_, err = f.WriteString(text)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err == nil && c.as != nil {
		uid, _ := strconv.Atoi(c.as.Uid)
		gid, _ := strconv.Atoi(c.as.Gid)
		err = os.Chown(filepath.Join(c.Data(), name), uid, gid)
	}
	if err != nil {
		c.t.Fatal(err)
	}
}

// Remove removes a file from the data directory, if it is there.
func (c *Cluster) Remove(name string) {
	if err := os.Remove(filepath.Join(c.Data(), name)); err != nil && !os.IsNotExist(err) {
		c.t.Fatal(err)
	}
}

// Start starts the server and waits until it accepts connections (or,
// for a standby, until it has started).
func (c *Cluster) Start() {
	c.t.Helper()
	opts := fmt.Sprintf("-p %d -k %s", c.Port, c.dir)
	if out, err := c.pgctl("start", "-w", "-t", "60", "-l", filepath.Join(c.dir, "server.log"), "-o", opts); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "server.log"))
		c.t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
}

// Stop stops the server: mode "fast" (connections are ended, a clean
// shutdown) or "immediate" (a crash: the next start recovers).
func (c *Cluster) Stop(mode string) {
	c.t.Helper()
	if out, err := c.pgctl("stop", "-w", "-m", mode); err != nil {
		c.t.Fatalf("pg_ctl stop: %v\n%s", err, out)
	}
}

func (c *Cluster) pgctl(args ...string) ([]byte, error) {
	return c.run(filepath.Join(c.bin, "pg_ctl"), append([]string{"-D", c.Data()}, args...)...)
}

// run runs a server program, as the cluster's user.
func (c *Cluster) run(prog string, args ...string) ([]byte, error) {
	var cmd *exec.Cmd
	if c.as != nil {
		cmd = exec.Command("runuser", append([]string{"-u", c.as.Username, "--", prog}, args...)...)
	} else {
		cmd = exec.Command(prog, args...)
	}
	cmd.Dir = c.dir
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		<-done
	}
	return out, err
}

// binDir finds the directory of the server programs (initdb, pg_ctl,
// pg_basebackup together): the newest /usr/lib/postgresql/*/bin (Debian
// keeps them off PATH), else initdb's directory on PATH.
func binDir() string {
	has := func(d string) bool {
		for _, p := range []string{"initdb", "pg_ctl", "pg_basebackup"} {
			if _, err := os.Stat(filepath.Join(d, p)); err != nil {
				return false
			}
		}
		return true
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	best, bestV := "", -1
	for _, d := range dirs {
		v, err := strconv.Atoi(strings.Split(filepath.Base(filepath.Dir(d)), ".")[0])
		if err == nil && has(d) && v > bestV {
			best, bestV = d, v
		}
	}
	if best == "" {
		if p, err := exec.LookPath("initdb"); err == nil && has(filepath.Dir(p)) {
			best = filepath.Dir(p)
		}
	}
	return best
}

// freePort is a TCP port on 127.0.0.1 nobody listens on right now.
func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
