package main

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/internal/atomicfile"
	"github.com/actkit/actkit/keygen"
	"github.com/urfave/cli/v2"
)

// The delegation flow moves two small text files, never a secret: the
// server's home makes a key pair and writes its public key as a request;
// the workstation signs a certificate for it with the product's root; the
// server installs the certificate. docs/keystore.md, "Delegated keys".

// maxTransferFile caps what the delegation commands read from a file.
const maxTransferFile = 64 << 10

func keysRequestCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "request-delegation",
		Usage: "on the server: make a delegated key pair and write its delegation request (the public key alone)",
		Description: `Makes an Ed25519 key pair in this home's keystore and writes the request
that 'actkit keys delegate' on the workstation signs. The secret never
leaves this keystore; the request holds only the public key.

Example:
   actkit keys request-delegation -o server.request`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the request to this file instead of stdout"},
		}, keystoreFlags()...),
		Action: func(c *cli.Context) error {
			h, err := openHome(c, e)
			if err != nil {
				return err
			}
			var d *keygen.DelegatedKey
			if err := h.UpdateKeys(c.Context, func(ks *keygen.Keyset) error {
				d, err = ks.RequestDelegation(rand.Reader, e.now())
				return err
			}); err != nil {
				return keystoreError(err)
			}
			if err := writeTransfer(c, e, d.Request()+"\n", 0o644); err != nil {
				return err
			}
			fmt.Fprintln(e.stderr, "take the request to the workstation: actkit keys delegate --request FILE --product P -o P.delegation")
			return nil
		},
	}
}

func keysDelegateCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "delegate",
		Usage: "on the workstation: sign a delegation certificate for a server's request with the product's root",
		Description: `Signs, with each product's active key (its root), a certificate that lets
the requested key sign codes within limits every verifier checks: the
issue days of --days from --starts, codes at most --max-code-days long
(never perpetual), at most --seats seats per code, the --features named,
serials in --serials, for --purpose. One certificate per product, one per
line of the output.

Examples:
   actkit keys delegate --request server.request --product umenu -o umenu.delegation
   actkit keys delegate --request server.request --product umenu --days 14 --max-code-days 14 --features export,api --purpose online`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "request", Usage: "the request file written by 'actkit keys request-delegation'", Required: true},
			&cli.StringSliceFlag{Name: "product", Usage: "product the key may sign for; repeatable", Required: true},
			&cli.StringFlag{Name: "starts", Usage: "first issue day (YYYY-MM-DD; default today)"},
			&cli.IntFlag{Name: "days", Value: 30, Usage: "how many issue days the delegation covers"},
			&cli.IntFlag{Name: "max-code-days", Value: 30, Usage: "the longest code: its expiry at most this many days after its issue day"},
			&cli.IntFlag{Name: "seats", Value: 0xFFFF, Usage: "most seats one code may grant"},
			&cli.StringFlag{Name: "features", Usage: "features codes may grant, by name (default: all)"},
			&cli.StringFlag{Name: "serials", Usage: "serial range MIN-MAX codes must fall in (default: any)"},
			&cli.StringFlag{Name: "purpose", Value: "online,portal", Usage: "online, portal, or both"},
			&cli.StringFlag{Name: "root", Usage: "sign with this root (a retired one, for releases whose keyring holds only it) instead of the product's active key"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the certificate to this file instead of stdout"},
		}, keystoreFlags()...),
		Action: func(c *cli.Context) error {
			req, err := readTransfer(c.String("request"))
			if err != nil {
				return err
			}
			pub, err := keygen.ParseDelegationRequest(req)
			if err != nil {
				return refused(err)
			}
			l := keygen.Limits{Products: c.StringSlice("product"), Days: c.Int("days"), Features: codec.NoLimitFeatures,
				SerialMax: ^uint64(0)}
			if l.NotBefore = codec.DayOf(e.now()); c.String("starts") != "" {
				if l.NotBefore, err = codec.ParseDay(c.String("starts")); err != nil {
					return usageError("--starts: %v", err)
				}
			}
			if n := c.Int("max-code-days"); n < 1 || n > 0xFFFE {
				return usageError("--max-code-days: give 1 to 65534 days; a delegated key never signs a perpetual code")
			} else {
				l.MaxCodeDays = uint16(n)
			}
			if n := c.Int("seats"); n < 1 || n > 0xFFFF {
				return usageError("--seats: give 1 to 65535")
			} else {
				l.MaxSeats = uint16(n)
			}
			for _, p := range strings.Split(c.String("purpose"), ",") {
				switch strings.TrimSpace(p) {
				case "online":
					l.Purpose |= codec.PurposeOnline
				case "portal":
					l.Purpose |= codec.PurposePortal
				default:
					return usageError("--purpose %q: give online, portal or online,portal", p)
				}
			}
			if s := c.String("serials"); s != "" {
				lo, hi, ok := strings.Cut(s, "-")
				min, err1 := strconv.ParseUint(lo, 10, 64)
				max, err2 := strconv.ParseUint(hi, 10, 64)
				if !ok || err1 != nil || err2 != nil || min > max {
					return usageError("--serials %q: give MIN-MAX, as 1000-1999", s)
				}
				l.SerialMin, l.SerialMax = min, max
			}
			if names := c.String("features"); names != "" {
				if len(l.Products) != 1 {
					return usageError("--features names one product's features: give one --product")
				}
				svc, err := openService(c, e, nil)
				if err != nil {
					return err
				}
				p, err := svc.Product(c.Context, l.Products[0])
				if err != nil {
					return failed(c, e, err)
				}
				l.Features = 0
				for _, n := range strings.Split(names, ",") {
					i := slices.Index(p.Features, strings.TrimSpace(n))
					if i < 0 {
						return usageError("--features: %s has no feature %q (it has %s)", p.ID, n, strings.Join(p.Features, ", "))
					}
					l.Features |= 1 << i
				}
			}
			if r := c.String("root"); r != "" {
				id, err := codec.ParseKeyID(r)
				if err != nil {
					return usageError("--root: %v", err)
				}
				l.Root = &id
			}
			var serial [8]byte
			if _, err := io.ReadFull(rand.Reader, serial[:]); err != nil {
				return err
			}
			l.Serial = binary.BigEndian.Uint64(serial[:]) >> 8 // room for one per product
			ks, err := loadKeys(c, e)
			if err != nil {
				return err
			}
			certs, err := ks.Delegate(pub, l)
			if err != nil {
				return keystoreError(err)
			}
			var text strings.Builder
			for _, cert := range certs {
				text.WriteString(cert.String() + "\n")
				p := cert.Products[0]
				fmt.Fprintf(e.stderr, "delegated: key %s may sign %s codes issued %s to %s, at most %d days long, by root %s (certificate %d, %s)\n",
					p.KeyID, p.Product, cert.NotBefore, cert.NotAfter, cert.MaxCodeDays, p.Issuer, cert.Serial, cert.Purpose)
			}
			if err := writeTransfer(c, e, text.String(), 0o644); err != nil {
				return err
			}
			fmt.Fprintln(e.stderr, "take the certificate to the server: actkit keys install FILE")
			return nil
		},
	}
}

func keysInstallCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "install",
		Usage:     "on the server: install the delegation certificates the workstation signed",
		ArgsUsage: "FILE",
		Description: `Attaches each certificate in FILE (one per line) to the delegated key this
keystore requested. 'actkit serve' signs with it from its next start.

Example:
   actkit keys install umenu.delegation`,
		Flags: keystoreFlags(),
		Action: func(c *cli.Context) error {
			file, err := oneArg(c, "FILE")
			if err != nil {
				return err
			}
			text, err := readTransfer(file)
			if err != nil {
				return err
			}
			var certs []*codec.Certificate
			for _, line := range strings.Split(text, "\n") {
				if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
					continue
				}
				cert, err := codec.ParseCertificate(line)
				if err != nil {
					return refused(fmt.Errorf("%s: %w", file, err))
				}
				certs = append(certs, cert)
			}
			if len(certs) == 0 {
				return refused(fmt.Errorf("%s holds no certificate", file))
			}
			h, err := openHome(c, e)
			if err != nil {
				return err
			}
			if err := h.UpdateKeys(c.Context, func(ks *keygen.Keyset) error {
				for _, cert := range certs {
					if _, err := ks.InstallCertificate(cert); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				return keystoreError(err)
			}
			for _, cert := range certs {
				p := cert.Products[0]
				fmt.Fprintf(e.stdout, "%s %s %s..%s\n", p.KeyID, p.Product, cert.NotBefore, cert.NotAfter)
			}
			return nil
		},
	}
}

// readTransfer reads a small text file of the delegation flow.
func readTransfer(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", refused(err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxTransferFile+1))
	if err != nil {
		return "", refused(err)
	}
	if len(b) > maxTransferFile {
		return "", refused(fmt.Errorf("%s is larger than a delegation file can be", path))
	}
	return string(b), nil
}

// writeTransfer writes text to -o (atomically) or stdout.
func writeTransfer(c *cli.Context, e *env, text string, perm os.FileMode) error {
	out := c.String("output")
	if out == "" {
		_, err := io.WriteString(e.stdout, text)
		return err
	}
	if err := atomicfile.Write(atomicfile.OS, out, perm, func(w io.Writer) error {
		_, err := io.WriteString(w, text)
		return err
	}); err != nil {
		return refused(fmt.Errorf("writing %s: %w", out, err))
	}
	fmt.Fprintf(e.stderr, "wrote %s\n", out)
	return nil
}
