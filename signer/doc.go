// Package signer is the vendor's side of actkit: products and licences,
// the seat ledger in an embedded SQLite database, issuing activation codes
// (record first, sign after the record is durable), releases and
// transfers, bulk issuing, and a hash-chained audit trail with signed
// checkpoints.
//
// Every change runs in one write transaction begun with BEGIN IMMEDIATE,
// with the database in WAL mode and synchronous=FULL, so a licence's seats
// are never over-issued even when several processes issue at once, and a
// code is printed only after its activation row and audit entry are on
// disk. Do not put the ledger on a network file system: SQLite's locking
// is not reliable there.
package signer
