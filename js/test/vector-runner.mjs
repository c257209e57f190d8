// The strict runner over testvectors/*.json, as testvectors/vectors_test.go
// runs them for Go: every case, its result, reason and suggestion; unknown
// fields and a count that differs from numberOfTests fail the file; every
// reason must be covered. vectors.test.mjs runs it on this platform's
// WebCrypto, vectors-fallback.test.mjs on a WebCrypto without Ed25519 with
// the optional fallback.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  normalizeLicenceKey,
  normalizeMachineUID,
  parseMachineUID,
  parseDeactivationCode,
  parseRequestCode,
  ParseError,
  REASONS,
  VerifyError,
} from "../dist/esm/index.js";
import { parseJSON } from "./strict-json.mjs";

const dir = fileURLToPath(new URL("../../testvectors/", import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();

// Schema of the vector files (testvectors/schema.go): field name -> kind.
const fileSchema = { algorithm: "string", schema: "string", numberOfTests: "int", header: "strings", notes: "notes", testGroups: "groups" };
const groupSchema = { type: "string", keyring: "string", hmacSecrets: "bool", tests: "tests" };
const testSchema = {
  tcId: "int", comment: "string", code: "string", product: "string", licenceKey: "string", machineUid: "string",
  now: "string", result: "string", reason: "string", suggestion: "string", certificate: "string", terms: "terms",
};
// keyring_update_v1: testvectors.UpdateFile.
const updateGroupSchema = { type: "string", keyring: "string", tests: "updateTests" };
const updateTestSchema = { tcId: "int", comment: "string", update: "string", now: "string", result: "string", reason: "string", output: "output" };
// The reasons the activation-code files must cover (testvectors.Reasons): REASONS less those of delegations.
const ACTIVATION_REASONS = REASONS.filter((r) => !r.endsWith("-delegation"));
const DELEGATION_REASONS = ["outside-delegation", "revoked-delegation", "invalid-delegation", "unknown-key", "revoked-key", "expired", "not-yet-valid"];
const UPDATE_REASON_LIST = ["malformed", "unsupported-version", "invalid-key", "wrong-product", "rolled-back", "update-expired", "insufficient-signatures", "invalid-delegation"];
// The parse schemas (keyring_parse_v1, ...): testvectors.ParseFile.
const parseGroupSchema = { type: "string", hmacSecrets: "bool", tests: "parseTests" };
const parseTestSchema = { tcId: "int", comment: "string", input: "string", result: "string", reason: "string", flags: "strings", output: "output" };
const PARSE_REASONS = ["malformed", "typo", "unsupported-version", "checksum", "invalid-key", "invalid-binding", "hmac-secret-not-allowed"];
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
  return { string: "", bool: false, int: 0, uint64: 0n, strings: [], notes: {}, groups: [], tests: [], terms: null, parseGroups: [], parseTests: [], updateGroups: [], updateTests: [], output: null }[kind];
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
      return groups(v, groupSchema, "tests", where);
    case "tests":
      want(Array.isArray(v));
      return v.map((t, i) => strict(t, testSchema, `${where}[${i}]`));
    case "terms":
      return strict(v, termsSchema, where);
    case "parseGroups":
      want(Array.isArray(v));
      return v.map((g, i) => strict(g, parseGroupSchema, `${where}[${i}]`));
    case "parseTests":
      want(Array.isArray(v));
      return v.map((t, i) => strict(t, parseTestSchema, `${where}[${i}]`));
    case "updateGroups":
      want(Array.isArray(v));
      return groups(v, updateGroupSchema, "updateTests", where);
    case "updateTests":
      want(Array.isArray(v));
      return v.map((t, i) => strict(t, updateTestSchema, `${where}[${i}]`));
    case "output":
      // Schema-specific; compared whole with deepEqual, integers as BigInt.
      want(typeof v === "object" && !Array.isArray(v));
      return v;
  }
  throw new Error(`unknown kind ${kind}`);
}

/** Groups of a schema, each with its tests converted as testsKind. */
function groups(v, schema, testsKind, where) {
  return v.map((g, i) => {
    const group = strict(g, schema, `${where}[${i}]`);
    group.tests = convert(g.tests ?? [], testsKind, `${where}[${i}].tests`);
    return group;
  });
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

/** The outcome of a parse function: its output, or the ParseError's reason. */
async function outcome(fn) {
  try {
    return { output: await fn() };
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    return { reason: e.reason, message: e.message };
  }
}

// What each flag allows besides the Go reference's result (testvectors.Flags).
const FLAG_ALLOWS = {
  // WebCrypto (Node 20 at least) imports Ed25519 keys that are not on the
  // curve, and without an Ed25519 fallback this package does no curve
  // arithmetic: it may accept such a keyring, whose key then verifies nothing.
  "off-curve-key": (got) => got.reason === undefined,
};

/** Runs a parse schema: every test's result, reason and output; count and reasons as Go checks them. */
function parseRunner(groupType, wantReasons, parse, toOutput, allowFlags) {
  return async (f, t) => {
    const failures = [];
    const seen = new Set();
    let ran = 0;
    for (const g of f.testGroups) {
      assert.equal(g.type, groupType, `unknown group type "${g.type}"`);
      for (const tc of g.tests) {
        ran++;
        const fail = (msg) => failures.push(`tc ${tc.tcId} (${tc.comment}): ${msg}`);
        for (const fl of tc.flags) assert.ok(FLAG_ALLOWS[fl], `tc ${tc.tcId}: unknown flag "${fl}"`);
        const got = await outcome(() => parse(tc.input, g));
        if (tc.result === "valid") {
          if (got.reason !== undefined) {
            fail(`want valid, got ${got.reason}: ${got.message}`);
            continue;
          }
          assert.ok(tc.output, `tc ${tc.tcId}: valid test without output`);
          try {
            assert.deepEqual(toOutput(got.output), plain(tc.output));
          } catch (e) {
            fail(e.message);
          }
        } else {
          assert.equal(tc.result, "invalid", `tc ${tc.tcId}: unknown result "${tc.result}"`);
          assert.ok(PARSE_REASONS.includes(tc.reason), `tc ${tc.tcId}: unknown reason "${tc.reason}"`);
          seen.add(tc.reason);
          if (got.reason === tc.reason) continue;
          if (allowFlags && tc.flags.some((fl) => FLAG_ALLOWS[fl](got))) {
            t.diagnostic(`tc ${tc.tcId} (${tc.comment}): ${got.reason ?? "accepted"}, allowed by flags ${tc.flags}`);
            continue;
          }
          fail(`want ${tc.reason}, got ${got.reason ?? "valid"}${got.message ? ": " + got.message : ""}`);
        }
      }
    }
    t.diagnostic(`${ran} cases, ${ran - failures.length} passed, ${failures.length} failed`);
    assert.deepEqual(failures.slice(0, 20), [], `${failures.length} of ${ran} cases failed`);
    assert.equal(ran, f.numberOfTests, `ran ${ran} tests, file says ${f.numberOfTests}`);
    assert.deepEqual(wantReasons.filter((r) => !seen.has(r)), [], "reasons no test covers");
  };
}

const big = (xs) => xs.map((x) => BigInt(x));

/** A parsed JSON value with ordinary prototypes, for deepEqual. */
function plain(v) {
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** The runner of a code-verification schema: every code against its group's keyring, with the test's certificate if any. */
function codeRunner(groupType, wantReasons, { parseKeyring, parseKeyringWithHMACSecrets }) {
  return async (f, t) => {
    const failures = [];
    const seen = new Set();
    let ran = 0;
    for (const g of f.testGroups) {
      assert.equal(g.type, groupType, `unknown group type "${g.type}"`);
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
          terms = await (tc.certificate === "" ? kr.verify(tc.code, binding, new Date(tc.now)) : kr.verifyDelegated(tc.code, tc.certificate, binding, new Date(tc.now)));
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
    const missing = wantReasons.filter((r) => !seen.has(r));
    t.diagnostic(`${ran} cases, ${ran - failures.length} passed, ${failures.length} failed`);
    assert.deepEqual(failures.slice(0, 20).map((f) => f[1]), [], `${failures.length} of ${ran} cases failed`);
    assert.equal(ran, f.numberOfTests, `ran ${ran} tests, file says ${f.numberOfTests}`);
    assert.deepEqual(missing, [], "reasons no test covers");
  };
}

/**
 * The runners, per schema. keyrings holds the two keyring parsers to use;
 * allowFlags says whether a test's flags may excuse a difference from the
 * Go reference's result.
 */
function makeRunners(keyrings, allowFlags) {
  const { parseKeyring, parseKeyringWithHMACSecrets } = keyrings;
  return {
    actkit_activation_code_verify_v1: codeRunner("ActivationCodeVerify", ACTIVATION_REASONS, keyrings),
    actkit_delegation_verify_v1: codeRunner("DelegationVerify", DELEGATION_REASONS, keyrings),
    async keyring_update_v1(f, t) {
      const failures = [];
      const seen = new Set();
      let ran = 0;
      for (const g of f.testGroups) {
        assert.equal(g.type, "KeyringUpdate", `unknown group type "${g.type}"`);
        const held = await parseKeyring(g.keyring);
        for (const tc of g.tests) {
          ran++;
          assert.match(tc.now, RFC3339, `tc ${tc.tcId}: now`);
          const fail = (msg) => failures.push(`tc ${tc.tcId} (${tc.comment}): ${msg}`);
          let next;
          try {
            next = await held.update(tc.update, new Date(tc.now));
          } catch (e) {
            if (!(e instanceof VerifyError) && !(e instanceof ParseError)) throw e;
            if (tc.result === "valid") fail(`want valid, got ${e.reason}: ${e.message}`);
            else if (e.reason !== tc.reason) fail(`want ${tc.reason}, got ${e.reason}: ${e.message}`);
            if (tc.result === "invalid") seen.add(tc.reason);
            continue;
          }
          assert.ok(["valid", "invalid"].includes(tc.result), `tc ${tc.tcId}: unknown result "${tc.result}"`);
          if (tc.result === "invalid") {
            seen.add(tc.reason);
            fail(`want ${tc.reason}, got valid`);
            continue;
          }
          assert.ok(tc.output, `tc ${tc.tcId}: valid test without output`);
          // The stored text loads again to the same keyring.
          const again = await parseKeyring(next.text);
          for (const kr of [next, again]) {
            const got = {
              product: kr.product, version: BigInt(kr.version), threshold: BigInt(kr.threshold), roots: [...kr.roots],
              keys: kr.keys.map((k) => ({ id: k.id, algorithm: k.algorithm })), delegations: [...kr.delegations], revoked: [...kr.revoked],
            };
            try {
              assert.deepEqual(got, plain(tc.output));
            } catch (e) {
              fail(e.message);
            }
          }
        }
      }
      for (const r of seen) assert.ok(UPDATE_REASON_LIST.includes(r), `unknown reason "${r}"`);
      t.diagnostic(`${ran} cases, ${ran - failures.length} passed, ${failures.length} failed`);
      assert.deepEqual(failures.slice(0, 20), [], `${failures.length} of ${ran} cases failed`);
      assert.equal(ran, f.numberOfTests, `ran ${ran} tests, file says ${f.numberOfTests}`);
      assert.deepEqual(UPDATE_REASON_LIST.filter((r) => !seen.has(r)), [], "reasons no test covers");
    },
    keyring_parse_v1: parseRunner(
      "KeyringParse",
      ["malformed", "unsupported-version", "checksum", "invalid-key", "invalid-binding", "hmac-secret-not-allowed"],
      (input, g) => (g.hmacSecrets ? parseKeyringWithHMACSecrets : parseKeyring)(input),
      (kr) => ({ product: kr.product, keys: kr.keys.map((k) => ({ id: k.id, algorithm: k.algorithm })), revoked: [...kr.revoked] }),
      allowFlags,
    ),
    request_code_parse_v1: parseRunner(
      "RequestCodeParse",
      ["malformed", "typo", "unsupported-version", "checksum", "invalid-binding"],
      (input) => parseRequestCode(input),
      (r) => ({ product: r.product, licenceKey: r.licenceKey, machineUid: r.machineUID.text, productVersion: r.productVersion }),
      allowFlags,
    ),
    deactivation_code_parse_v1: parseRunner(
      "DeactivationCodeParse",
      ["malformed", "typo", "unsupported-version", "checksum", "invalid-binding"],
      (input) => parseDeactivationCode(input),
      (d) => ({ product: d.product, licenceKey: d.licenceKey, machineUid: d.machineUID.text, serial: d.serial, day: d.day }),
      allowFlags,
    ),
    machine_uid_parse_v1: parseRunner(
      "MachineUIDParse",
      ["malformed", "typo", "unsupported-version"],
      (input) => {
        const u = parseMachineUID(input);
        assert.equal(normalizeMachineUID(input), u.normalized);
        return u;
      },
      (u) => ({ normalized: u.normalized, text: u.text, version: BigInt(u.version), slots: big(u.slots), ...(u.fingerprint ? { fingerprint: u.fingerprint } : {}) }),
      allowFlags,
    ),
    licence_key_normalize_v1: parseRunner(
      "LicenceKeyNormalize",
      ["malformed", "typo"],
      (input) => normalizeLicenceKey(input),
      (n) => ({ normalized: n }),
      allowFlags,
    ),
  };
}

const fileSchemas = {
  actkit_activation_code_verify_v1: fileSchema,
  actkit_delegation_verify_v1: fileSchema,
  keyring_update_v1: { ...fileSchema, testGroups: "updateGroups" },
  keyring_parse_v1: { ...fileSchema, testGroups: "parseGroups" },
  request_code_parse_v1: { ...fileSchema, testGroups: "parseGroups" },
  machine_uid_parse_v1: { ...fileSchema, testGroups: "parseGroups" },
  licence_key_normalize_v1: { ...fileSchema, testGroups: "parseGroups" },
  deactivation_code_parse_v1: { ...fileSchema, testGroups: "parseGroups" },
};

/**
 * Registers one test per vector file. keyrings: { parseKeyring,
 * parseKeyringWithHMACSecrets }; allowFlags: whether documented differences
 * (flags) may excuse a result that differs from the Go reference's;
 * prefix: put before each test's name.
 */
export function runVectorFiles({ keyrings, allowFlags = true, prefix = "" }) {
  const runners = makeRunners(keyrings, allowFlags);
  assert.ok(files.length > 0, `no vector files in ${dir}`);
  for (const name of files) {
    const text = readFileSync(dir + name, "utf8");
    const raw = parseJSON(text);
    // Every file must run: a schema without a runner fails, never skips.
    test(prefix + name, async (t) => {
      const run = runners[raw.schema];
      assert.ok(run, `schema "${raw.schema}" is not one this package reads`);
      const f = strict(raw, fileSchemas[raw.schema], name);
      await run(f, t);
    });
  }
}
