/**
 * The text form of activation and request codes (docs/format.md section 5):
 * base58 symbols in groups of ten, each followed by a D29 check symbol,
 * joined with hyphens.
 */
import { ALPHABET, decodeValues, symbolValue } from "./base58.js";
import { charPosition, isSeparator, utf8Length } from "./chars.js";
import { checkValue, groupValid } from "./check.js";
import { ParseError, type Fix } from "./errors.js";

const GROUP = 10; // data symbols in a full group
/** Most symbols (check symbols included) of an activation code; the longest valid version-1 code has 137. */
export const MAX_SYMBOLS = 160;
/** Most symbols of a request code. */
export const MAX_REQUEST_SYMBOLS = 300;

interface Symbols {
  vals: Uint8Array; // base58 values of the symbols, check symbols included
  n: number;
}

/**
 * Scratch for parseGrouped: symbols, then data values. Parsing is
 * synchronous, so one pair of buffers serves every call.
 */
const SYMBOLS = new Uint8Array(MAX_REQUEST_SYMBOLS);
const DATA = new Uint8Array(MAX_REQUEST_SYMBOLS);

/** Strips separators and checks every character. Input is capped at 8 bytes per symbol before any work. */
function collectSymbols(what: string, s: string, maxSymbols: number, vals = new Uint8Array(maxSymbols)): Symbols {
  // The cap is in UTF-8 bytes. Only non-ASCII text can have more bytes
  // than characters, and it fails anyway: its length is checked then.
  if (s.length > 8 * maxSymbols) throw tooLong(what);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const v = symbolValue(c);
    if (v < 0) {
      if (isSeparator(c)) continue;
      if (c >= 0x80 && utf8Length(s) > 8 * maxSymbols) throw tooLong(what);
      throw new ParseError("malformed", what, badCharDetail(c), { position: charPosition(s, i) });
    }
    if (n === maxSymbols) throw utf8Length(s) > 8 * maxSymbols ? tooLong(what) : new ParseError("malformed", what, "too many symbols");
    vals[n] = v;
    n++;
  }
  if (n === 0) throw new ParseError("malformed", what, "no symbols: the code is empty");
  return { vals, n };
}

function tooLong(what: string): ParseError {
  return new ParseError("malformed", what, "input is too long");
}

function badCharDetail(c: number): string {
  if (c === 0x30 || c === 0x4f) return "codes never contain 0 or O (zero or capital o); check for a lowercase o";
  if (c === 0x49 || c === 0x6c) return "codes never contain I or l (capital i or lowercase L); check for a 1 or lowercase i";
  if (c >= 0x80) return "only the ASCII letters and digits of the code are allowed";
  if (c < 0x20 || c === 0x7f) return "control characters are not allowed";
  return `character '${String.fromCharCode(c)}' is not used in codes`;
}

/**
 * Checks the group structure and every check symbol, and writes the data
 * values (check symbols removed) to data; returns their count.
 */
function splitGroups(what: string, sym: Symbols, data: Uint8Array): number {
  const n = sym.n;
  const vals = sym.vals;
  const numGroups = Math.floor((n + GROUP) / (GROUP + 1));
  const last = n - (numGroups - 1) * (GROUP + 1);
  if (last < 2) {
    throw new ParseError("malformed", what, "the last group is incomplete: a symbol is missing or one too many was typed");
  }
  let bad: number[] | null = null;
  let wrongEnd = 0;
  let d = 0;
  for (let g = 0; g < numGroups; g++) {
    const start = g * (GROUP + 1);
    const end = Math.min(start + GROUP + 1, n);
    for (let i = start; i < end - 1; i++) data[d++] = vals[i]!;
    const isLast = g === numGroups - 1;
    if (!groupValid(g + 1, isLast, vals, start, end)) {
      (bad ??= []).push(g + 1);
      // Valid as the other kind (last or not): a length problem, or a typo.
      if (groupValid(g + 1, !isLast, vals, start, end)) wrongEnd = g + 1;
    }
  }
  if (bad === null) return d;
  let detail = "";
  if (bad.length === 1 && wrongEnd === numGroups) {
    detail = "or the code is incomplete: whole groups may be missing at the end";
  } else if (wrongEnd > 0 && wrongEnd < numGroups && bad[0] === wrongEnd) {
    detail = `or the code ends with group ${wrongEnd} and what follows was added`;
  }
  throw new ParseError("typo", what, detail, { groups: bad, numGroups });
}

/**
 * Parses grouped base58 text of at most maxSymbols symbols to bytes, at
 * offset reserve of the result (see decodeValues). Throws ParseError
 * ("malformed" or "typo").
 */
export function parseGrouped(what: string, s: string, maxSymbols: number, reserve = 0): Uint8Array {
  if (maxSymbols > SYMBOLS.length) throw new RangeError("maxSymbols");
  return decodeValues(DATA, 0, splitGroups(what, collectSymbols(what, s, maxSymbols, SYMBOLS), DATA), reserve);
}

/** Parses the text form of an activation code to its raw bytes (at offset reserve, see decodeValues). */
export function parseCodeText(s: string, reserve = 0): Uint8Array {
  return parseGrouped("activation code", s, MAX_SYMBOLS, reserve);
}

/** Symbols already consistent with their check symbols, in canonical grouping. */
function formatSymbols(vals: Uint8Array, n: number): string {
  let out = "";
  for (let i = 0; i < n; i++) {
    if (i > 0 && i % (GROUP + 1) === 0) out += "-";
    out += ALPHABET[vals[i]!];
  }
  return out;
}

/** Canonical text of raw bytes: base58, grouped, with check symbols. Used by tests and tools. */
export function formatText(raw: Uint8Array): string {
  // base58 encode
  let zeros = 0;
  while (zeros < raw.length && raw[zeros] === 0) zeros++;
  const size = Math.floor(((raw.length - zeros) * 138) / 100) + 1;
  const b = new Uint8Array(size);
  let len = 0;
  for (let j = zeros; j < raw.length; j++) {
    let carry = raw[j]!;
    let i = 0;
    for (let k = size - 1; (carry !== 0 || i < len) && k >= 0; k--, i++) {
      carry += 256 * b[k]!;
      b[k] = carry % 58;
      carry = Math.floor(carry / 58);
    }
    len = i;
  }
  let start = size - len;
  while (start < size && b[start] === 0) start++;
  const data = [...new Array<number>(zeros).fill(0), ...b.subarray(start)];
  let out = "";
  for (let g = 0, pos = 1; g < data.length; g += GROUP, pos++) {
    const group = data.slice(g, g + GROUP);
    if (g > 0) out += "-";
    for (const v of group) out += ALPHABET[v];
    out += ALPHABET[checkValue(pos, g + GROUP >= data.length, group)];
  }
  return out;
}

/** A possible correction of one mistyped symbol. */
export interface Candidate {
  text: string; // canonical text
  raw: Uint8Array;
  /** Where it changes the code: the group (1-based), the symbol inside it (1-based), the symbol as given and the one it puts there. */
  fix: Fix;
}

/**
 * For a code whose only defect is one failing group: every code obtained by
 * changing one symbol of that group so that its check passes (at most one
 * value per position, so at most eleven). Empty otherwise.
 */
export function singleSymbolCorrections(s: string): Candidate[] {
  const what = "activation code";
  let sym: Symbols;
  let bad: number;
  try {
    sym = collectSymbols(what, s, MAX_SYMBOLS);
  } catch {
    return [];
  }
  const data = new Uint8Array(sym.n);
  try {
    splitGroups(what, sym, data);
    return [];
  } catch (e) {
    if (!(e instanceof ParseError) || e.reason !== "typo" || e.groups?.length !== 1) return [];
    bad = e.groups[0]!;
  }
  const start = (bad - 1) * (GROUP + 1);
  const end = Math.min(start + GROUP + 1, sym.n);
  const last = end === sym.n;
  const out: Candidate[] = [];
  for (let i = start; i < end; i++) {
    const orig = sym.vals[i]!;
    for (let v = 0; v < 58; v++) {
      if (v === orig) continue;
      sym.vals[i] = v;
      if (groupValid(bad, last, sym.vals, start, end)) {
        const fixed: Symbols = { vals: sym.vals.slice(), n: sym.n };
        const fix: Fix = { group: bad, symbol: i - start + 1, given: ALPHABET[orig]!, want: ALPHABET[v]! };
        out.push({ text: formatSymbols(fixed.vals, fixed.n), raw: decodeValues(data, 0, splitGroups(what, fixed, data)), fix });
        break; // exactly one value per position completes the group
      }
    }
    sym.vals[i] = orig;
  }
  return out;
}
