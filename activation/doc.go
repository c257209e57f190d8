// Package activation is what a product calls at start-up to learn its
// licence state: activated, in its grace period, activation required,
// expired, moved to another machine, invalid, or clock tampering
// suspected. It is built on package verify and never imports ghw: the
// product passes in its current machine UID (from package machine, or its
// own value).
//
// It keeps a small state file: the accepted activation code, the licence
// key, the UID the code was issued for, the first-run time and the latest
// time seen, written atomically. A missing state file starts the grace
// period (7 days by default); a damaged one does not grant a new one and
// never means "licensed".
package activation
