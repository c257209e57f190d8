/**
 * Verification of an activation code (docs/format.md section 7). Checks run
 * in a fixed order and the first failure is the reason; nothing in the
 * payload but the key ID is trusted before the signature verifies.
 */
import { licenceTag, machineTag, message, messageInPlace, normalizeBinding, type Binding, type NormalizedBinding } from "./binding.js";
import { certificateFor, fits, parseCertificate } from "./certificate.js";
import { ParseError, VerifyError, type Reason } from "./errors.js";
import { hex4, type Algorithm } from "./key.js";
import type { KeyringState, PinnedKey } from "./keyring.js";
import { NO_EXPIRY, dayStart, dayString, decodeCode, type Code, type Payload } from "./payload.js";
import { parseCodeText, singleSymbolCorrections, type Candidate } from "./text.js";

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
export function verifyWith(k: KeyringState, code: string, binding: Binding, now: Date, certText: string): Promise<Terms> {
  // Not an async function: the common path costs one promise beyond the
  // signature check's. Every throw still becomes a rejection.
  let nb: NormalizedBinding | undefined;
  try {
    if (typeof code !== "string") throw new TypeError("code must be a string");
    if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new TypeError("now must be a valid Date");
    try {
      nb = normalizeBinding(binding);
    } catch (e) {
      throw e instanceof ParseError ? VerifyError.from(e, "invalid-binding") : e;
    }
    if (nb.product !== k.product) {
      throw new VerifyError("wrong-product", `the keyring is for product "${k.product}", not "${nb.product}"`);
    }
    const nowMs = now.getTime();
    // The raw bytes after room for the message's head: one buffer for both.
    const head = nb.prefix.length + 2;
    let buf: Uint8Array;
    try {
      buf = parseCodeText(code, head);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      const refused = refuseText(k, code, nb, nowMs, e, certText);
      return nb.notActkit ? refused.catch((e2) => refuseLegacy(nb!, e2)) : refused;
    }
    const r = prepare(k, buf.subarray(head), nb, buf);
    const bound = nb;
    let p: Promise<Terms>;
    if (r instanceof VerifyError) {
      // A key the keyring lacks may be one the supplied certificate delegates.
      if (certText === "") throw r;
      p = check(k, buf.subarray(head), bound, nowMs, certText, buf).then(unwrap);
    } else {
      p = r.key.check(r.code.sig, r.msg).then((ok) => {
        const t = settle(k, r, bound, nowMs, ok);
        return t instanceof Promise ? t.then(unwrap) : unwrap(t);
      });
    }
    return nb.notActkit ? p.catch((e) => refuseLegacy(nb!, e)) : p;
  } catch (e) {
    return Promise.reject(nb?.notActkit ? legacyRefusal(nb, e) : e);
  }
}

/**
 * A key that is not an actkit key was bound by its legacy form; when the
 * code does not verify with it (its signature failed, or the code could not
 * be read), the key is refused as invalid-binding, as it always was
 * (docs/format.md section 9.2).
 */
function legacyRefusal(nb: NormalizedBinding, e: unknown): unknown {
  if (!(e instanceof VerifyError) || e.reason === "expired" || e.reason === "not-yet-valid") return e;
  return VerifyError.from(nb.notActkit!, "invalid-binding");
}

function refuseLegacy(nb: NormalizedBinding, e: unknown): never {
  throw legacyRefusal(nb, e);
}

function unwrap(r: Terms | VerifyError): Terms {
  if (r instanceof VerifyError) throw r;
  return r;
}

/** The refusal of a code whose text does not parse, with the suggestion search for a single typo. */
async function refuseText(k: KeyringState, code: string, nb: NormalizedBinding, nowMs: number, e: ParseError, certText: string): Promise<never> {
  const found = e.reason === "typo" && e.groups?.length === 1 ? await suggest(k, code, nb, nowMs, certText) : undefined;
  throw VerifyError.from(e, e.reason as Reason, found?.text ?? "", found?.fix);
}

/** The one single-symbol correction whose signature verifies, or undefined when there is none or more than one. */
async function suggest(k: KeyringState, code: string, nb: NormalizedBinding, nowMs: number, certText: string): Promise<Candidate | undefined> {
  const cands = singleSymbolCorrections(code);
  const results = await Promise.all(cands.map((c) => check(k, c.raw, nb, nowMs, certText)));
  const ok = cands.filter((_, i) => {
    const r = results[i]!;
    return !(r instanceof VerifyError) || r.reason === "expired" || r.reason === "not-yet-valid";
  });
  return ok.length === 1 ? ok[0] : undefined;
}

/** A decoded code whose key is in the keyring, ready for the signature check. */
interface Prepared {
  readonly code: Code;
  readonly key: PinnedKey;
  /** The signed message. */
  readonly msg: Uint8Array;
}

/** Checks raw code bytes, with the certificate supplied if any; returns the terms or the refusal. */
async function check(k: KeyringState, raw: Uint8Array, nb: NormalizedBinding, nowMs: number, certText: string, buf?: Uint8Array): Promise<Terms | VerifyError> {
  const r = await prepareWithCert(k, raw, nb, certText, buf);
  if (r instanceof VerifyError) return r;
  return settle(k, r, nb, nowMs, await r.key.check(r.code.sig, r.msg));
}

/**
 * prepare, then steps 6 and 7 of docs/format.md section 7 for a code that
 * came with a certificate: a revoked key the certificate delegates is a
 * revoked delegation; a key the keyring lacks is looked for in the
 * certificate, checked against the roots once per certificate text.
 */
async function prepareWithCert(k: KeyringState, raw: Uint8Array, nb: NormalizedBinding, certText: string, buf?: Uint8Array): Promise<Prepared | VerifyError> {
  const r = prepare(k, raw, nb, buf);
  if (!(r instanceof VerifyError) || certText === "") return r;
  const keyId = r.keyId ?? "";
  if (r.reason === "revoked-key") {
    try {
      const p = certificateFor(await parseCertificate(certText), k.product);
      if (p !== undefined && hex4(p.keyId) === keyId) {
        return new VerifyError("revoked-delegation", `delegated key ${keyId} was revoked by the vendor; ask for a new code`, { keyId });
      }
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
    }
    return r;
  }
  if (r.reason !== "unknown-key") return r;
  let key: PinnedKey;
  try {
    key = await k.supplied(certText);
  } catch (e) {
    if (e instanceof VerifyError) return new VerifyError(e.reason, "", { keyId }, e.message);
    throw e;
  }
  if (key.hex !== keyId) {
    return new VerifyError("invalid-delegation", `the certificate delegates key ${key.hex}, but the code is signed by ${keyId}`, { keyId });
  }
  return prepare(k, raw, nb, buf, key);
}

/**
 * Steps 4 to 8 of docs/format.md section 7: the payload and the key, before
 * the signature. buf, if given, holds raw after room for the message's head
 * (see messageInPlace). extra is a delegated key from a supplied certificate.
 */
function prepare(k: KeyringState, raw: Uint8Array, nb: NormalizedBinding, buf?: Uint8Array, extra?: PinnedKey): Prepared | VerifyError {
  let c: Code;
  try {
    c = decodeCode(raw);
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    return VerifyError.from(e, e.reason as Reason);
  }
  const id = c.payload.keyId;
  const key = k.keys.get(id) ?? (extra?.id === id ? extra : undefined);
  if (id >> 8 !== k.productTag) {
    const keyId = hex4(id);
    return new VerifyError("wrong-product", `key ${keyId} does not belong to product "${k.product}"`, { keyId });
  }
  if (k.revoked.has(id)) {
    const keyId = hex4(id);
    return new VerifyError("revoked-key", `key ${keyId} was revoked by the vendor; ask for a new code`, { keyId });
  }
  if (!key) {
    const keyId = hex4(id);
    return new VerifyError("unknown-key", `key ${keyId} is not in this product's keyring; the product may need an update`, { keyId });
  }
  if (c.sig.length !== key.sigSize) {
    return new VerifyError(
      "algorithm-mismatch",
      `key ${key.hex} is ${key.algorithm}, which makes ${key.sigSize}-byte signatures, but the code carries ${c.sig.length} bytes`,
      { keyId: key.hex },
    );
  }
  const n = c.payloadBytes.length;
  return { code: c, key, msg: buf === undefined ? message(nb, c.payloadBytes) : messageInPlace(nb, buf, n) };
}

/** Steps 9 to 12, given the signature check's result: the terms or the refusal. */
function settle(k: KeyringState, r: Prepared, nb: NormalizedBinding, nowMs: number, ok: boolean): Terms | VerifyError | Promise<VerifyError> {
  const p = r.code.payload;
  const keyId = r.key.hex;
  if (!ok) return explainBadSignature(p, nb, keyId);
  if (r.key.cert !== undefined) {
    // Authenticated now: the delegation's limits are judged by the code's
    // own issue day and terms, whatever the clock says.
    const why = fits(r.key.cert, p);
    if (why !== "") return new VerifyError("outside-delegation", `delegation ${r.key.cert.serial}: ${why}`, { keyId });
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
    algorithm: r.key.algorithm,
    serial: p.serial,
    issued: dayString(p.issued),
    expires: p.expires === NO_EXPIRY ? null : dayString(p.expires),
    seats: p.seats,
    features: p.features,
  });
}

/** Only now, to explain a failed signature, are the unauthenticated tags consulted. */
async function explainBadSignature(p: Payload, nb: NormalizedBinding, keyId: string): Promise<VerifyError> {
  if (p.licenceTag !== (await licenceTag(nb))) {
    return new VerifyError("wrong-licence", "check the licence key, or ask for a code for this licence", { keyId });
  }
  if (p.machineTag !== (await machineTag(nb))) {
    return new VerifyError("wrong-machine", "the code was issued for a different machine UID; send this machine's request code to the vendor", { keyId });
  }
  return new VerifyError("bad-signature", "the code was altered or forged", { keyId });
}
