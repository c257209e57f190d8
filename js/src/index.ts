/**
 * @actkit/verify: verifies actkit activation codes (docs/format.md) with
 * WebCrypto, in Node 20+, browsers and Office add-ins. No dependencies, no
 * globals, no network, no clock: the caller passes the time. Targets whose
 * WebCrypto lacks Ed25519 pass a fallback (@actkit/verify/noble).
 *
 *     const keyring = await parseKeyring(KEYRING_TEXT);
 *     const terms = await keyring.verify(code, { product, licenceKey, machineUID }, new Date());
 */
export { parseKeyring, parseKeyringWithHMACSecrets, Keyring, type Algorithm, type KeyringOptions } from "./keyring.js";
export { ed25519FromNoblePoint, type Ed25519Fallback, type Ed25519PublicKey, type NoblePoint, type NoblePointClass } from "./ed25519.js";
export { hasFeature, CLOCK_SKEW_MS, type Terms } from "./verify.js";
export type { Binding } from "./binding.js";
export { VerifyError, ParseError, REASONS, UPDATE_REASONS, type Reason, type ParseReason, type Fix } from "./errors.js";
export { licenceKeyBinding, normalizeLegacyKey, normalizeLicenceKey } from "./licencekey.js";
export { parseMachineUID, normalizeMachineUID, type MachineUID } from "./uid.js";
export { parseRequestCode, type RequestCode } from "./request.js";
export { parseDeactivationCode, type DeactivationCode } from "./deactivation.js";
