// Ed25519 signatures where verifiers disagree: non-canonical S, small-order
// components in R or A (the cofactored and cofactorless equations differ),
// non-canonical R, small-order keys. Built from fixed seeds with noble's
// point arithmetic; `go` is what Go's crypto/ed25519.Verify answers (checked
// against Go: each case's hex was fed to ed25519.Verify when this file was
// written).
import { createHash } from "node:crypto";
import { Point } from "@noble/ed25519";

const L = Point.CURVE().n;
const hex = (b) => Buffer.from(b).toString("hex");
const unhex = (h) => Uint8Array.from(Buffer.from(h, "hex"));
const le = (b) => BigInt("0x" + (hex(Uint8Array.from(b).reverse()) || "0"));
const le32 = (n) => Uint8Array.from(Buffer.from(n.toString(16).padStart(64, "0"), "hex").reverse());
const sha512 = (...parts) => createHash("sha512").update(Buffer.concat(parts.map((p) => Buffer.from(p)))).digest();
const mod = (a) => ((a % L) + L) % L;
/** A deterministic scalar from a label. */
const scalar = (label) => mod(le(sha512(Buffer.from("actkit test scalar " + label))));
const msgOf = (label) => Uint8Array.from(sha512(Buffer.from("actkit test message " + label)).subarray(0, 40));

/** The point of order 8 and the other small-order encodings (CCTV / noble's ED25519_TORSION_SUBGROUP). */
const T8 = Point.fromBytes(unhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"));

/** A signature (Rbytes, S) over msg for public key bytes pub, with S computed from the scalars (a may be any). */
function sign(rBytes, r, a, pub, msg, sAdd = 0n) {
  const k = mod(le(sha512(rBytes, pub, msg)));
  return { sig: Uint8Array.from([...rBytes, ...le32(mod(r + k * a) + sAdd)]), k };
}

export function strictnessCases() {
  const cases = [];
  const add = (name, pub, msg, sig, go) => cases.push({ name, pub: hex(pub), msg: hex(msg), sig: hex(sig), go });
  const a = scalar("a");
  const A = Point.BASE.multiply(a);
  const pub = A.toBytes();
  const msg = msgOf("m");

  const r = scalar("r");
  const R = Point.BASE.multiply(r).toBytes();
  const good = sign(R, r, a, pub, msg).sig;
  add("valid", pub, msg, good, true);
  add("other message", pub, msgOf("other"), good, false);
  add("S + L (non-canonical S)", pub, msg, sign(R, r, a, pub, msg, L).sig, false);
  const high = good.slice();
  high[63] |= 0x80;
  add("S with the top bit set", pub, msg, high, false);
  add("S = 0, R = B", pub, msg, Uint8Array.from([...Point.BASE.toBytes(), ...new Uint8Array(32)]), false);

  // R with a small-order component: the cofactored equation accepts it, Go's does not.
  const Rt = Point.BASE.multiply(r).add(T8).toBytes();
  add("R + T8 (torsion in R), S recomputed", pub, msg, sign(Rt, r, a, pub, msg).sig, false);

  // R the identity (r = 0): valid for Go when R is its canonical encoding, not otherwise.
  const id = unhex("0100000000000000000000000000000000000000000000000000000000000000");
  add("R = identity, canonical", pub, msg, sign(id, 0n, a, pub, msg).sig, true);
  const idNeg = unhex("0100000000000000000000000000000000000000000000000000000000000080");
  add("R = identity with the sign bit set (non-canonical)", pub, msg, sign(idNeg, 0n, a, pub, msg).sig, false);
  const idBig = unhex("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
  add("R = identity as y = p + 1 (non-canonical)", pub, msg, sign(idBig, 0n, a, pub, msg).sig, false);
  add("R not on the curve", pub, msg, Uint8Array.from([2, ...new Uint8Array(31), ...good.subarray(32)]), false);

  // A key with a small-order component (not itself of small order, so keyrings accept it):
  // Go accepts a signature exactly when [k]T8 is the identity, i.e. 8 divides k.
  const Am = A.add(T8);
  const pubM = Am.toBytes();
  let found = { accept: false, refuse: false };
  for (let i = 0; !(found.accept && found.refuse); i++) {
    const m = msgOf("mixed " + i);
    const ri = scalar("mixed r " + i);
    const s = sign(Point.BASE.multiply(ri).toBytes(), ri, a, pubM, m);
    const go = s.k % 8n === 0n;
    if (found[go ? "accept" : "refuse"]) continue;
    found[go ? "accept" : "refuse"] = true;
    add(`mixed-order key, k mod 8 = ${s.k % 8n}`, pubM, m, s.sig, go);
  }

  // Small-order keys (keyrings refuse them; Go's Verify alone accepts these).
  add("identity key, R = identity, S = 0", id, msg, Uint8Array.from([...id, ...new Uint8Array(32)]), true);
  return cases;
}

/** A public key that is a canonical encoding but not a point on the curve (y = 2). */
export const OFF_CURVE_KEY = unhex("0200000000000000000000000000000000000000000000000000000000000000");
