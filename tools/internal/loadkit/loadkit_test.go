package loadkit

import (
	"testing"

	"github.com/actkit/actkit/activation"
	"github.com/actkit/actkit/codec"
)

// TestSiteUIDsAreNeverOneDriftedMachine: machines that share a component
// (every 32,000 the network slot, every 32,749 the product value, within
// a block of 32,000 the OS machine ID) differ in two others, so the
// default policy takes none of them for another's drifted UID.
func TestSiteUIDsAreNeverOneDriftedMachine(t *testing.T) {
	for _, n := range []int{0, 1, 999, 31999, 32000, 50000} {
		for _, d := range []int{1, 2, 751, 32000, 32749, 64000} {
			a, err := codec.ParseMachineUID(SiteUID(n))
			if err != nil {
				t.Fatal(err)
			}
			b, err := codec.ParseMachineUID(SiteUID(n + d))
			if err != nil {
				t.Fatal(err)
			}
			if a == b || activation.DefaultPolicy.Matches(activation.CompareUIDs(a, b)) {
				t.Errorf("machines %d and %d: one machine under the default policy", n, n+d)
			}
		}
	}
}
