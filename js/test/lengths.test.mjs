// Input caps count UTF-8 bytes, as Go does (docs/format.md section 4): a
// text of at most 64 UTF-16 units but more than 64 UTF-8 bytes is refused
// for its length, before its characters are looked at.
import assert from "node:assert/strict";
import { test } from "node:test";
import { normalizeLicenceKey, parseMachineUID, ParseError } from "../dist/esm/index.js";

const refusedForLength = (fn, detail) =>
  assert.throws(fn, (e) => e instanceof ParseError && e.reason === "malformed" && e.message.includes(detail) && e.position === undefined);

test("a machine UID of 40 characters but 80 UTF-8 bytes is too long", () => {
  refusedForLength(() => parseMachineUID("é".repeat(40)), "too long");
});

test("a licence key of 200 characters but 400 UTF-8 bytes is too long", () => {
  refusedForLength(() => normalizeLicenceKey("é".repeat(200)), "too long");
});

test("at the cap, the characters decide", () => {
  assert.throws(() => parseMachineUID("é".repeat(32)), (e) => e instanceof ParseError && e.reason === "malformed" && !e.message.includes("too long"));
});
