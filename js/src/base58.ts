/**
 * Base58 with the Bitcoin alphabet: not cryptography, just a number base.
 * Decoding is quadratic in the input length, so every caller caps the
 * input before it gets here.
 */
export const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/** VALUE[c] is the base58 value of character code c < 128, or -1. */
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

/** The base58 value of one character code, or -1. */
export function symbolValue(c: number): number {
  return c < 128 ? VALUE[c]! : -1;
}

/** Scratch limbs for decodeValues; decoding is synchronous, so one buffer serves every call. */
let scratch = new Uint32Array(128);

/**
 * Decodes base58 symbol values (0-57) vals[from:to] to bytes. Each leading
 * zero value is a leading zero byte, so the mapping between symbol strings
 * and byte strings is a bijection. The bytes start at offset reserve of the
 * result, after reserve zero bytes for the caller to fill.
 */
export function decodeValues(vals: ArrayLike<number>, from = 0, to = vals.length, reserve = 0): Uint8Array {
  let j = from;
  while (j < to && vals[j] === 0) j++;
  const zeros = j - from;
  // The number in little-endian limbs of 16 bits, two symbols (58^2 =
  // 3364 < 2^12) folded in per pass: every intermediate stays below 2^28,
  // so the loops are small-integer arithmetic. Passes go in fused pairs
  // (the second takes each limb from the first as it is made), which gives
  // the processor two independent carry chains. log2(58) < 5.86.
  const need = Math.ceil(((to - j) * 5.86) / 16) + 2;
  if (scratch.length < need) scratch = new Uint32Array(need);
  const limbs = scratch;
  let len = 0;
  if ((to - j) & 1) limbs[len++] = vals[j++]!; // odd count: the first symbol alone (not zero)
  if ((to - j) & 2) {
    // One pass alone, so that the rest goes four symbols at a time.
    let carry = vals[j]! * 58 + vals[j + 1]!;
    j += 2;
    for (let k = 0; k < len; k++) {
      const x = limbs[k]! * 3364 + carry;
      limbs[k] = x & 0xffff;
      carry = x >>> 16;
    }
    if (carry > 0) limbs[len++] = carry; // below 3364 + 1 < 2^16
  }
  for (; j < to; j += 4) {
    let ca = vals[j]! * 58 + vals[j + 1]!;
    let cb = vals[j + 2]! * 58 + vals[j + 3]!;
    for (let k = 0; k < len; k++) {
      const xa = limbs[k]! * 3364 + ca;
      ca = xa >>> 16;
      const xb = (xa & 0xffff) * 3364 + cb;
      limbs[k] = xb & 0xffff;
      cb = xb >>> 16;
    }
    // The first pass's carry is a new limb, which the second pass takes too.
    if (ca > 0) {
      const xb = ca * 3364 + cb;
      limbs[len++] = xb & 0xffff;
      cb = xb >>> 16;
    }
    if (cb > 0) limbs[len++] = cb;
  }
  // Big-endian bytes, two per limb; the top limb is never zero, but its high byte may be.
  const size = len === 0 ? 0 : 2 * len - (limbs[len - 1]! < 256 ? 1 : 0);
  const start = reserve + zeros;
  const out = new Uint8Array(start + size);
  for (let k = 0, i = start + size - 1; k < len; k++) {
    const v = limbs[k]!;
    out[i--] = v & 0xff;
    if (i >= start) out[i--] = v >>> 8;
  }
  return out;
}

/** Decodes a base58 string, or returns null on a character outside the alphabet. */
export function decodeBase58(s: string): Uint8Array | null {
  const vals = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const v = symbolValue(s.charCodeAt(i));
    if (v < 0) return null;
    vals[i] = v;
  }
  return decodeValues(vals);
}

/** Encodes bytes as base58 (each leading zero byte a leading "1"). Quadratic; used only for short values (signatures). */
export function encodeBase58(b: Uint8Array): string {
  let zeros = 0;
  while (zeros < b.length && b[zeros] === 0) zeros++;
  const digits: number[] = [];
  for (let i = zeros; i < b.length; i++) {
    let carry = b[i]!;
    for (let j = 0; j < digits.length; j++) {
      carry += digits[j]! << 8;
      digits[j] = carry % 58;
      carry = Math.floor(carry / 58);
    }
    while (carry > 0) {
      digits.push(carry % 58);
      carry = Math.floor(carry / 58);
    }
  }
  let s = "1".repeat(zeros);
  for (let i = digits.length - 1; i >= 0; i--) s += ALPHABET[digits[i]!];
  return s;
}
