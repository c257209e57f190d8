// The package's surface: exports for import, require and the browser
// bundle; error details; argument checks; hostile input; the check-symbol
// scheme's guarantees.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { test } from "node:test";
import * as esm from "@actkit/verify";
import { checkValue, groupValid, gf32Check } from "../dist/esm/check.js";
import { decodeBase58, decodeValues } from "../dist/esm/base58.js";
import { formatText, parseCodeText } from "../dist/esm/text.js";

const { hasFeature, Keyring, normalizeLicenceKey, parseKeyring, parseMachineUID, parseRequestCode, ParseError, VerifyError } = esm;

const vectors = JSON.parse(readFileSync(new URL("../../testvectors/activation_code_ed25519.json", import.meta.url), "utf8"));
const group = vectors.testGroups[0];
const typical = group.tests[0]; // "typical: one seat, dated expiry, four features"
const binding = { product: typical.product, licenceKey: typical.licenceKey, machineUID: typical.machineUid };
const now = new Date(typical.now);

test("the same API through import, require and the browser bundle", async () => {
  const cjs = createRequire(import.meta.url)("@actkit/verify");
  const browser = await import("../dist/browser/actkit-verify.min.js");
  for (const mod of [esm, cjs, browser]) {
    assert.deepEqual(Object.keys(mod).sort(), Object.keys(esm).sort());
    const kr = await mod.parseKeyring(group.keyring);
    const terms = await kr.verify(typical.code, binding, now);
    assert.equal(terms.serial, 4242n);
    await assert.rejects(kr.verify(typical.code, binding, new Date("2030-01-01T00:00:00Z")), (e) => e instanceof mod.VerifyError && e.reason === "expired");
  }
});

test("the optional fallback entry through import and require", async () => {
  const esmNoble = await import("@actkit/verify/noble");
  const cjsNoble = createRequire(import.meta.url)("@actkit/verify/noble");
  for (const mod of [esmNoble, cjsNoble]) {
    assert.deepEqual(Object.keys(mod).sort(), ["ed25519FromNoblePoint", "nobleEd25519"]);
    const kr = await parseKeyring(group.keyring, { ed25519: mod.nobleEd25519 });
    assert.equal((await kr.verify(typical.code, binding, now)).serial, 4242n);
  }
});

test("terms", async () => {
  const kr = await parseKeyring(group.keyring);
  const t = await kr.verify(typical.code, binding, now);
  assert.deepEqual({ ...t }, {
    product: "umenu",
    keyId: "b7fd",
    algorithm: "ed25519",
    serial: 4242n,
    issued: "2026-03-02",
    expires: "2027-03-01",
    seats: 1,
    features: 11n,
  });
  assert.ok(Object.isFrozen(t));
  assert.deepEqual([0, 1, 2, 3, 55, 56, -1, 1.5].map((n) => hasFeature(t, n)), [true, true, false, true, false, false, false, false]);
});

test("the keyring is immutable and built only by parseKeyring", async () => {
  const kr = await parseKeyring(group.keyring);
  assert.ok(kr instanceof Keyring);
  assert.ok(Object.isFrozen(kr) && Object.isFrozen(kr.keys) && Object.isFrozen(kr.revoked));
  assert.equal(kr.product, "umenu");
  assert.deepEqual(kr.keys.map((k) => k.id), ["b7fd", "b73f"]);
  assert.deepEqual(kr.revoked, ["b716"]);
  assert.throws(() => new Keyring({}, Symbol("x")), TypeError);
  await assert.rejects(parseKeyring(42), TypeError);
});

test("error details: typo with its group and suggestion, expiry day, key ID", async () => {
  const kr = await parseKeyring(group.keyring);
  const sym = typical.code.split("");
  const i = 14; // group 2
  sym[i] = sym[i] === "a" ? "b" : "a";
  const err = await kr.verify(sym.join(""), binding, now).catch((e) => e);
  assert.ok(err instanceof VerifyError && err instanceof Error);
  assert.equal(err.name, "VerifyError");
  assert.equal(err.reason, "typo");
  assert.deepEqual(err.groups, [2]);
  assert.equal(err.numGroups, 11);
  assert.equal(err.suggestion, typical.code);
  assert.match(err.message, /group 2 of 11 has a typo.*did you mean/);
  // The place of the one symbol the suggestion changes, as Go's verify.Fix
  // gives it: its group, its place in the group, what was given, what verifies.
  const before = typical.code.slice(0, i).split("-");
  assert.deepEqual({ ...err.fix }, { group: before.length, symbol: before[before.length - 1].length + 1, given: sym[i], want: typical.code[i] });
  assert.equal(err.fix.group, 2);
  assert.ok(Object.isFrozen(err.fix));
  // No suggestion, no fix: a second typo in another group.
  const two = sym.slice();
  two[2] = two[2] === "a" ? "b" : "a";
  const err2 = await kr.verify(two.join(""), binding, now).catch((e) => e);
  assert.equal(err2.reason, "typo");
  assert.equal(err2.suggestion, undefined);
  assert.equal(err2.fix, undefined);

  const exp = await kr.verify(typical.code, binding, new Date("2027-03-02T00:00:00Z")).catch((e) => e);
  assert.equal(exp.reason, "expired");
  assert.equal(exp.day, "2027-03-01");
  assert.equal(exp.keyId, "b7fd");

  const bad = await kr.verify(typical.code.replace("f2c", "f0c"), binding, now).catch((e) => e);
  assert.equal(bad.reason, "malformed");
  assert.equal(bad.position, 2);

  const lic = await kr.verify(typical.code, { ...binding, licenceKey: "UMENU-7KQ2X-M4RTA-9VWCE-H3NPN" }, now).catch((e) => e);
  assert.equal(lic.reason, "invalid-binding");
  assert.match(lic.message, /licence key.*check symbol/);
});

test("arguments of the wrong type are TypeErrors, not refusals", async () => {
  const kr = await parseKeyring(group.keyring);
  await assert.rejects(kr.verify(typical.code, binding, new Date("nonsense")), TypeError);
  await assert.rejects(kr.verify(typical.code, binding, Date.now()), TypeError);
  await assert.rejects(kr.verify(undefined, binding, now), TypeError);
  await assert.rejects(kr.verify(typical.code, { ...binding, licenceKey: undefined }, now), TypeError);
  await assert.rejects(kr.verify(typical.code, null, now), TypeError);
});

test("concurrent verifications on one keyring", async () => {
  const kr = await parseKeyring(group.keyring);
  const cases = group.tests.slice(0, 200);
  const want = await Promise.all(cases.map((tc) => kr.verify(tc.code, { product: tc.product, licenceKey: tc.licenceKey, machineUID: tc.machineUid }, new Date(tc.now)).then(() => "valid", (e) => e.reason)));
  for (let i = 0; i < cases.length; i++) assert.equal(want[i], cases[i].result === "valid" ? "valid" : cases[i].reason, `tc ${cases[i].tcId}`);
});

test("hostile input is refused before work that grows with it", async () => {
  const kr = await parseKeyring(group.keyring);
  const hostile = ["", "  \t\r\n  ", "a".repeat(1 << 20), "1".repeat(1 << 20), "\uFFFD\uFFFD", "abc\0def", "\x01\x02\x1b[31m", "ＵＭＥＮＵ－１２３", "АВС-ЕНК", "\uD800"];
  for (const s of hostile) {
    const t0 = performance.now();
    await assert.rejects(kr.verify(s, binding, now), VerifyError);
    await assert.rejects(kr.verify(typical.code, { ...binding, licenceKey: s }, now), (e) => e.reason === "invalid-binding");
    await assert.rejects(kr.verify(typical.code, { ...binding, machineUID: s }, now), (e) => e.reason === "invalid-binding");
    await assert.rejects(kr.verify(typical.code, { ...binding, product: s }, now), (e) => e.reason === "invalid-binding");
    assert.throws(() => parseMachineUID(s), ParseError);
    assert.throws(() => normalizeLicenceKey(s), ParseError);
    await assert.rejects(parseRequestCode(s), ParseError);
    await assert.rejects(parseKeyring(s), ParseError);
    // Not a speed figure: a guard that the caps come before the work. Base58
    // decoding of the 1 MiB inputs, were it reached, is quadratic and takes
    // minutes; 5 s leaves room for a loaded CI machine (200 ms did not).
    assert.ok(performance.now() - t0 < 5000, `${s.length} characters took ${performance.now() - t0} ms`);
  }
});

test("D29 check symbols catch every single substitution and adjacent swap", () => {
  const data = [3, 57, 0, 28, 29, 12, 44, 1, 56, 30];
  for (const last of [false, true]) {
    for (let pos = 1; pos <= 28; pos++) {
      const g = [...data, checkValue(pos, last, data)];
      assert.ok(groupValid(pos, last, g));
      assert.ok(!groupValid(pos, !last, g) || false, "valid at one kind only");
      for (let p2 = 1; p2 <= 28; p2++) if (p2 !== pos) assert.ok(!groupValid(p2, last, g), "valid at one position only");
      for (let i = 0; i < g.length; i++) {
        for (let v = 0; v < 58; v++) {
          if (v === g[i]) continue;
          const m = g.slice();
          m[i] = v;
          assert.ok(!groupValid(pos, last, m));
        }
        if (i + 1 < g.length && g[i] !== g[i + 1]) {
          const m = g.slice();
          [m[i], m[i + 1]] = [m[i + 1], m[i]];
          assert.ok(!groupValid(pos, last, m));
        }
      }
    }
  }
});

test("GF(32) check symbols catch every single substitution and adjacent swap", () => {
  const s = [1, 8, 18, 8, 13, 2, 2, 24, 24, 5, 5, 0, 28, 0, 0, 0, 0, 0, 0];
  const full = [...s, gf32Check(s)];
  assert.equal(full[19], 12); // 18J8D-22RR5-50W00-0000C
  for (let i = 0; i < 20; i++) {
    for (let v = 0; v < 32; v++) {
      if (v === full[i]) continue;
      const m = full.slice();
      m[i] = v;
      assert.notEqual(gf32Check(m, 19), m[19]);
    }
    if (i < 19 && full[i] !== full[i + 1]) {
      const m = full.slice();
      [m[i], m[i + 1]] = [m[i + 1], m[i]];
      assert.notEqual(gf32Check(m, 19), m[19]);
    }
  }
});

test("base58 text is a bijection: leading zero bytes, round trips", () => {
  for (const raw of [[0], [0, 0, 1], [1], [255, 255], [0, 255, 0], Array.from({ length: 91 }, (_, i) => (i * 37) & 255)]) {
    const bytes = Uint8Array.from(raw);
    const text = formatText(bytes);
    assert.deepEqual(parseCodeText(text), bytes, text);
  }
  assert.deepEqual(decodeBase58("1112"), Uint8Array.from([0, 0, 0, 1]));
  assert.deepEqual(decodeBase58("5Q"), Uint8Array.from([255]));
  assert.equal(new TextDecoder().decode(decodeBase58("StV1DL6CwTryKyV")), "hello world");
  assert.equal(decodeBase58("0"), null);
});

test("base58 decoding agrees with a plain BigInt decoder: every length to 300, leading zeros, room reserved", () => {
  const reference = (vals) => {
    let zeros = 0;
    while (zeros < vals.length && vals[zeros] === 0) zeros++;
    let n = 0n;
    for (const v of vals) n = n * 58n + BigInt(v);
    const hex = n === 0n ? "" : n.toString(16);
    return Uint8Array.from([...new Array(zeros).fill(0), ...Buffer.from(hex.padStart(hex.length + (hex.length & 1), "0"), "hex")]);
  };
  let seed = 1;
  const rand = (m) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % m);
  for (let len = 0; len <= 300; len++) {
    for (let trial = 0; trial < 8; trial++) {
      const vals = Uint8Array.from({ length: len }, (_, i) => (i < trial ? 0 : [0, 57, rand(58)][rand(3)]));
      const want = reference(vals);
      assert.deepEqual(decodeValues(vals), want, `${len}/${trial}`);
      const reserved = decodeValues(vals, 0, len, 5);
      assert.deepEqual(reserved.subarray(0, 5), new Uint8Array(5));
      assert.deepEqual(reserved.subarray(5), want);
    }
  }
  const vals = Uint8Array.from([9, 9, 0, 0, 1, 2, 3, 9]);
  assert.deepEqual(decodeValues(vals, 2, 7), reference(vals.subarray(2, 7)));
});

test("days: every representable day formats as Date does", async () => {
  const { dayString, dayStart } = await import("../dist/esm/payload.js");
  for (let d = 0; d < 0x10000; d++) assert.equal(dayString(d), new Date(dayStart(d)).toISOString().slice(0, 10));
  assert.equal(dayString(0), "2024-01-01");
  assert.equal(dayString(65534), "2203-06-06");
});
