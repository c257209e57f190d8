package main

import (
	"fmt"

	"github.com/actkit/actkit/codec"
	"github.com/urfave/cli/v2"
)

// codeFields is the JSON shape of a decoded, unverified code.
type codeFields struct {
	Verified   bool   `json:"verified"`
	Version    int    `json:"version"`
	KeyID      string `json:"keyId"`
	Algorithm  string `json:"algorithm"`
	Issued     string `json:"issued"`
	Expires    string `json:"expires"`
	Seats      int    `json:"seats"`
	Features   uint64 `json:"features"`
	Serial     uint64 `json:"serial"`
	LicenceTag string `json:"licenceTag"`
	MachineTag string `json:"machineTag"`
	Symbols    int    `json:"symbols"`
	Canonical  string `json:"canonical"`
}

func inspectCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "decode an activation code and show its fields, without verifying it",
		ArgsUsage: "CODE",
		Description: `Shows what a code claims. Nothing is verified: anyone can write a code that
decodes. Use 'actkit verify' to check it against a keyring.

Example:
   actkit inspect --json f2bkHUHqBHF-WwNgz81FyMW-...`,
		Flags: []cli.Flag{jsonFlag},
		Action: func(c *cli.Context) error {
			text, err := oneArg(c, "CODE")
			if err != nil {
				return err
			}
			code, err := codec.DecodeCode(text)
			if err != nil {
				return refused(err, typoHint(err)...)
			}
			canon, _ := code.Text()
			alg := "ed25519"
			if len(code.Sig) == codec.HMACTagSize {
				alg = "hmac-sha256"
			}
			f := codeFields{
				Version: codec.Version, KeyID: code.KeyID.String(), Algorithm: alg,
				Issued: code.Issued.String(), Expires: code.Expires.String(), Seats: int(code.Seats),
				Features: code.Features, Serial: code.Serial,
				LicenceTag: fmt.Sprintf("%02x", code.LicenceTag), MachineTag: fmt.Sprintf("%02x", code.MachineTag),
				Symbols: len(canon) - countByte(canon, '-'), Canonical: canon,
			}
			if c.Bool("json") {
				return writeJSON(e.stdout, f)
			}
			w := e.stdout
			fmt.Fprintln(w, "UNVERIFIED: these are the code's claims; 'actkit verify' checks them")
			fmt.Fprintf(w, "version      %d\n", f.Version)
			fmt.Fprintf(w, "key ID       %s (%s by its signature length)\n", f.KeyID, f.Algorithm)
			fmt.Fprintf(w, "issued       %s\n", f.Issued)
			fmt.Fprintf(w, "expires      %s\n", f.Expires)
			fmt.Fprintf(w, "seats        %d\n", f.Seats)
			fmt.Fprintf(w, "features     %#x\n", f.Features)
			fmt.Fprintf(w, "serial       %d\n", f.Serial)
			fmt.Fprintf(w, "licence tag  %s\n", f.LicenceTag)
			fmt.Fprintf(w, "machine tag  %s\n", f.MachineTag)
			fmt.Fprintf(w, "symbols      %d\n", f.Symbols)
			return nil
		},
	}
}

func countByte(s string, b byte) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			n++
		}
	}
	return n
}
