//go:build !unix

package keygen

// oNoFollow is not available here; see nofollow_unix.go.
const oNoFollow = 0
