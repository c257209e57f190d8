// The strict runner over testvectors/*.json, as testvectors/vectors_test.go
// runs them for Go: every case, its result, reason and suggestion; unknown
// fields and a count that differs from numberOfTests fail the file; every
// reason must be covered.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parseKeyring, parseKeyringWithHMACSecrets, REASONS, VerifyError } from "../dist/esm/index.js";
import { parseJSON } from "./strict-json.mjs";

const dir = fileURLToPath(new URL("../../testvectors/", import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();

// Schema of the vector files (testvectors/schema.go): field name -> kind.
const fileSchema = { algorithm: "string", schema: "string", numberOfTests: "int", header: "strings", notes: "notes", testGroups: "groups" };
const groupSchema = { type: "string", keyring: "string", hmacSecrets: "bool", tests: "tests" };
const testSchema = {
  tcId: "int", comment: "string", code: "string", product: "string", licenceKey: "string", machineUid: "string",
  now: "string", result: "string", reason: "string", suggestion: "string", terms: "terms",
};
const termsSchema = { keyId: "string", serial: "uint64", issued: "string", expires: "string", seats: "int", features: "uint64" };

/** Checks an object against a schema: no unknown field, every present field of its kind. Absent fields take Go's zero value. */
function strict(obj, schema, where) {
  assert.ok(obj !== null && typeof obj === "object" && !Array.isArray(obj), `${where}: want an object`);
  const out = {};
  for (const [k, kind] of Object.entries(schema)) out[k] = zero(kind);
  for (const [k, v] of Object.entries(obj)) {
    const kind = schema[k];
    assert.ok(kind, `${where}: unknown field "${k}"`);
    if (v === null) continue; // Go's decoder leaves the zero value
    out[k] = convert(v, kind, `${where}.${k}`);
  }
  return out;
}

function zero(kind) {
  return { string: "", bool: false, int: 0, uint64: 0n, strings: [], notes: {}, groups: [], tests: [], terms: null }[kind];
}

function convert(v, kind, where) {
  const want = (ok) => assert.ok(ok, `${where}: want ${kind}, got ${typeof v}`);
  switch (kind) {
    case "string":
      want(typeof v === "string");
      return v;
    case "bool":
      want(typeof v === "boolean");
      return v;
    case "int":
      want(typeof v === "bigint" && v >= -(2n ** 63n) && v < 2n ** 63n);
      return Number(v);
    case "uint64":
      want(typeof v === "bigint" && v >= 0n && v < 2n ** 64n);
      return v;
    case "strings":
      want(Array.isArray(v) && v.every((s) => typeof s === "string"));
      return v;
    case "notes":
      want(typeof v === "object" && !Array.isArray(v) && Object.values(v).every((s) => typeof s === "string"));
      return v;
    case "groups":
      want(Array.isArray(v));
      return v.map((g, i) => {
        const group = strict(g, groupSchema, `${where}[${i}]`);
        group.tests = convert(g.tests ?? [], "tests", `${where}[${i}].tests`);
        return group;
      });
    case "tests":
      want(Array.isArray(v));
      return v.map((t, i) => strict(t, testSchema, `${where}[${i}]`));
    case "terms":
      return strict(v, termsSchema, where);
  }
  throw new Error(`unknown kind ${kind}`);
}

// RFC 3339, as Go's time.Parse(time.RFC3339) reads it.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Runs fn over items with at most n in flight. */
async function pool(items, n, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

const runners = {
  async actkit_activation_code_verify_v1(f, t) {
    const failures = [];
    const seen = new Set();
    let ran = 0;
    for (const g of f.testGroups) {
      assert.equal(g.type, "ActivationCodeVerify", `unknown group type "${g.type}"`);
      const kr = await (g.hmacSecrets ? parseKeyringWithHMACSecrets : parseKeyring)(g.keyring);
      for (const tc of g.tests) {
        assert.match(tc.now, RFC3339, `tc ${tc.tcId}: now`);
        assert.ok(["valid", "invalid"].includes(tc.result), `tc ${tc.tcId}: unknown result "${tc.result}"`);
        if (tc.result === "invalid") {
          assert.ok(REASONS.includes(tc.reason), `tc ${tc.tcId}: unknown reason "${tc.reason}"`);
          seen.add(tc.reason);
        }
      }
      ran += g.tests.length;
      await pool(g.tests, 16, async (tc) => {
        const fail = (msg) => failures.push([tc.tcId, `tc ${tc.tcId} (${tc.comment}): ${msg}`]);
        const binding = { product: tc.product, licenceKey: tc.licenceKey, machineUID: tc.machineUid };
        let terms;
        try {
          terms = await kr.verify(tc.code, binding, new Date(tc.now));
        } catch (e) {
          if (!(e instanceof VerifyError)) return fail(`threw ${e}`);
          if (tc.result === "valid") return fail(`want valid, got ${e.reason}: ${e.message}`);
          if (e.reason !== tc.reason) return fail(`want ${tc.reason}, got ${e.reason}: ${e.message}`);
          if ((e.suggestion ?? "") !== tc.suggestion) fail(`suggestion "${e.suggestion ?? ""}", want "${tc.suggestion}"`);
          return;
        }
        if (tc.result === "invalid") return fail(`want ${tc.reason}, got valid`);
        const w = tc.terms;
        if (w === null) return fail("valid test without terms");
        const got = { keyId: terms.keyId, serial: terms.serial, issued: terms.issued, expires: terms.expires ?? "never", seats: terms.seats, features: terms.features };
        try {
          assert.deepEqual(got, { ...w });
        } catch (e) {
          fail(e.message);
        }
      });
    }
    failures.sort((a, b) => a[0] - b[0]);
    const missing = REASONS.filter((r) => !seen.has(r));
    t.diagnostic(`${ran} cases, ${ran - failures.length} passed, ${failures.length} failed`);
    assert.deepEqual(failures.slice(0, 20).map((f) => f[1]), [], `${failures.length} of ${ran} cases failed`);
    assert.equal(ran, f.numberOfTests, `ran ${ran} tests, file says ${f.numberOfTests}`);
    assert.deepEqual(missing, [], "reasons no test covers");
  },
};

assert.ok(files.length > 0, `no vector files in ${dir}`);
for (const name of files) {
  const text = readFileSync(dir + name, "utf8");
  const raw = parseJSON(text);
  const run = runners[raw.schema];
  test(name, { skip: run ? false : `schema "${raw.schema}" is not one this package reads` }, async (t) => {
    const f = strict(raw, fileSchema, name);
    await run(f, t);
  });
}
