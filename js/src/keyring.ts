/**
 * Keyrings (docs/format.md section 6): the keys one product pins, as the
 * product embeds them in text.
 */
import { decodeBase58 } from "./base58.js";
import { productTag, validateProduct, type Binding } from "./binding.js";
import { utf8Length } from "./chars.js";
import { equalBytes, fields, hmac, importEd25519, importHMAC, sha256, subtle, utf8 } from "./crypto.js";
import type { Ed25519Fallback, Ed25519PublicKey } from "./ed25519.js";
import { ParseError } from "./errors.js";
import { ED25519_SIG, HMAC_TAG } from "./payload.js";
import { verifyWith, type Terms } from "./verify.js";

export type Algorithm = "ed25519" | "hmac-sha256";

/** @internal What verification needs of a keyring; immutable once built. */
export interface KeyringState {
  readonly product: string;
  readonly productTag: number;
  readonly keys: ReadonlyMap<number, PinnedKey>;
  readonly revoked: ReadonlySet<number>;
}

/** @internal */
export interface PinnedKey {
  readonly id: number;
  /** The key ID as four hex digits. */
  readonly hex: string;
  readonly algorithm: Algorithm;
  readonly sigSize: number;
  /** Whether sig (sigSize bytes) authenticates msg: bound once, at parse time, to the imported key. */
  readonly check: (sig: Uint8Array, msg: Uint8Array) => Promise<boolean>;
}

/** Options of parseKeyring and parseKeyringWithHMACSecrets. */
export interface KeyringOptions {
  /**
   * An Ed25519 implementation for targets whose WebCrypto lacks Ed25519
   * (`nobleEd25519` from "@actkit/verify/noble"). Given one, the parser
   * also refuses keys that are not points on the curve, as Go does; where
   * WebCrypto has Ed25519, WebCrypto still verifies the signatures.
   */
  readonly ed25519?: Ed25519Fallback | undefined;
}

/**
 * The pinned keys of one product. Build it once with parseKeyring; it is
 * immutable, and verify may run concurrently.
 */
export class Keyring {
  readonly #state: KeyringState;
  /** The product ID the keyring belongs to. */
  readonly product: string;
  /** The key IDs (four hex digits) that verify codes, with their algorithms. */
  readonly keys: readonly { readonly id: string; readonly algorithm: Algorithm }[];
  /** The revoked key IDs. */
  readonly revoked: readonly string[];

  /** @internal Use parseKeyring. */
  constructor(state: KeyringState, token: symbol) {
    if (token !== BUILD) throw new TypeError("use parseKeyring to build a Keyring");
    this.#state = state;
    this.product = state.product;
    this.keys = Object.freeze([...state.keys.values()].map((k) => Object.freeze({ id: hex4(k.id), algorithm: k.algorithm })));
    this.revoked = Object.freeze([...state.revoked].map(hex4));
    Object.freeze(this);
  }

  /**
   * Checks an activation code against the binding at time now and resolves
   * to its terms, or rejects with a VerifyError whose reason says why. Reads
   * no clock: now is the caller's.
   */
  verify(code: string, binding: Binding, now: Date): Promise<Terms> {
    return verifyWith(this.#state, code, binding, now);
  }
}

const BUILD = Symbol("build");

/** @internal */
export function hex4(id: number): string {
  return id.toString(16).padStart(4, "0");
}

const MAX_TEXT = 64 << 10;
const MAX_KEYS = 64;
const HEADER = "actkit-keyring v1";
const MAX_KEY_TEXT = 128;
const KEY_SIZE = 32;
const LABEL_KEY_ID = utf8("actkit/v1/key-id");
const LABEL_KEY_CHECKSUM = utf8("actkit/v1/key-checksum");

/**
 * Parses an exported keyring of Ed25519 public keys. Rejects with a
 * ParseError on any problem, and with reason "hmac-secret-not-allowed" for
 * a keyring holding an HMAC secret (see parseKeyringWithHMACSecrets).
 */
export async function parseKeyring(text: string, options?: KeyringOptions): Promise<Keyring> {
  return build(text, false, options);
}

/**
 * Parses a keyring that may hold HMAC secrets. Whoever holds one can mint
 * codes: use it only where the verifier is trusted (closed deployments).
 */
export async function parseKeyringWithHMACSecrets(text: string, options?: KeyringOptions): Promise<Keyring> {
  return build(text, true, options);
}

interface RawKey {
  algorithm: Algorithm;
  id: number;
  bytes: Uint8Array;
  /** The fallback's decoding of an Ed25519 key, when a fallback was given. */
  fallback?: Ed25519PublicKey;
}

/** Go's unicode.IsSpace, which bounds keyring lines. */
function isSpace(c: number): boolean {
  return (
    (c >= 0x09 && c <= 0x0d) || c === 0x20 || c === 0x85 || c === 0xa0 || c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000
  );
}

function trimSpace(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isSpace(s.charCodeAt(a))) a++;
  while (b > a && isSpace(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
}

async function build(text: string, allowHMAC: boolean, options: KeyringOptions = {}): Promise<Keyring> {
  if (typeof text !== "string") throw new TypeError("keyring text must be a string");
  if (typeof options !== "object" || options === null) throw new TypeError("keyring options must be an object");
  const fallback = options.ed25519;
  if (fallback !== undefined && typeof fallback?.importPublicKey !== "function") {
    throw new TypeError("options.ed25519 must have importPublicKey (see nobleEd25519 in @actkit/verify/noble)");
  }
  const what = "keyring";
  if (text.length > MAX_TEXT || utf8Length(text) > MAX_TEXT) throw new ParseError("malformed", what, "too long");
  let product = "";
  let header = false;
  const keys: RawKey[] = [];
  const revoked: number[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = trimSpace(lines[i]!);
    if (line === "" || line.startsWith("#")) continue;
    const n = i + 1;
    if (!header) {
      if (line.startsWith("actkit-keyring ") && line !== HEADER) {
        throw new ParseError("unsupported-version", what, `header "${line.slice(0, 32)}"; this build reads ${HEADER}`, { line: n });
      }
      if (line !== HEADER) throw new ParseError("malformed", what, `line ${n}: want "${HEADER}" first`, { line: n });
      header = true;
      continue;
    }
    const sp = line.indexOf(" ");
    const word = sp < 0 ? line : line.slice(0, sp);
    const rest = sp < 0 ? "" : trimSpace(line.slice(sp + 1));
    try {
      switch (word) {
        case "product":
          if (product !== "") throw new ParseError("malformed", what, `line ${n}: second product line`);
          validateProduct(rest);
          product = rest;
          break;
        case "key":
          keys.push(await parseKey(rest, fallback));
          break;
        case "revoked": {
          const id = parseKeyID(rest);
          if (rest !== hex4(id)) throw new ParseError("malformed", what, `line ${n}: write key IDs in lower case`);
          revoked.push(id);
          break;
        }
        default:
          throw new ParseError("malformed", what, `line ${n}: unknown entry "${word.slice(0, 16)}"`);
      }
    } catch (e) {
      if (!(e instanceof ParseError) || e.what === what) throw e;
      // Name the line, as Go's "keyring line N: key: ..." does.
      throw new ParseError(e.reason, `keyring line ${n}: ${e.what}`, e.message.slice(e.message.indexOf(": ") + 2), { line: n });
    }
    if (keys.length + revoked.length > MAX_KEYS) throw new ParseError("malformed", what, `more than ${MAX_KEYS} keys`);
  }
  if (!header) throw new ParseError("malformed", what, "empty");
  if (product === "") throw new ParseError("malformed", what, "no product line");

  const seen = new Set<number>();
  for (const k of keys) {
    if ((await deriveKeyID(product, k)) !== k.id) {
      throw new ParseError("invalid-key", what, `key ${hex4(k.id)} is not a key of product ${product}`);
    }
    if (seen.has(k.id)) throw new ParseError("malformed", what, `duplicate key ID ${hex4(k.id)}`);
    seen.add(k.id);
  }
  for (const id of revoked) {
    if (seen.has(id)) throw new ParseError("malformed", what, `key ID ${hex4(id)} is listed twice or both as key and revoked`);
    seen.add(id);
  }
  if (!allowHMAC && keys.some((k) => k.algorithm === "hmac-sha256")) {
    throw new ParseError("hmac-secret-not-allowed", what, "");
  }

  const pinned = new Map<number, PinnedKey>();
  for (const k of keys) {
    const check = await importKey(k, what);
    const hex = hex4(k.id);
    pinned.set(k.id, Object.freeze({ id: k.id, hex, algorithm: k.algorithm, sigSize: k.algorithm === "ed25519" ? ED25519_SIG : HMAC_TAG, check }));
  }
  const state: KeyringState = Object.freeze({ product, productTag: await productTag(product), keys: pinned, revoked: new Set(revoked) });
  return new Keyring(state, BUILD);
}

/**
 * Imports a key into WebCrypto and binds the signature check to it. An
 * Ed25519 key falls back to the Ed25519Fallback given, if any, where
 * WebCrypto does not support Ed25519.
 */
async function importKey(k: RawKey, what: string): Promise<PinnedKey["check"]> {
  const s = subtle();
  try {
    if (k.algorithm === "hmac-sha256") {
      const key = await importHMAC(k.bytes);
      return (sig, msg) => s.sign("HMAC", key, msg as BufferSource).then((mac) => equalBytes(new Uint8Array(mac, 0, HMAC_TAG), sig));
    }
    const key = await importEd25519(k.bytes);
    return (sig, msg) => s.verify("Ed25519", key, sig as BufferSource, msg as BufferSource);
  } catch (e) {
    if ((e as Error)?.name === "NotSupportedError") {
      const fb = k.fallback;
      if (fb !== undefined) return (sig, msg) => fb.verify(sig, msg);
      const hint = k.algorithm === "ed25519" ? "; pass an Ed25519 fallback, parseKeyring(text, { ed25519: nobleEd25519 }) from @actkit/verify/noble" : "";
      throw new Error(`this platform's WebCrypto does not support ${k.algorithm}${hint}: see the package README for the targets`, { cause: e });
    }
    throw new ParseError("invalid-key", what, `key ${hex4(k.id)}: ${(e as Error).message}`);
  }
}

/** Four hex digits, either case. */
function parseKeyID(s: string): number {
  if (s.length !== 4) throw new ParseError("malformed", "key ID", `want 4 hex digits, got "${s.slice(0, 16)}"`);
  for (let i = 0; i < 4; i++) {
    if (!/[0-9a-fA-F]/.test(s[i]!)) throw new ParseError("malformed", "key ID", "not a hex digit", { position: i + 1 });
  }
  return parseInt(s, 16);
}

/** Key text, "ALG:KEYID:BODY"; exactly one spelling is accepted. */
async function parseKey(s: string, fallback: Ed25519Fallback | undefined): Promise<RawKey> {
  const what = "key";
  if (s.length > MAX_KEY_TEXT || utf8Length(s) > MAX_KEY_TEXT) throw new ParseError("malformed", what, "too long");
  const parts = s.split(":");
  if (parts.length !== 3) throw new ParseError("malformed", what, "want ALGORITHM:KEYID:KEY");
  const [algText, idText, body58] = parts as [string, string, string];
  let algorithm: Algorithm;
  if (algText === "ed25519") algorithm = "ed25519";
  else if (algText === "hmac-sha256" || algText === "hmac") algorithm = "hmac-sha256";
  else throw new ParseError("malformed", "algorithm", `want ed25519 or hmac-sha256, got "${algText.slice(0, 16)}"`);
  const id = parseKeyID(idText);
  if (algText !== algorithm || idText !== hex4(id)) {
    throw new ParseError("malformed", what, `write the algorithm as ${algorithm} and the key ID as ${hex4(id)}`);
  }
  const body = decodeBase58(body58);
  if (body === null) throw new ParseError("malformed", what, "key bytes are not valid base58");
  if (body.length !== KEY_SIZE + 4) throw new ParseError("malformed", what, "key bytes have the wrong length");
  const bytes = body.slice(0, KEY_SIZE);
  const idBytes = new Uint8Array([id >> 8, id & 0xff]);
  const sum = await sha256(fields(LABEL_KEY_CHECKSUM, utf8(algorithm), idBytes, bytes));
  if (!equalBytes(body.subarray(KEY_SIZE), sum.subarray(0, 4))) {
    throw new ParseError("checksum", what, "the key was damaged in copying");
  }
  if (algorithm !== "ed25519") return { algorithm, id, bytes };
  checkEd25519PublicKey(bytes);
  if (fallback === undefined) return { algorithm, id, bytes };
  let decoded: Ed25519PublicKey;
  try {
    decoded = await fallback.importPublicKey(bytes.slice());
  } catch {
    // Canonical and not of small order (checked above), so not on the curve.
    throw new ParseError("invalid-key", "ed25519 public key", "not a point on the curve");
  }
  return { algorithm, id, bytes, fallback: decoded };
}

/** The key ID of key material for a product: ProductTag(product) || t. */
async function deriveKeyID(product: string, k: RawKey): Promise<number> {
  const material = k.algorithm === "hmac-sha256" ? await hmac(await importHMAC(k.bytes), LABEL_KEY_ID) : k.bytes;
  const t = (await sha256(fields(LABEL_KEY_ID, utf8(product), utf8(k.algorithm), material)))[0]!;
  return ((await productTag(product)) << 8) | t;
}

/** The canonical encodings of the eight points of small order (CCTV Ed25519 vectors). */
const SMALL_ORDER = [
  "0000000000000000000000000000000000000000000000000000000000000000",
  "0000000000000000000000000000000000000000000000000000000000000080",
  "0100000000000000000000000000000000000000000000000000000000000000",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
];
/** x = 0 written with the sign bit set: y = 1 and y = p - 1. */
const NEGATIVE_ZERO = [
  "0100000000000000000000000000000000000000000000000000000000000080",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
];

/**
 * Rejects small-order points and non-canonical encodings by their bytes
 * alone. No curve arithmetic here: whether y gives a point on the curve is
 * checked only by an Ed25519 fallback, when one is given (without one, a
 * key that is not a point is accepted and never verifies a signature).
 */
function checkEd25519PublicKey(pub: Uint8Array): void {
  const what = "ed25519 public key";
  const hex = Array.from(pub, (b) => b.toString(16).padStart(2, "0")).join("");
  if (SMALL_ORDER.includes(hex)) throw new ParseError("invalid-key", what, "point of small order");
  // y (little-endian, sign bit cleared) must be below p = 2^255 - 19.
  let yBelowP = (pub[31]! & 0x7f) !== 0x7f || pub[0]! < 0xed;
  for (let i = 1; i < 31 && !yBelowP; i++) yBelowP = pub[i] !== 0xff;
  if (!yBelowP || NEGATIVE_ZERO.includes(hex)) throw new ParseError("invalid-key", what, "non-canonical encoding");
}
