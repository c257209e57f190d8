// Package keygen creates and holds actkit's signing keys: Ed25519 private
// keys (the default: products hold only the public half) and HMAC-SHA256
// secrets (for very short codes where the verifier is trusted), and signs
// activation codes with them.
package keygen
