package main

import (
	"encoding/json"
	"io"

	"github.com/urfave/cli/v2"
)

var jsonFlag = &cli.BoolFlag{Name: "json", Usage: "print the result as JSON on stdout"}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// oneArg returns the single positional argument, or a usage error.
func oneArg(c *cli.Context, name string) (string, error) {
	if c.NArg() != 1 {
		return "", usageError("%s takes exactly one %s (flags go before it)", c.Command.Name, name)
	}
	return c.Args().First(), nil
}

// outputPath is the file -o names; "" (no -o) and "-" both mean standard
// output, so that "-o -" never makes a file called "-".
func outputPath(c *cli.Context) string {
	if out := c.String("output"); out != "-" {
		return out
	}
	return ""
}
