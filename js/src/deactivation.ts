/**
 * Deactivation codes (docs/format.md section 12): what a product shows when
 * it gives up its activation code without reaching the licence server, for
 * the vendor, who frees the seat with it. Product, licence key, machine
 * UID, the given-up code's serial and the day, in one grouped base58 text.
 * It carries no signature: it proves knowledge of the activation, not that
 * the product deleted its code.
 */
import { utf8 } from "./crypto.js";
import { ParseError } from "./errors.js";
import { checkBinding, FieldReader, readBinding, unseal, type SealedKind } from "./fields.js";
import { dayString, NO_EXPIRY } from "./payload.js";
import type { MachineUID } from "./uid.js";

export interface DeactivationCode {
  readonly product: string;
  /** Normal form. */
  readonly licenceKey: string;
  /** The UID the given-up activation code was issued for. */
  readonly machineUID: MachineUID;
  /** The given-up activation code's serial (1 to 2^64 - 1). */
  readonly serial: bigint;
  /** The day the product gave the code up, YYYY-MM-DD (UTC): its clock's word, for the vendor's records. */
  readonly day: string;
}

const KIND: SealedKind = {
  what: "deactivation code",
  marker: 0x44, // 'D'
  version: 1,
  label: utf8("actkit/v1/deactivation-code"),
  notThis(first) {
    if (first === 0x52) return "this is a request code (to activate), not a deactivation code";
    if (first === 1) return "this is an activation code, not a deactivation code";
    return "not a deactivation code";
  },
};

/**
 * Parses a deactivation code as pasted or typed, checking in the order of
 * format.md section 12. Rejects with a ParseError: "typo" naming the
 * groups (or for the UID's check symbol), "checksum" for a damaged code,
 * "unsupported-version", "invalid-binding" for a bad product ID,
 * "malformed" otherwise, naming the kind of code when another was pasted.
 */
export async function parseDeactivationCode(text: string): Promise<DeactivationCode> {
  if (typeof text !== "string") throw new TypeError("deactivation code must be a string");
  const bad = (detail: string) => new ParseError("malformed", KIND.what, detail);
  const body = await unseal(KIND, text);
  const f = new FieldReader(body, 2);
  const raw = readBinding(f, KIND.what);
  const ser = f.bytes();
  if (ser === null || f.remaining !== 2) throw bad("truncated or with trailing bytes");
  if (ser.length === 0 || ser.length > 8 || ser[0] === 0) throw bad("the serial is not in its one encoding");
  const dayBytes = f.take(2)!;
  const day = (dayBytes[0]! << 8) | dayBytes[1]!;
  if (day === NO_EXPIRY) throw bad("day 65535 is reserved");
  const { product, licenceKey, machineUID } = checkBinding(raw, KIND.what);
  let serial = 0n;
  for (const b of ser) serial = (serial << 8n) | BigInt(b);
  return Object.freeze({ product, licenceKey, machineUID, serial, day: dayString(day) });
}
