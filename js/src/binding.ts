/**
 * The binding of a code (docs/format.md section 4): product ID, licence key
 * and machine UID, validated and normalized, and the signed message and
 * diagnostic tags built from it.
 */
import { ascii } from "./chars.js";
import { fields, sha256, utf8 } from "./crypto.js";
import { ParseError } from "./errors.js";
import { licenceKeyBinding } from "./licencekey.js";
import { normalizeMachineUID } from "./uid.js";

/** What a code must be bound to, as the product knows it. */
export interface Binding {
  /** Product ID, exactly as in the keyring: "umenu". */
  product: string;
  /** The licence key as the user entered it (case, spaces and hyphens do not matter). */
  licenceKey: string;
  /** The machine's current UID. */
  machineUID: string;
}

export interface NormalizedBinding {
  readonly product: string;
  readonly licence: string;
  readonly machine: string;
  /**
   * Why the licence key is not an actkit key, when it was bound by its
   * legacy form (an imported key): the verifier reports it as
   * invalid-binding if the code does not verify with that form, as such a
   * key was always refused.
   */
  readonly notActkit?: ParseError;
  /** lp(label) || lp(product) || lp(licence) || lp(machine): the signed message up to the payload. */
  readonly prefix: Uint8Array;
}

export const LABEL_CODE = utf8("actkit/v1/activation-code");
const LABEL_LICENCE_TAG = "actkit/v1/licence-tag";
const LABEL_MACHINE_TAG = "actkit/v1/machine-tag";
const LABEL_PRODUCT_TAG = "actkit/v1/product-tag";

/** Checks a product ID: 1 to 64 characters from a-z 0-9 . _ -, starting with a letter or digit. Throws ParseError "invalid-binding". */
export function validateProduct(p: string, what = "product ID"): void {
  if (p.length === 0 || p.length > 64) throw new ParseError("invalid-binding", what, "must be 1 to 64 characters");
  for (let i = 0; i < p.length; i++) {
    const c = p.charCodeAt(i);
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || (i > 0 && (c === 0x2e || c === 0x5f || c === 0x2d));
    if (!ok) throw new ParseError("invalid-binding", what, "use lower-case letters, digits, '.', '_' and '-'", { position: i + 1 });
  }
}

/**
 * The last binding normalized and its result. A product verifies with the
 * same binding every time, so this saves the normalization and the message
 * prefix on every call but the first. Normalization is a pure function of
 * the three strings, so sharing the entry is safe.
 */
let last: { product: string; licenceKey: string; machineUID: string; nb: NormalizedBinding } | null = null;

/** Validates and normalizes a binding; any failure is ParseError "invalid-binding". */
export function normalizeBinding(b: Binding): NormalizedBinding {
  if (typeof b !== "object" || b === null) throw new TypeError("binding must be {product, licenceKey, machineUID}");
  const str = (v: unknown, name: string) => {
    if (typeof v !== "string") throw new TypeError(`binding.${name} must be a string`);
    return v;
  };
  const product = str(b.product, "product");
  const licenceKey = str(b.licenceKey, "licenceKey");
  const machineUID = str(b.machineUID, "machineUID");
  if (last !== null && last.product === product && last.licenceKey === licenceKey && last.machineUID === machineUID) return last.nb;
  validateProduct(product);
  let notActkit: ParseError | undefined;
  const licence = asBinding(() => {
    const r = licenceKeyBinding(licenceKey);
    if (r.notActkit) notActkit = bindingError(r.notActkit);
    return r.norm;
  });
  const machine = asBinding(() => normalizeMachineUID(machineUID));
  const prefix = fields(LABEL_CODE, ascii(product), ascii(licence), ascii(machine));
  const nb = Object.freeze(notActkit ? { product, licence, machine, notActkit, prefix } : { product, licence, machine, prefix });
  last = { product, licenceKey, machineUID, nb };
  return nb;
}

/** To the verifier, a bad licence key or UID is a bad binding, not a typo in the code. */
function asBinding(f: () => string): string {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    throw bindingError(e);
  }
}

function bindingError(e: ParseError): ParseError {
  return new ParseError("invalid-binding", e.what, e.message.slice(e.what.length + 2));
}

/** The message a code's signature or MAC covers: label, product, licence key, machine UID, payload, each length-prefixed. */
export function message(nb: NormalizedBinding, payload: Uint8Array): Uint8Array {
  const p = nb.prefix;
  const out = new Uint8Array(p.length + 2 + payload.length);
  out.set(p);
  out[p.length] = payload.length >> 8;
  out[p.length + 1] = payload.length & 0xff;
  out.set(payload, p.length + 2);
  return out;
}

/**
 * The same message, built in place in buf: buf holds the payload (n bytes)
 * at offset prefix.length + 2, as parseCodeText(code, prefix.length + 2)
 * leaves it, so the message needs no buffer of its own.
 */
export function messageInPlace(nb: NormalizedBinding, buf: Uint8Array, n: number): Uint8Array {
  const p = nb.prefix;
  buf.set(p);
  buf[p.length] = n >> 8;
  buf[p.length + 1] = n & 0xff;
  return buf.subarray(0, p.length + 2 + n);
}

/** First byte of SHA-256(lp(label) || lp(value)). */
export async function tag(label: string, value: string): Promise<number> {
  return (await sha256(fields(utf8(label), utf8(value))))[0]!;
}

export const licenceTag = (nb: NormalizedBinding) => tag(LABEL_LICENCE_TAG, nb.licence);
export const machineTag = (nb: NormalizedBinding) => tag(LABEL_MACHINE_TAG, nb.machine);
export const productTag = (product: string) => tag(LABEL_PRODUCT_TAG, product);
