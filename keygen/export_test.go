package keygen

import "github.com/actkit/actkit/internal/atomicfile"

// OptionsForTest sets a low scrypt work factor and a fault-injecting
// file system.
func OptionsForTest(workFactor int, fs atomicfile.FS) StoreOptions {
	return StoreOptions{ScryptWorkFactor: workFactor, fs: fs}
}
