/**
 * @actkit/verify/noble: Ed25519 for targets whose WebCrypto lacks it, from
 * @noble/ed25519 (an optional peer dependency: install it to use this).
 *
 *     import { parseKeyring } from "@actkit/verify";
 *     import { nobleEd25519 } from "@actkit/verify/noble";
 *     const keyring = await parseKeyring(KEYRING_TEXT, { ed25519: nobleEd25519 });
 *
 * WebCrypto's Ed25519 is still used wherever it exists; the fallback then
 * only checks, when the keyring is parsed, that each key is a point on the
 * curve, as the Go verifier does.
 */
import { Point } from "@noble/ed25519";
import { ed25519FromNoblePoint, type Ed25519Fallback } from "./ed25519.js";

/** Ed25519 from @noble/ed25519, with the strictness of Go's crypto/ed25519. */
export const nobleEd25519: Ed25519Fallback = ed25519FromNoblePoint(Point);

export { ed25519FromNoblePoint, type Ed25519Fallback, type Ed25519PublicKey, type NoblePoint, type NoblePointClass } from "./ed25519.js";
