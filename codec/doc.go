// Package codec defines actkit's wire formats: the binary payload of an
// activation code, its hand-typeable text form, the signed message that binds
// a code to a product, licence key and machine, and the text forms of public
// keys and keyrings.
//
// Everything here is pure encoding: no cryptographic verification happens in
// this package (see package verify), no clock is read and nothing is global
// but immutable constants. Decoders are strict and canonical: every accepted
// input re-encodes to exactly its canonical form, lengths are capped before
// any work that grows with them, and every failure is an *Error wrapping one
// of the sentinel errors below.
//
// The format is specified in docs/format.md; this package is its reference
// implementation.
package codec
