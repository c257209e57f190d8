// Package portal is the web pages served beside the licence API by
// 'actkit serve': manual activation for air-gapped customers (a licence
// key and a request code in, an activation code out), "My licence" for a
// customer signed in with their licence key, and the vendor's dashboard
// for staff signed in with an API token.
//
// The pages are server-rendered html/template with their assets embedded:
// no external fonts, scripts or CDNs, usable with JavaScript off (the one
// script only adds a copy button), and every rule is the signer service's,
// the same the API and the CLI apply. Every state-changing form is a POST
// behind net/http's CrossOriginProtection; sessions are random tokens in
// HttpOnly, SameSite=Lax cookies (Secure under TLS) that the ledger keeps
// only as their SHA-256, with an expiry (signer.Session), so that every
// instance knows them; sign-in attempts and activations are rate-limited
// per client address.
package portal
