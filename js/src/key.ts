/**
 * Key text, key IDs and Ed25519 key checks (docs/format.md section 6):
 * shared by keyrings and delegation certificates.
 */
import { decodeBase58 } from "./base58.js";
import { productTag } from "./binding.js";
import { utf8Length } from "./chars.js";
import { equalBytes, fields, hmac, importHMAC, sha256, utf8 } from "./crypto.js";
import type { Ed25519Fallback, Ed25519PublicKey } from "./ed25519.js";
import { ParseError } from "./errors.js";

export type Algorithm = "ed25519" | "hmac-sha256";

/** A key ID as four lower-case hex digits. */
export function hex4(id: number): string {
  return id.toString(16).padStart(4, "0");
}

const MAX_KEY_TEXT = 128;
const KEY_SIZE = 32;
const LABEL_KEY_ID = utf8("actkit/v1/key-id");
const LABEL_KEY_CHECKSUM = utf8("actkit/v1/key-checksum");

/** A parsed key. */
export interface RawKey {
  algorithm: Algorithm;
  id: number;
  bytes: Uint8Array;
  /** The key text, in its one spelling. */
  text: string;
  /** The fallback's decoding of an Ed25519 key, when a fallback was given. */
  fallback?: Ed25519PublicKey;
}

/** Go's unicode.IsSpace, which bounds keyring lines. */
export function isSpace(c: number): boolean {
  return (
    (c >= 0x09 && c <= 0x0d) || c === 0x20 || c === 0x85 || c === 0xa0 || c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000
  );
}

export function trimSpace(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isSpace(s.charCodeAt(a))) a++;
  while (b > a && isSpace(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
}

/** Four hex digits, either case. */
export function parseKeyID(s: string): number {
  if (s.length !== 4) throw new ParseError("malformed", "key ID", `want 4 hex digits, got "${s.slice(0, 16)}"`);
  for (let i = 0; i < 4; i++) {
    if (!/[0-9a-fA-F]/.test(s[i]!)) throw new ParseError("malformed", "key ID", "not a hex digit", { position: i + 1 });
  }
  return parseInt(s, 16);
}

/** Key text, "ALG:KEYID:BODY"; exactly one spelling is accepted. */
export async function parseKey(s: string, fallback: Ed25519Fallback | undefined): Promise<RawKey> {
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
  if (algorithm !== "ed25519") return { algorithm, id, bytes, text: s };
  checkEd25519PublicKey(bytes);
  if (fallback === undefined) return { algorithm, id, bytes, text: s };
  let decoded: Ed25519PublicKey;
  try {
    decoded = await fallback.importPublicKey(bytes.slice());
  } catch {
    // Canonical and not of small order (checked above), so not on the curve.
    throw new ParseError("invalid-key", "ed25519 public key", "not a point on the curve");
  }
  return { algorithm, id, bytes, text: s, fallback: decoded };
}

/** The key ID of key material for a product: ProductTag(product) || t. */
export async function deriveKeyID(product: string, k: Pick<RawKey, "algorithm" | "bytes">): Promise<number> {
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
export function checkEd25519PublicKey(pub: Uint8Array): void {
  const what = "ed25519 public key";
  const hex = Array.from(pub, (b) => b.toString(16).padStart(2, "0")).join("");
  if (SMALL_ORDER.includes(hex)) throw new ParseError("invalid-key", what, "point of small order");
  // y (little-endian, sign bit cleared) must be below p = 2^255 - 19.
  let yBelowP = (pub[31]! & 0x7f) !== 0x7f || pub[0]! < 0xed;
  for (let i = 1; i < 31 && !yBelowP; i++) yBelowP = pub[i] !== 0xff;
  if (!yBelowP || NEGATIVE_ZERO.includes(hex)) throw new ParseError("invalid-key", what, "non-canonical encoding");
}
