// No two modules of src/ import each other, directly or through others:
// a cycle makes load order matter (keyring.ts and verify.ts once did, for
// hex4). Type-only imports vanish at run time and do not count.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";

const dir = new URL("../src/", import.meta.url);

test("src/ has no import cycles", () => {
  const graph = new Map();
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
    const src = readFileSync(new URL(f, dir), "utf8");
    const deps = [...src.matchAll(/^import\s+(?!type\s)[^;]*?from\s+"\.\/([^"]+)\.js";/gms)].map((m) => m[1] + ".ts");
    graph.set(f, deps);
  }
  assert.ok(graph.size > 10, `read ${graph.size} modules`);
  const state = new Map();
  const walk = (f, path) => {
    if (state.get(f) === "done") return;
    assert.notEqual(state.get(f), "open", `import cycle: ${[...path, f].join(" -> ")}`);
    state.set(f, "open");
    for (const d of graph.get(f) ?? []) walk(d, [...path, f]);
    state.set(f, "done");
  };
  for (const f of graph.keys()) walk(f, []);
});
