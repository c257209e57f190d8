/**
 * Delegation certificates (docs/format.md section 13): a root's statement
 * that a delegated Ed25519 key may sign codes within limits.
 */
import { decodeBase58 } from "./base58.js";
import { productTag, validateProduct } from "./binding.js";
import { fields, utf8 } from "./crypto.js";
import { ParseError } from "./errors.js";
import { checkEd25519PublicKey, deriveKeyID, hex4 } from "./key.js";
import { NO_EXPIRY, dayString, type Payload } from "./payload.js";

const MAX_TEXT = 2048;
const FIXED = 1 + 8 + 32 + 2 + 2 + 2 + 1 + 2 + 8 + 8 + 8 + 1;
const MAX_PRODUCTS = 16;
const SIG = 64;
const MAX_LEN = FIXED + MAX_PRODUCTS * (1 + 64 + 4) + SIG;
const FEATURES_ALL = (1n << 56n) - 1n;
const PURPOSE_ALL = 0b11;
const LABEL_DELEGATION = utf8("actkit/v1/delegation");

/** One product a certificate delegates: the delegated key's ID and the issuing root's ID, both for that product. */
export interface CertificateProduct {
  readonly product: string;
  readonly keyId: number;
  readonly issuer: number;
}

/** @internal A parsed (not yet root-checked) certificate. */
export interface Certificate {
  readonly serial: bigint;
  readonly publicKey: Uint8Array;
  readonly products: readonly CertificateProduct[];
  readonly notBefore: number;
  readonly notAfter: number;
  readonly maxCodeDays: number;
  readonly purpose: number;
  readonly maxSeats: number;
  readonly features: bigint;
  readonly serialMin: bigint;
  readonly serialMax: bigint;
  readonly signature: Uint8Array;
  /** What the issuing root signed: lp(label) || lp(body). */
  readonly message: Uint8Array;
}

const what = "delegation";
const malformed = (detail: string) => new ParseError("malformed", what, detail);

function isDecimal(s: string): boolean {
  return /^(0|[1-9][0-9]{0,2})$/.test(s);
}

/** Parses a certificate's text form, in the order of Go's codec.ParseCertificate. */
export async function parseCertificate(text: string): Promise<Certificate> {
  if (text.length > MAX_TEXT || new TextEncoder().encode(text).length > MAX_TEXT) throw malformed("too long");
  text = text.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, "");
  const sp = text.indexOf(" ");
  const word = sp < 0 ? text : text.slice(0, sp);
  const rest = sp < 0 ? "" : text.slice(sp + 1);
  if (word !== "actkit-delegation") throw malformed("want actkit-delegation v1 first");
  const sp2 = rest.indexOf(" ");
  const version = sp2 < 0 ? rest : rest.slice(0, sp2);
  const b58 = sp2 < 0 ? "" : rest.slice(sp2 + 1);
  if (!version.startsWith("v") || !isDecimal(version.slice(1))) throw malformed("want actkit-delegation v1 first");
  if (version !== "v1") throw new ParseError("unsupported-version", what, `version "${version.slice(0, 8)}"; this build reads v1`);
  // Base58 is a bijection between symbol strings and byte strings: a
  // successful decode is the canonical encoding of its bytes.
  const raw = b58 === "" ? null : decodeBase58(b58);
  if (raw === null) throw malformed("not canonical base58");
  return unmarshal(raw);
}

async function unmarshal(raw: Uint8Array): Promise<Certificate> {
  if (raw.length === 0) throw malformed("empty");
  if (raw[0] !== 1) throw new ParseError("unsupported-version", what, `binary version ${raw[0]}; this build reads 1`);
  if (raw.length < FIXED + SIG || raw.length > MAX_LEN) throw malformed("wrong length");
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  let off = 1;
  const u16 = () => {
    const v = dv.getUint16(off);
    off += 2;
    return v;
  };
  const u64 = () => {
    const v = dv.getBigUint64(off);
    off += 8;
    return v;
  };
  const serial = u64();
  const publicKey = raw.slice(off, off + 32);
  off += 32;
  const notBefore = u16();
  const notAfter = u16();
  const maxCodeDays = u16();
  const purpose = raw[off++]!;
  const maxSeats = u16();
  const features = u64();
  const serialMin = u64();
  const serialMax = u64();
  const n = raw[off++]!;
  const bodyLen = raw.length - SIG;
  const products: CertificateProduct[] = [];
  for (let i = 0; i < n; i++) {
    if (off >= bodyLen || off + 1 + raw[off]! + 4 > bodyLen) throw malformed("truncated product list");
    const l = raw[off]!;
    const product = String.fromCharCode(...raw.subarray(off + 1, off + 1 + l));
    off += 1 + l;
    products.push({ product, keyId: (raw[off]! << 8) | raw[off + 1]!, issuer: (raw[off + 2]! << 8) | raw[off + 3]! });
    off += 4;
  }
  if (off !== bodyLen) throw malformed("bytes after the product list");
  const c: Certificate = {
    serial, publicKey, products, notBefore, notAfter, maxCodeDays, purpose, maxSeats, features, serialMin, serialMax,
    signature: raw.slice(bodyLen),
    message: fields(LABEL_DELEGATION, raw.subarray(0, bodyLen)),
  };
  await validate(c);
  return Object.freeze(c);
}

/** Every field rule, in the order of Go's Certificate.Validate. */
async function validate(c: Certificate): Promise<void> {
  checkEd25519PublicKey(c.publicKey);
  if (c.products.length === 0 || c.products.length > MAX_PRODUCTS) throw malformed(`want 1 to ${MAX_PRODUCTS} products`);
  for (let i = 0; i < c.products.length; i++) {
    const p = c.products[i]!;
    // Product IDs are ASCII when valid; a byte above 0x7f fails here.
    validateProduct(p.product);
    if (i > 0 && !(p.product > c.products[i - 1]!.product)) throw malformed("products must be sorted and listed once");
    if ((await deriveKeyID(p.product, { algorithm: "ed25519", bytes: c.publicKey })) !== p.keyId) {
      throw new ParseError("invalid-key", what, `key ${hex4(p.keyId)} is not the delegated key's ID for product ${p.product}`);
    }
    if (p.issuer >> 8 !== (await productTag(p.product))) {
      throw new ParseError("invalid-key", what, `issuer ${hex4(p.issuer)} is not a key of product ${p.product}`);
    }
    if (p.issuer === p.keyId) throw malformed("a key cannot delegate to itself");
  }
  if (c.notAfter === NO_EXPIRY) throw malformed("day 0xFFFF is reserved");
  if (c.notBefore > c.notAfter) throw malformed("the window ends before it starts");
  if (c.maxCodeDays === 0xffff) throw malformed("0xFFFF code days is reserved");
  if (c.purpose === 0 || (c.purpose & ~PURPOSE_ALL) !== 0) throw malformed("purpose must be online, portal or both");
  if (c.maxSeats === 0) throw malformed("max seats must be at least 1");
  if (c.features > FEATURES_ALL) throw malformed("features mask uses bits above 55");
  if (c.serialMin > c.serialMax) throw malformed("the serial range ends before it starts");
}

/** The certificate's entry for product, if any. */
export function certificateFor(c: Certificate, product: string): CertificateProduct | undefined {
  return c.products.find((p) => p.product === product);
}

/** Why a code's payload falls outside the certificate, or "" when it fits (docs/format.md section 7 step 10). */
export function fits(c: Certificate, p: Payload): string {
  if (p.issued < c.notBefore) return `issued ${dayString(p.issued)}, before the delegation starts on ${dayString(c.notBefore)}`;
  if (p.issued > c.notAfter) return `issued ${dayString(p.issued)}, after the delegation ended on ${dayString(c.notAfter)}`;
  if (p.expires === NO_EXPIRY) return "a delegated key cannot sign a perpetual code";
  if (p.expires - p.issued > c.maxCodeDays) return `runs ${p.expires - p.issued} days, the delegation allows ${c.maxCodeDays}`;
  if (p.seats > c.maxSeats) return `grants ${p.seats} seats, the delegation allows ${c.maxSeats}`;
  if ((p.features & ~c.features) !== 0n) return "grants features outside the delegation";
  if (p.serial < c.serialMin || p.serial > c.serialMax) return `serial ${p.serial} is outside the delegation's ${c.serialMin}..${c.serialMax}`;
  return "";
}
