/**
 * The binary payload of an activation code (docs/format.md sections 2-3)
 * and the split of raw code bytes into payload and signature.
 */
import { ParseError } from "./errors.js";

/** Day 0 is 2024-01-01 (UTC), in Unix milliseconds. */
const EPOCH_MS = Date.UTC(2024, 0, 1);
const DAY_MS = 86_400_000;
/** Marks a perpetual code; never encoded. */
export const NO_EXPIRY = 0xffff;

/** The first instant of a day, in Unix milliseconds. */
export function dayStart(d: number): number {
  return EPOCH_MS + d * DAY_MS;
}

/** A day as YYYY-MM-DD (proleptic Gregorian, UTC). */
export function dayString(d: number): string {
  // Days since 0000-03-01, then eras of 400 years (146097 days).
  const z = d + 739_191; // 2024-01-01 is day 739191 after 0000-03-01
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${year}-${month < 10 ? "0" : ""}${month}-${day < 10 ? "0" : ""}${day}`;
}

export const VERSION = 1;
const REQUEST_MARKER = 0x52; // 'R': a request code's first byte
const DEACTIVATION_MARKER = 0x44; // 'D': a deactivation code's first byte
const MIN_PAYLOAD = 9;
export const ED25519_SIG = 64;
export const HMAC_TAG = 16;

export interface Payload {
  keyId: number; // two bytes, big-endian
  issued: number;
  expires: number; // NO_EXPIRY for a perpetual code
  seats: number;
  features: bigint;
  serial: bigint;
  licenceTag: number;
  machineTag: number;
}

export interface Code {
  payload: Payload;
  /** The payload bytes (what is signed, with the binding). */
  payloadBytes: Uint8Array;
  sig: Uint8Array;
}

function malformed(detail: string): ParseError {
  return new ParseError("malformed", "activation code", detail);
}

/** The big-endian number in b[from:to], at most 8 bytes. */
function be(b: Uint8Array, from: number, to: number): bigint {
  // In doubles up to 6 bytes (exact below 2^53), one BigInt at the end.
  const mid = to - from > 6 ? to - 4 : from;
  let hi = 0;
  for (let i = from; i < mid; i++) hi = hi * 256 + b[i]!;
  let lo = 0;
  for (let i = mid; i < to; i++) lo = lo * 256 + b[i]!;
  return mid === from ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
}

/**
 * Splits raw code bytes into payload and signature. Rejects a request or
 * deactivation code (malformed, naming the kind), any version but 1
 * (before anything else is read), and every non-canonical field. Nothing in the result is authenticated yet.
 */
export function decodeCode(raw: Uint8Array): Code {
  if (raw.length === 0) throw malformed("empty");
  if (raw[0] === REQUEST_MARKER) {
    throw malformed("this is a request code (for the vendor), not an activation code");
  }
  // Before the version: 'D' is no activation-code version, and the user
  // needs to hear which kind of code this is, not to upgrade.
  if (raw[0] === DEACTIVATION_MARKER) {
    throw malformed("this is a deactivation code (for the vendor, to free a seat), not an activation code");
  }
  if (raw[0] !== VERSION) {
    throw new ParseError("unsupported-version", "activation code", `version ${raw[0]}; this build reads version ${VERSION}, a newer version may read it`);
  }
  if (raw.length < MIN_PAYLOAD) throw malformed("too short: symbols are missing");
  const flags = raw[1]!;
  const fl = (flags & 0x38) >> 3;
  const sl = (flags & 0x07) + 1;
  const hasExpiry = (flags & 0x80) !== 0;
  const hasSeats = (flags & 0x40) !== 0;
  const n = 6 + (hasExpiry ? 2 : 0) + (hasSeats ? 2 : 0) + fl + sl + 2;
  if (raw.length < n) throw malformed("too short: symbols are missing");
  const u16 = (i: number) => (raw[i]! << 8) | raw[i + 1]!;
  const p: Payload = {
    keyId: u16(2),
    issued: u16(4),
    expires: NO_EXPIRY,
    seats: 1,
    features: 0n,
    serial: 0n,
    licenceTag: 0,
    machineTag: 0,
  };
  let off = 6;
  if (hasExpiry) {
    p.expires = u16(off);
    off += 2;
    if (p.expires === NO_EXPIRY) throw malformed("non-canonical expiry");
  }
  if (hasSeats) {
    p.seats = u16(off);
    off += 2;
    if (p.seats < 2) throw malformed("non-canonical seat count");
  }
  if (fl > 0 && raw[off] === 0) throw malformed("non-canonical features");
  p.features = be(raw, off, off + fl);
  off += fl;
  if (sl > 1 && raw[off] === 0) throw malformed("non-canonical serial");
  p.serial = be(raw, off, off + sl);
  off += sl;
  p.licenceTag = raw[off]!;
  p.machineTag = raw[off + 1]!;
  if (p.issued === NO_EXPIRY) throw malformed("issue day 0xFFFF is reserved");
  if (p.expires !== NO_EXPIRY && p.expires < p.issued) throw malformed("expiry is before the issue date");
  const sig = raw.subarray(n);
  if (sig.length !== ED25519_SIG && sig.length !== HMAC_TAG) {
    throw malformed(sig.length < HMAC_TAG ? "too short: symbols are missing" : "symbols are missing or extra");
  }
  return { payload: p, payloadBytes: raw.subarray(0, n), sig };
}
