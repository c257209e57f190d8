//go:build unix

package keygen

import "syscall"

// oNoFollow makes opening the lock file fail on a symlink planted in its
// place, instead of creating or locking whatever the link points to.
const oNoFollow = syscall.O_NOFOLLOW
