// Command gen writes actkit's test vectors into the
// current directory (run it through "go generate ./testvectors").
package main

import (
	"fmt"
	"os"

	"github.com/actkit/actkit/testvectors"
)

func main() {
	for _, f := range testvectors.Build() {
		data, err := testvectors.Marshal(f.File)
		if err == nil {
			err = os.WriteFile(f.Name, data, 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		fmt.Printf("wrote %s: %d tests\n", f.Name, f.NumberOfTests)
	}
}
