package activation

import (
	"time"

	"github.com/actkit/actkit/codec"
)

// WriteState writes a version 2 state file whose MAC is keyed with secret,
// as a product with that StateKey would: tests forge files with a wrong
// key, or impossible states with the right one.
func WriteState(path string, firstRun, latestSeen time.Time, secret []byte, product string, uid codec.MachineUID) error {
	return save(path, &stateFile{FirstRun: firstRun, LatestSeen: latestSeen}, newStateKey(secret, product, uid))
}

// SetMinWait lowers the shortest wait of c.Watch, for tests on the real
// clock.
func SetMinWait(c *Client, d time.Duration) { c.minWait = d }
