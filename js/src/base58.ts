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

/**
 * Decodes base58 symbol values (0-57) to bytes. Each leading zero value is
 * a leading zero byte, so the mapping between symbol strings and byte
 * strings is a bijection.
 */
export function decodeValues(vals: ArrayLike<number>): Uint8Array {
  const n = vals.length;
  let zeros = 0;
  while (zeros < n && vals[zeros] === 0) zeros++;
  // The number in little-endian limbs of 24 bits, four symbols (58^4 <
  // 2^24) folded in per pass: every intermediate stays below 2^48, exact
  // in a double, and there are a twelfth as many inner steps as with one
  // byte and one symbol at a time.
  const limbs = new Uint32Array(Math.floor((n - zeros) / 4) + 2);
  let len = 0;
  for (let j = zeros; j < n; ) {
    let carry = 0;
    let mult = 1;
    for (const end = Math.min(j + 4, n); j < end; j++) {
      carry = carry * 58 + vals[j]!;
      mult *= 58;
    }
    for (let k = 0; k < len; k++) {
      const x = limbs[k]! * mult + carry;
      carry = Math.floor(x / 0x1000000);
      limbs[k] = x - carry * 0x1000000;
    }
    while (carry > 0) {
      limbs[len++] = carry & 0xffffff;
      carry = Math.floor(carry / 0x1000000);
    }
  }
  const size = 3 * len;
  let start = 0;
  const b = new Uint8Array(size);
  for (let k = 0; k < len; k++) {
    const v = limbs[k]!;
    b[size - 1 - 3 * k] = v & 0xff;
    b[size - 2 - 3 * k] = (v >> 8) & 0xff;
    b[size - 3 - 3 * k] = v >> 16;
  }
  while (start < size && b[start] === 0) start++;
  const out = new Uint8Array(zeros + size - start);
  out.set(b.subarray(start), zeros);
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
