/**
 * Machine UIDs (docs/machine-uid.md): 20 Crockford base32 symbols, a
 * version symbol, six 15-bit slots of three symbols each, and a GF(32)
 * check symbol. "18J8D-22RR5-50W00-0000C".
 */
import { CROCKFORD, crockfordValue, isSeparator, utf8Length } from "./chars.js";
import { gf32Check } from "./check.js";
import { ParseError } from "./errors.js";

const SYMBOLS = 20;
const VERSION = 1;
/** Input cap, checked before any work. */
const MAX_INPUT = 64;

export interface MachineUID {
  /** Format version (1). */
  readonly version: number;
  /** The six component slots (network, cpu, version, os-id, system-uuid, custom); 0 = absent, else 1..32767. */
  readonly slots: readonly number[];
  /** Canonical text, four hyphenated groups of five: "18J8D-22RR5-50W00-0000C". */
  readonly text: string;
  /** Normal form, the form that is signed: the 20 canonical symbols without hyphens. */
  readonly normalized: string;
}

/** The 20 symbol values of a machine UID as typed, checked as parseMachineUID checks them. */
function uidSymbols(text: string): Uint8Array {
  const what = "machine UID";
  // The cap counts UTF-8 bytes (format.md section 4), as Go does.
  if (text.length > MAX_INPUT || utf8Length(text) > MAX_INPUT) throw new ParseError("malformed", what, "too long to be a machine UID");
  const sym = new Uint8Array(SYMBOLS);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isSeparator(c)) continue;
    const v = crockfordValue(c);
    if (v < 0) throw new ParseError("malformed", what, "machine UIDs use digits and letters except U", { position: i + 1 });
    if (n === SYMBOLS) throw new ParseError("malformed", what, `more than ${SYMBOLS} symbols`);
    sym[n++] = v;
  }
  if (n !== SYMBOLS) throw new ParseError("malformed", what, `${n} symbols, want ${SYMBOLS}: a symbol is missing`);
  if (gf32Check(sym, SYMBOLS - 1) !== sym[SYMBOLS - 1]) {
    throw new ParseError("typo", what, "check symbol does not match: compare it with the UID shown on the machine");
  }
  if (sym[0] !== VERSION) {
    throw new ParseError("unsupported-version", what, `version ${sym[0]}; this build reads version ${VERSION}`);
  }
  let present = false;
  for (let i = 1; i < SYMBOLS - 1; i++) present ||= sym[i] !== 0;
  if (!present) throw new ParseError("malformed", what, "no component present");
  return sym;
}

/**
 * Parses a machine UID as typed: case and separators do not matter, and O,
 * I, L are read as 0, 1, 1. Throws ParseError: "typo" for a wrong check
 * symbol, "unsupported-version" for a version other than 1, "malformed"
 * otherwise.
 */
export function parseMachineUID(text: string): MachineUID {
  const sym = uidSymbols(text);
  const slots: number[] = [];
  for (let i = 0; i < 6; i++) slots.push((sym[1 + 3 * i]! << 10) | (sym[2 + 3 * i]! << 5) | sym[3 + 3 * i]!);
  const normalized = symbolsText(sym);
  const groups = normalized.match(/.{5}/g)!;
  return Object.freeze({ version: VERSION, slots: Object.freeze(slots), text: groups.join("-"), normalized });
}

function symbolsText(sym: Uint8Array): string {
  let s = "";
  for (const v of sym) s += CROCKFORD[v];
  return s;
}

/**
 * The one normal form of a machine UID, the form that is signed: its 20
 * symbols in canonical Crockford base32 without separators. Accepts and
 * refuses exactly what parseMachineUID does.
 */
export function normalizeMachineUID(text: string): string {
  return symbolsText(uidSymbols(text));
}

/** The UID of 20 symbol values (0-31), as request codes carry it. */
export function uidFromValues(vals: Uint8Array): MachineUID {
  return parseMachineUID(symbolsText(vals));
}
