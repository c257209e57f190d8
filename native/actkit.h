/*
 * actkit.h: the C ABI of actkit's product side (libactkit).
 *
 * One native library over the Go verifier and activation client, so that
 * C, C++, .NET and Python products check activation codes with the same
 * code, the same rules and the same test vectors as Go. Reference:
 * docs/native.md.
 *
 * Conventions, for every function:
 *
 *  - Strings in are UTF-8, NUL-terminated, at most 1 MiB; the library
 *    copies them and keeps no pointer. A NULL where a string is required
 *    is ACTKIT_E_ARGUMENT; the arguments documented as optional accept
 *    NULL (or "") for "none" / "default".
 *  - Results come back through `char **` out-parameters, in buffers the
 *    library allocates (malloc of the library's C runtime). The caller
 *    owns them and releases each with actkit_free (never free(): on
 *    Windows the caller's C runtime may not be the library's). Every out
 *    pointer is set to NULL first, so freeing them unconditionally after
 *    any call is correct; any out pointer may itself be NULL if the
 *    caller does not want that result.
 *  - The return value is a status: ACTKIT_OK (0) or an ACTKIT_E_* code;
 *    on failure `*err` (when err is not NULL) holds a message for people
 *    (lower case, no secrets). No Go panic ever crosses into the caller:
 *    a bug is ACTKIT_E_INTERNAL with its message.
 *  - Handles (keyrings, clients) are numbers, not pointers: a closed or
 *    unknown handle is ACTKIT_E_HANDLE, never a crash. 0 is never a
 *    valid handle.
 *  - Every function may be called from any thread at the same time. A
 *    keyring is read-only after parsing; a client's calls take turns.
 *    Functions that reach the licence server block (per attempt
 *    timeout: the "timeout-ms" option, 10 s by default, 3 attempts).
 *
 * Times are int64 milliseconds since the Unix epoch (UTC), or ACTKIT_NOW
 * for the system clock.
 *
 * Symbols are prefixed actkit_; they and the numeric values below never
 * change meaning within one ACTKIT_ABI_VERSION. New functions, statuses
 * and reasons may be added without changing it.
 */
#ifndef ACTKIT_H
#define ACTKIT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && !defined(ACTKIT_STATIC)
#define ACTKIT_API __declspec(dllimport)
#else
#define ACTKIT_API
#endif

/* The ABI this header describes. Call actkit_abi_check() (or compare
 * actkit_abi_version() with it) once at start-up, before anything else:
 * a library of another ABI must not be used. */
#define ACTKIT_ABI_VERSION 1

/* A handle to a keyring or a client; 0 is never valid. */
typedef uint64_t actkit_handle;

/* A time argument meaning "the system clock". */
#define ACTKIT_NOW INT64_MIN

/* Statuses (return values). actkit_status_name() gives each a name. */
#define ACTKIT_OK               0  /* success */
#define ACTKIT_E_REFUSED        1  /* a code or a keyring update was refused: see the reason */
#define ACTKIT_E_ARGUMENT       2  /* API misuse: NULL, not UTF-8, too long, unknown flag or option */
#define ACTKIT_E_HANDLE         3  /* not an open handle of that kind */
#define ACTKIT_E_KEYRING        4  /* the keyring text does not parse */
#define ACTKIT_E_MACHINE        5  /* the machine UID cannot be computed (no per-machine component) */
#define ACTKIT_E_INVALID        6  /* a product, version, licence key or machine UID is not valid */
#define ACTKIT_E_OFFLINE        7  /* the licence server cannot be reached; the grace runs */
#define ACTKIT_E_SERVER_REFUSED 8  /* the licence server refused (the message has its code) */
#define ACTKIT_E_NOT_ACTIVATED  9  /* nothing to validate or deactivate on this machine */
#define ACTKIT_E_NO_SERVER      10 /* an online call on a client made without a server URL */
#define ACTKIT_E_FAILED         11 /* another failure of a client call (state file, a server's code that does not verify) */
#define ACTKIT_E_INTERNAL       12 /* a bug in libactkit (a recovered panic); please report it */

/* Why actkit_verify or actkit_verify_delegated refused a code, or
 * actkit_keyring_update a keyring update (ACTKIT_E_REFUSED). The names,
 * from actkit_reason_name(), are the reasons of the Go verifier, of
 * 'actkit verify --json' and of the test vectors (testvectors/). */
#define ACTKIT_REASON_NONE                0
#define ACTKIT_REASON_INVALID_BINDING     1  /* "invalid-binding": product, licence key or machine UID unusable */
#define ACTKIT_REASON_MALFORMED           2  /* "malformed": not an activation code */
#define ACTKIT_REASON_TYPO                3  /* "typo": a group's check symbol fails; see the suggestion */
#define ACTKIT_REASON_UNSUPPORTED_VERSION 4  /* "unsupported-version": a newer format; update the product */
#define ACTKIT_REASON_WRONG_PRODUCT       5  /* "wrong-product" */
#define ACTKIT_REASON_REVOKED_KEY         6  /* "revoked-key" */
#define ACTKIT_REASON_UNKNOWN_KEY         7  /* "unknown-key": a key this keyring does not hold */
#define ACTKIT_REASON_ALGORITHM_MISMATCH  8  /* "algorithm-mismatch" */
#define ACTKIT_REASON_WRONG_LICENCE       9  /* "wrong-licence": issued for another licence key */
#define ACTKIT_REASON_WRONG_MACHINE       10 /* "wrong-machine": issued for another machine UID */
#define ACTKIT_REASON_BAD_SIGNATURE       11 /* "bad-signature": altered or forged */
#define ACTKIT_REASON_NOT_YET_VALID       12 /* "not-yet-valid": the clock is behind the issue day */
#define ACTKIT_REASON_EXPIRED             13 /* "expired" */
/* Codes signed by a delegated key (a server's key, certified by a root). */
#define ACTKIT_REASON_OUTSIDE_DELEGATION  14 /* "outside-delegation": issued outside the certificate's window,
                                              * perpetual or longer than allowed, over its seats, features or serials */
#define ACTKIT_REASON_REVOKED_DELEGATION  15 /* "revoked-delegation": the delegated key, or its issuing root, is revoked */
#define ACTKIT_REASON_INVALID_DELEGATION  16 /* "invalid-delegation": the certificate is unreadable, for another key or
                                              * product, not issued by a root of the keyring, or its signature fails */
/* Keyring updates (actkit_keyring_update); an update may also be
 * "malformed", "unsupported-version", "wrong-product" or "invalid-delegation". */
#define ACTKIT_REASON_INSUFFICIENT_SIGNATURES 17 /* "insufficient-signatures": not signed by enough roots (the held
                                                  * keyring's, and the update's own): a wrong or stranger root */
#define ACTKIT_REASON_ROLLED_BACK         18 /* "rolled-back": its version is not above the held keyring's */
#define ACTKIT_REASON_UPDATE_EXPIRED      19 /* "update-expired": its expires day has passed */
#define ACTKIT_REASON_INVALID_KEY         20 /* "invalid-key": a root or key not derived for the product, an HMAC
                                              * root, a delegation not for the product or not issued by a root */
#define ACTKIT_REASON_CHECKSUM            21 /* "checksum": a key line damaged in copying */
#define ACTKIT_REASON_HMAC_SECRET_NOT_ALLOWED 22 /* "hmac-secret-not-allowed": an HMAC secret in an update for a keyring
                                              * parsed without ACTKIT_KEYRING_HMAC_SECRETS */

/* Flags of actkit_keyring_parse. */
#define ACTKIT_KEYRING_HMAC_SECRETS 1 /* accept HMAC secrets (closed deployments only) */

/* Flags of actkit_machine_uid: the switches of 'actkit machine-id'. */
#define ACTKIT_MACHINE_OS_ID       1 /* include the OS machine ID (--os-id) */
#define ACTKIT_MACHINE_SYSTEM_UUID 2 /* include the SMBIOS system UUID (--system-uuid) */
#define ACTKIT_MACHINE_SHOW_RAW    4 /* explanation with raw hardware values (--show-raw) */

/* ---- Library ------------------------------------------------------- */

/* The ABI version of the loaded library (ACTKIT_ABI_VERSION it was built
 * with). */
ACTKIT_API int32_t actkit_abi_version(void);

/* The library's release ("v1.4.0", or "devel"). Static: do not free. */
ACTKIT_API const char *actkit_version(void);

/* The stable name of a status ("ok", "refused", "offline", ...), or NULL
 * for an unknown one. Static: do not free. */
ACTKIT_API const char *actkit_status_name(int status);

/* The stable name of a reason ("typo", "wrong-machine", ...), or NULL for
 * ACTKIT_REASON_NONE or an unknown one. Static: do not free. */
ACTKIT_API const char *actkit_reason_name(int reason);

/* Releases a buffer the library returned. NULL is fine. */
ACTKIT_API void actkit_free(void *p);

/* Closes a keyring or client handle. Calls running on it finish; later
 * ones get ACTKIT_E_HANDLE. Closing 0 or a closed handle does nothing.
 * A client keeps the keyring it was made with, so the keyring handle may
 * be closed first. */
ACTKIT_API void actkit_close(actkit_handle handle);

/* 1 when the loaded library speaks this header's ABI, 0 when not. */
static inline int actkit_abi_check(void) {
	return actkit_abi_version() == ACTKIT_ABI_VERSION;
}

/* ---- Verification (offline) ----------------------------------------- */

/* Parses a keyring's text (the file 'actkit keys export' writes) into
 * *keyring. flags: 0, or ACTKIT_KEYRING_HMAC_SECRETS.
 * Errors: ACTKIT_E_KEYRING (the message says which line), ACTKIT_E_ARGUMENT.
 *
 * A version 2 keyring (roots, embedded delegations, revocations) is
 * checked here once: its roots' signatures and every embedded
 * certificate. actkit_verify then follows the chain of a typed code
 * signed by a delegated key the keyring embeds, at the cost of one
 * signature check. */
ACTKIT_API int actkit_keyring_parse(const char *text, int flags, actkit_handle *keyring, char **err);

/* The keyring's product ID, in *product. */
ACTKIT_API int actkit_keyring_product(actkit_handle keyring, char **product, char **err);

/* Verifies an activation code, fully offline.
 *
 *  product      optional: the product ID of the binding; NULL means the
 *               keyring's (another is refused as wrong-product, "" as
 *               invalid-binding)
 *  licence_key  the licence key as the user entered it (case, spaces and
 *               hyphens do not matter)
 *  machine_uid  this machine's UID (actkit_machine_uid)
 *  code         the activation code as typed or pasted
 *  now_unix_ms  the time to check the dates at, or ACTKIT_NOW
 *
 * ACTKIT_OK: *terms is one JSON object, the terms of 'actkit verify
 * --json': {"product","keyId","algorithm","serial","issued","expires"
 * (YYYY-MM-DD or "never"),"seats","features" (a bit mask)}.
 * ACTKIT_E_REFUSED: *reason is an ACTKIT_REASON_*, *err the message and,
 * for a single typo with exactly one correction that verifies,
 * *suggestion the corrected code: show it, never accept it on the user's
 * behalf. Other statuses: misuse (ACTKIT_E_HANDLE, ACTKIT_E_ARGUMENT),
 * with *reason ACTKIT_REASON_NONE. */
ACTKIT_API int actkit_verify(actkit_handle keyring, const char *product, const char *licence_key,
                             const char *machine_uid, const char *code, int64_t now_unix_ms,
                             char **terms, int *reason, char **suggestion, char **err);

/* actkit_verify for a code that came with its delegation certificate
 * (an online answer carries both; the product stores both):
 * certificate, optional, is its text ("actkit-delegation v1 ..."); NULL
 * or "" is actkit_verify. The certificate must be signed by one of the
 * keyring's roots (not revoked) and name the product; the code must be
 * signed by its key, unless the keyring trusts the code's key itself,
 * and fit its limits, judged by the code's own issue day and terms: a
 * code issued inside the window stays valid to its own expiry after the
 * delegation ends. A certificate text seen before is not checked again
 * (the keyring remembers a few), so verifying a stored code with its
 * stored certificate costs what actkit_verify costs. Results and
 * statuses as actkit_verify; the reasons of chains are 14 to 16. */
ACTKIT_API int actkit_verify_delegated(actkit_handle keyring, const char *product, const char *licence_key,
                                       const char *machine_uid, const char *code, const char *certificate,
                                       int64_t now_unix_ms, char **terms, int *reason, char **suggestion, char **err);

/* ---- Keyring updates ------------------------------------------------- */

/* Applies a keyring update (a root-signed version 2 keyring text, from
 * an online answer, the server's well-known keyring, or a file for an
 * air-gapped site) to keyring, checked at now_unix_ms: the same product,
 * a version above the keyring's (no rollback), an expires day not past,
 * signatures by at least the threshold of the keyring's roots and of the
 * update's own roots (a root rotation is signed by the old roots and the
 * new), every embedded delegation valid. The keyring itself is unchanged.
 *
 * ACTKIT_OK: *updated (optional: NULL when only the text is wanted) is a
 * new keyring handle, closed by the caller like any other; *text is the
 * new keyring's text, to store. At the next start, apply the stored text
 * to the keyring the product embeds, as an update, with now_unix_ms the
 * time it was installed (as the activation client does with its state
 * file): a stored file is then only as trusted as the embedded roots'
 * signatures, never more. The update the keyring already holds
 * is accepted again and gives the same keyring: a product may apply the
 * keyring of every answer. A keyring held never expires; the expires day
 * only bounds how late an update may be installed.
 * ACTKIT_E_REFUSED: *reason (ACTKIT_REASON_*: rolled-back, update-expired,
 * insufficient-signatures, wrong-product, malformed, ...) and *err say
 * why; keep the keyring held. Other statuses: misuse (ACTKIT_E_HANDLE,
 * ACTKIT_E_ARGUMENT), with *reason ACTKIT_REASON_NONE. */
ACTKIT_API int actkit_keyring_update(actkit_handle keyring, const char *update, int64_t now_unix_ms,
                                     actkit_handle *updated, char **text, int *reason, char **err);

/* actkit_keyring_update for a product that keeps only texts: parses
 * keyring_text (flags as actkit_keyring_parse), applies the update and
 * gives the new keyring's *text. A keyring_text that does not parse is
 * ACTKIT_E_KEYRING; the rest as actkit_keyring_update. */
ACTKIT_API int actkit_keyring_update_text(const char *keyring_text, int flags, const char *update, int64_t now_unix_ms,
                                          char **text, int *reason, char **err);

/* What the keyring holds, as JSON in *info (key IDs only, never key
 * material):
 *   {"product", "version" (0: a version 1 keyring), "expires" (YYYY-MM-DD,
 *    the last day it is accepted as an update; null for version 1),
 *    "threshold" (roots that must sign the next update), "roots": [key ID],
 *    "keys": [{"id","algorithm"}] (trusted directly),
 *    "delegations": [{"keyId","issuer","serial","notBefore","notAfter"}],
 *    "revoked": [key ID]} */
ACTKIT_API int actkit_keyring_info(actkit_handle keyring, char **info, char **err);

/* ---- This machine --------------------------------------------------- */

/* Computes this machine's UID for a product and version, the same answer
 * as 'actkit machine-id --product P --version V' (with the same flags).
 * product_value (optional) is a component the product supplies itself
 * (containers, VMs: --value). *uid is the UID's text
 * ("19DSX-5JRR5-00000-0000E"); *explain is the JSON of 'actkit machine-id
 * --json': {"uid", "components": [{"component","state","source",
 * "detail","raw"}]}: raw values only with ACTKIT_MACHINE_SHOW_RAW.
 * Errors: ACTKIT_E_MACHINE (no per-machine component: the message says
 * what was looked for), ACTKIT_E_INVALID (product or version). */
ACTKIT_API int actkit_machine_uid(const char *product, const char *version, int flags, const char *product_value,
                                  char **uid, char **explain, char **err);

/* The request code for offline activation: product, licence key, machine
 * UID and (optional) product version, as 'actkit request'. The customer
 * sends it to the vendor. Errors: ACTKIT_E_INVALID. */
ACTKIT_API int actkit_request_code(const char *product, const char *licence_key, const char *machine_uid,
                                   const char *product_version, char **code, char **err);

/* The deactivation code saying this machine gave up the activation code
 * with this serial (the terms' "serial") on the day of now_unix_ms, for
 * a product that keeps its own state (a client's deactivate makes one
 * itself). Errors: ACTKIT_E_INVALID. */
ACTKIT_API int actkit_deactivation_code(const char *product, const char *licence_key, const char *machine_uid,
                                        uint64_t serial, int64_t now_unix_ms, char **code, char **err);

/* ---- The activation client (activation.Client) ---------------------- */

/* Makes a client for the keyring's product on this machine: its state
 * file is state_dir/PRODUCT.activation (the directory is created, 0700);
 * server_url (optional) is the licence server ("https://licence.example.com");
 * without it the client is offline only (typed codes, request and
 * deactivation codes). One process per state file. */
ACTKIT_API int actkit_client_new(actkit_handle keyring, const char *state_dir, const char *server_url,
                                 const char *machine_uid, actkit_handle *client, char **err);

/* Sets an option; value NULL is "". Names:
 *   licence-key             activated online at start when not activated yet
 *   machine-name            sent with activations, for the vendor's records
 *   product-version         goes into request codes
 *   state-key               the product's own secret (hex) keying the state file's MAC
 *   grace-seconds           the first-run grace (default 7 days)
 *   offline-grace-seconds   how long an online activation runs on its last answer
 *                           when the server names none (default 7 days)
 *   clock-tolerance-seconds how far the clock may go back (default 2 hours)
 *   timeout-ms, attempts    per attempt timeout (10000) and attempts (3)
 *   user-agent              the User-Agent of requests
 *   now-unix-ms             a fixed clock ("" for the system clock)
 * Errors: ACTKIT_E_ARGUMENT (unknown name, bad value). */
ACTKIT_API int actkit_client_set(actkit_handle client, const char *name, const char *value, char **err);

/* The client calls. Each sets *status to the licence status as JSON,
 * even when it fails: the status is always the one to act on, and the
 * error says why the online step did not happen:
 *   {"state": "activated" | "in-grace" | "activation-required" | "expired"
 *             | "machine-changed" | "invalid" | "clock-tampering"
 *             | "activated-offline" | "validation-required" | "seat-lost"
 *             | "revoked" | "deactivated",
 *    "licensed": true when the product may run fully,
 *    "message": the sentence for the user,
 *    "terms": {...} (activated), "graceLeftSeconds", "changes",
 *    "expiredOn", "reason", "reasonMessage", "validateAfter",
 *    "offlineUntil" (RFC 3339), "serverCode", "deactivationCode",
 *    "activeCount", "maxActivations"}
 * ACTKIT_E_OFFLINE means: warn, and keep going on the grace the status
 * gives; only an answer about the licence (revoked, suspended, expired,
 * seat lost) takes it away, exactly as activation.Client. */

/* The state from the state file alone, without the network. */
ACTKIT_API int actkit_client_status(actkit_handle client, char **status, char **err);
/* At start-up: the state and the online step that is due (activation
 * with the licence-key option, or a validation). */
ACTKIT_API int actkit_client_start(actkit_handle client, char **status, char **err);
/* Activates online with licence_key (optional: NULL uses licence-key). */
ACTKIT_API int actkit_client_activate(actkit_handle client, const char *licence_key, char **status, char **err);
/* Asks the server about the stored activation now. */
ACTKIT_API int actkit_client_validate(actkit_handle client, char **status, char **err);
/* Gives the code up and frees the seat online; when the server cannot be
 * reached, the status carries the "deactivationCode" for the vendor. */
ACTKIT_API int actkit_client_deactivate(actkit_handle client, char **status, char **err);
/* Activates offline with a code the user typed (from the request code). */
ACTKIT_API int actkit_client_activate_code(actkit_handle client, const char *licence_key, const char *code,
                                           char **status, char **err);
/* The request code for licence_key (optional: NULL uses licence-key). */
ACTKIT_API int actkit_client_request_code(actkit_handle client, const char *licence_key, char **code, char **err);

#ifdef __cplusplus
}
#endif

#endif /* ACTKIT_H */
