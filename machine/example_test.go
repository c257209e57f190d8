package machine_test

import (
	"fmt"

	"github.com/actkit/actkit/machine"
)

// A product computes its UID at start-up; the result depends on the
// hardware, so this example has no fixed output.
func ExampleCollect() {
	id, err := machine.Collect(machine.Options{Product: "umenu", Version: "4.2.17"})
	if err != nil {
		fmt.Println("no machine identity:", err) // e.g. a container: pass ProductValue
		return
	}
	fmt.Println("machine UID:", id.UID)
	for _, c := range id.Components {
		fmt.Println(c.Component, c.State, c.Source)
	}
}

func ExampleMinorVersion() {
	v, _ := machine.MinorVersion("4.2.17")
	fmt.Println(v)
	// Output: 4.2
}
