/** Characters that every text parser ignores: people paste codes, keys and UIDs with spaces, hyphens and line breaks. */
export function isSeparator(c: number): boolean {
  return c === 0x20 || c === 0x2d || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Crockford base32, canonical symbols by value. */
export const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** CROCKFORD_VALUE[c] is crockfordValue(c) for c < 128. */
const CROCKFORD_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < CROCKFORD.length; i++) {
  CROCKFORD_VALUE[CROCKFORD.charCodeAt(i)] = i;
  CROCKFORD_VALUE[CROCKFORD.toLowerCase().charCodeAt(i)] = i;
}
for (const [c, v] of [["O", 0], ["o", 0], ["I", 1], ["i", 1], ["L", 1], ["l", 1]] as const) CROCKFORD_VALUE[c.charCodeAt(0)] = v;

/** The Crockford value of a character code, accepting lower case and the look-alikes O (0), I and L (1); -1 otherwise. */
export function crockfordValue(c: number): number {
  return c < 128 ? CROCKFORD_VALUE[c]! : -1;
}

/** The UTF-8 length of s in bytes (lone surrogates count 3, as U+FFFD). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** The 1-based position, in characters (code points) as the user sees them, of the code unit at index i. */
export function charPosition(s: string, i: number): number {
  let n = 0;
  for (let j = 0; j < i; j++) {
    const c = s.charCodeAt(j);
    if (c >= 0xd800 && c <= 0xdbff && j + 1 < i && (s.charCodeAt(j + 1) & 0xfc00) === 0xdc00) j++;
    n++;
  }
  return n + 1;
}

/** ASCII bytes of a string already checked to be ASCII. */
export function ascii(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}
