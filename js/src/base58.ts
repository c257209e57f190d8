/**
 * Base58 with the Bitcoin alphabet: not cryptography, just a number base.
 * Decoding is quadratic in the input length, so every caller caps the
 * input before it gets here.
 */
export const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/** The base58 value of one character code, or -1. */
export function symbolValue(c: number): number {
  if (c >= 0x31 && c <= 0x39) return c - 0x31; // 1-9
  if (c >= 0x41 && c <= 0x48) return c - 0x41 + 9; // A-H
  if (c >= 0x4a && c <= 0x4e) return c - 0x4a + 17; // J-N
  if (c >= 0x50 && c <= 0x5a) return c - 0x50 + 22; // P-Z
  if (c >= 0x61 && c <= 0x6b) return c - 0x61 + 33; // a-k
  if (c >= 0x6d && c <= 0x7a) return c - 0x6d + 44; // m-z
  return -1;
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
  // log(58) / log(256) < 0.733
  const size = Math.floor(((n - zeros) * 733) / 1000) + 1;
  const b = new Uint8Array(size);
  let len = 0;
  // Three symbols at a time: 255 * 58^3 + carry stays a small integer.
  for (let j = zeros; j < n; ) {
    const take = j === zeros && (n - zeros) % 3 !== 0 ? (n - zeros) % 3 : 3;
    let carry = 0;
    let mult = 1;
    for (const end = j + take; j < end; j++) {
      carry = carry * 58 + vals[j]!;
      mult *= 58;
    }
    let i = 0;
    for (let k = size - 1; (carry !== 0 || i < len) && k >= 0; k--, i++) {
      carry += b[k]! * mult;
      b[k] = carry & 0xff;
      carry >>= 8;
    }
    len = i;
  }
  let start = size - len;
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
