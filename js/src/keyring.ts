/**
 * Keyrings (docs/format.md section 6): the keys one product pins, as the
 * product embeds them in text; version 2 keyrings are also root-signed
 * metadata (section 6.1) that updates replace (section 14).
 */
import { productTag, validateProduct, type Binding } from "./binding.js";
import { certificateFor, parseCertificate, type Certificate } from "./certificate.js";
import { utf8Length } from "./chars.js";
import { equalBytes, fields, importEd25519, importHMAC, subtle, utf8 } from "./crypto.js";
import { decodeBase58, encodeBase58 } from "./base58.js";
import type { Ed25519Fallback } from "./ed25519.js";
import { ParseError, VerifyError } from "./errors.js";
import { deriveKeyID, hex4, parseKey, parseKeyID, trimSpace, type Algorithm, type RawKey } from "./key.js";
import { ED25519_SIG, HMAC_TAG, dayStart, dayString } from "./payload.js";
import { verifyWith, type Terms } from "./verify.js";

export type { Algorithm } from "./key.js";

/** @internal What verification needs of a keyring; immutable once built. */
export interface KeyringState {
  readonly product: string;
  readonly productTag: number;
  readonly keys: ReadonlyMap<number, PinnedKey>;
  readonly revoked: ReadonlySet<number>;
  /** Checks a certificate supplied with a code against the roots, once per text (delegation cache). */
  readonly supplied: (certText: string) => Promise<PinnedKey>;
}

/** @internal */
export interface PinnedKey {
  readonly id: number;
  /** The key ID as four hex digits. */
  readonly hex: string;
  readonly algorithm: Algorithm;
  readonly sigSize: number;
  /** May sign delegations and keyring updates: a version 2 root, or an Ed25519 key of a version 1 keyring. */
  readonly root: boolean;
  /** The delegation a delegated key signs under, its root signature already checked. */
  readonly cert?: Certificate;
  /** Whether sig (sigSize bytes) authenticates msg: bound once, at parse time, to the imported key. */
  readonly check: (sig: Uint8Array, msg: Uint8Array) => Promise<boolean>;
}

/** Options of parseKeyring and parseKeyringWithHMACSecrets. */
export interface KeyringOptions {
  /**
   * An Ed25519 implementation for targets whose WebCrypto lacks Ed25519
   * (`nobleEd25519` from "@actkit/verify/noble"). Given one, the parser
   * also refuses keys that are not points on the curve, as Go does; where
   * WebCrypto has Ed25519, WebCrypto still verifies the signatures.
   */
  readonly ed25519?: Ed25519Fallback | undefined;
}

/** The parsed text of a keyring, before any signature is checked. */
interface Parsed {
  product: string;
  /** 0 for a version 1 keyring. */
  version: number;
  expires: number;
  threshold: number;
  roots: RawKey[];
  keys: RawKey[];
  delegations: { cert: Certificate; text: string }[];
  revoked: number[];
  signatures: { id: number; sig: Uint8Array }[];
}

/** How a keyring was built, carried over to its updates. */
interface Build {
  allowHMAC: boolean;
  options: KeyringOptions;
}

/**
 * The pinned keys of one product. Build it once with parseKeyring; it is
 * immutable, and verify may run concurrently; update returns a new Keyring.
 */
export class Keyring {
  readonly #state: KeyringState;
  readonly #parsed: Parsed;
  readonly #build: Build;
  /** The product ID the keyring belongs to. */
  readonly product: string;
  /** The keyring's version: 0 for a version 1 keyring. */
  readonly version: number;
  /** How many roots must sign an update: 1 for a version 1 keyring. */
  readonly threshold: number;
  /** The root key IDs (four hex digits); none in a version 1 keyring, whose keys act as roots. */
  readonly roots: readonly string[];
  /** The key IDs of `key` lines (four hex digits) that verify codes, with their algorithms. */
  readonly keys: readonly { readonly id: string; readonly algorithm: Algorithm }[];
  /** The delegated key IDs of the embedded delegations. */
  readonly delegations: readonly string[];
  /** The revoked key IDs. */
  readonly revoked: readonly string[];

  /** @internal Use parseKeyring. */
  constructor(state: KeyringState, parsed: Parsed, build: Build, token: symbol) {
    if (token !== BUILD) throw new TypeError("use parseKeyring to build a Keyring");
    this.#state = state;
    this.#parsed = parsed;
    this.#build = build;
    this.product = state.product;
    this.version = parsed.version;
    this.threshold = parsed.version === 0 ? 1 : parsed.threshold;
    this.roots = Object.freeze(parsed.roots.map((k) => hex4(k.id)));
    this.keys = Object.freeze(parsed.keys.map((k) => Object.freeze({ id: hex4(k.id), algorithm: k.algorithm })));
    this.delegations = Object.freeze(parsed.delegations.map((d) => hex4(certificateFor(d.cert, parsed.product)!.keyId)));
    this.revoked = Object.freeze(parsed.revoked.map(hex4));
    Object.freeze(this);
  }

  /**
   * Checks an activation code against the binding at time now and resolves
   * to its terms, or rejects with a VerifyError whose reason says why. Reads
   * no clock: now is the caller's.
   */
  verify(code: string, binding: Binding, now: Date): Promise<Terms> {
    return verifyWith(this.#state, code, binding, now, "");
  }

  /**
   * verify for a code that came with its delegation certificate (an online
   * answer carries both). The certificate must be signed by one of the
   * keyring's roots; its signature is checked once per certificate text.
   */
  verifyDelegated(code: string, certificate: string, binding: Binding, now: Date): Promise<Terms> {
    if (typeof certificate !== "string") return Promise.reject(new TypeError("certificate must be a string"));
    return verifyWith(this.#state, code, binding, now, certificate);
  }

  /** The canonical text, signatures included: what a product stores after update. */
  get text(): string {
    return body(this.#parsed) + this.#parsed.signatures.map((s) => `signature ${hex4(s.id)} ${encodeBase58(s.sig)}\n`).join("");
  }

  /**
   * Checks a keyring update (docs/format.md section 14) and resolves to the
   * keyring it makes; this one is unchanged. Rejects with a ParseError for
   * a text that does not parse, and a VerifyError ("wrong-product",
   * "rolled-back", "update-expired", "insufficient-signatures",
   * "invalid-delegation", "revoked-delegation") otherwise.
   */
  async update(text: string, now: Date): Promise<Keyring> {
    if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new TypeError("now must be a valid Date");
    const u = await parse(text, this.#build.options);
    const cur = this.#parsed;
    if (u.version === 0) throw new VerifyError("malformed", "a keyring update is a version 2 keyring", {}, "keyring: malformed: a keyring update is a version 2 keyring");
    if (u.product !== cur.product) throw keyringError("wrong-product", `the update is for product "${u.product}", this keyring for "${cur.product}"`);
    if (u.version === cur.version && equalBytes(signedMessage(u), signedMessage(cur))) return this;
    if (u.version <= cur.version) throw keyringError("rolled-back", `the update is version ${u.version}, this keyring is version ${cur.version}`);
    if (now.getTime() >= dayStart(u.expires + 1)) throw keyringError("update-expired", `the update's last valid day was ${dayString(u.expires)}`);
    const n = await countSignatures(this.#state.keys, u);
    if (n < this.threshold) {
      throw keyringError("insufficient-signatures", `the update has ${n} valid signatures by this keyring's roots, of the ${this.threshold} it needs`);
    }
    return assemble(u, this.#build);
  }
}

function keyringError(reason: "wrong-product" | "rolled-back" | "update-expired" | "insufficient-signatures", detail: string): VerifyError {
  return new VerifyError(reason, detail, {}, `keyring: ${reason}: ${detail}`);
}

const BUILD = Symbol("build");

const MAX_TEXT = 64 << 10;
const MAX_KEYS = 64;
const MAX_VERSION = 2 ** 32 - 1;
const HEADER = "actkit-keyring v1";
const HEADER_V2 = "actkit-keyring v2";
const LABEL_KEYRING = utf8("actkit/v1/keyring");
/** Certificates remembered per keyring from verifyDelegated. */
const MAX_SUPPLIED = 16;

/**
 * Parses an exported keyring of Ed25519 public keys. Rejects with a
 * ParseError on any problem, and with reason "hmac-secret-not-allowed" for
 * a keyring holding an HMAC secret (see parseKeyringWithHMACSecrets). A
 * version 2 keyring must be signed by its roots' threshold (VerifyError
 * "insufficient-signatures") and its delegations by their roots.
 */
export async function parseKeyring(text: string, options?: KeyringOptions): Promise<Keyring> {
  return build(text, false, options);
}

/**
 * Parses a keyring that may hold HMAC secrets. Whoever holds one can mint
 * codes: use it only where the verifier is trusted (closed deployments).
 */
export async function parseKeyringWithHMACSecrets(text: string, options?: KeyringOptions): Promise<Keyring> {
  return build(text, true, options);
}

async function build(text: string, allowHMAC: boolean, options: KeyringOptions = {}): Promise<Keyring> {
  if (typeof options !== "object" || options === null) throw new TypeError("keyring options must be an object");
  const fallback = options.ed25519;
  if (fallback !== undefined && typeof fallback?.importPublicKey !== "function") {
    throw new TypeError("options.ed25519 must have importPublicKey (see nobleEd25519 in @actkit/verify/noble)");
  }
  return assemble(await parse(text, options), { allowHMAC, options });
}

/** Strict decimal with no sign or leading zeros, at most max; NaN otherwise. */
function decimal(s: string, max: number): number {
  if (!/^(0|[1-9][0-9]{0,9})$/.test(s)) return NaN;
  const n = Number(s);
  return n <= max ? n : NaN;
}

/** YYYY-MM-DD as a day number, in exactly that spelling; NaN otherwise. */
function parseDay(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return NaN;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const d = Math.round((ms - dayStart(0)) / 86_400_000);
  if (d < 0 || d >= 0xffff || dayString(d) !== s) return NaN;
  return d;
}

/** Parses the text and checks every rule but the signatures, in the order of Go's codec.ParseKeyring. */
async function parse(text: string, options: KeyringOptions): Promise<Parsed> {
  if (typeof text !== "string") throw new TypeError("keyring text must be a string");
  const fallback = options.ed25519;
  const what = "keyring";
  if (text.length > MAX_TEXT || utf8Length(text) > MAX_TEXT) throw new ParseError("malformed", what, "too long");
  const kr: Parsed = { product: "", version: 0, expires: 0, threshold: 0, roots: [], keys: [], delegations: [], revoked: [], signatures: [] };
  let header = false;
  let v2 = false;
  const have = { version: false, expires: false, threshold: false };
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = trimSpace(lines[i]!);
    if (line === "" || line.startsWith("#")) continue;
    const n = i + 1;
    if (!header) {
      if (line === HEADER_V2) v2 = true;
      else if (line.startsWith("actkit-keyring ") && line !== HEADER) {
        throw new ParseError("unsupported-version", what, `header "${line.slice(0, 32)}"; this build reads ${HEADER} and v2`, { line: n });
      } else if (line !== HEADER) throw new ParseError("malformed", what, `line ${n}: want "${HEADER}" first`, { line: n });
      header = true;
      continue;
    }
    const sp = line.indexOf(" ");
    const word = sp < 0 ? line : line.slice(0, sp);
    const rest = sp < 0 ? "" : trimSpace(line.slice(sp + 1));
    const once = (k: keyof typeof have) => {
      if (have[k]) throw new ParseError("malformed", what, `line ${n}: second ${word} line`);
      have[k] = true;
    };
    try {
      if (word === "product") {
        if (kr.product !== "") throw new ParseError("malformed", what, `line ${n}: second product line`);
        validateProduct(rest);
        kr.product = rest;
      } else if (word === "key" || (v2 && word === "root")) {
        (word === "root" ? kr.roots : kr.keys).push(await parseKey(rest, fallback));
      } else if (word === "revoked") {
        kr.revoked.push(lowerKeyID(rest));
      } else if (v2 && word === "version") {
        once("version");
        const v = decimal(rest, MAX_VERSION);
        if (!(v >= 1)) throw new ParseError("malformed", what, `line ${n}: version must be a whole number from 1 to ${MAX_VERSION}, no leading zeros`);
        kr.version = v;
      } else if (v2 && word === "expires") {
        once("expires");
        const d = parseDay(rest);
        if (Number.isNaN(d)) throw new ParseError("malformed", what, `line ${n}: expires must be a day, YYYY-MM-DD`);
        kr.expires = d;
      } else if (v2 && word === "threshold") {
        once("threshold");
        const t = decimal(rest, MAX_KEYS);
        if (!(t >= 1)) throw new ParseError("malformed", what, `line ${n}: threshold must be a whole number from 1 to ${MAX_KEYS}`);
        kr.threshold = t;
      } else if (v2 && word === "delegation") {
        kr.delegations.push({ cert: await parseCertificate(rest), text: rest });
      } else if (v2 && word === "signature") {
        kr.signatures.push(parseSignature(rest));
        if (kr.signatures.length > MAX_KEYS) throw new ParseError("malformed", what, `more than ${MAX_KEYS} signatures`);
      } else {
        throw new ParseError("malformed", what, `line ${n}: unknown entry "${word.slice(0, 16)}"`);
      }
    } catch (e) {
      if (!(e instanceof ParseError) || e.what === what) throw e;
      // Name the line, as Go's "keyring line N: key: ..." does.
      throw new ParseError(e.reason, `keyring line ${n}: ${e.what}`, e.message.slice(e.message.indexOf(": ") + 2), { line: n });
    }
    if (kr.keys.length + kr.revoked.length + kr.roots.length + kr.delegations.length > MAX_KEYS) {
      throw new ParseError("malformed", what, `more than ${MAX_KEYS} keys`);
    }
  }
  if (!header) throw new ParseError("malformed", what, "empty");
  if (kr.product === "") throw new ParseError("malformed", what, "no product line");
  if (v2 && !(have.version && have.expires && have.threshold)) {
    throw new ParseError("malformed", what, "a version 2 keyring needs version, expires and threshold lines");
  }
  if (v2) {
    if (kr.roots.length === 0) throw new ParseError("malformed", what, "a version 2 keyring needs a root");
    if (kr.threshold > kr.roots.length) throw new ParseError("malformed", what, `threshold must be 1 to ${kr.roots.length}, the number of roots`);
  }
  // Roots, keys, delegations, revoked IDs, in that order; for each, the
  // ID's derivation before the duplicate check (docs/format.md 6 and 6.1).
  const seen = new Set<number>();
  const claim = (id: number) => {
    if (seen.has(id)) throw new ParseError("malformed", what, `key ID ${hex4(id)} is listed twice`);
    seen.add(id);
  };
  for (const [list, kind] of [[kr.roots, "root"], [kr.keys, "key"]] as const) {
    for (const k of list) {
      if (kind === "root" && k.algorithm !== "ed25519") throw new ParseError("invalid-key", what, "roots are Ed25519 keys");
      if ((await deriveKeyID(kr.product, k)) !== k.id) {
        throw new ParseError("invalid-key", what, `${kind} ${hex4(k.id)} is not a key of product ${kr.product}`);
      }
      claim(k.id);
    }
  }
  for (const { cert } of kr.delegations) {
    const p = certificateFor(cert, kr.product);
    if (p === undefined) throw new ParseError("invalid-key", what, `delegation ${cert.serial} is not for product ${kr.product}`);
    if (!kr.roots.some((r) => r.id === p.issuer)) {
      throw new ParseError("invalid-key", what, `delegation ${cert.serial} is issued by ${hex4(p.issuer)}, which is not a root of this keyring`);
    }
    claim(p.keyId);
  }
  for (const id of kr.revoked) claim(id);
  const signed = new Set<number>();
  for (const s of kr.signatures) {
    if (signed.has(s.id)) throw new ParseError("malformed", what, `two signatures by ${hex4(s.id)}`);
    signed.add(s.id);
  }
  return kr;
}

function lowerKeyID(s: string): number {
  const id = parseKeyID(s);
  if (s !== hex4(id)) throw new ParseError("malformed", "key ID", "write key IDs in lower case");
  return id;
}

function parseSignature(s: string) {
  const sp = s.indexOf(" ");
  if (sp < 0) throw new ParseError("malformed", "signature", "want KEYID SIGNATURE");
  const id = lowerKeyID(s.slice(0, sp));
  const b58 = s.slice(sp + 1);
  if (b58.length > 90) throw new ParseError("malformed", "signature", "too long");
  const sig = b58 === "" ? null : decodeBase58(b58);
  if (sig === null || sig.length !== ED25519_SIG) throw new ParseError("malformed", "signature", "want the base58 of a 64-byte Ed25519 signature");
  return { id, sig };
}

/** The canonical body of docs/format.md section 6.1 (for a version 1 keyring, its canonical text). */
function body(kr: Parsed): string {
  let b = kr.version === 0 ? `${HEADER}\nproduct ${kr.product}\n` : `${HEADER_V2}\nproduct ${kr.product}\nversion ${kr.version}\nexpires ${dayString(kr.expires)}\nthreshold ${kr.threshold}\n`;
  for (const k of kr.roots) b += `root ${k.text}\n`;
  for (const k of kr.keys) b += `key ${k.text}\n`;
  for (const d of kr.delegations) b += `delegation ${d.text}\n`;
  for (const id of kr.revoked) b += `revoked ${hex4(id)}\n`;
  return b;
}

/** lp(label) || len32(body) || body. */
function signedMessage(kr: Parsed): Uint8Array {
  const b = utf8(body(kr));
  const head = fields(LABEL_KEYRING);
  const out = new Uint8Array(head.length + 4 + b.length);
  out.set(head);
  new DataView(out.buffer).setUint32(head.length, b.length);
  out.set(b, head.length + 4);
  return out;
}

/** The distinct roots among keys with a valid signature over kr's signed message. */
async function countSignatures(keys: ReadonlyMap<number, PinnedKey>, kr: Parsed): Promise<number> {
  const msg = signedMessage(kr);
  let n = 0;
  for (const s of kr.signatures) {
    const r = keys.get(s.id);
    if (r?.root && (await r.check(s.sig, msg))) n++;
  }
  return n;
}

/** Pins the keys of a parsed keyring and checks its signatures and delegations, as Go's verify.NewKeyring does. */
async function assemble(kr: Parsed, b: Build): Promise<Keyring> {
  const what = "keyring";
  if (!b.allowHMAC && kr.keys.some((k) => k.algorithm === "hmac-sha256")) throw new ParseError("hmac-secret-not-allowed", what, "");
  const keys = new Map<number, PinnedKey>();
  for (const k of kr.roots) keys.set(k.id, await pin(k, true, what));
  for (const k of kr.keys) keys.set(k.id, await pin(k, kr.version === 0 && k.algorithm === "ed25519", what));
  if (kr.version !== 0) {
    const n = await countSignatures(keys, kr);
    if (n < kr.threshold) {
      throw keyringError("insufficient-signatures", `keyring version ${kr.version} has ${n} valid root signatures of the ${kr.threshold} it needs`);
    }
  }
  const revoked = new Set(kr.revoked);
  const tag = await productTag(kr.product);
  const delegate = async (cert: Certificate): Promise<PinnedKey> => {
    const p = certificateFor(cert, kr.product);
    if (p === undefined) throw new VerifyError("invalid-delegation", `delegation ${cert.serial} does not cover product "${kr.product}"`);
    const keyId = hex4(p.keyId);
    if (revoked.has(p.issuer)) {
      throw new VerifyError("revoked-delegation", `delegation ${cert.serial} was issued by root ${hex4(p.issuer)}, which the vendor revoked`, { keyId });
    }
    const root = keys.get(p.issuer);
    if (!root?.root) {
      throw new VerifyError("invalid-delegation", `delegation ${cert.serial} was issued by ${hex4(p.issuer)}, which is not a root of this keyring; the product may need a keyring update`, { keyId });
    }
    if (!(await root.check(cert.signature, cert.message))) {
      throw new VerifyError("invalid-delegation", `delegation ${cert.serial}: root ${hex4(p.issuer)}'s signature does not verify`, { keyId });
    }
    const check = await importKey({ algorithm: "ed25519", id: p.keyId, bytes: cert.publicKey, text: "" }, what, b.options);
    return Object.freeze({ id: p.keyId, hex: keyId, algorithm: "ed25519", sigSize: ED25519_SIG, root: false, cert, check });
  };
  for (const d of kr.delegations) {
    const pk = await delegate(d.cert);
    keys.set(pk.id, pk);
  }
  const cache = new Map<string, Promise<PinnedKey>>();
  const supplied = (certText: string): Promise<PinnedKey> => {
    const hit = cache.get(certText);
    if (hit) return hit;
    const p = parseCertificate(certText).then(delegate, (e: unknown) => {
      // Reported as the certificate's problem, never as the code's own reason.
      if (e instanceof ParseError) throw new VerifyError("invalid-delegation", `the certificate sent with the code cannot be read: ${e.message}`);
      throw e;
    });
    if (cache.size < MAX_SUPPLIED) {
      cache.set(certText, p);
      p.catch(() => cache.delete(certText));
    }
    return p;
  };
  const state: KeyringState = Object.freeze({ product: kr.product, productTag: tag, keys, revoked, supplied });
  return new Keyring(state, kr, b, BUILD);
}

async function pin(k: RawKey, root: boolean, what: string): Promise<PinnedKey> {
  const check = await importKey(k, what, {});
  return Object.freeze({ id: k.id, hex: hex4(k.id), algorithm: k.algorithm, sigSize: k.algorithm === "ed25519" ? ED25519_SIG : HMAC_TAG, root, check });
}

/**
 * Imports a key into WebCrypto and binds the signature check to it. An
 * Ed25519 key falls back to the Ed25519Fallback given, if any, where
 * WebCrypto does not support Ed25519.
 */
async function importKey(k: RawKey, what: string, options: KeyringOptions): Promise<PinnedKey["check"]> {
  const s = subtle();
  try {
    if (k.algorithm === "hmac-sha256") {
      const key = await importHMAC(k.bytes);
      return (sig, msg) => s.sign("HMAC", key, msg as BufferSource).then((mac) => equalBytes(new Uint8Array(mac, 0, HMAC_TAG), sig));
    }
    const key = await importEd25519(k.bytes);
    return (sig, msg) => s.verify("Ed25519", key, sig as BufferSource, msg as BufferSource);
  } catch (e) {
    if ((e as Error)?.name === "NotSupportedError") {
      let fb = k.fallback;
      if (fb === undefined && options.ed25519 !== undefined && k.algorithm === "ed25519") fb = await options.ed25519.importPublicKey(k.bytes.slice());
      if (fb !== undefined) {
        const f = fb;
        return (sig, msg) => f.verify(sig, msg);
      }
      const hint = k.algorithm === "ed25519" ? "; pass an Ed25519 fallback, parseKeyring(text, { ed25519: nobleEd25519 }) from @actkit/verify/noble" : "";
      throw new Error(`this platform's WebCrypto does not support ${k.algorithm}${hint}: see the package README for the targets`, { cause: e });
    }
    throw new ParseError("invalid-key", what, `key ${hex4(k.id)}: ${(e as Error).message}`);
  }
}
