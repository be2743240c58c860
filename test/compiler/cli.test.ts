/**
 * The `rpcgen` command line: options, exit codes and output, run in-process through `main`, plus one
 * run of the built executable to prove the installed command works without a TypeScript loader.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { main } from "../../compiler/cli.js";

const projectRoot = fileURLToPath(new URL("../../", import.meta.url));
const pkg = JSON.parse(readFileSync(join(projectRoot, "package.json"), "utf8")) as { version: string };

interface Run {
  code: number;
  out: string;
  err: string;
}

async function run(...argv: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, (s) => out.push(s), (s) => err.push(s));
  return { code, out: out.join("\n"), err: err.join("\n") };
}

let dir: string;
const path = (...parts: string[]): string => join(dir, ...parts);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rpcgen-cli-"));
  mkdirSync(path("inc1"));
  mkdirSync(path("inc2"));
  writeFileSync(path("clean.thrift"), "struct Point {\n  1: i32 x\n  2: i32 y\n}\n");
  writeFileSync(path("broken.thrift"), "struct S {\n  1: }\nstruct T { 1: Nope n }\n");
  writeFileSync(path("warns.thrift"), "struct S {\n  i32 x\n}\n");
  writeFileSync(path("mixed.thrift"), "struct S {\n  i32 x\n  1: Nope n\n}\n");
  writeFileSync(path("uses-includes.thrift"), 'include "a.thrift"\ninclude "b.thrift"\nstruct U { 1: a.A a, 2: b.B b }\n');
  writeFileSync(path("inc1", "a.thrift"), "struct A {}\n");
  writeFileSync(path("inc2", "b.thrift"), "struct B {}\n");
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("rpcgen options", () => {
  test("--help and -h print the usage and exit 0", async () => {
    for (const flag of ["--help", "-h"]) {
      const r = await run(flag);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^Usage: rpcgen <files\.\.\.> \[-I <dir>\]\.\.\. \[-o <dir>\] \[options\]/);
      expect(r.out).toContain("-I, --include <dir>");
      expect(r.out).toContain("--no-warnings");
      expect(r.err).toBe("");
    }
  });

  test("--version and -v print the package version and exit 0", async () => {
    for (const flag of ["--version", "-v"]) {
      const r = await run(flag);
      expect(r).toEqual({ code: 0, out: `rpcgen ${pkg.version}`, err: "" });
    }
  });

  test("no input files is an error", async () => {
    expect(await run()).toEqual({ code: 1, out: "", err: "rpcgen: error: no input files\nRun 'rpcgen --help' for usage." });
  });

  test("an unknown option is an error", async () => {
    expect(await run("--frobnicate", "x.thrift")).toEqual({
      code: 1,
      out: "",
      err: "rpcgen: error: Unknown option '--frobnicate'\nRun 'rpcgen --help' for usage.",
    });
  });

  test("an option missing its value is an error", async () => {
    const r = await run(path("clean.thrift"), "-I");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^rpcgen: error: Option '-I, --include <value>' argument missing\nRun 'rpcgen --help' for usage\.$/);
  });
});

describe("rpcgen on files", () => {
  test("a missing file is an error", async () => {
    const missing = path("nope.thrift");
    expect(await run(missing)).toEqual({ code: 1, out: "", err: `rpcgen: error: cannot read '${missing}': no such file\n1 error` });
  });

  test("a clean file exits 0 silently", async () => {
    expect(await run(path("clean.thrift"))).toEqual({ code: 0, out: "", err: "" });
  });

  test("a file with errors exits 1 and prints every error formatted, then a summary", async () => {
    const file = path("broken.thrift");
    expect(await run(file)).toEqual({
      code: 1,
      out: "",
      err: [
        `${file}:2:6: error: expected a field type after ':' but found '}'`,
        " 2 |   1: }",
        "   |      ^",
        `${file}:3:15: error: unknown type 'Nope'`,
        " 3 | struct T { 1: Nope n }",
        "   |               ^^^^",
        "2 errors",
      ].join("\n"),
    });
  });

  test("paths under the working directory are shown relative to it", async () => {
    const r = await run(join(projectRoot, "test/compiler/fixtures/calc-oneliner.idl"));
    expect(r.code).toBe(0);
    const relFile = join(projectRoot, "test/compiler/cli-relative.tmp.thrift");
    writeFileSync(relFile, "struct S { 1: Nope n }\n");
    try {
      const cwd = process.cwd();
      const bad = await run(relFile);
      const shown = relFile.startsWith(cwd + "/") ? relFile.slice(cwd.length + 1) : relFile;
      expect(bad.err.split("\n")[0]).toBe(`${shown}:1:15: error: unknown type 'Nope'`);
    } finally {
      rmSync(relFile, { force: true });
    }
  });

  test("warnings are printed but do not fail; --no-warnings hides them", async () => {
    const file = path("warns.thrift");
    expect(await run(file)).toEqual({
      code: 0,
      out: "",
      err: [
        `${file}:2:7: warning: no field id given for 'x'; an id is assigned automatically, which is not backwards compatible`,
        " 2 |   i32 x",
        "   |       ^",
        "1 warning",
      ].join("\n"),
    });
    expect(await run("--no-warnings", file)).toEqual({ code: 0, out: "", err: "" });
  });

  test("--no-warnings keeps the errors, and the summary counts only what is shown", async () => {
    const file = path("mixed.thrift");
    const withWarnings = await run(file);
    expect(withWarnings.code).toBe(1);
    expect(withWarnings.err.split("\n").pop()).toBe("1 error, 1 warning");
    const r = await run(file, "--no-warnings");
    expect(r.code).toBe(1);
    expect(r.err).toBe([`${file}:3:6: error: unknown type 'Nope'`, " 3 |   1: Nope n", "   |      ^^^^", "1 error"].join("\n"));
  });

  test("-I may be repeated; each directory is searched", async () => {
    const file = path("uses-includes.thrift");
    expect(await run(file, "-I", path("inc1"), "-I", path("inc2"))).toEqual({ code: 0, out: "", err: "" });
    expect(await run(file, "--include", path("inc1"), `--include=${path("inc2")}`)).toEqual({ code: 0, out: "", err: "" });
    const onlyOne = await run(file, "-I", path("inc1"));
    expect(onlyOne.code).toBe(1);
    expect(onlyOne.err.split("\n")[0]).toBe(
      `${file}:2:9: error: cannot find included file 'b.thrift' (looked in: ${dir}, ${path("inc1")})`,
    );
  });

  test("several files in one run", async () => {
    const r = await run(path("clean.thrift"), path("broken.thrift"));
    expect(r.code).toBe(1);
    expect(r.err.split("\n").pop()).toBe("2 errors");
  });
});

describe("the installed executable", () => {
  const bin = join(projectRoot, "dist/compiler/bin.cjs");

  test("node dist/compiler/bin.cjs --version runs without a TypeScript loader", () => {
    expect(existsSync(bin), `${bin} is missing: run 'npm run build' first (npm test does)`).toBe(true);
    // A clean environment: no NODE_OPTIONS that could smuggle in a loader.
    const stdout = execFileSync(process.execPath, [bin, "--version"], {
      cwd: projectRoot,
      encoding: "utf8",
      env: { PATH: process.env["PATH"] ?? "" },
    });
    expect(stdout).toBe(`rpcgen ${pkg.version}\n`);
  });
});
