// Type-checks test/types/consumer.ts against the built .d.ts files, as a
// strict TypeScript project that imports the package would.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

test("the public types: strict consumer, both noble point classes fit, no any", () => {
  const tsPkg = createRequire(import.meta.url).resolve("typescript/package.json");
  const tsc = join(dirname(tsPkg), JSON.parse(readFileSync(tsPkg, "utf8")).bin.tsc);
  const project = fileURLToPath(new URL("types/tsconfig.json", import.meta.url));
  try {
    execFileSync(process.execPath, [tsc, "-p", project], { encoding: "utf8", stdio: "pipe" });
  } catch (e) {
    assert.fail(`tsc: ${e.stdout}${e.stderr}`);
  }
});
