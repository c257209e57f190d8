/**
 * Request codes (docs/format.md section 8): what a product shows for
 * offline activation, product, licence key, machine UID and product
 * version in one grouped base58 text.
 */
import { validateProduct } from "./binding.js";
import { equalBytes, fields, sha256, utf8 } from "./crypto.js";
import { ParseError } from "./errors.js";
import { normalizeLicenceKey } from "./licencekey.js";
import { MAX_REQUEST_SYMBOLS, parseGrouped } from "./text.js";
import { uidFromValues, type MachineUID } from "./uid.js";

export interface RequestCode {
  readonly product: string;
  /** Normal form. */
  readonly licenceKey: string;
  readonly machineUID: MachineUID;
  /** Informational for the vendor: "4.2.17". */
  readonly productVersion: string;
}

const MARKER = 0x52; // 'R'
const VERSION = 1;
const CHECKSUM = 4;
const UID_SYMBOLS = 20;
const LABEL = utf8("actkit/v1/request-code");

/**
 * Parses a request code as pasted or typed. Rejects with a ParseError:
 * "typo" naming the groups, "checksum" for a damaged code, "unsupported-version",
 * "invalid-binding" for a bad product ID, "malformed" otherwise.
 */
export async function parseRequestCode(text: string): Promise<RequestCode> {
  const what = "request code";
  if (typeof text !== "string") throw new TypeError("request code must be a string");
  const bad = (detail: string) => new ParseError("malformed", what, detail);
  const raw = parseGrouped(what, text, MAX_REQUEST_SYMBOLS);
  if (raw.length < 2 + CHECKSUM || raw[0] !== MARKER) throw bad("not a request code");
  if (raw[1] !== VERSION) {
    throw new ParseError("unsupported-version", what, `version ${raw[1]}; this build reads version ${VERSION}`);
  }
  const body = raw.subarray(0, raw.length - CHECKSUM);
  const sum = await sha256(fields(LABEL, body));
  if (!equalBytes(raw.subarray(raw.length - CHECKSUM), sum.subarray(0, CHECKSUM))) {
    throw new ParseError("checksum", what, "it was damaged in copying; ask for it again");
  }
  let off = 2;
  const field = (): string | null => {
    if (off >= body.length || off + 1 + body[off]! > body.length) return null;
    const v = String.fromCharCode(...body.subarray(off + 1, off + 1 + body[off]!));
    off += 1 + body[off]!;
    return v;
  };
  const product = field();
  if (product === null) throw bad("truncated");
  const lic = field();
  if (lic === null || body.length - off < UID_SYMBOLS) throw bad("truncated");
  const uidVals = body.subarray(off, off + UID_SYMBOLS);
  if (uidVals.some((v) => v >= 32)) throw bad("bad machine UID");
  off += UID_SYMBOLS;
  const productVersion = field();
  if (productVersion === null || off !== body.length) throw bad("truncated or with trailing bytes");
  validateProduct(product);
  let licenceKey: string;
  try {
    licenceKey = normalizeLicenceKey(lic);
  } catch {
    throw bad("licence key is not in normalized form");
  }
  if (licenceKey !== lic) throw bad("licence key is not in normalized form");
  const machineUID = uidFromValues(uidVals);
  for (let i = 0; i < productVersion.length; i++) {
    const c = productVersion.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) throw bad("product version has non-printable characters");
  }
  return Object.freeze({ product, licenceKey, machineUID, productVersion });
}
