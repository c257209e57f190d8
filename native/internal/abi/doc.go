// Package abi is the Go side of libactkit, the C ABI of the product side
// (native/actkit.h): every exported C function is a thin conversion of C
// strings to a call here, so that the rules, the crypto and the error
// mapping exist once, in Go, and can be tested and fuzzed without cgo.
//
// Results are Go values; errors are *Error, whose Status is the C status
// code (Status* constants, the ACTKIT_E_* values of the header). Objects
// held across calls (keyrings, clients) live in a handle table: C holds a
// number, never a Go pointer, so a stale or forged handle is an error, not
// a crash.
package abi
