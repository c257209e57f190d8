package ledger_test

import (
	"strings"
	"testing"

	"github.com/actkit/actkit/ledger"
)

// FuzzParseCheckpoint: an accepted checkpoint prints back to an equal one.
func FuzzParseCheckpoint(f *testing.F) {
	f.Add("actkit-checkpoint v1 size=3 head=" + strings.Repeat("ab", 32) + " at=2026-11-23T10:00:00Z key=b73c sig=" + strings.Repeat("2", 88))
	f.Add("actkit-checkpoint v1 size=-1")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ledger.ParseCheckpoint(s)
		if err != nil {
			return
		}
		again, err := ledger.ParseCheckpoint(c.String())
		if err != nil || again.String() != c.String() {
			t.Fatalf("checkpoint does not round-trip: %v", err)
		}
	})
}
