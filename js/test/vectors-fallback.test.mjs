// The whole vector suite again, on a WebCrypto without Ed25519 (as on the
// targets README "Where it runs" names), with the optional fallback:
// @noble/ed25519 through @actkit/verify/noble. The same strict runner, and
// stricter: no flag may excuse a difference from the Go reference, since
// the fallback also checks that keys are points on the curve.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, test } from "node:test";
import { parseKeyring, parseKeyringWithHMACSecrets } from "../dist/esm/index.js";
import { nobleEd25519 } from "../dist/esm/noble.js";
import { refused, withoutEd25519 } from "./no-ed25519.mjs";
import { runVectorFiles } from "./vector-runner.mjs";

withoutEd25519(); // for the whole file: every test runs on the simulated WebCrypto

// Counts what the fallback does, to show it did the work.
const used = { keys: 0, verifies: 0 };
const counted = {
  async importPublicKey(pub) {
    used.keys++;
    const k = await nobleEd25519.importPublicKey(pub);
    return { verify: (sig, msg) => (used.verifies++, k.verify(sig, msg)) };
  },
};
const opts = { ed25519: counted };

test("a WebCrypto without Ed25519 and no fallback: parseKeyring says what to do", async () => {
  const v = JSON.parse(readFileSync(new URL("../../testvectors/activation_code_ed25519.json", import.meta.url), "utf8"));
  await assert.rejects(parseKeyring(v.testGroups[0].keyring), (e) => e.name === "Error" && /does not support ed25519.*nobleEd25519/.test(e.message));
});

runVectorFiles({
  keyrings: {
    parseKeyring: (text) => parseKeyring(text, opts),
    parseKeyringWithHMACSecrets: (text) => parseKeyringWithHMACSecrets(text, opts),
  },
  allowFlags: false,
  prefix: "fallback: ",
});

after(() => {
  // Every Ed25519 signature went to the fallback, none to WebCrypto.
  assert.ok(used.keys > 0 && used.verifies > 0, `fallback imported ${used.keys} keys, verified ${used.verifies} signatures`);
  assert.ok(refused.count > 0);
  console.log(`# fallback: ${used.keys} keys imported, ${used.verifies} signatures verified; simulated WebCrypto refused Ed25519 ${refused.count} times`);
});
