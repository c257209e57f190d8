// Verifies every case of a file written by cmd/actkit/js_drill_test.go
// (codes minted with a stolen server's delegated key, each with the
// certificate the server holds and the Go verifier's verdict) with the
// built package, and exits non-zero on any disagreement in result or
// reason. Each case names its keyring; a case with "update" first installs that keyring update.
//
//	node test/delegated-differential.mjs FILE
import { readFileSync } from "node:fs";
import { parseKeyring, VerifyError } from "../dist/esm/index.js";

const file = process.argv[2];
if (!file) {
  console.error("usage: node test/delegated-differential.mjs FILE");
  process.exit(2);
}
const { keyrings, cases } = JSON.parse(readFileSync(file, "utf8"));
const parsed = {};
for (const [name, text] of Object.entries(keyrings)) parsed[name] = await parseKeyring(text);
const failures = [];
for (const c of cases) {
  const fail = (msg) => failures.push(`${c.comment}: ${msg}`);
  let got;
  try {
    const base = parsed[c.keyring];
    const kr = c.update ? await base.update(c.update, new Date(c.now)) : base;
    const binding = { product: c.product, licenceKey: c.licenceKey, machineUID: c.machineUid };
    const now = new Date(c.now);
    await (c.certificate ? kr.verifyDelegated(c.code, c.certificate, binding, now) : kr.verify(c.code, binding, now));
    got = { result: "valid" };
  } catch (e) {
    if (!(e instanceof VerifyError)) {
      fail(`threw ${e}`);
      continue;
    }
    got = { result: "invalid", reason: e.reason };
  }
  if (got.result !== c.result || (got.reason ?? "") !== (c.reason ?? "")) {
    fail(`Go says ${c.result} ${c.reason ?? ""}, JavaScript ${got.result} ${got.reason ?? ""}`);
  }
}
console.log(`${cases.length} cases, ${failures.length} disagreements`);
for (const f of failures) console.log("  " + f);
process.exit(failures.length === 0 ? 0 : 1);
