/** Characters that every text parser ignores: people paste codes, keys and UIDs with spaces, hyphens and line breaks. */
export function isSeparator(c: number): boolean {
  return c === 0x20 || c === 0x2d || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Crockford base32, canonical symbols by value. */
export const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** The Crockford value of a character code, accepting lower case and the look-alikes O (0), I and L (1); -1 otherwise. */
export function crockfordValue(c: number): number {
  if (c >= 0x61 && c <= 0x7a) c -= 0x20;
  if (c === 0x4f) return 0; // O
  if (c === 0x49 || c === 0x4c) return 1; // I, L
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c < 0x41 || c > 0x5a) return -1;
  return CROCKFORD.indexOf(String.fromCharCode(c));
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
