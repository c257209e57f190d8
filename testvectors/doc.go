// Package testvectors holds actkit's activation-code test vectors and the
// generator that makes them.
//
// The JSON files follow the Wycheproof shape: groups that share a keyring,
// each test with a tcId, a comment, the code's text form, the binding, the
// time of the check, a result ("valid" or "invalid") and, for invalid
// tests, the reason naming the expected error. They are generated from
// fixed seeds, so regenerating gives the same bytes:
//
//	go generate ./testvectors
//
// Expected reasons come from how each case is constructed (which field was
// changed, which symbol was replaced), never from running the verifier.
package testvectors

//go:generate go run ./gen
