// Compiled (not run) by test/types.test.mjs, as a strict TypeScript consumer
// of the package: the fallback's types fit both noble libraries, and the
// public types hold no `any`.
import { ed25519 as curves } from "@noble/curves/ed25519.js";
import { Point } from "@noble/ed25519";
import { ed25519FromNoblePoint, parseKeyring, type Ed25519Fallback, type KeyringOptions, type Terms } from "@actkit/verify";
import { nobleEd25519 } from "@actkit/verify/noble";

type IsAny<T> = 0 extends 1 & T ? true : false;
type Expect<T extends false> = T;
type NoAnyMembers<M> = { [K in keyof M]: IsAny<M[K]> }[keyof M];

export type Checks = [
  Expect<NoAnyMembers<typeof import("@actkit/verify")>>,
  Expect<NoAnyMembers<typeof import("@actkit/verify/noble")>>,
  Expect<IsAny<Awaited<ReturnType<typeof parseKeyring>>>>,
  Expect<IsAny<Parameters<Ed25519Fallback["importPublicKey"]>[0]>>,
  Expect<IsAny<Terms["serial"]>>,
];

const fromCurves: Ed25519Fallback = ed25519FromNoblePoint(curves.Point);
const fromNoble: Ed25519Fallback = ed25519FromNoblePoint(Point);
const options: KeyringOptions = { ed25519: nobleEd25519 };

export async function use(text: string): Promise<bigint> {
  const kr = await parseKeyring(text, options);
  await parseKeyring(text, { ed25519: fromCurves });
  await parseKeyring(text, { ed25519: fromNoble });
  const t: Terms = await kr.verify("code", { product: "p", licenceKey: "k", machineUID: "u" }, new Date());
  return t.serial;
}
