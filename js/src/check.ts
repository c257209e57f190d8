/**
 * Check symbols.
 *
 * Activation and request codes: one base58 check symbol per group of ten,
 * the Verhoeff-Gumm scheme over the dihedral group D29 (58 elements, one
 * per symbol; docs/format.md section 5.1). An element s^f r^k is stored as
 * f*29 + k, so value v < 29 is the rotation r^v and v >= 29 the reflection
 * s r^(v-29).
 *
 * Licence keys and machine UIDs: one Crockford base32 check symbol over
 * GF(32) with the polynomial x^5 + x^2 + 1.
 */
const N = 29;

function dmul(a: number, b: number): number {
  if (a < N) {
    if (b < N) return a + b >= N ? a + b - N : a + b; // r^a r^b
    const k = b - N - a; // r^a s r^kb = s r^(kb - a)
    return N + (k < 0 ? k + N : k);
  }
  const ka = a - N;
  if (b < N) return N + (ka + b >= N ? ka + b - N : ka + b); // s r^ka r^b
  const k = b - N - ka; // s r^ka s r^kb = r^(kb - ka)
  return k < 0 ? k + N : k;
}

/** sigma: r^k -> s r^k, s r^k -> r^(1-k); anti-symmetric, of order 4. */
function sigma(a: number): number {
  return a < N ? N + a : (1 + 2 * N - a) % N;
}

function sigmaPow(a: number, n: number): number {
  for (let i = n & 3; i > 0; i--) a = sigma(a);
  return a;
}

/** DMUL[a * 58 + b] = a·b, and SIGMA_POW[n * 58 + a] = sigma^n(a): built once, so a group check is table lookups. */
const DMUL = new Uint8Array(58 * 58);
const SIGMA_POW = new Uint8Array(4 * 58);
for (let a = 0; a < 58; a++) {
  for (let b = 0; b < 58; b++) DMUL[a * 58 + b] = dmul(a, b);
  for (let n = 0; n < 4; n++) SIGMA_POW[n * 58 + a] = sigmaPow(a, n);
}

/** Product of a group's values (data, then the check symbol if present) at 1-based position pos. */
function groupProduct(pos: number, last: boolean, vals: ArrayLike<number>, from: number, to: number): number {
  let acc = (last ? N : 0) + (pos % N);
  for (let i = from; i < to; i++) acc = DMUL[acc * 58 + SIGMA_POW[((i - from + 1) & 3) * 58 + vals[i]!]!]!;
  return acc;
}

/** Whether the group vals[from:to] (data and check symbol) at 1-based position pos is consistent. */
export function groupValid(pos: number, last: boolean, vals: ArrayLike<number>, from = 0, to = vals.length): boolean {
  return groupProduct(pos, last, vals, from, to) === 0;
}

/** The check symbol value that completes the data values of the group at pos. */
export function checkValue(pos: number, last: boolean, data: ArrayLike<number>): number {
  const p = groupProduct(pos, last, data, 0, data.length);
  const need = p >= N ? p : (N - p) % N; // inverse: reflections are their own
  return sigmaPow(need, 3 * (data.length + 1)); // sigma^-(n+1) = sigma^(3(n+1))
}

function gfMulAlpha(a: number): number {
  a <<= 1;
  return a & 0x20 ? a ^ 0x25 : a; // x^5 = x^2 + 1
}

function gfMul(a: number, b: number): number {
  let p = 0;
  for (; b !== 0; b >>= 1) {
    if (b & 1) p ^= a;
    a = gfMulAlpha(a);
  }
  return p;
}

/** The GF(32) check symbol c of s1..sn: sum(alpha^i s_i) + alpha^(n+1) c = 0. */
export function gf32Check(s: ArrayLike<number>, n = s.length): number {
  let sum = 0;
  let pow = 1;
  for (let i = 0; i < n; i++) {
    pow = gfMulAlpha(pow);
    sum ^= gfMul(pow, s[i]!);
  }
  pow = gfMulAlpha(pow);
  let inv = 1; // pow^30 = pow^-1: GF(32)* has order 31
  for (let i = 0; i < 30; i++) inv = gfMul(inv, pow);
  return gfMul(sum, inv);
}
