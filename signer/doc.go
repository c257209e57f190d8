// Package signer is the vendor's licensing service: every front end (the
// actkit CLI, an activation server, a portal) calls it to add products and
// licences, issue, release and transfer seats, issue in bulk and sign
// audit checkpoints.
//
// Each call is one ledger transaction in which the rules of package
// licensing decide what to write, followed, for calls that hand out
// codes, by signing after the transaction is durable: no code exists
// without its record. The service holds no state of its own beyond its
// ledger, keys and clock; it is safe for concurrent use, as long as its
// Keys are.
//
// signer imports no ledger backend and no keystore: the ledger comes in as
// a ledger.Store, keys as a Keys returning codec.Signer, so a key held in
// an HSM or a cloud KMS can plug in.
package signer
