package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"filippo.io/age"
	"github.com/actkit/actkit/activation"
	"github.com/actkit/actkit/activation/online"
	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/machine"
	"github.com/actkit/actkit/verify"
	"github.com/urfave/cli/v2"
)

// demo runs the whole story through the same commands a user types,
// printing each command line before its output.
type demo struct {
	e    *env
	home string
	step int
}

// run executes one actkit command line; want is the expected exit status.
func (d *demo) run(title string, want int, args ...string) (string, error) {
	d.step++
	fmt.Fprintf(d.e.stdout, "\n%d. %s\n$ actkit %s\n", d.step, title, quoteArgs(args))
	var out, errb bytes.Buffer
	sub := &env{stdin: strings.NewReader(""), stdout: io.MultiWriter(d.e.stdout, &out),
		stderr: io.MultiWriter(d.e.stdout, &errb), now: d.e.now}
	app := newApp(sub)
	full := append([]string{"actkit"}, args...)
	err := app.Run(interspersed(app, full))
	if sub.home != nil {
		sub.home.Close()
	}
	status := report(sub.stderr, err)
	if status != want {
		return "", fmt.Errorf("demo step %d (%s) exited %d, expected %d", d.step, title, status, want)
	}
	return strings.TrimSpace(out.String()), nil
}

func quoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\"'$") {
			a = "'" + a + "'"
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}

func demoCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "demo",
		Usage: "run the whole story end to end, non-interactively",
		Description: `Creates a keystore, a product and its key, a licence with two seats; shows
this machine's UID and request code; issues a code and verifies it against
the exported keyring; shows a third machine refused for lack of seats and a
mistyped code caught with its correction. Then the online story: starts the
licence API (actkit serve) on a free loopback port, lets a product activate
itself online (the seat count shown), validate and deactivate (the seat
freed), and stops the server. Each step prints the command a user would
type. Everything happens in a temporary home that is removed at the end,
unless --home names one to keep; nothing is left running.

Example:
   go run ./cmd/actkit demo
   actkit demo --home ./demo-home`,
		Flags: []cli.Flag{&cli.StringFlag{Name: "home", Usage: "keep everything in this directory (it must not hold a keystore yet)"}},
		Action: func(c *cli.Context) error {
			home := c.String("home")
			keep := home != ""
			if !keep {
				tmp, err := os.MkdirTemp("", "actkit-demo-")
				if err != nil {
					return refused(err)
				}
				home = tmp
				defer os.RemoveAll(tmp)
			} else if err := os.MkdirAll(home, 0o700); err != nil {
				return refused(err)
			}
			d := &demo{e: e, home: home}
			if err := d.story(); err != nil {
				return refused(err)
			}
			if keep {
				fmt.Fprintf(e.stdout, "\nEverything is kept in %s.\n", home)
			} else {
				fmt.Fprintf(e.stdout, "\nDone; the temporary home %s was removed.\n", home)
			}
			return nil
		},
	}
}

func (d *demo) story() error {
	w := d.e.stdout
	fmt.Fprintf(w, "actkit demo: the vendor's workstation and one customer machine, in %s\n", d.home)
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return err
	}
	idFile := filepath.Join(d.home, "vendor-identity.txt")
	if err := os.WriteFile(idFile, []byte(id.String()+"\n"), 0o600); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nThe vendor's keystore is encrypted to an age identity, %s\n(in real use: age-keygen -o identity.txt, or a passphrase with 'actkit keys init').\n", idFile)
	h := []string{"--home", d.home}
	k := append(append([]string{}, h...), "--identity", idFile)
	with := func(base []string, more ...string) []string { return append(append([]string{}, more...), base...) }

	if _, err := d.run("Create the keystore", 0, with(k, "keys", "init", "--recipient", id.Recipient().String())...); err != nil {
		return err
	}
	if _, err := d.run("Create the product's signing key (Ed25519)", 0, with(k, "keys", "new", "--product", "demo-app")...); err != nil {
		return err
	}
	if _, err := d.run("Register the product and its features", 0, with(h, "product", "add", "demo-app", "--features", "reports,export,api")...); err != nil {
		return err
	}
	lic, err := d.run("Sell a licence with two seats", 0, with(h, "licence", "new", "--product", "demo-app", "--seats", "2", "--features", "reports,api", "--customer", "Demo Plant 1")...)
	if err != nil {
		return err
	}

	fmt.Fprintln(w, "\n-- On the customer's machine (no network needed) --")
	midArgs := []string{"machine-id", "--product", "demo-app", "--version", "1.0.0", "--explain"}
	uidOut, err := d.run("Show this machine's UID and where it comes from", 0, midArgs...)
	if err != nil {
		// A container or VM with no readable hardware: the product would
		// supply a value of its own.
		fmt.Fprintln(w, "This machine has no readable hardware identity; products pass a value of their own in that case.")
		midArgs = append(midArgs, "--value", "demo-machine-1")
		if uidOut, err = d.run("Show the UID with a product-supplied value", 0, midArgs...); err != nil {
			return err
		}
	}
	uid := strings.Fields(uidOut)[0]
	reqArgs := []string{"request", "--product", "demo-app", "--version", "1.0.0", "--licence", lic}
	if len(midArgs) > 6 {
		reqArgs = append(reqArgs, "--value", "demo-machine-1")
	}
	req, err := d.run("Make the request code the customer sends to the vendor", 0, reqArgs...)
	if err != nil {
		return err
	}

	fmt.Fprintln(w, "\n-- Back at the vendor --")
	code, err := d.run("Issue the activation code from the request code", 0, with(k, "issue", "--request", req)...)
	if err != nil {
		return err
	}
	keyring := filepath.Join(d.home, "demo-app.keyring")
	if _, err := d.run("Export the keyring release 1.0 embeds (public keys only), recording it", 0, with(k, "keys", "export", "--product", "demo-app", "--release", "1.0", "-o", keyring)...); err != nil {
		return err
	}

	fmt.Fprintln(w, "\n-- On the customer's machine --")
	if _, err := d.run("Verify the code offline, as the product does", 0, "verify", "--keyring", keyring, "--licence", lic, "--machine", uid, code); err != nil {
		return err
	}

	fmt.Fprintln(w, "\n-- More machines --")
	second, third := demoUID("second"), demoUID("third")
	if _, err := d.run("A second machine takes the second seat", 0, with(k, "issue", "--licence", lic, "--machine", second)...); err != nil {
		return err
	}
	if _, err := d.run("A third machine is refused: both seats are held", 1, with(k, "issue", "--licence", lic, "--machine", third)...); err != nil {
		return err
	}

	fmt.Fprintln(w, "\n-- A typo when the code is typed in --")
	typo := mistype(code)
	if _, err := d.run("One symbol mistyped: the group is named and the correction suggested", 1, "verify", "--keyring", keyring, "--licence", lic, "--machine", uid, typo); err != nil {
		return err
	}

	fmt.Fprintln(w, "\n-- A key rotation that keeps release 1.0 working --")
	if _, err := d.run("Rotate: a new signing key; the old one is retired", 0, with(k, "keys", "new", "--product", "demo-app")...); err != nil {
		return err
	}
	keyring11 := filepath.Join(d.home, "demo-app-1.1.keyring")
	if _, err := d.run("Release 1.1 ships a keyring with both keys", 0, with(k, "keys", "export", "--product", "demo-app", "--release", "1.1", "-o", keyring11)...); err != nil {
		return err
	}
	if _, err := d.run("Add two seats for the next two machines", 0, with(h, "licence", "seats", lic, "--set", "4")...); err != nil {
		return err
	}
	for _, r := range []struct{ version, keyring, name string }{{"1.0.3", keyring, "old-release"}, {"1.1.0", keyring11, "new-release"}} {
		req, err := d.run("A machine running "+r.version+" asks for a code", 0, "request", "--product", "demo-app", "--version", r.version, "--licence", lic, "--value", r.name)
		if err != nil {
			return err
		}
		code, err := d.run("Issue it: signed with the newest key release "+r.version+" trusts", 0, with(k, "issue", "--request", req)...)
		if err != nil {
			return err
		}
		mid, err := d.run("That machine's UID", 0, "machine-id", "--product", "demo-app", "--version", r.version, "--value", r.name)
		if err != nil {
			return err
		}
		if _, err := d.run("It verifies with the keyring release "+r.version+" embeds", 0, "verify", "--keyring", r.keyring, "--licence", lic, "--machine", strings.Fields(mid)[0], code); err != nil {
			return err
		}
	}
	if err := d.online(h, k, keyring11); err != nil {
		return err
	}
	if _, err := d.run("The audit trail is intact", 0, with(h, "ledger", "verify")...); err != nil {
		return err
	}
	return nil
}

// online is the story of a machine with internet: 'actkit serve' on a
// free loopback port of this machine, a product that activates itself,
// validates and deactivates through it, and the server stopped again.
func (d *demo) online(h, k []string, keyringPath string) error {
	w := d.e.stdout
	with := func(base []string, more ...string) []string { return append(append([]string{}, more...), base...) }
	fmt.Fprintln(w, "\n-- Online activation: the licence server --")
	lic, err := d.run("Sell a licence with two seats for machines with internet", 0, with(h, "licence", "new", "--product", "demo-app", "--seats", "2", "--features", "reports", "--customer", "Demo Office")...)
	if err != nil {
		return err
	}
	url, stop, err := d.serve("Start the licence API on a free port of this machine (Ctrl-C stops it; here the demo does)",
		append(with(k, "serve", "--listen", "127.0.0.1:0"), "--allow-root-keys")...)
	if err != nil {
		return err
	}
	defer stop() // whatever happens, no server is left behind

	fmt.Fprintf(w, "\n-- A customer's machine with internet: the product talks to %s --\n", url)
	data, err := os.ReadFile(keyringPath)
	if err != nil {
		return err
	}
	kr, err := verify.ParseKeyring(string(data))
	if err != nil {
		return err
	}
	srv, err := online.New(url, online.Options{})
	if err != nil {
		return err
	}
	uid, err := codec.ParseMachineUID(demoUID("online-office"))
	if err != nil {
		return err
	}
	c := &activation.Client{
		Config:         activation.Config{Keyring: kr, StatePath: filepath.Join(d.home, "product-state.json")},
		Server:         srv,
		Machine:        uid,
		LicenceKey:     lic,
		MachineName:    "DEMO-OFFICE-PC",
		ProductVersion: "1.1.0",
		Now:            d.e.now,
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := d.product("The product starts for the first time and activates itself online", activation.Activated)(c.Start(ctx)); err != nil {
		return err
	}
	if _, err := d.run("The vendor sees the seat it took", 0, with(h, "licence", "show", lic)...); err != nil {
		return err
	}
	if err := d.product("Its scheduled validation asks the server again (the code is verified offline before it is kept)", activation.Activated)(c.Validate(ctx)); err != nil {
		return err
	}
	if err := d.product("The customer deactivates the machine: the product stops using its code and the seat is free", activation.Deactivated)(c.Deactivate(ctx)); err != nil {
		return err
	}
	if _, err := d.run("The vendor sees the seat free again", 0, with(h, "licence", "show", lic)...); err != nil {
		return err
	}
	d.step++
	fmt.Fprintf(w, "\n%d. Stop the licence server\n", d.step)
	if err := stop(); err != nil {
		return err
	}
	fmt.Fprintln(w, "stopped: requests in flight finished first")
	return nil
}

// product returns a check that prints one product-side step (what the
// product would show its user) and that it ended in the state want.
func (d *demo) product(title string, want activation.State) func(activation.Status, error) error {
	d.step++
	fmt.Fprintf(d.e.stdout, "\n%d. %s\n", d.step, title)
	return func(st activation.Status, err error) error {
		line := "product: " + st.String()
		if st.MaxActivations > 0 {
			line += fmt.Sprintf(" (seats: %d of %d in use)", st.ActiveCount, st.MaxActivations)
		} else if st.State == activation.Deactivated {
			line += fmt.Sprintf(" (%d seat(s) in use)", st.ActiveCount)
		}
		fmt.Fprintln(d.e.stdout, line)
		if err != nil || st.State != want {
			return fmt.Errorf("demo step %d (%s): %v (%v), expected %v", d.step, title, st, err, want)
		}
		return nil
	}
}

// serve runs 'actkit serve' in this process, printing its command line,
// and returns its URL once it listens, with the function that stops it
// (as Ctrl-C would) and waits until it has; calling it again does nothing.
// Its log lines are kept out of the story.
func (d *demo) serve(title string, args ...string) (string, func() error, error) {
	d.step++
	fmt.Fprintf(d.e.stdout, "\n%d. %s\n$ actkit %s\n", d.step, title, quoteArgs(args))
	logs := &urlWatcher{found: make(chan string, 1)}
	sub := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: logs, now: d.e.now}
	app := newApp(sub)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		err := app.RunContext(ctx, interspersed(app, append([]string{"actkit"}, args...)))
		if sub.home != nil {
			sub.home.Close()
		}
		done <- err
	}()
	select {
	case url := <-logs.found:
		fmt.Fprintf(d.e.stdout, "actkit: serving the licence API on %s\n", url)
		var once sync.Once
		var err error
		return url, func() error {
			once.Do(func() { cancel(); err = <-done })
			return err
		}, nil
	case err := <-done:
		cancel()
		return "", nil, fmt.Errorf("demo step %d (%s): %v: %s", d.step, title, err, strings.TrimSpace(logs.String()))
	}
}

// urlWatcher collects the server's log and passes on the URL it serves.
type urlWatcher struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	found chan string
	sent  bool
}

var servingLine = regexp.MustCompile(`serving the licence API on (\S+)`)

func (u *urlWatcher) Write(p []byte) (int, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.buf.Write(p)
	if m := servingLine.FindSubmatch(u.buf.Bytes()); m != nil && !u.sent {
		u.sent = true
		u.found <- string(m[1])
	}
	return len(p), nil
}

func (u *urlWatcher) String() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.buf.String()
}

// demoUID makes a valid machine UID for a pretend machine.
func demoUID(name string) string {
	u := codec.MachineUID{Version: codec.UIDVersion}
	for _, c := range []codec.Component{codec.SlotNetwork, codec.SlotCPU, codec.SlotVersion} {
		u.Slots[c] = machine.SlotHash("demo-app", c, []byte(name))
	}
	return u.String()
}

// mistype changes one symbol in the third group of a code.
func mistype(code string) string {
	b := []byte(code)
	i := strings.Index(code, "-") + 1
	i = i + strings.Index(code[i:], "-") + 3
	if i >= len(b) {
		i = 2
	}
	if b[i] == 'k' {
		b[i] = 'h'
	} else {
		b[i] = 'k'
	}
	return string(b)
}
