/**
 * Why a code was refused: the stable names of Go's verify.ReasonCode. They
 * never change once released; test vectors use them as their `reason`.
 */
export type Reason =
  | "invalid-binding"
  | "malformed"
  | "typo"
  | "unsupported-version"
  | "wrong-product"
  | "revoked-key"
  | "unknown-key"
  | "algorithm-mismatch"
  | "wrong-licence"
  | "wrong-machine"
  | "bad-signature"
  | "not-yet-valid"
  | "expired"
  | "outside-delegation"
  | "revoked-delegation"
  | "invalid-delegation"
  | "insufficient-signatures"
  | "rolled-back"
  | "update-expired";

/** Every reason of verify and verifyDelegated, in the order verification checks them. */
export const REASONS: readonly Reason[] = Object.freeze([
  "invalid-binding",
  "wrong-product",
  "malformed",
  "typo",
  "unsupported-version",
  "revoked-key",
  "revoked-delegation",
  "invalid-delegation",
  "unknown-key",
  "algorithm-mismatch",
  "wrong-licence",
  "wrong-machine",
  "bad-signature",
  "outside-delegation",
  "not-yet-valid",
  "expired",
] as const);

/** The reasons a keyring update (Keyring.update) or a version 2 keyring is refused with, besides parse failures and "wrong-product". */
export const UPDATE_REASONS: readonly Reason[] = Object.freeze(["rolled-back", "update-expired", "insufficient-signatures", "invalid-delegation", "revoked-delegation"] as const);

/** Why a text (keyring, key, machine UID, request code) could not be parsed. */
export type ParseReason =
  | "malformed"
  | "typo"
  | "unsupported-version"
  | "checksum"
  | "invalid-key"
  | "invalid-binding"
  | "hmac-secret-not-allowed";

export interface ParseErrorDetails {
  /** 1-based character position of the problem, when one applies. */
  position?: number;
  /** 1-based line of a keyring, when one applies. */
  line?: number;
  /** Groups whose check symbol failed (reason "typo" in grouped text). */
  groups?: number[];
  numGroups?: number;
}

/** A text given to a parse function is unusable. `reason` says why. */
export class ParseError extends Error {
  readonly reason: ParseReason;
  /** What was being parsed: "keyring", "machine UID", "request code", ... */
  readonly what: string;
  readonly position?: number;
  readonly line?: number;
  readonly groups?: readonly number[];
  readonly numGroups?: number;

  constructor(reason: ParseReason, what: string, detail: string, d: ParseErrorDetails = {}) {
    super(`${what}: ${describe(reason, d)}${detail ? ": " + detail : ""}`);
    this.name = "ParseError";
    this.reason = reason;
    this.what = what;
    if (d.position !== undefined) this.position = d.position;
    if (d.line !== undefined) this.line = d.line;
    if (d.groups !== undefined) this.groups = Object.freeze(d.groups.slice());
    if (d.numGroups !== undefined) this.numGroups = d.numGroups;
  }
}

/**
 * The place and symbols of a single-symbol correction (Go's verify.Fix),
 * to be read out over the phone: "group 4, symbol 10: N, not M". A code of
 * 114 symbols is hard to compare by eye.
 */
export interface Fix {
  /** 1-based group of the code. */
  readonly group: number;
  /** 1-based symbol inside that group. */
  readonly symbol: number;
  /** The symbol as given. */
  readonly given: string;
  /** The symbol that makes the code verify. */
  readonly want: string;
}

export interface VerifyErrorDetails extends ParseErrorDetails {
  /** The corrected code, canonical text, for a single typo that has exactly one correction that verifies. Never accepted on the user's behalf. */
  suggestion?: string;
  /** Where the suggestion differs from the code given; set with suggestion. */
  fix?: Fix;
  /** The code's key ID (four hex digits), when it could be read. */
  keyId?: string;
  /** The expiry day ("expired") or issue day ("not-yet-valid"), YYYY-MM-DD. */
  day?: string;
}

/** An activation code was refused. `reason` is the stable reason code. */
export class VerifyError extends Error {
  readonly reason: Reason;
  readonly position?: number;
  readonly groups?: readonly number[];
  readonly numGroups?: number;
  /** For a typo: the corrected code when exactly one single-symbol correction verifies. Show it; never accept it silently. */
  readonly suggestion?: string;
  /** With a suggestion: the one symbol it changes, by group and place, to be read out ("group 4, symbol 10: N, not M"). */
  readonly fix?: Fix;
  readonly keyId?: string;
  readonly day?: string;

  constructor(reason: Reason, detail: string, d: VerifyErrorDetails = {}, text?: string) {
    let msg = text ?? `activation code: ${describe(reason, d)}${detail ? ": " + detail : ""}`;
    if (d.suggestion) msg += `; did you mean ${d.suggestion}?`;
    super(msg);
    this.name = "VerifyError";
    this.reason = reason;
    if (d.position !== undefined) this.position = d.position;
    if (d.groups !== undefined) this.groups = Object.freeze(d.groups.slice());
    if (d.numGroups !== undefined) this.numGroups = d.numGroups;
    if (d.suggestion) this.suggestion = d.suggestion;
    if (d.suggestion && d.fix) this.fix = Object.freeze({ group: d.fix.group, symbol: d.fix.symbol, given: d.fix.given, want: d.fix.want });
    if (d.keyId !== undefined) this.keyId = d.keyId;
    if (d.day !== undefined) this.day = d.day;
  }

  /** A parse failure of the code text (or of the binding) as a refusal. */
  static from(e: ParseError, reason: Reason, suggestion = "", fix?: Fix): VerifyError {
    const d: VerifyErrorDetails = { suggestion };
    if (fix !== undefined) d.fix = fix;
    if (e.position !== undefined) d.position = e.position;
    if (e.groups !== undefined) d.groups = e.groups.slice();
    if (e.numGroups !== undefined) d.numGroups = e.numGroups;
    return new VerifyError(reason, "", d, e.message);
  }
}

const texts: Record<Reason | ParseReason, string> = {
  "invalid-binding": "invalid binding",
  malformed: "malformed",
  typo: "typo",
  "unsupported-version": "unsupported format version",
  "wrong-product": "code is for another product",
  "revoked-key": "signed by a revoked key",
  "unknown-key": "signed by an unknown key",
  "algorithm-mismatch": "signature does not match the key's algorithm",
  "wrong-licence": "code is for another licence key",
  "wrong-machine": "code is for another machine",
  "bad-signature": "signature does not verify",
  "not-yet-valid": "code is not valid yet: the clock is behind its issue date",
  expired: "code has expired",
  "outside-delegation": "code is outside its key's delegation",
  "revoked-delegation": "signed under a revoked delegation",
  "invalid-delegation": "delegation certificate is not valid for this keyring",
  "insufficient-signatures": "keyring is not signed by enough roots",
  "rolled-back": "keyring update is older than the keyring it would replace",
  "update-expired": "keyring update has expired",
  checksum: "checksum mismatch",
  "invalid-key": "invalid key",
  "hmac-secret-not-allowed": "keyring holds an HMAC secret; use parseKeyringWithHMACSecrets in a closed deployment",
};

function describe(reason: Reason | ParseReason, d: ParseErrorDetails): string {
  const g = d.groups;
  if (reason === "typo" && g && g.length > 0) {
    if (g.length === 1) return `group ${g[0]} of ${d.numGroups} has a typo`;
    return `groups ${g.slice(0, -1).join(", ")} and ${g[g.length - 1]} of ${d.numGroups} have typos`;
  }
  let s = texts[reason];
  if (d.position) s += ` at character ${d.position}`;
  return s;
}
