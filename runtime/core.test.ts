import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { expect, test } from "vitest";

/** Every module reachable from core.ts through relative imports. */
function importGraph(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    const text = readFileSync(file, "utf8");
    const specs = [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+"([^"]+)"/gm)].map((m) => m[1]!);
    seen.set(file, specs);
    for (const s of specs) if (s.startsWith(".")) visit(resolve(dirname(file), s.replace(/\.js$/, ".ts")));
  };
  visit(entry);
  return seen;
}

test("the browser entry (runtime/core.ts) reaches no Node-only module", () => {
  const graph = importGraph(join(import.meta.dirname, "core.ts"));
  const nodeImports = [...graph].flatMap(([file, specs]) => specs.filter((s) => s.startsWith("node:") || !s.startsWith(".")).map((s) => `${file}: ${s}`));
  expect(graph.size).toBeGreaterThan(10);
  expect(nodeImports).toEqual([]);
});

test("generated code's runtime symbols all come from the browser-safe core", async () => {
  const core = await import("./core.js");
  for (const name of ["TType", "ServiceClient", "TException", "i64", "missingField", "unsetField", "unionFieldCount", "utf8Bytes", "same", "listOf", "setOf", "mapOf", "convertList", "convertSet", "convertMap"]) {
    expect(core, name).toHaveProperty(name);
  }
});
