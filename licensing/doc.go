// Package licensing holds the vendor's licensing rules as pure functions
// over plain values: products, licences, activations, issue requests, and
// Decide, which says what an issue request writes or why it is refused. It
// does no I/O and reads no clock, so every front end (the CLI, the
// activation server, the portal) and every ledger backend apply exactly
// the same rules, and the rules are tested without a database.
//
// Refusals wrap one sentinel per reason (ErrSeatLimit, ErrSuspended, ...),
// tested with errors.Is; *Refusal carries the reason's data (the machines
// holding the seats, for a seat limit); ReasonCode gives the stable name
// that JSON output, exit statuses and HTTP problem codes are mapped from.
// Messages name no command, flag or page: the words that tell a person
// what to do next belong to each front end.
//
// All types are plain values, safe to copy and to share between
// goroutines once built.
package licensing
