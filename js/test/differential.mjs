// Verifies every case of a file written by cmd/actkit/js_differential_test.go
// (codes issued by the Go CLI, mutated, with the Go verifier's verdicts)
// with the built package, and exits non-zero on any disagreement in
// result, reason, typo groups, suggestion or terms.
//
//	node test/differential.mjs FILE
import { readFileSync } from "node:fs";
import { parseKeyring, parseKeyringWithHMACSecrets, VerifyError } from "../dist/esm/index.js";

const file = process.argv[2];
if (!file) {
  console.error("usage: node test/differential.mjs FILE");
  process.exit(2);
}
const { keyrings, cases } = JSON.parse(readFileSync(file, "utf8"));
const parsed = {};
for (const [name, k] of Object.entries(keyrings)) {
  parsed[name] = await (k.hmacSecrets ? parseKeyringWithHMACSecrets : parseKeyring)(k.text);
}

const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const failures = [];
const counts = {};
for (const c of cases) {
  const fail = (msg) => failures.push(`${c.comment} [${c.code}]: ${msg}`);
  let got;
  try {
    const t = await parsed[c.keyring].verify(c.code, { product: c.product, licenceKey: c.licenceKey, machineUID: c.machineUid }, new Date(c.now));
    got = {
      result: "valid",
      terms: { keyId: t.keyId, serial: String(t.serial), issued: t.issued, expires: t.expires ?? "never", seats: t.seats, features: String(t.features) },
    };
  } catch (e) {
    if (!(e instanceof VerifyError)) {
      fail(`threw ${e}`);
      continue;
    }
    got = { result: "invalid", reason: e.reason, groups: e.groups ? [...e.groups] : undefined, numGroups: e.numGroups, suggestion: e.suggestion };
  }
  counts[got.reason ?? "valid"] = (counts[got.reason ?? "valid"] ?? 0) + 1;
  if (got.result !== c.result) fail(`Go says ${c.result} ${c.reason ?? ""}, JavaScript ${got.result} ${got.reason ?? ""}`);
  else if (c.result === "valid") {
    if (!same(got.terms, c.terms)) fail(`terms ${JSON.stringify(got.terms)}, Go ${JSON.stringify(c.terms)}`);
  } else {
    if (got.reason !== c.reason) fail(`reason ${got.reason}, Go ${c.reason}`);
    if (!same(got.groups, c.groups) || (got.numGroups ?? 0) !== (c.numGroups ?? 0)) {
      fail(`groups ${got.groups}/${got.numGroups}, Go ${c.groups}/${c.numGroups}`);
    }
    if ((got.suggestion ?? "") !== (c.suggestion ?? "")) fail(`suggestion "${got.suggestion ?? ""}", Go "${c.suggestion ?? ""}"`);
  }
}
console.log(`${cases.length} cases, ${failures.length} disagreements; JavaScript verdicts: ${JSON.stringify(counts)}`);
for (const f of failures.slice(0, 30)) console.log("  " + f);
process.exit(failures.length === 0 ? 0 : 1);
