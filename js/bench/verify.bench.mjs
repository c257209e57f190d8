// Verification time of a valid code beside the bare WebCrypto primitive on
// a message of the same size, in one run: Ed25519 (goal: within 1.2x) and
// HMAC-SHA256. Run with `npm run bench`.
import { readFileSync } from "node:fs";
import { parseKeyring, parseKeyringWithHMACSecrets } from "../dist/esm/index.js";
import { message, normalizeBinding } from "../dist/esm/binding.js";
import { decodeCode } from "../dist/esm/payload.js";
import { parseCodeText } from "../dist/esm/text.js";

const subtle = globalThis.crypto.subtle;
const ROUNDS = 7;
const ITER = Number(process.env.BENCH_ITER ?? 4000);

function vector(file) {
  const f = JSON.parse(readFileSync(new URL(`../../testvectors/${file}`, import.meta.url), "utf8"));
  const g = f.testGroups[0];
  const tc = g.tests[0];
  return { keyring: g.keyring, code: tc.code, binding: { product: tc.product, licenceKey: tc.licenceKey, machineUID: tc.machineUid }, now: new Date(tc.now) };
}

/** The size of the message the code's signature covers. */
function messageSize(v) {
  return message(normalizeBinding(v.binding), decodeCode(parseCodeText(v.code)).payloadBytes).length;
}

/** Median over rounds of the mean time of one sequential await of fn, in microseconds. */
async function time(fn) {
  for (let i = 0; i < ITER / 4; i++) await fn(); // warm up
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < ITER; i++) await fn();
    rounds.push(Number(process.hrtime.bigint() - t0) / 1000 / ITER);
  }
  return rounds.sort((a, b) => a - b)[ROUNDS >> 1];
}

/** Mean time per call with 64 calls in flight (throughput), in microseconds. */
async function throughput(fn) {
  const n = ITER * 2;
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (next++ < n) await fn();
  }));
  return Number(process.hrtime.bigint() - t0) / 1000 / n;
}

/** Runs the two alternately, so drift in machine load hits both; median of three. */
async function pair(name, ours, raw) {
  const med = (x) => x.sort((p, q) => p - q)[1];
  for (const [mode, measure] of [["one at a time", time], ["64 in flight", throughput]]) {
    const a = [], b = [];
    for (let i = 0; i < 3; i++) {
      a.push(await measure(ours));
      b.push(await measure(raw));
    }
    const o = med(a), r = med(b);
    console.log(`${name.padEnd(8)} ${mode.padEnd(14)} keyring.verify ${o.toFixed(1).padStart(6)} µs   bare crypto.subtle ${r.toFixed(1).padStart(6)} µs   ratio ${(o / r).toFixed(2)}x`);
  }
}

console.log(`node ${process.version}; per call: one at a time (latency, ${ITER} calls x ${ROUNDS} rounds) and 64 in flight (throughput); median of 3`);

{
  const v = vector("activation_code_ed25519.json");
  const kr = await parseKeyring(v.keyring);
  await kr.verify(v.code, v.binding, v.now); // must be valid
  const size = messageSize(v);
  const kp = await subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]);
  const pub = await subtle.importKey("raw", await subtle.exportKey("raw", kp.publicKey), { name: "Ed25519" }, false, ["verify"]);
  const msg = crypto.getRandomValues(new Uint8Array(size));
  const sig = await subtle.sign("Ed25519", kp.privateKey, msg);
  if (!(await subtle.verify("Ed25519", pub, sig, msg))) throw new Error("bare verify failed");
  console.log(`Ed25519: signed message ${size} bytes, code ${v.code.length} characters`);
  await pair("Ed25519", () => kr.verify(v.code, v.binding, v.now), () => subtle.verify("Ed25519", pub, sig, msg));
}
{
  const v = vector("activation_code_hmac.json");
  const kr = await parseKeyringWithHMACSecrets(v.keyring);
  await kr.verify(v.code, v.binding, v.now);
  const size = messageSize(v);
  const key = await subtle.importKey("raw", crypto.getRandomValues(new Uint8Array(32)), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const msg = crypto.getRandomValues(new Uint8Array(size));
  console.log(`HMAC: signed message ${size} bytes, code ${v.code.length} characters`);
  await pair("HMAC", () => kr.verify(v.code, v.binding, v.now), () => subtle.sign("HMAC", key, msg));
}
