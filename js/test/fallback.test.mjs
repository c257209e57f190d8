// The optional Ed25519 fallback: it decides every signature as Go's
// crypto/ed25519.Verify does (and as WebCrypto does here), where noble's
// own verify functions would not; it checks keys are on the curve; it is
// used only where WebCrypto lacks Ed25519.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import * as ed from "@noble/ed25519";
import { ed25519 as curves } from "@noble/curves/ed25519.js";
import { ed25519FromNoblePoint, parseKeyring, ParseError } from "../dist/esm/index.js";
import { nobleEd25519 } from "../dist/esm/noble.js";
import { OFF_CURVE_KEY, strictnessCases } from "./ed25519-cases.mjs";
import { withoutEd25519 } from "./no-ed25519.mjs";

const unhex = (h) => Uint8Array.from(Buffer.from(h, "hex"));
const vectors = JSON.parse(readFileSync(new URL("../../testvectors/activation_code_ed25519.json", import.meta.url), "utf8"));
const group = vectors.testGroups[0];
const typical = group.tests[0];
const binding = { product: typical.product, licenceKey: typical.licenceKey, machineUID: typical.machineUid };
const now = new Date(typical.now);

async function webCrypto(c) {
  const key = await crypto.subtle.importKey("raw", unhex(c.pub), "Ed25519", false, ["verify"]);
  return crypto.subtle.verify("Ed25519", key, unhex(c.sig), unhex(c.msg));
}

test("the fallback decides as Go's crypto/ed25519 does: S, R and A edge cases", async () => {
  const implementations = { "@noble/ed25519": nobleEd25519, "@noble/curves": ed25519FromNoblePoint(curves.Point) };
  let nobleOwnDiffers = 0;
  for (const c of strictnessCases()) {
    for (const [name, fb] of Object.entries(implementations)) {
      const key = await fb.importPublicKey(unhex(c.pub));
      assert.equal(await key.verify(unhex(c.sig), unhex(c.msg)), c.go, `${name}: ${c.name}`);
    }
    assert.equal(await webCrypto(c), c.go, `WebCrypto: ${c.name}`);
    // noble's own verify uses the cofactored equation: why the fallback does not call it.
    if ((await ed.verifyAsync(unhex(c.sig), unhex(c.msg), unhex(c.pub), { zip215: false })) !== c.go) nobleOwnDiffers++;
  }
  assert.ok(nobleOwnDiffers > 0);
});

test("the fallback refuses a key that is not on the curve; parseKeyring then says invalid-key, even with WebCrypto's Ed25519", async () => {
  assert.throws(() => nobleEd25519.importPublicKey(OFF_CURVE_KEY));
  assert.throws(() => nobleEd25519.importPublicKey(new Uint8Array(31)), TypeError);
  const keyrings = JSON.parse(readFileSync(new URL("../../testvectors/keyring_parse.json", import.meta.url), "utf8"));
  const offCurve = keyrings.testGroups.flatMap((g) => g.tests).filter((tc) => tc.flags?.includes("off-curve-key"));
  assert.equal(offCurve.length, 5);
  for (const tc of offCurve) {
    await parseKeyring(tc.input); // WebCrypto alone accepts it (the documented difference)
    await assert.rejects(parseKeyring(tc.input, { ed25519: nobleEd25519 }), (e) => e instanceof ParseError && e.reason === "invalid-key" && /not a point on the curve/.test(e.message));
  }
});

/** nobleEd25519, counting its calls. */
function counting() {
  const n = { keys: 0, verifies: 0 };
  const fb = {
    async importPublicKey(pub) {
      n.keys++;
      const k = await nobleEd25519.importPublicKey(pub);
      return { verify: (sig, msg) => (n.verifies++, k.verify(sig, msg)) };
    },
  };
  return { n, fb };
}

test("WebCrypto's Ed25519 verifies where it exists; the fallback only where it does not", async () => {
  const here = counting();
  const kr = await parseKeyring(group.keyring, { ed25519: here.fb });
  assert.equal((await kr.verify(typical.code, binding, now)).serial, 4242n);
  assert.deepEqual(here.n, { keys: 2, verifies: 0 });

  const restore = withoutEd25519();
  try {
    await assert.rejects(parseKeyring(group.keyring), (e) => !(e instanceof ParseError) && /nobleEd25519/.test(e.message));
    const there = counting();
    const kr2 = await parseKeyring(group.keyring, { ed25519: there.fb });
    assert.equal((await kr2.verify(typical.code, binding, now)).serial, 4242n);
    await assert.rejects(kr2.verify(typical.code, binding, new Date("2030-01-01T00:00:00Z")), (e) => e.reason === "expired");
    assert.deepEqual(there.n, { keys: 2, verifies: 2 });
  } finally {
    restore();
  }
});

test("keyring options are checked", async () => {
  await assert.rejects(parseKeyring(group.keyring, null), TypeError);
  await assert.rejects(parseKeyring(group.keyring, { ed25519: {} }), TypeError);
  await parseKeyring(group.keyring, {});
  await parseKeyring(group.keyring, { ed25519: undefined });
});
