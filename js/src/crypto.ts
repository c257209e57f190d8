/**
 * The WebCrypto primitives the verifier uses: SHA-256, HMAC-SHA256 and
 * Ed25519, all through globalThis.crypto.subtle, read at call time (no
 * module state). Also the length-prefixed field encoding of every hashed
 * or signed message.
 */

export function subtle(): SubtleCrypto {
  const s = (globalThis as { crypto?: Crypto }).crypto?.subtle;
  if (!s) throw new Error("@actkit/verify needs WebCrypto (globalThis.crypto.subtle): Node 20 or later, or a browser in a secure context");
  return s;
}

/** lp(f1) || lp(f2) || ...: each field preceded by its two-byte big-endian length. */
export function fields(...fs: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const f of fs) n += 2 + f.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const f of fs) {
    out[off] = f.length >> 8;
    out[off + 1] = f.length & 0xff;
    out.set(f, off + 2);
    off += 2 + f.length;
  }
  return out;
}

export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest("SHA-256", data as BufferSource));
}

export function importHMAC(secret: Uint8Array): Promise<CryptoKey> {
  return subtle().importKey("raw", secret as BufferSource, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

export function importEd25519(pub: Uint8Array): Promise<CryptoKey> {
  return subtle().importKey("raw", pub as BufferSource, { name: "Ed25519" }, false, ["verify"]);
}

export async function hmac(key: CryptoKey, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().sign("HMAC", key, data as BufferSource));
}

/** Constant-time comparison of a and b, lengths compared first. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

const enc = new TextEncoder();
/** The bytes of a label or other ASCII text. */
export function utf8(s: string): Uint8Array {
  return enc.encode(s);
}
