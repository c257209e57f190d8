package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/home"
	"github.com/actkit/actkit/internal/atomicfile"
	"github.com/actkit/actkit/keygen"
	"github.com/actkit/actkit/licensing"
	"github.com/urfave/cli/v2"
)

// keyFields is the JSON shape of a key: never any secret material.
type keyFields struct {
	ID        string    `json:"id"`
	Product   string    `json:"product"`
	Algorithm string    `json:"algorithm"`
	Status    string    `json:"status"`
	Created   time.Time `json:"created"`
}

func fieldsOf(k *keygen.SigningKey) keyFields {
	return keyFields{ID: k.ID.String(), Product: k.Product, Algorithm: k.Alg.String(), Status: string(k.Status), Created: k.Created}
}

func keysCommand(e *env) *cli.Command {
	protFlags := []cli.Flag{
		&cli.StringSliceFlag{Name: "recipient", Aliases: []string{"r"}, Usage: "encrypt to this age recipient (age1...) or SSH public key; repeatable"},
		&cli.StringFlag{Name: "recipients-file", Aliases: []string{"R"}, Usage: "encrypt to the recipients listed in this file"},
		&cli.BoolFlag{Name: "armor", Aliases: []string{"a"}, Usage: "write the keystore as ASCII armor (printable)"},
	}
	return &cli.Command{
		Name:  "keys",
		Usage: "create and manage signing keys in the encrypted keystore",
		Subcommands: []*cli.Command{
			keysInitCommand(e, protFlags),
			keysNewCommand(e),
			keysListCommand(e),
			keysTrustCommand(e),
			keysReconcileCommand(e),
			keysExportCommand(e),
			keysRequestCommand(e),
			keysDelegateCommand(e),
			keysInstallCommand(e),
			statusCommand(e, "retire", "stop a key from signing; it stays in exported keyrings", (*keygen.Keyset).Retire),
			statusCommand(e, "revoke", "revoke a key: it leaves exported keyrings and its codes are refused", (*keygen.Keyset).Revoke),
			keysPasswdCommand(e, protFlags),
		},
	}
}

func keysInitCommand(e *env, protFlags []cli.Flag) *cli.Command {
	return &cli.Command{
		Name:  "init",
		Usage: "create the keystore",
		Description: `Creates keystore.age in the actkit home, encrypted with a passphrase (asked
twice; or ACTKIT_PASSPHRASE / --passphrase-file) or to age recipients. It
never replaces an existing keystore.

Examples:
   actkit keys init
   actkit keys init --recipient age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p --armor`,
		Flags: append(append([]cli.Flag{}, protFlags...), keystoreFlags()...),
		Action: func(c *cli.Context) error {
			// Protection first: a refused passphrase file leaves no home.
			p, err := protectionFromFlags(c, e, "passphrase-file", "ACTKIT_PASSPHRASE")
			if err != nil {
				return err
			}
			dir, err := homeDir(c, true)
			if err != nil {
				return err
			}
			s := keygen.NewStore(keystorePath(dir), keygen.Unlock{}, storeOptions(e))
			if err := s.Init(c.Context, p); err != nil {
				return keystoreError(err)
			}
			fmt.Fprintf(e.stderr, "created %s\n", s.Path())
			if c.String("ledger") == "" {
				return nil
			}
			// Initialising a home with --ledger makes that ledger too: no
			// other command creates one at a path that does not exist.
			h, err := home.Open(dir, home.Options{Now: e.now, Store: storeOptions(e), Ledger: c.String("ledger")})
			if err != nil {
				return refused(err)
			}
			e.home = h
			if _, err := h.Ledger(c.Context); err != nil {
				return ledgerError(err)
			}
			fmt.Fprintf(e.stderr, "ledger %s\n", h.LedgerLocation())
			return nil
		},
	}
}

func keysNewCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "new",
		Usage: "generate a signing key for a product and make it the product's active key",
		Description: `Prints the new key ID. A product's previous active key is retired: it signs
nothing new, but stays in exported keyrings so its codes keep verifying.

With --checkpoint it makes the key that signs ledger checkpoints (Ed25519,
used for nothing else).

Examples:
   actkit keys new --product umenu
   actkit keys new --product plant-hmi --alg hmac
   actkit keys new --checkpoint`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "product", Usage: "product ID (lower case)"},
			&cli.BoolFlag{Name: "checkpoint", Usage: "make the key that signs ledger checkpoints instead"},
			&cli.StringFlag{Name: "alg", Value: "ed25519", Usage: "ed25519, or hmac for very short codes where the verifier is trusted"},
			jsonFlag,
		}, keystoreFlags()...),
		Action: func(c *cli.Context) error {
			product := c.String("product")
			if c.Bool("checkpoint") {
				if product != "" || c.String("alg") != "ed25519" {
					return usageError("--checkpoint makes an Ed25519 key of its own: give neither --product nor --alg")
				}
				product = licensing.CheckpointKeys
			} else if product == "" {
				return usageError("--product is required")
			} else if product == licensing.CheckpointKeys {
				return usageError("%s is reserved: use --checkpoint", product)
			}
			alg, err := codec.ParseAlgorithm(c.String("alg"))
			if err != nil {
				return usageError("--alg: %v", err)
			}
			h, err := openHome(c, e)
			if err != nil {
				return err
			}
			var k *keygen.SigningKey
			rotated := false // the product had a key: this is a rotation
			err = h.UpdateKeys(c.Context, func(ks *keygen.Keyset) error {
				rotated = len(ks.KeyIDs(product)) > 0
				k, err = ks.Add(rand.Reader, product, alg, e.now())
				return err
			})
			if err != nil {
				return keystoreError(err)
			}
			if c.Bool("json") {
				return writeJSON(e.stdout, fieldsOf(k))
			}
			fmt.Fprintln(e.stdout, k.ID)
			if product != licensing.CheckpointKeys && rotated {
				fmt.Fprintf(e.stderr, "actkit: releases already shipped keep getting codes from the keys their keyrings hold; export the next release's keyring with 'actkit keys export --product %s --release LINE'\n", product)
			}
			if alg == codec.HMACSHA256 {
				fmt.Fprintln(e.stderr, "actkit: warning: HMAC keys are verified with the secret itself: every product holding the keyring can mint codes")
			}
			return nil
		},
	}
}

func keysReconcileCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "reconcile",
		Usage: "accept a keystore restored from a backup, revoking again what the ledger recorded as revoked",
		Description: `The ledger remembers the keystore's generation and every revoked key, so a
keystore restored from an old backup is refused: it would un-revoke keys,
and the next keyring export would trust them again. If you restored it on
purpose, this revokes again every key the ledger recorded as revoked and
accepts the keystore.

Example:
   actkit keys reconcile --yes`,
		Flags: append([]cli.Flag{yesFlag}, keystoreFlags()...),
		Action: func(c *cli.Context) error {
			h, err := openHome(c, e)
			if err != nil {
				return err
			}
			_, err = h.Keys(c.Context)
			var rb *home.RollbackError
			if err == nil {
				fmt.Fprintln(e.stderr, "the keystore matches the ledger: nothing to reconcile")
				return nil
			}
			if !errors.As(err, &rb) {
				return keystoreError(err)
			}
			fmt.Fprintln(e.stderr, printable(rb.Error()))
			if err := confirm(c, e, "Accept this keystore and revoke again the keys the ledger recorded as revoked?"); err != nil {
				return err
			}
			again, err := h.AcceptRestoredKeys(c.Context)
			if err != nil {
				return keystoreError(err)
			}
			for _, id := range again {
				fmt.Fprintf(e.stdout, "%s revoked again\n", id)
			}
			fmt.Fprintln(e.stderr, "accepted; export the keyrings again if any key was revoked again")
			return nil
		},
	}
}

func keysTrustCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "trust",
		Usage: "confirm a recipient keystore once, so that your identity vouches for it",
		Description: `A keystore encrypted to age recipients is authenticated: anyone holding a
public recipient could write one that your identity decrypts. Your identity
vouches for a keystore it made; a keystore made by an earlier actkit, or
one a team member re-encrypted to add you, must be confirmed once. This
shows its keys and recipients and asks; confirm only if they are yours.

Example:
   actkit keys trust --identity identity.txt`,
		Flags: append([]cli.Flag{yesFlag}, keystoreFlags()...),
		Action: func(c *cli.Context) error {
			s, err := openStore(c, e)
			if err != nil {
				return err
			}
			ks, err := s.Inspect(c.Context)
			if err != nil {
				return keystoreError(err)
			}
			fmt.Fprintf(e.stderr, "%s is encrypted to:\n", s.Path())
			for _, r := range ks.Recipients() {
				fmt.Fprintf(e.stderr, "  %s\n", printable(r))
			}
			fmt.Fprintf(e.stderr, "and holds %s:\n", plural(len(ks.Keys()), "key", "keys"))
			for _, k := range ks.Keys() {
				fmt.Fprintf(e.stderr, "  %s  %s  %s  %s  created %s\n", k.ID, printable(k.Product), k.Alg, k.Status, k.Created.Format(time.DateOnly))
			}
			if err := confirm(c, e, "Are these recipients and keys yours?"); err != nil {
				return err
			}
			if err := s.Trust(c.Context); err != nil {
				return keystoreError(err)
			}
			fmt.Fprintln(e.stderr, "confirmed: your identity now vouches for this keystore")
			return nil
		},
	}
}

func keysListCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "list",
		Usage: "list keys (never secret material)",
		Description: `Example:
   actkit keys list --json`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "product", Usage: "only this product's keys"},
			jsonFlag,
		}, keystoreFlags()...),
		Action: func(c *cli.Context) error {
			ks, err := loadKeys(c, e)
			if err != nil {
				return err
			}
			out := []keyFields{}
			for _, k := range ks.Keys() {
				if p := c.String("product"); p == "" || p == k.Product {
					out = append(out, fieldsOf(k))
				}
			}
			if c.Bool("json") {
				return writeJSON(e.stdout, out)
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "KEY ID\tPRODUCT\tALGORITHM\tSTATUS\tCREATED")
			for _, k := range out {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.ID, k.Product, k.Algorithm, k.Status, k.Created.Format(time.DateOnly))
			}
			// Delegated keys: the root that certified each, and its window.
			for _, d := range ks.Delegated() {
				if len(d.Certificates) == 0 {
					fmt.Fprintf(tw, "-\t-\ted25519\tdelegation requested\t%s\n", d.Created.Format(time.DateOnly))
				}
				for _, cert := range d.Certificates {
					for _, p := range cert.Products {
						if pr := c.String("product"); pr == "" || pr == p.Product {
							fmt.Fprintf(tw, "%s\t%s\ted25519\tdelegated by %s, issue days %s..%s\t%s\n", p.KeyID, p.Product, p.Issuer, cert.NotBefore, cert.NotAfter, d.Created.Format(time.DateOnly))
						}
					}
				}
			}
			return tw.Flush()
		},
	}
}

func keysExportCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "export",
		Usage: "write a product's keyring, the file the product embeds",
		Description: `Writes active and retired keys and the IDs of revoked ones. For a product
with HMAC keys it refuses unless --include-secret is given: anyone holding
that keyring can mint codes.

Give --release for every keyring that ships: the ledger records that this
release line (a minor version, 4.2) embeds these keys, and after a key
rotation codes for that release are signed with the newest key it holds,
so releases already shipped keep activating. A release nothing was
recorded for gets codes signed with the product's oldest key, which every
exported keyring holds.

With --signed-version it writes a root-signed keyring update instead, for
'actkit serve --keyring-update' and air-gapped installs. With --rotate-root
too, the update rotates the root: the active key (made by 'keys new') is
its one root, the older keys stay trusted for the codes they signed but
sign no keyring or delegation any more (revoked ones are refused), and
every older key signs it, so a release whose keyring holds only the old
root installs it and then accepts the new root's codes. Give --rotate-root
to every later update too: one without it makes the older keys roots again.

Examples:
   actkit keys export --product umenu --release 4.2 -o umenu-4.2.keyring
   actkit keys export --product umenu -o umenu.keyring
   actkit keys export --product umenu --signed-version 2 --rotate-root -o umenu-rotation.keyring`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "product", Usage: "product ID"},
			&cli.StringFlag{Name: "release", Usage: "record that this release line (4.2) embeds the keyring"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to this file instead of stdout (-: stdout)"},
			&cli.BoolFlag{Name: "include-secret", Usage: "allow HMAC secrets in the keyring"},
			&cli.UintFlag{Name: "signed-version", Usage: "write a root-signed keyring update (version 2 keyring) with this version, above every one shipped before"},
			&cli.StringFlag{Name: "expires", Usage: "with --signed-version: the last day the update may be installed (default a year from today)"},
			&cli.StringSliceFlag{Name: "revoke-delegation", Usage: "with --signed-version: a delegated key ID to revoke (a stolen server's); repeatable"},
			&cli.BoolFlag{Name: "rotate-root", Usage: "with --signed-version: make the active key the one root, the older keys signing their successor (after 'keys new')"},
		}, keystoreFlags()...),
		Action: func(c *cli.Context) error {
			if c.String("product") == "" {
				return usageError("--product is required")
			}
			ks, err := loadKeys(c, e)
			if err != nil {
				return err
			}
			if c.IsSet("signed-version") {
				return exportSigned(c, e, ks)
			}
			for _, f := range []string{"rotate-root", "revoke-delegation", "expires"} {
				if c.IsSet(f) {
					return usageError("--%s needs --signed-version: it is about a root-signed keyring update", f)
				}
			}
			kr, err := ks.Export(c.String("product"), c.Bool("include-secret"))
			if errors.Is(err, keygen.ErrHMACExport) {
				return refused(err, "add --include-secret if this keyring goes only to verifiers you trust")
			}
			if err != nil {
				return keystoreError(err)
			}
			secret := false
			for _, k := range kr.Keys {
				secret = secret || k.Alg == codec.HMACSHA256
			}
			if secret {
				fmt.Fprintln(e.stderr, "actkit: warning: this keyring contains HMAC secrets: anyone who holds it can mint activation codes")
			}
			text := fmt.Sprintf("# actkit keyring for %s, exported %s\n", kr.Product, e.now().UTC().Format(time.DateOnly)) + kr.String()
			out := outputPath(c)
			if out == "" {
				if _, err := io.WriteString(e.stdout, text); err != nil {
					return err
				}
				return recordRelease(c, e, kr)
			}
			perm := os.FileMode(0o644)
			if secret {
				perm = 0o600
			}
			if err := atomicfile.Write(atomicfile.OS, out, perm, func(w io.Writer) error {
				_, err := io.WriteString(w, text)
				return err
			}); err != nil {
				return refused(fmt.Errorf("writing %s: %w", out, err))
			}
			fmt.Fprintf(e.stderr, "wrote %s (%s, %d revoked)\n", out, plural(len(kr.Keys), "key", "keys"), len(kr.Revoked))
			return recordRelease(c, e, kr)
		},
	}
}

// exportSigned writes a root-signed keyring update, for --signed-version.
func exportSigned(c *cli.Context, e *env, ks *keygen.Keyset) error {
	v := c.Uint("signed-version")
	if v < 1 || uint64(v) > codec.MaxKeyringVersion {
		return usageError("--signed-version: give 1 to %d", uint64(codec.MaxKeyringVersion))
	}
	expires := codec.DayOf(e.now()) + 365
	if s := c.String("expires"); s != "" {
		d, err := codec.ParseDay(s)
		if err != nil {
			return usageError("--expires: %v", err)
		}
		expires = d
	}
	var revoke []codec.KeyID
	for _, s := range c.StringSlice("revoke-delegation") {
		id, err := codec.ParseKeyID(s)
		if err != nil {
			return usageError("--revoke-delegation: %v", err)
		}
		revoke = append(revoke, id)
	}
	sign := ks.SignedKeyring
	if c.Bool("rotate-root") {
		sign = ks.RootRotation
	}
	kr, err := sign(c.String("product"), uint32(v), expires, revoke)
	if err != nil {
		return keystoreError(err)
	}
	text := fmt.Sprintf("# actkit keyring update for %s, version %d, exported %s\n", kr.Product, kr.Version, e.now().UTC().Format(time.DateOnly)) + kr.String()
	if err := writeTransfer(c, e, text, 0o644); err != nil {
		return err
	}
	signed := "signed by " + plural(len(kr.Signatures), "root", "roots")
	if c.Bool("rotate-root") {
		signed = fmt.Sprintf("rotates the root of %s to %s, signed by it and %s", kr.Product, kr.Roots[0].ID, plural(len(kr.Signatures)-1, "older key", "older keys"))
	}
	fmt.Fprintf(e.stderr, "%s; give it to 'actkit serve --keyring-update FILE' (products pick it up with their next answer) or to air-gapped installs\n", signed)
	return recordRelease(c, e, kr)
}

// recordRelease records the keys a release line embeds, for --release.
func recordRelease(c *cli.Context, e *env, kr *codec.Keyring) error {
	line := c.String("release")
	if line == "" {
		return nil
	}
	var ids []codec.KeyID
	for _, k := range append(append([]codec.Key{}, kr.Roots...), kr.Keys...) {
		ids = append(ids, k.ID)
	}
	svc, err := openService(c, e, nil)
	if err != nil {
		return err
	}
	if err := svc.RecordRelease(c.Context, kr.Product, line, ids); err != nil {
		return failed(c, e, err)
	}
	fmt.Fprintf(e.stderr, "recorded: release %s of %s embeds %s\n", line, kr.Product, plural(len(ids), "key", "keys"))
	return nil
}

func keysPasswdCommand(e *env, protFlags []cli.Flag) *cli.Command {
	return &cli.Command{
		Name:  "passwd",
		Usage: "change the keystore's passphrase or recipients",
		Description: `Re-encrypts the keystore atomically. With --recipient or --recipients-file
it switches to those recipients; otherwise it asks for a new passphrase
(or reads --new-passphrase-file / ACTKIT_NEW_PASSPHRASE).

Examples:
   actkit keys passwd
   actkit keys passwd --recipients-file team.txt --armor --identity me.txt`,
		Flags: append(append([]cli.Flag{
			&cli.StringFlag{Name: "new-passphrase-file", Usage: "read the new passphrase from this file"},
			yesFlag,
		}, protFlags...), keystoreFlags()...),
		Action: func(c *cli.Context) error {
			s, err := openStore(c, e)
			if err != nil {
				return err
			}
			cur, err := s.Load(c.Context) // unlock before asking for the new one
			if err != nil {
				return keystoreError(err)
			}
			p, err := protectionFromFlags(c, e, "new-passphrase-file", "ACTKIT_NEW_PASSPHRASE")
			if err != nil {
				return err
			}
			if len(p.Recipients) > 0 {
				// Whoever holds a recipient's identity reads every key from
				// now on: a change of recipients is shown and confirmed.
				fmt.Fprintln(e.stderr, "the keystore will be readable by exactly these recipients:")
				for _, r := range p.Recipients {
					mark := "  (new)"
					for _, old := range cur.Recipients() {
						if old == r {
							mark = ""
						}
					}
					fmt.Fprintf(e.stderr, "  %s%s\n", printable(r), mark)
				}
				for _, old := range cur.Recipients() {
					if !slices.Contains(p.Recipients, old) {
						fmt.Fprintf(e.stderr, "  removed: %s\n", printable(old))
					}
				}
				if err := confirm(c, e, "Re-encrypt the keystore to these recipients?"); err != nil {
					return err
				}
			}
			if err := s.ChangeProtection(c.Context, p); err != nil {
				return keystoreError(err)
			}
			if h, err := openHome(c, e); err == nil && len(cur.Keys()) > 0 {
				if err := h.RecordKeys(c.Context, cur.Generation()+1, cur.RevokedIDs()); err != nil {
					return ledgerError(err)
				}
			}
			fmt.Fprintf(e.stderr, "re-encrypted %s; the previous version is %s\n", s.Path(), s.BackupPath())
			return nil
		},
	}
}

func statusCommand(e *env, name, usage string, set func(*keygen.Keyset, codec.KeyID) error) *cli.Command {
	return &cli.Command{
		Name:      name,
		Usage:     usage,
		ArgsUsage: "KEYID",
		Description: `Shows what it will change (the codes that stop verifying, a product left
without an active key) and asks first on a terminal; --yes for scripts,
--dry-run to see what it would do.

Example:
   actkit keys ` + name + ` b7a2 --yes`,
		Flags: append([]cli.Flag{yesFlag, dryRunFlag, jsonFlag}, keystoreFlags()...),
		Action: func(c *cli.Context) error {
			arg, err := oneArg(c, "KEYID")
			if err != nil {
				return err
			}
			id, err := codec.ParseKeyID(arg)
			if err != nil {
				return usageError("%v", err)
			}
			h, err := openHome(c, e)
			if err != nil {
				return err
			}
			// A key the keystore does not have, or one that cannot change,
			// is refused by the change itself.
			if ks, err := h.Keys(c.Context); err == nil {
				if k, err := ks.Key(id); err == nil && k.Status != keygen.Revoked && (name == "revoke" || k.Status == keygen.Active) {
					fx, err := keyEffects(c, e, name, k)
					if err != nil {
						return err
					}
					if done, err := proceed(c, e, fx, fmt.Sprintf("%s key %s?", strings.ToUpper(name[:1])+name[1:], k.ID)); done || err != nil {
						return err
					}
				}
			}
			var k *keygen.SigningKey
			err = h.UpdateKeys(c.Context, func(ks *keygen.Keyset) error {
				if err := set(ks, id); err != nil {
					return err
				}
				k, _ = ks.Key(id)
				return nil
			})
			if err != nil {
				return keystoreError(err)
			}
			if c.Bool("json") {
				return writeJSON(e.stdout, fieldsOf(k))
			}
			fmt.Fprintf(e.stdout, "%s %s\n", k.ID, k.Status)
			if name == "revoke" {
				fmt.Fprintf(e.stderr, "export the keyring again (actkit keys export --product %s) and ship it: products refuse this key's codes only once they have it\n", k.Product)
			}
			return nil
		},
	}
}

// keyEffects says what retiring or revoking k changes: the live codes
// it signed, and whether its product is left without an active key.
func keyEffects(c *cli.Context, e *env, name string, k *keygen.SigningKey) (effects, error) {
	var fx effects
	checkpoint := k.Product == licensing.CheckpointKeys
	if name == "revoke" {
		fx.add("revoke key %s (%s, %s, now %s) for good: it leaves the keyrings exported from now on", k.ID, k.Product, k.Alg, k.Status)
		if !checkpoint {
			svc, err := openService(c, e, nil)
			if err != nil {
				return nil, err
			}
			use, err := svc.KeyUse(c.Context, k.Product, k.ID)
			if err != nil {
				return nil, ledgerError(err)
			}
			fx.add("codes it signed stop verifying on every machine that gets the next exported keyring: %s on %s",
				plural(use.Activations, "live activation", "live activations"), plural(use.Licences, "licence", "licences"))
		}
	} else {
		fx.add("retire key %s (%s): it signs no new codes; the codes it signed keep verifying", k.ID, k.Product)
	}
	if k.Status == keygen.Active {
		switch {
		case checkpoint:
			fx.add("no key will sign ledger checkpoints until 'actkit keys new --checkpoint'")
		case name == "revoke":
			fx.add("%s loses its only active key: issuing for %s is refused until 'actkit keys new --product %s'", k.Product, k.Product, k.Product)
		default:
			fx.add("%s loses its only active key: codes for %s are refused until 'actkit keys new --product %s', except for release lines whose recorded keyring holds a key that can sign", k.Product, k.Product, k.Product)
		}
	}
	return fx, nil
}

// keystoreError adds the hint a user can act on.
func keystoreError(err error) error {
	var ce *cliError
	if errors.As(err, &ce) {
		return err // already in words, with its hints (a passphrase prompt's)
	}
	switch {
	case errors.Is(err, keygen.ErrIncorrectPassword):
		return refused(err, "check ACTKIT_PASSPHRASE or --passphrase-file; the keystore was not changed")
	case errors.Is(err, keygen.ErrWrongProtection):
		if strings.Contains(err.Error(), "recipients") {
			return refused(err, "give the identity file with --identity or ACTKIT_IDENTITY")
		}
		return refused(err, "set ACTKIT_PASSPHRASE or --passphrase-file: an identity (--identity, ACTKIT_IDENTITY) opens only a keystore encrypted to age recipients")
	case errors.Is(err, home.ErrKeystoreRollback):
		return refused(err,
			"if you restored the keystore from a backup on purpose, 'actkit keys reconcile' revokes again the keys the ledger recorded as revoked and accepts it",
			"otherwise an old copy replaced it: restore your current keystore")
	case errors.Is(err, keygen.ErrUnauthenticated):
		return refused(err,
			"if you made this keystore with an earlier actkit, or a team member added you as a recipient, check its keys and confirm it once with 'actkit keys trust --identity FILE'",
			"otherwise someone replaced it: do not use it; restore your own copy")
	case errors.Is(err, keygen.ErrNoMatchingIdentity):
		return refused(err)
	case errors.Is(err, keygen.ErrKeystoreNotFound):
		return refused(err, "create it with 'actkit keys init' (or check --home / ACTKIT_HOME)")
	case errors.Is(err, keygen.ErrDamaged):
		var ke *keygen.KeystoreError
		if errors.As(err, &ke) && ke.Backup != "" {
			return refused(err, "check the backup opens: actkit keys list --home DIR-WITH-A-COPY-OF-IT; then copy it over the damaged file")
		}
		return refused(err, "restore the keystore from your backup")
	case errors.Is(err, keygen.ErrLocked):
		return refused(err, "wait for the other actkit command to finish, then retry")
	case errors.Is(err, keygen.ErrNoKey), errors.Is(err, keygen.ErrNoActiveKey):
		return refused(err, "list keys with 'actkit keys list'")
	}
	return refused(err)
}
