/**
 * Type-check gate for users' compiler settings: every golden case's expected output, generated/,
 * interop/thrift-test/, the runtime's emitted declarations (dist/runtime/**\/*.d.ts) and a file of
 * application code (strict-consumer.ts) compile under `strict` plus every stricter flag users turn on,
 * with skipLibCheck off, against the oldest TypeScript rpcgen supports (5.0), the project's own and
 * the newest (7, the native compiler), each with the flags it has; and under plain `strict`. One tsc
 * program per run, the runs concurrent.
 *
 * `rpcgen/runtime` resolves as a package consumer sees it: the files import it by name, and TypeScript
 * resolves the name through package.json's "exports" (a package may import itself by name) to the
 * built declarations, never to the .ts sources. So this needs a fresh `npm run build` (npm test does).
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, test } from "vitest";
import { listCases, listFiles } from "./golden.js";
import { strictFlags } from "./strict-flags.js";

const root = resolve(import.meta.dirname, "../..");
const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), "rpcgen-strict-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The compilers: npm aliases in devDependencies (`typescript` is the project's own). */
const compilers = [
  { pkg: "typescript-5.0", what: "the oldest supported" },
  { pkg: "typescript", what: "the project's" },
  { pkg: "typescript-7", what: "the newest (native)" },
];

function versionOf(pkg: string): string {
  return (JSON.parse(readFileSync(join(root, "node_modules", pkg, "package.json"), "utf8")) as { version: string }).version;
}

const cases = listCases();
const sources = [
  ...cases.flatMap((c) => listFiles(join(c.dir, "expected")).map((f) => join(c.dir, "expected", f))),
  ...listFiles(join(root, "generated")).map((f) => join(root, "generated", f)),
  ...listFiles(join(root, "interop/thrift-test")).map((f) => join(root, "interop/thrift-test", f)),
  join(import.meta.dirname, "strict-consumer.ts"),
].filter((f) => f.endsWith(".ts"));
const declarations = listFiles(join(root, "dist/runtime"))
  .filter((f) => f.endsWith(".d.ts"))
  .map((f) => join(root, "dist/runtime", f));

/** Writes a tsconfig for `files` with the given flags on; returns its path. */
function tsconfig(name: string, enabled: readonly string[], files: readonly string[]): string {
  const path = join(work, `${name}.json`);
  const compilerOptions: Record<string, unknown> = {
    target: "ES2022",
    lib: ["ES2022"],
    module: "NodeNext",
    moduleResolution: "NodeNext",
    skipLibCheck: false,
    noEmit: true,
    // The runtime's TCP transport is typed with Node's types; generated code is checked for Node-only
    // APIs by the golden tests.
    types: ["node"],
    typeRoots: [join(root, "node_modules/@types")],
  };
  for (const flag of enabled) compilerOptions[flag] = true;
  writeFileSync(path, JSON.stringify({ compilerOptions, files }, null, 2));
  return path;
}

/** Runs a compiler on a tsconfig; its diagnostics (empty when it compiled). */
async function typecheck(pkg: string, config: string, extra: readonly string[] = []): Promise<string> {
  try {
    const { stdout } = await run(process.execPath, [join(root, "node_modules", pkg, "bin/tsc"), "-p", config, ...extra], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: string; stderr?: string };
    return `${stdout ?? ""}${stderr ?? ""}` || String(e);
  }
}

const built = existsSync(join(root, "dist/runtime/index.d.ts"));

test("the runtime is built (run `npm run build`; npm test does)", () => {
  expect(built).toBe(true);
  expect(declarations.length).toBeGreaterThan(10);
  expect(sources.length).toBeGreaterThan(cases.length);
});

describe.runIf(built)("generated code and the runtime's declarations type-check", () => {
  test.concurrent.each(compilers)(
    "under every strict flag with $pkg ($what)",
    async ({ pkg }) => {
      const version = versionOf(pkg);
      const enabled = strictFlags(version);
      expect(enabled).toContain("exactOptionalPropertyTypes");
      const output = await typecheck(pkg, tsconfig(`strict-${pkg}`, enabled, [...sources, ...declarations]), ["--listFiles"]);
      const lines = output.split("\n").filter((l) => l.trim());
      const listed = lines.filter((l) => l.startsWith("/"));
      const diagnostics = lines.filter((l) => !l.startsWith("/"));
      expect(diagnostics.slice(0, 40).join("\n"), `TypeScript ${version}, flags: ${enabled.join(", ")}`).toBe("");
      // `rpcgen/runtime` came from the built package, not from the sources.
      expect(listed).toContain(join(root, "dist/runtime/index.d.ts"));
      expect(listed.filter((f) => f.startsWith(join(root, "runtime/")))).toEqual([]);
    },
    180_000,
  );

  test.concurrent(
    "under plain strict (the newest compiler)",
    async () => {
      const output = await typecheck("typescript-7", tsconfig("plain-strict", ["strict"], [...sources, ...declarations]));
      expect(output.split("\n").slice(0, 40).join("\n")).toBe("");
    },
    180_000,
  );
});
