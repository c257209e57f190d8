package main

import (
	"errors"
	"fmt"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/internal/boundedfile"
	"github.com/actkit/actkit/internal/termsjson"
	"github.com/actkit/actkit/verify"
	"github.com/urfave/cli/v2"
)

// verifyResult is the JSON shape of 'actkit verify --json'.
type verifyResult struct {
	Valid      bool         `json:"valid"`
	Reason     string       `json:"reason,omitempty"`
	Message    string       `json:"message,omitempty"`
	Groups     []int        `json:"groups,omitempty"`
	Position   int          `json:"position,omitempty"`
	Suggestion string       `json:"suggestion,omitempty"`
	Fix        *fixFields   `json:"fix,omitempty"`
	Terms      *termsFields `json:"terms,omitempty"`
}

// fixFields locate a suggestion's one changed symbol.
type fixFields struct {
	Group  int    `json:"group"`
	Symbol int    `json:"symbol"`
	Given  string `json:"given"`
	Want   string `json:"want"`
}

// termsFields are the terms' JSON form, shared with libactkit.
type termsFields = termsjson.Terms

func verifyCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "check an activation code offline against a product's keyring",
		ArgsUsage: "CODE",
		Description: `Checks the code as the product would: its check symbols, its key, its
signature over the product, licence key and machine UID, and its dates.
Exits 0 when valid, 1 with the reason when not (and the correction, for a
single typo), 2 on usage errors.

Example:
   actkit verify --keyring umenu.keyring --licence UMENU-7KQ2X-M4RTA-9VWCE-H3NPM \
       --machine 18J8D-22RR5-50W00-0000C f2bkHUHqBHF-WwNgz81FyMW-...`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "keyring", Usage: "keyring file exported with 'actkit keys export'"},
			&cli.StringFlag{Name: "licence", Aliases: []string{"license"}, Usage: "licence key the code was issued for"},
			&cli.StringFlag{Name: "machine", Usage: "machine UID the code was issued for"},
			&cli.StringFlag{Name: "product", Usage: "product ID (default: the keyring's)"},
			jsonFlag,
		},
		Action: func(c *cli.Context) error {
			code, err := oneArg(c, "CODE")
			if err != nil {
				return err
			}
			for _, f := range []string{"keyring", "licence", "machine"} {
				if c.String(f) == "" {
					return usageError("--%s is required", f)
				}
			}
			kr, err := loadKeyring(c.String("keyring"))
			if err != nil {
				return err
			}
			product := c.String("product")
			if product == "" {
				product = kr.Product()
			}
			b := verify.Binding{Product: product, LicenceKey: c.String("licence"), MachineUID: c.String("machine")}
			terms, verr := kr.Verify(code, b, e.now())
			if c.Bool("json") {
				res := verifyResult{Valid: verr == nil}
				if verr != nil {
					res.Reason = verify.ReasonCode(verr)
					res.Message = verr.Error()
					var ve *verify.Error
					if errors.As(verr, &ve) {
						res.Groups, res.Position, res.Suggestion = ve.Groups, ve.Pos, ve.Suggestion
						if ve.Suggestion != "" {
							res.Fix = &fixFields{Group: ve.Fix.Group, Symbol: ve.Fix.Symbol, Given: string(ve.Fix.Given), Want: string(ve.Fix.Want)}
						}
					}
				} else {
					res.Terms = termsOf(terms)
				}
				if err := writeJSON(e.stdout, res); err != nil {
					return err
				}
				if verr != nil {
					return &cliError{status: exitRefused, err: errSilent}
				}
				return nil
			}
			if verr != nil {
				return refused(verr, verifyHints(verr)...)
			}
			t := termsOf(terms)
			w := e.stdout
			fmt.Fprintln(w, "valid activation code")
			fmt.Fprintf(w, "product   %s\n", t.Product)
			fmt.Fprintf(w, "issued    %s\n", t.Issued)
			fmt.Fprintf(w, "expires   %s\n", t.Expires)
			fmt.Fprintf(w, "seats     %d\n", t.Seats)
			fmt.Fprintf(w, "features  %#x\n", t.Features)
			fmt.Fprintf(w, "serial    %d\n", t.Serial)
			fmt.Fprintf(w, "key       %s (%s)\n", t.KeyID, t.Algorithm)
			return nil
		},
	}
}

func termsOf(t verify.Terms) *termsFields { return termsjson.Of(t) }

// loadKeyring reads a keyring file. The CLI is the vendor's tool, so it
// accepts keyrings with HMAC secrets (a product would not).
func loadKeyring(path string) (*verify.Keyring, error) {
	data, err := boundedfile.ReadFile(path, codec.MaxKeyringText)
	if err != nil {
		return nil, refused(fmt.Errorf("reading keyring: %w", err), "check the path given with --keyring, or export it with 'actkit keys export --product P -o FILE'")
	}
	kr, err := verify.ParseKeyringWithHMACSecrets(string(data))
	if err != nil {
		return nil, refused(fmt.Errorf("keyring %s: %w", path, err), "export it again with 'actkit keys export --product P -o FILE'")
	}
	return kr, nil
}

func typoHint(err error) []string {
	switch {
	case errors.Is(err, codec.ErrIsRequestCode):
		return []string{"a request code is what a product sends to the vendor: issue an activation code from it with 'actkit issue --request CODE'"}
	case errors.Is(err, codec.ErrIsDeactivationCode):
		return []string{"a deactivation code frees a seat: give it to 'actkit release --code CODE'"}
	}
	if errors.Is(err, codec.ErrTypo) {
		return []string{"compare the named group with the code you were given, symbol by symbol"}
	}
	if errors.Is(err, codec.ErrMalformed) {
		return []string{"codes use the symbols 1-9, A-Z and a-z except 0, O, I and l; spaces and hyphens are ignored"}
	}
	return nil
}

// fixPlace names where a suggested correction differs from the code as
// given, to be read out over the phone: "group 4, symbol 10: N, not M".
func fixPlace(f verify.Fix) string {
	return fmt.Sprintf("group %d, symbol %d: %c, not %c", f.Group, f.Symbol, f.Want, f.Given)
}

func verifyHints(err error) []string {
	var ve *verify.Error
	errors.As(err, &ve)
	switch {
	case ve != nil && ve.Suggestion != "":
		return []string{fixPlace(ve.Fix), "a single symbol was probably mistyped; if the suggestion matches what you were given, use it"}
	case errors.Is(err, verify.ErrWrongMachine):
		return []string{"request a code for this machine: 'actkit request ...' prints its request code"}
	case errors.Is(err, verify.ErrNotYetValid):
		return []string{"check the system clock and time zone"}
	case errors.Is(err, verify.ErrExpired):
		return []string{"ask the vendor to extend the licence and issue a new code"}
	}
	return typoHint(err)
}
