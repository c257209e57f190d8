// Package verify checks actkit activation codes fully offline. It is the
// part of actkit that products embed, so it imports only the standard
// library, actkit's codec and base58 (a test enforces this), keeps no
// global state, reads no clock and touches no network: the caller passes
// the current time and the machine's UID.
//
// Build a Keyring once from the keyring text the vendor exported,
// then call Verify for each code; a code that came with its delegation
// certificate (an online answer) goes to VerifyDelegated, and a keyring
// update to Keyring.Update, which returns the new Keyring. A Keyring is
// immutable and safe for concurrent use.
//
// Every failure is an error that wraps one of the sentinel errors below;
// test it with errors.Is, never ==, and reach the detail (typo groups, a
// suggested correction, the key ID, the expiry day) with errors.As on
// *Error.
package verify
