// Command product is a small program that embeds actkit activation as a
// real product would, online and offline. On start it prints its licence
// state: with a licence server it activates itself on first use and
// validates on the server's schedule, and runs on its grace when the
// server cannot be reached. "request" prints the request code to send to
// the vendor; "activate CODE" checks and stores a code (offline);
// "activate" alone activates online; "validate" asks the server now;
// "deactivate" gives the code up (freeing the seat online, or printing a
// deactivation code for the vendor).
//
// It reads its keyring from PRODUCT_KEYRING (a real product embeds it),
// its licence key from PRODUCT_LICENCE, keeps its state in PRODUCT_STATE
// (default product-state.json), and takes the licence server's address
// from -server or from the "server" line of its configuration file
// (-config, default product.conf; no server: offline only). It takes its
// clock and its hardware from the machine it runs on and from nothing
// else: copy this pattern, and never let an environment variable move the
// licensing clock, point the machine identity at other hardware or supply
// a component of it (a machine.Options.ProductValue from the environment
// lets anyone give a second machine the first one's UID, and its licence
// with it).
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/actkit/actkit/activation"
	"github.com/actkit/actkit/activation/online"
	"github.com/actkit/actkit/machine"
	"github.com/actkit/actkit/verify"
)

const version = "4.2.17"

// stateKey keys the MAC of the product's state file
// (activation.Config.StateKey). It is a secret of this product's own,
// compiled in: without it the MAC key comes from public values, and
// anyone who reads actkit's source can rewrite the state file with a
// first run of today for a fresh grace period. Compiled in rather than
// read from a file or the environment, so that the user cannot supply or
// change it. Make your own once (16 random bytes) and never change it: a
// new key makes every installed product's state file read as damaged.
// Someone who extracts it from the binary can still forge the file; a
// patched binary defeats any offline check (docs/security.md).
var stateKey = []byte{0xaa, 0x62, 0xa8, 0x1b, 0x5f, 0x59, 0x34, 0xac, 0x8e, 0x00, 0xec, 0xe8, 0x9e, 0x75, 0xe2, 0x99}

// onlineTimeout bounds each command's talk with the licence server,
// retries included: a product must start even when the network hangs.
const onlineTimeout = 30 * time.Second

// Test seams, set only by the test binary's main (main_test.go), never
// from the environment by this program: the tests' clock, a product
// value that gives the test machine a per-machine component where it has
// none of its own (a container without a network adapter), and a
// hardware description to read instead of the machine's (an empty one:
// the UID is then the version and the product value alone, the same on
// every test machine).
var (
	testOnlyNow          func() time.Time
	testOnlyProductValue string
	testOnlyMachineRoot  string
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = "usage: product [-server URL] [-config FILE] [request | activate [CODE] | validate | deactivate | keyring-update FILE]"

func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("product", flag.ContinueOnError)
	fl.SetOutput(stderr)
	serverURL := fl.String("server", "", "the licence server's address (overrides the configuration file)")
	config := fl.String("config", "product.conf", "the configuration file")
	if err := fl.Parse(args); err != nil {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	args = fl.Args()
	// The keyring's path comes from PRODUCT_KEYRING: the error names the
	// variable, which is what the user has to set or correct.
	krPath := os.Getenv("PRODUCT_KEYRING")
	if krPath == "" {
		fmt.Fprintln(stderr, "product: no keyring: set PRODUCT_KEYRING to the keyring file's path")
		return 2
	}
	data, err := os.ReadFile(krPath)
	if err != nil {
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
			err = pe.Err // the path is said once, with its variable
		}
		fmt.Fprintf(stderr, "product: no keyring: PRODUCT_KEYRING=%s: %v\n", krPath, err)
		return 2
	}
	kr, err := verify.ParseKeyring(string(data))
	if err != nil {
		fmt.Fprintln(stderr, "product: bad keyring:", err)
		return 2
	}
	if *serverURL == "" {
		if *serverURL, err = configServer(*config); err != nil {
			fmt.Fprintln(stderr, "product:", err)
			return 2
		}
	}
	state := os.Getenv("PRODUCT_STATE")
	if state == "" {
		state = "product-state.json"
	}
	id, err := machine.Collect(machine.Options{Product: kr.Product(), Version: version, ProductValue: testOnlyProductValue, Root: testOnlyMachineRoot})
	if err != nil {
		fmt.Fprintln(stderr, "product: machine identity:", err)
		return 1
	}
	host, _ := os.Hostname()
	c := &activation.Client{
		Config:         activation.Config{Keyring: kr, StatePath: state, StateKey: stateKey},
		Machine:        id.UID,
		LicenceKey:     os.Getenv("PRODUCT_LICENCE"),
		MachineName:    host,
		ProductVersion: version,
		Now:            testOnlyNow,
	}
	if *serverURL != "" {
		srv, err := online.New(*serverURL, online.Options{UserAgent: kr.Product() + "/" + version})
		if err != nil {
			fmt.Fprintln(stderr, "product:", err)
			return 2
		}
		c.Server = srv
	}
	ctx, cancel := context.WithTimeout(context.Background(), onlineTimeout)
	defer cancel()

	switch {
	case len(args) == 0:
		st, err := c.Start(ctx)
		return report(stdout, stderr, st, err)
	case args[0] == "request" && len(args) == 1:
		code, err := c.RequestCode("")
		if err != nil {
			fmt.Fprintln(stderr, "product:", err)
			return 1
		}
		fmt.Fprintln(stdout, "Send this request code to your vendor:")
		fmt.Fprintln(stdout, code)
		return 0
	case args[0] == "activate" && len(args) == 2:
		// A typo's error names its group and already carries the one
		// correction that verifies ("did you mean ...?"); the product adds
		// where it differs (verify.Error.Fix), to be read out over the
		// phone, and the user confirms it.
		st, err := c.ActivateCode(c.LicenceKey, args[1])
		if err != nil {
			fmt.Fprintf(stdout, "not activated: %v\n", err)
			if ve := (*verify.Error)(nil); errors.As(err, &ve) && ve.Suggestion != "" {
				fmt.Fprintf(stdout, "group %d, symbol %d: %c, not %c\n", ve.Fix.Group, ve.Fix.Symbol, ve.Fix.Want, ve.Fix.Given)
			}
			return 1
		}
		fmt.Fprintln(stdout, st)
		return 0
	case args[0] == "activate" && len(args) == 1:
		st, err := c.Activate(ctx, c.LicenceKey)
		if err != nil {
			fmt.Fprintf(stdout, "not activated online: %v\n", err)
			if errors.Is(err, activation.ErrOffline) || errors.Is(err, activation.ErrNoServer) {
				fmt.Fprintln(stdout, "without the licence server, activate offline: run 'product request' and send the code to your vendor")
			}
			fmt.Fprintln(stdout, st)
			return 1
		}
		return report(stdout, stderr, st, nil)
	case args[0] == "keyring-update" && len(args) == 2:
		// An air-gapped site installs the vendor's keyring update (its
		// revocations, a new root) from a file carried over by hand.
		update, err := os.ReadFile(args[1])
		if err != nil {
			fmt.Fprintln(stderr, "product:", err)
			return 2
		}
		st, err := c.InstallKeyring(string(update))
		if err != nil {
			fmt.Fprintf(stdout, "keyring update not installed: %v\n", err)
			return 1
		}
		fmt.Fprintln(stdout, "keyring update installed;", st)
		return 0
	case args[0] == "validate" && len(args) == 1:
		st, err := c.Validate(ctx)
		return report(stdout, stderr, st, err)
	case args[0] == "deactivate" && len(args) == 1:
		st, err := c.Deactivate(ctx)
		switch {
		case st.State != activation.Deactivated:
			fmt.Fprintf(stdout, "not deactivated: %v\n", err)
			return 1
		case st.DeactivationCode != "":
			if err != nil {
				fmt.Fprintln(stderr, "product: the seat could not be freed online:", err)
			}
			fmt.Fprintln(stdout, "Deactivated on this machine. Give this deactivation code to your vendor to free the seat:")
			fmt.Fprintln(stdout, st.DeactivationCode)
			return 0
		}
		fmt.Fprintf(stdout, "deactivated: the seat is free (%d in use on the licence)\n", st.ActiveCount)
		return 0
	}
	fmt.Fprintln(stderr, usage)
	return 2
}

// report prints a state and a warning for an online step that did not
// happen, and returns the exit status: 0 while the product may run fully.
func report(stdout, stderr io.Writer, st activation.Status, err error) int {
	line := st.String()
	if st.MaxActivations > 0 {
		line += fmt.Sprintf(" (seats: %d of %d in use)", st.ActiveCount, st.MaxActivations)
	}
	fmt.Fprintln(stdout, line)
	switch {
	case errors.Is(err, activation.ErrOffline):
		fmt.Fprintln(stderr, "product: warning: the licence server cannot be reached; working offline")
	case err != nil:
		fmt.Fprintln(stderr, "product:", err)
	}
	if !st.Licensed() {
		return 1
	}
	return 0
}

// configServer reads the "server = URL" line of the configuration file;
// a missing file means no server.
func configServer(path string) (string, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(k) != "server" {
			return "", fmt.Errorf("%s:%d: want server = URL", path, n)
		}
		return strings.TrimSpace(v), nil
	}
	return "", sc.Err()
}
