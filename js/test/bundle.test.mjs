// The browser build's size (goal: under 15 KB minified and gzipped, without
// an Ed25519 polyfill), and, for the figure, the size of a build with the
// optional fallback as a bundler makes it (bound: 16 KB, since delegation
// certificates and keyring updates took it to 15.3 KB).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const gz = (b) => gzipSync(b, { level: 9 }).length;

test("the browser build is under 15 KB minified and gzipped, and loads no other package", () => {
  const js = readFileSync(new URL("../dist/browser/actkit-verify.min.js", import.meta.url));
  assert.ok(gz(js) < 15 * 1024, `${gz(js)} bytes gzipped`);
  assert.doesNotMatch(js.toString(), /\bimport\s*[{*"]|\brequire\(|@noble/);
});

test("size of a browser build with the Ed25519 fallback", async (t) => {
  const r = await build({
    stdin: { contents: 'export * from "./src/index.ts";\nexport { nobleEd25519 } from "./src/noble.ts";\n', resolveDir: fileURLToPath(new URL("..", import.meta.url)), loader: "ts" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    write: false,
    legalComments: "none",
    logLevel: "warning",
  });
  const js = r.outputFiles[0].contents;
  t.diagnostic(`with @noble/ed25519: ${js.length} bytes minified, ${gz(js)} bytes gzipped`);
  assert.ok(gz(js) < 17 * 1024, `${gz(js)} bytes gzipped`);
});
