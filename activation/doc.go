// Package activation is what a product calls at start-up to learn its
// licence state: activated, in its grace period, activation required,
// expired, moved to another machine, invalid, or clock tampering
// suspected; and, for a product with a licence server, activated but
// offline (with the days of grace left), validation required, seat lost,
// revoked or suspended, and deactivated. It is built on package verify
// and never imports ghw: the product passes in its current machine UID
// (from package machine, or its own value).
//
// Check and Activate are the offline half. A Client adds the online half
// through a Server: activation with a licence key, validation on the
// server's schedule, deactivation (freeing the seat online, or showing a
// deactivation code for the vendor). This package never opens a socket:
// the HTTP client is package activation/online, so a product that must
// not talk to a network links none (a test holds that with go list).
//
// It keeps a small state file: the accepted activation code, the licence
// key, the UID the code was issued for, the first-run time and the latest
// time seen, and for an online activation its schedule, written
// atomically under a MAC. A missing state file starts the grace period
// (7 days by default); a damaged one does not grant a new one and never
// means "licensed". The states, defaults and the state diagram:
// docs/product.md.
package activation
