// Package archtest holds the tests that keep actkit's shape: which
// package may import which, and that libraries neither print, exit nor
// speak in shell words. It has no code of its own; see architecture.md in
// docs/ for the rules and why they exist.
package archtest
