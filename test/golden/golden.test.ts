import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as prettier from "prettier";
import { describe, expect, test } from "vitest";
import { corpus, describeWith } from "../support/environment.js";
import { generateCase, listCases, listFiles } from "./golden.js";

const update = process.env["UPDATE_GOLDEN"] === "1";
const cases = listCases();
const runnable = cases.filter((c) => c.unavailable === undefined);

// Cases whose inputs are in the corpus: skipped with the reason where it is missing (required under CI).
for (const c of cases.filter((c) => c.unavailable !== undefined)) describeWith([corpus])(`golden ${c.name}`, () => {});

describe.each(runnable)("golden $name", (c) => {
  const expectedDir = join(c.dir, "expected");
  const outputs = generateCase(c);

  if (update) {
    rmSync(expectedDir, { recursive: true, force: true });
    for (const o of outputs) {
      mkdirSync(dirname(join(expectedDir, o.path)), { recursive: true });
      writeFileSync(join(expectedDir, o.path), o.content);
    }
  }

  test("produces exactly the committed files", () => {
    expect(outputs.map((o) => o.path).sort()).toEqual(listFiles(expectedDir));
  });

  test.each(outputs.map((o) => [o.path, o.content] as const))("%s matches the committed output", (path, content) => {
    expect(content).toBe(readFileSync(join(expectedDir, path), "utf8"));
  });

  test.each(outputs.map((o) => [o.path, o.content] as const))("%s uses no Node-only API (runs in browsers)", (_path, content) => {
    expect(content).not.toMatch(/\bBuffer\b|\brequire\(|\bprocess\.|from "node:/);
  });

  test.each(outputs.map((o) => [o.path, o.content] as const))("%s is already in prettier's format", async (path, content) => {
    const formatted = await prettier.format(content, { filepath: path });
    expect(content).toBe(formatted);
  });
});

test("there are golden cases", () => {
  expect(cases.length).toBeGreaterThan(10);
});
