// Verification time of a valid code beside the bare WebCrypto primitive on
// a message of the same size, in one run: Ed25519 (goal: within 1.2x) and
// HMAC-SHA256. Run with `npm run bench`; BENCH_SEGMENTS and BENCH_CALLS
// set the number and length of the segments.
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { parseKeyring, parseKeyringWithHMACSecrets } from "../dist/esm/index.js";
import { message, normalizeBinding } from "../dist/esm/binding.js";
import { decodeCode } from "../dist/esm/payload.js";
import { parseCodeText } from "../dist/esm/text.js";

const subtle = globalThis.crypto.subtle;
// Short segments, ours and bare alternating, so that changes in machine
// load hit both sides alike; the figures are medians over segments.
const SEGMENTS = Number(process.env.BENCH_SEGMENTS ?? 40);
const CALLS = Number(process.env.BENCH_CALLS ?? 400);

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

/** Mean time of n sequential awaits of fn (latency), in microseconds. */
async function sequential(fn, n) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn();
  return Number(process.hrtime.bigint() - t0) / 1000 / n;
}

/** Mean time per call of n calls with 64 in flight (throughput), in microseconds. */
async function inFlight(fn, n) {
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (next++ < n) await fn();
  }));
  return Number(process.hrtime.bigint() - t0) / 1000 / n;
}

const median = (x) => x.slice().sort((p, q) => p - q)[x.length >> 1];

/** Ours beside bare, in alternating segments; prints the medians and the median of the per-segment ratios. */
async function pair(name, ours, raw) {
  for (const [mode, measure] of [["one at a time", sequential], ["64 in flight", inFlight]]) {
    await measure(ours, CALLS); // warm up
    await measure(raw, CALLS);
    const a = [], b = [], ratio = [];
    for (let i = 0; i < SEGMENTS; i++) {
      let o, r; // alternating which side goes first
      if (i % 2 === 0) {
        o = await measure(ours, CALLS);
        r = await measure(raw, CALLS);
      } else {
        r = await measure(raw, CALLS);
        o = await measure(ours, CALLS);
      }
      a.push(o);
      b.push(r);
      ratio.push(o / r);
    }
    console.log(`${name.padEnd(8)} ${mode.padEnd(14)} keyring.verify ${median(a).toFixed(1).padStart(6)} µs   bare crypto.subtle ${median(b).toFixed(1).padStart(6)} µs   ratio ${median(ratio).toFixed(2)}x`);
  }
}

console.log(`node ${process.version}, ${availableParallelism()} CPUs; per call: one at a time (latency) and 64 in flight (throughput); medians over ${SEGMENTS} alternating segments of ${CALLS} calls`);

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
{
  // For scale: the optional fallback's Ed25519 (@noble/ed25519), which
  // targets without Ed25519 in WebCrypto pay instead, per signature.
  const { nobleEd25519 } = await import("../dist/esm/noble.js");
  const kp = await subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]);
  const raw = new Uint8Array(await subtle.exportKey("raw", kp.publicKey));
  const pub = await subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
  const msg = crypto.getRandomValues(new Uint8Array(98));
  const sig = new Uint8Array(await subtle.sign("Ed25519", kp.privateKey, msg));
  const key = await nobleEd25519.importPublicKey(raw);
  if (!(await key.verify(sig, msg))) throw new Error("fallback verify failed");
  const n = 50;
  await sequential(() => key.verify(sig, msg), 10);
  const a = [], b = [];
  for (let i = 0; i < 5; i++) {
    a.push(await sequential(() => key.verify(sig, msg), n));
    b.push(await sequential(() => subtle.verify("Ed25519", pub, sig, msg), n));
  }
  console.log(`fallback one at a time  nobleEd25519 ${median(a).toFixed(1).padStart(8)} µs   bare crypto.subtle ${median(b).toFixed(1).padStart(6)} µs   ratio ${(median(a) / median(b)).toFixed(1)}x`);
}
