/**
 * Licence keys (docs/format.md section 9): a prefix of 1 to 10 letters or
 * digits, then 20 Crockford base32 symbols whose last is the GF(32) check
 * symbol of the other 19. "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM".
 */
import { CROCKFORD, crockfordValue, isSeparator, utf8Length } from "./chars.js";
import { gf32Check } from "./check.js";
import { ParseError } from "./errors.js";

const BODY = 20;
const MAX_PREFIX = 10;
/** Input cap, checked before any work (bytes; every accepted key is ASCII). */
const MAX_INPUT = 256;

/**
 * The one normal form of a licence key, the form that is signed: separators
 * (space, tab, CR, LF, hyphen) removed, ASCII upper case, the Crockford
 * look-alikes of the last 20 symbols resolved (O to 0, I and L to 1), and
 * the check symbol verified. "umenu-7kq2x-m4rta-9vwce-h3npm" gives
 * "UMENU7KQ2XM4RTA9VWCEH3NPM". Throws ParseError: "typo" for a wrong check
 * symbol, "malformed" otherwise.
 */
export function normalizeLicenceKey(text: string): string {
  const what = "licence key";
  // The cap counts UTF-8 bytes (format.md section 4), as Go does.
  if (text.length > MAX_INPUT || utf8Length(text) > MAX_INPUT) throw new ParseError("malformed", what, "too long");
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (isSeparator(c)) continue;
    if (c >= 0x61 && c <= 0x7a) c -= 0x20;
    if (!((c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39))) {
      throw new ParseError("malformed", what, "only letters, digits and hyphens", { position: i + 1 });
    }
    if (out.length === MAX_PREFIX + BODY) {
      throw new ParseError("malformed", what, "too long: a licence key is a prefix and four groups of five");
    }
    out.push(c);
  }
  if (out.length <= BODY) throw new ParseError("malformed", what, "too short: a licence key is a prefix and four groups of five");
  const prefix = out.length - BODY;
  const sym = new Uint8Array(BODY);
  for (let i = 0; i < BODY; i++) {
    const c = out[prefix + i]!;
    const v = crockfordValue(c);
    if (v < 0) throw new ParseError("malformed", what, `'${String.fromCharCode(c)}' cannot appear in the last 20 symbols`);
    sym[i] = v;
    out[prefix + i] = CROCKFORD.charCodeAt(v);
  }
  if (gf32Check(sym, BODY - 1) !== sym[BODY - 1]) {
    throw new ParseError("typo", what, "check symbol does not match: was it mistyped?");
  }
  let s = "";
  for (const c of out) s += String.fromCharCode(c);
  return s;
}
