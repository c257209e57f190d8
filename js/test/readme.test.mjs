// Runs the README examples as a user would, with the keyring and code of
// the current test vectors put in (they change when the vectors are
// regenerated; the example's shape is what is tested): js/README.md, and
// the repository's README.md ("Verifying in JavaScript").
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const v = JSON.parse(readFileSync(new URL("../../testvectors/activation_code_ed25519.json", import.meta.url), "utf8"));
const g = v.testGroups[0];

function runExample(file) {
  const readme = readFileSync(new URL(file, import.meta.url), "utf8");
  const example = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(example, `no js block in ${file}`);
  const src = example
    .replace(/const keyringText = `[^`]*`;/, () => `const keyringText = ${JSON.stringify(g.keyring)};`)
    .replace(/const code = "[^"]*";/, () => `const code = ${JSON.stringify(g.tests[0].code)};`)
    .replace(/new Date\(\)\)/, () => `new Date(${JSON.stringify(g.tests[0].now)}))`);
  assert.notEqual(src, example);
  // The package's own name resolves through package.json "exports" (self-reference).
  return execFileSync(process.execPath, ["--input-type=module", "-e", src], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    encoding: "utf8",
  });
}

test("the README example runs", () => {
  assert.equal(runExample("../README.md"), "licensed until 2027-03-01, 1 seat(s), feature 3: true\n");
});

test("the repository README's section runs", () => {
  assert.equal(runExample("../../README.md"), "valid until 2027-03-01\n");
});
