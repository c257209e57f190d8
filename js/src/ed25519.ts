/**
 * An optional Ed25519 for targets whose WebCrypto lacks it (older browsers
 * and webviews, see the README). The package holds no curve arithmetic: the
 * point decoding and scalar multiplication come from a noble library
 * (@noble/ed25519, or @noble/curves), and this file only evaluates Go's
 * verification equation with them.
 */
import { equalBytes, subtle } from "./crypto.js";

/**
 * An Ed25519 implementation to use where WebCrypto has none; pass it as
 * `parseKeyring(text, { ed25519 })`. `nobleEd25519` from
 * "@actkit/verify/noble" is one; `ed25519FromNoblePoint` makes one from any
 * noble point class.
 */
export interface Ed25519Fallback {
  /**
   * Decodes a 32-byte public key, once, when its keyring line is read.
   * Throws when the bytes are not a point on the curve; the keyring is then
   * refused with reason "invalid-key". The parser has already refused
   * non-canonical and small-order encodings.
   */
  importPublicKey(publicKey: Uint8Array): Ed25519PublicKey | Promise<Ed25519PublicKey>;
}

/** A decoded Ed25519 public key. */
export interface Ed25519PublicKey {
  /** Whether signature is a valid signature of message by this key, decided as Go's crypto/ed25519.Verify decides. */
  verify(signature: Uint8Array, message: Uint8Array): Promise<boolean>;
}

/** The part of a noble Ed25519 point (@noble/ed25519 3.x `Point`, @noble/curves 2.x `ed25519.Point`) that verification uses. */
export interface NoblePoint<P> {
  /** [n]P for 0 <= n < the group order; throws otherwise. Variable time: public values only. */
  multiplyUnsafe(n: bigint): P;
  subtract(other: P): P;
  /** The canonical 32-byte encoding. */
  toBytes(): Uint8Array;
}

/** The static side of a noble point class. */
export interface NoblePointClass<P extends NoblePoint<P>> {
  readonly BASE: P;
  /** Strict RFC 8032 decoding: throws unless the bytes are a canonical encoding of a point on the curve. */
  fromBytes(bytes: Uint8Array): P;
  CURVE(): { readonly n: bigint };
}

/** Little-endian bytes b[from:to] as a number. */
function le(b: Uint8Array, from: number, to: number): bigint {
  let v = 0n;
  for (let i = to - 1; i >= from; i--) v = (v << 8n) | BigInt(b[i]!);
  return v;
}

/**
 * An Ed25519Fallback built on a noble point class. It decides exactly as
 * Go's crypto/ed25519.Verify (and OpenSSL, behind Node's WebCrypto) does:
 * S must be below the group order L; R' = [S]B - [k]A with
 * k = SHA-512(R || A || M) mod L, and the signature is valid when the
 * canonical encoding of R' equals its first 32 bytes. That is the
 * cofactorless equation; noble's own verify functions use the cofactored
 * one, which accepts some signatures Go refuses (made on purpose by the
 * key's holder, with a small-order component in R or A). SHA-512 comes
 * from WebCrypto, which the package needs anyway.
 */
export function ed25519FromNoblePoint<P extends NoblePoint<P>>(Point: NoblePointClass<P>): Ed25519Fallback {
  const L = Point.CURVE().n;
  return Object.freeze({
    importPublicKey(publicKey: Uint8Array): Ed25519PublicKey {
      if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) throw new TypeError("an Ed25519 public key is 32 bytes");
      const pub = publicKey.slice();
      const A = Point.fromBytes(pub);
      return Object.freeze({
        async verify(signature: Uint8Array, message: Uint8Array): Promise<boolean> {
          if (signature.length !== 64) return false;
          const s = le(signature, 32, 64);
          if (s >= L) return false; // non-canonical S: the signature is malleable
          const r = signature.subarray(0, 32);
          const hashed = new Uint8Array(64 + message.length);
          hashed.set(r);
          hashed.set(pub, 32);
          hashed.set(message, 64);
          const k = le(new Uint8Array(await subtle().digest("SHA-512", hashed as BufferSource)), 0, 64) % L;
          return equalBytes(Point.BASE.multiplyUnsafe(s).subtract(A.multiplyUnsafe(k)).toBytes(), r);
        },
      });
    },
  });
}
