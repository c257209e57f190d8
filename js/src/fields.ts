/**
 * The byte fields of request and deactivation codes (docs/format.md
 * sections 8 and 12): len8-prefixed strings and the machine UID's 20
 * symbol values, read front to back. Every read returns null when it
 * would run past the end, so a parser says "truncated" once.
 */
import { validateProduct } from "./binding.js";
import { equalBytes, fields, sha256 } from "./crypto.js";
import { ParseError } from "./errors.js";
import { normalizeLicenceKey } from "./licencekey.js";
import { MAX_REQUEST_SYMBOLS, parseGrouped } from "./text.js";
import { uidFromValues, type MachineUID } from "./uid.js";

const CHECKSUM = 4;

/** What tells one sealed kind of code from another. */
export interface SealedKind {
  /** "request code" */
  readonly what: string;
  readonly marker: number;
  readonly version: number;
  /** The checksum's label. */
  readonly label: Uint8Array;
  /** The refusal's detail when the first byte is not the marker. */
  notThis(first: number | undefined): string;
}

/**
 * Reads the text of a request or deactivation code and checks, in the
 * order of format.md sections 8 and 12, its grouped text, its marker, its
 * version (before the checksum) and its checksum. Returns the bytes before
 * the checksum.
 */
export async function unseal(kind: SealedKind, text: string): Promise<Uint8Array> {
  const raw = parseGrouped(kind.what, text, MAX_REQUEST_SYMBOLS);
  if (raw.length < 2 + CHECKSUM || raw[0] !== kind.marker) throw new ParseError("malformed", kind.what, kind.notThis(raw[0]));
  if (raw[1] !== kind.version) {
    throw new ParseError("unsupported-version", kind.what, `version ${raw[1]}; this build reads version ${kind.version}`);
  }
  const body = raw.subarray(0, raw.length - CHECKSUM);
  const sum = await sha256(fields(kind.label, body));
  // No secret: the checksum only catches damage in copying.
  if (!equalBytes(raw.subarray(raw.length - CHECKSUM), sum.subarray(0, CHECKSUM))) {
    throw new ParseError("checksum", kind.what, "it was damaged in copying; ask for it again");
  }
  return body;
}
const UID_SYMBOLS = 20;

export class FieldReader {
  #b: Uint8Array;
  #off: number;

  constructor(b: Uint8Array, off: number) {
    this.#b = b;
    this.#off = off;
  }

  /** A len8 field's bytes, or null past the end. */
  bytes(): Uint8Array | null {
    const b = this.#b;
    const off = this.#off;
    if (off >= b.length || off + 1 + b[off]! > b.length) return null;
    this.#off = off + 1 + b[off]!;
    return b.subarray(off + 1, this.#off);
  }

  /** A len8 field as text, one character per byte (checked by the caller), or null. */
  field(): string | null {
    const v = this.bytes();
    return v === null ? null : String.fromCharCode(...v);
  }

  /**
   * The machine UID's 20 symbol values: "truncated" when fewer remain, "bad
   * machine UID" for a value of 32 or more, else the values (the parser
   * checks them as a UID once the other fields are read).
   */
  uidValues(): Uint8Array | "truncated" | "bad machine UID" {
    if (this.remaining < UID_SYMBOLS) return "truncated";
    const v = this.#b.subarray(this.#off, this.#off + UID_SYMBOLS);
    if (v.some((x) => x >= 32)) return "bad machine UID";
    this.#off += UID_SYMBOLS;
    return v;
  }

  /** The bytes not yet read. */
  get remaining(): number {
    return this.#b.length - this.#off;
  }

  /** The next n bytes, or null. */
  take(n: number): Uint8Array | null {
    if (this.remaining < n) return null;
    this.#off += n;
    return this.#b.subarray(this.#off - n, this.#off);
  }
}

/**
 * The licence-key field, which must be byte for byte its own normal form
 * (no lower case, hyphens, look-alikes or wrong check symbol), or null.
 */
export function normalLicenceKeyField(lic: string): string | null {
  try {
    return normalizeLicenceKey(lic) === lic ? lic : null;
  } catch {
    return null;
  }
}

/** The three binding fields both codes start with, read but not yet checked. */
export interface RawBinding {
  readonly product: string;
  readonly licence: string;
  readonly uidValues: Uint8Array;
}

/** Reads product, licence key and UID values: malformed ("truncated", "bad machine UID") when they do not fit. */
export function readBinding(f: FieldReader, what: string): RawBinding {
  const bad = (detail: string) => new ParseError("malformed", what, detail);
  const product = f.field();
  if (product === null) throw bad("truncated");
  const licence = f.field();
  if (licence === null) throw bad("truncated");
  const uidValues = f.uidValues();
  if (typeof uidValues === "string") throw bad(uidValues);
  return { product, licence, uidValues };
}

/**
 * Checks the binding fields once every other field has been read, in the
 * order of sections 8 and 12: the product ID (invalid-binding), the
 * licence key byte for byte in its normal form (malformed), the machine
 * UID (its own reasons).
 */
export function checkBinding(b: RawBinding, what: string): { product: string; licenceKey: string; machineUID: MachineUID } {
  validateProduct(b.product);
  const licenceKey = normalLicenceKeyField(b.licence);
  if (licenceKey === null) throw new ParseError("malformed", what, "licence key is not in normalized form");
  return { product: b.product, licenceKey, machineUID: uidFromValues(b.uidValues) };
}
