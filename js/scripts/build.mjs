// Builds dist/esm (ES modules + .d.ts), dist/cjs (CommonJS + .d.ts) and
// dist/browser (one minified ES module), from a clean dist/.
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
// typescript exports only package.json; its bin entry names the compiler.
const tsPkg = createRequire(import.meta.url).resolve("typescript/package.json");
const tsc = join(dirname(tsPkg), JSON.parse(readFileSync(tsPkg, "utf8")).bin.tsc);

rmSync(dist, { recursive: true, force: true });
for (const cfg of ["tsconfig.json", "tsconfig.cjs.json"]) {
  execFileSync(process.execPath, [tsc, "-p", join(root, cfg)], { stdio: "inherit" });
}
// dist/cjs holds CommonJS: say so, for Node and for TypeScript's reading of its .d.ts.
writeFileSync(join(dist, "cjs", "package.json"), '{ "type": "commonjs" }\n');

mkdirSync(join(dist, "browser"), { recursive: true });
const outfile = join(dist, "browser", "actkit-verify.min.js");
await build({
  entryPoints: [join(root, "src", "index.ts")],
  bundle: true,
  minify: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  outfile,
  legalComments: "none",
  logLevel: "warning",
});
const js = readFileSync(outfile);
console.log(`dist/browser/actkit-verify.min.js: ${js.length} bytes minified, ${gzipSync(js, { level: 9 }).length} bytes gzipped`);

// For the figure only (not shipped): a browser build with the optional
// Ed25519 fallback, as a bundler makes it for a target without Ed25519 in
// WebCrypto (the package and @actkit/verify/noble with @noble/ed25519).
const withFallback = await build({
  stdin: { contents: 'export * from "./src/index.ts";\nexport { nobleEd25519 } from "./src/noble.ts";\n', resolveDir: root, loader: "ts" },
  bundle: true,
  minify: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  write: false,
  legalComments: "none",
  logLevel: "warning",
});
const fb = withFallback.outputFiles[0].contents;
console.log(`browser build with the Ed25519 fallback (@noble/ed25519): ${fb.length} bytes minified, ${gzipSync(fb, { level: 9 }).length} bytes gzipped`);
