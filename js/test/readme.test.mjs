// Runs the README's example as a user would, with the keyring and code of
// the current test vectors put in (they change when the vectors are
// regenerated; the example's shape is what is tested).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

test("the README example runs", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const example = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(example, "no js block in README.md");
  const v = JSON.parse(readFileSync(new URL("../../testvectors/activation_code_ed25519.json", import.meta.url), "utf8"));
  const g = v.testGroups[0];
  const src = example
    .replace(/const keyringText = `[^`]*`;/, () => `const keyringText = ${JSON.stringify(g.keyring)};`)
    .replace(/const code = "[^"]*";/, () => `const code = ${JSON.stringify(g.tests[0].code)};`);
  assert.notEqual(src, example);
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", src], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    encoding: "utf8",
  });
  assert.equal(out, "licensed until 2027-03-01, 1 seat(s), feature 3: true\n");
});
