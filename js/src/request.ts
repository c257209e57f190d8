/**
 * Request codes (docs/format.md section 8): what a product shows for
 * offline activation, product, licence key, machine UID and product
 * version in one grouped base58 text.
 */
import { utf8 } from "./crypto.js";
import { ParseError } from "./errors.js";
import { checkBinding, FieldReader, readBinding, unseal, type SealedKind } from "./fields.js";
import type { MachineUID } from "./uid.js";

export interface RequestCode {
  readonly product: string;
  /** Normal form. */
  readonly licenceKey: string;
  readonly machineUID: MachineUID;
  /** Informational for the vendor: "4.2.17". */
  readonly productVersion: string;
}

const KIND: SealedKind = {
  what: "request code",
  marker: 0x52, // 'R'
  version: 1,
  label: utf8("actkit/v1/request-code"),
  notThis: () => "not a request code",
};

/**
 * Parses a request code as pasted or typed. Rejects with a ParseError:
 * "typo" naming the groups, "checksum" for a damaged code, "unsupported-version",
 * "invalid-binding" for a bad product ID, "malformed" otherwise.
 */
export async function parseRequestCode(text: string): Promise<RequestCode> {
  if (typeof text !== "string") throw new TypeError("request code must be a string");
  const bad = (detail: string) => new ParseError("malformed", KIND.what, detail);
  const body = await unseal(KIND, text);
  const f = new FieldReader(body, 2);
  const raw = readBinding(f, KIND.what);
  const productVersion = f.field();
  if (productVersion === null || f.remaining !== 0) throw bad("truncated or with trailing bytes");
  const { product, licenceKey, machineUID } = checkBinding(raw, KIND.what);
  for (let i = 0; i < productVersion.length; i++) {
    const c = productVersion.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) throw bad("product version has non-printable characters");
  }
  return Object.freeze({ product, licenceKey, machineUID, productVersion });
}
