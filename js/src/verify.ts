/**
 * Verification of an activation code (docs/format.md section 7). Checks run
 * in a fixed order and the first failure is the reason; nothing in the
 * payload but the key ID is trusted before the signature verifies.
 */
import { licenceTag, machineTag, message, normalizeBinding, type Binding, type NormalizedBinding } from "./binding.js";
import { equalBytes, hmac, subtle } from "./crypto.js";
import { ParseError, VerifyError, type Reason } from "./errors.js";
import { hex4, type Algorithm, type KeyringState } from "./keyring.js";
import { NO_EXPIRY, dayStart, dayString, decodeCode } from "./payload.js";
import { parseCodeText, singleSymbolCorrections } from "./text.js";

/** How far the clock may be behind a code's issue day (its first instant, UTC): two days cover every time zone. */
export const CLOCK_SKEW_MS = 48 * 3_600_000;

/** The verified terms of an activation code. */
export interface Terms {
  readonly product: string;
  /** The key that signed it, four hex digits: "b7fd". */
  readonly keyId: string;
  readonly algorithm: Algorithm;
  /** Unique per issued code; up to 64 bits. */
  readonly serial: bigint;
  /** Issue day, YYYY-MM-DD (UTC). */
  readonly issued: string;
  /** Last valid day, inclusive, YYYY-MM-DD (UTC); null for a perpetual code. */
  readonly expires: string | null;
  /** Seats granted to this machine, 1 to 65535. */
  readonly seats: number;
  /** Product-defined feature bits 0 to 55. */
  readonly features: bigint;
}

/** Whether feature bit n (0 to 55) is granted. */
export function hasFeature(terms: Terms, n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 55 && ((terms.features >> BigInt(n)) & 1n) === 1n;
}

/** @internal The body of Keyring.verify. */
export async function verifyWith(k: KeyringState, code: string, binding: Binding, now: Date): Promise<Terms> {
  if (typeof code !== "string") throw new TypeError("code must be a string");
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new TypeError("now must be a valid Date");
  let nb: NormalizedBinding;
  try {
    nb = normalizeBinding(binding);
  } catch (e) {
    throw e instanceof ParseError ? VerifyError.from(e, "invalid-binding") : e;
  }
  if (nb.product !== k.product) {
    throw new VerifyError("wrong-product", `the keyring is for product "${k.product}", not "${nb.product}"`);
  }
  const nowMs = now.getTime();
  let raw: Uint8Array;
  try {
    raw = parseCodeText(code);
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    const suggestion = e.reason === "typo" && e.groups?.length === 1 ? await suggest(k, code, nb, nowMs) : "";
    throw VerifyError.from(e, e.reason as Reason, suggestion);
  }
  const r = await check(k, raw, nb, nowMs);
  if (r instanceof VerifyError) throw r;
  return r;
}

/** The one single-symbol correction whose signature verifies, or "" when there is none or more than one. */
async function suggest(k: KeyringState, code: string, nb: NormalizedBinding, nowMs: number): Promise<string> {
  const cands = singleSymbolCorrections(code);
  const results = await Promise.all(cands.map((c) => check(k, c.raw, nb, nowMs)));
  const ok = cands.filter((_, i) => {
    const r = results[i]!;
    return !(r instanceof VerifyError) || r.reason === "expired" || r.reason === "not-yet-valid";
  });
  return ok.length === 1 ? ok[0]!.text : "";
}

/** Checks raw code bytes; returns the terms or the refusal. */
async function check(k: KeyringState, raw: Uint8Array, nb: NormalizedBinding, nowMs: number): Promise<Terms | VerifyError> {
  let c;
  try {
    c = decodeCode(raw);
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    return VerifyError.from(e, e.reason as Reason);
  }
  const p = c.payload;
  const keyId = hex4(p.keyId);
  if (p.keyId >> 8 !== k.productTag) {
    return new VerifyError("wrong-product", `key ${keyId} does not belong to product "${k.product}"`, { keyId });
  }
  if (k.revoked.has(p.keyId)) {
    return new VerifyError("revoked-key", `key ${keyId} was revoked by the vendor; ask for a new code`, { keyId });
  }
  const key = k.keys.get(p.keyId);
  if (!key) {
    return new VerifyError("unknown-key", `key ${keyId} is not in this product's keyring; the product may need an update`, { keyId });
  }
  if (c.sig.length !== key.sigSize) {
    return new VerifyError(
      "algorithm-mismatch",
      `key ${keyId} is ${key.algorithm}, which makes ${key.sigSize}-byte signatures, but the code carries ${c.sig.length} bytes`,
      { keyId },
    );
  }
  const msg = message(nb, c.payloadBytes);
  const ok =
    key.algorithm === "ed25519"
      ? await subtle().verify("Ed25519", key.key, c.sig as BufferSource, msg as BufferSource)
      : equalBytes((await hmac(key.key, msg)).subarray(0, key.sigSize), c.sig);
  if (!ok) {
    // Only now, to explain the failure, are the unauthenticated tags consulted.
    if (p.licenceTag !== (await licenceTag(nb))) {
      return new VerifyError("wrong-licence", "check the licence key, or ask for a code for this licence", { keyId });
    }
    if (p.machineTag !== (await machineTag(nb))) {
      return new VerifyError("wrong-machine", "the code was issued for a different machine UID; send this machine's request code to the vendor", { keyId });
    }
    return new VerifyError("bad-signature", "the code was altered or forged", { keyId });
  }
  if (nowMs < dayStart(p.issued) - CLOCK_SKEW_MS) {
    const day = dayString(p.issued);
    return new VerifyError("not-yet-valid", `issued ${day}; check the system clock`, { keyId, day });
  }
  if (p.expires !== NO_EXPIRY && nowMs >= dayStart(p.expires + 1)) {
    const day = dayString(p.expires);
    return new VerifyError("expired", `last valid day was ${day}`, { keyId, day });
  }
  return Object.freeze({
    product: k.product,
    keyId,
    algorithm: key.algorithm,
    serial: p.serial,
    issued: dayString(p.issued),
    expires: p.expires === NO_EXPIRY ? null : dayString(p.expires),
    seats: p.seats,
    features: p.features,
  });
}
