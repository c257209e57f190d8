// Package server is actkit's online activation API: the HTTP front end
// that products with internet call to activate, validate and deactivate,
// over the same signer.Service and rules as the CLI. It adds transport and
// words for HTTP (JSON shapes, status codes, problem codes), never rules.
//
// Every answer that grants a licence carries the actkit activation code:
// the signed entitlement that the product checks offline with verify,
// exactly as a typed code, so online and manual activation share one
// verifier. Errors are application/problem+json (RFC 9457) bodies that
// also carry "error" and "code", one code per licensing reason, mapped in
// one table (problems.go).
//
// A Server is an http.Handler, safe for concurrent use.
package server
