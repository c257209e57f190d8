package main

import (
	"bytes"
	"errors"
	"filippo.io/age"
	"fmt"
	"github.com/actkit/actkit/internal/boundedfile"
	"os"
	"strings"
	"sync"

	"github.com/actkit/actkit/keygen"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

// keystoreFlags are accepted by every command that opens the keystore.
func keystoreFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "passphrase-file", Usage: "read the keystore passphrase from this file (first line)"},
		&cli.StringFlag{Name: "identity", Usage: "age identity file for a keystore encrypted to recipients", EnvVars: []string{"ACTKIT_IDENTITY"}},
	}
}

// openStore returns the keystore in the actkit home, unlocked by the
// identity file or a passphrase (file, ACTKIT_PASSPHRASE, or a prompt).
func openStore(c *cli.Context, e *env) (*keygen.Store, error) {
	h, err := openHome(c, e)
	if err != nil {
		return nil, err
	}
	return h.Keystore(), nil
}

// unlockFromFlags is how the keystore is opened: --identity, or a
// passphrase asked for only if the keystore needs one.
//
// An identity is the caller saying how the keystore is protected: if it is
// a passphrase keystore instead, that is an error naming its protection
// (keygen.ErrWrongProtection), never a prompt or a "no passphrase given".
// A passphrase given as well (--passphrase-file, ACTKIT_PASSPHRASE) is
// still used.
func unlockFromFlags(c *cli.Context, e *env) (keygen.Unlock, error) {
	var u keygen.Unlock
	var err error
	if u.Identities, err = identities(c); err != nil {
		return u, err
	}
	if len(u.Identities) > 0 && c.String("passphrase-file") == "" && os.Getenv("ACTKIT_PASSPHRASE") == "" {
		return u, nil
	}
	// Asked once per run: a command that reads the keystore before it
	// changes it (to show what a revocation affects) opens it twice.
	var once sync.Once
	var p string
	var perr error
	u.Passphrase = func() (string, error) {
		once.Do(func() { p, perr = passphrase(c, e, "Keystore passphrase: ", false) })
		return p, perr
	}
	return u, nil
}

// identities reads --identity, if given.
func identities(c *cli.Context) ([]age.Identity, error) {
	path := c.String("identity")
	if path == "" {
		return nil, nil
	}
	data, err := readSmallFile(path)
	if err != nil {
		return nil, refused(fmt.Errorf("identity file: %w", err), "check the path given with --identity or ACTKIT_IDENTITY")
	}
	ids, err := keygen.ParseIdentityFile(data)
	if err != nil {
		return nil, refused(err)
	}
	return ids, nil
}

func keystorePath(home string) string { return home + string(os.PathSeparator) + "keystore.age" }

func storeOptions(e *env) keygen.StoreOptions {
	opts := keygen.StoreOptions{Warn: func(m string) { fmt.Fprintf(e.stderr, "actkit: warning: %s\n", m) }}
	opts.ScryptWorkFactor = testOnlyScryptWorkFactor
	return opts
}

// passphrase is the keystore's passphrase: --passphrase-file, then
// ACTKIT_PASSPHRASE, then a prompt without echo on the terminal.
func passphrase(c *cli.Context, e *env, prompt string, confirm bool) (string, error) {
	return secret(c, e, "passphrase-file", "ACTKIT_PASSPHRASE", prompt, confirm)
}

// secret reads a passphrase from the file named by fileFlag (first line),
// else from envVar, else from a prompt (asked twice when confirm is set).
func secret(c *cli.Context, e *env, fileFlag, envVar, prompt string, confirm bool) (string, error) {
	if path := c.String(fileFlag); path != "" {
		data, err := readSmallFile(path)
		if err != nil {
			return "", refused(fmt.Errorf("passphrase file: %w", err), "check the path given with --"+fileFlag)
		}
		line, _, _ := strings.Cut(string(data), "\n")
		return strings.TrimRight(line, "\r"), nil
	}
	if p := os.Getenv(envVar); p != "" {
		return p, nil
	}
	return prompted(e, prompt, confirm)
}

// prompted asks for a passphrase on the terminal (see openTerminal),
// without echo; with confirm it asks twice.
func prompted(e *env, prompt string, confirm bool) (string, error) {
	if e.service {
		return "", refused(errors.New("no passphrase given, and a service never prompts"),
			"give --passphrase-file or ACTKIT_PASSPHRASE")
	}
	t, err := openTerminal()
	if err != nil {
		return "", refused(errors.New("no passphrase given and no terminal to ask on"),
			"set ACTKIT_PASSPHRASE or use --passphrase-file for automation")
	}
	defer t.close()
	read := func(prompt string) ([]byte, error) {
		fmt.Fprint(t.out, prompt)
		p, err := term.ReadPassword(int(t.in.Fd()))
		fmt.Fprintln(t.out)
		if err != nil {
			return nil, refused(fmt.Errorf("reading passphrase: %w", err))
		}
		return p, nil
	}
	p, err := read(prompt)
	if err != nil {
		return "", err
	}
	if confirm {
		again, err := read("Repeat it: ")
		if err != nil {
			return "", err
		}
		if !bytes.Equal(p, again) {
			return "", refused(errors.New("the passphrases do not match"), "run the command again")
		}
	}
	if len(p) == 0 {
		return "", refused(errors.New("empty passphrase"))
	}
	return string(p), nil
}

// protectionFromFlags builds a new keystore protection: recipients if any
// were given, otherwise a new passphrase from fileFlag, envVar or a
// prompt asked twice.
func protectionFromFlags(c *cli.Context, e *env, fileFlag, envVar string) (keygen.Protection, error) {
	p := keygen.Protection{Armor: c.Bool("armor"), Recipients: c.StringSlice("recipient")}
	if f := c.String("recipients-file"); f != "" {
		data, err := readSmallFile(f)
		if err != nil {
			return p, refused(fmt.Errorf("recipients file: %w", err))
		}
		rs, err := keygen.ParseRecipients(bytes.NewReader(data))
		if err != nil {
			return p, refused(err)
		}
		p.Recipients = append(p.Recipients, rs...)
	}
	if len(p.Recipients) > 0 {
		// The caller's own identity vouches for the keystore from the
		// start; other recipients confirm it once ('keys trust').
		var err error
		p.Identities, err = identities(c)
		return p, err
	}
	var err error
	p.Passphrase, err = secret(c, e, fileFlag, envVar, "New keystore passphrase: ", true)
	if err == nil && p.Passphrase == "" {
		err = refused(errors.New("empty passphrase"))
	}
	return p, err
}

// readSmallFile reads a file of at most 1 MiB (identities, passphrases,
// recipients, keyrings): a wrong path must not make us read a disk image.
func readSmallFile(path string) ([]byte, error) {
	return boundedfile.ReadFile(path, 1<<20)
}

// withKeystoreFlags gives cmd, and each of its subcommands, the shared
// secret flags (keystoreFlags) if it has none yet: every command that opens
// the actkit home may unlock the keystore, and a script passes the same
// --passphrase-file or --identity to each of them.
func withKeystoreFlags(cmd *cli.Command) *cli.Command {
	has := false
	for _, f := range cmd.Flags {
		has = has || f.Names()[0] == "passphrase-file"
	}
	if !has && (cmd.Action != nil || len(cmd.Subcommands) == 0) {
		cmd.Flags = append(cmd.Flags, keystoreFlags()...)
	}
	for _, sub := range cmd.Subcommands {
		withKeystoreFlags(sub)
	}
	return cmd
}
