/**
 * The `rpcgen` command line: options, exit codes and output, run in-process through `main`, plus one
 * run of the built executable to prove the installed command works without a TypeScript loader.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { main, type CliEnvironment } from "../../compiler/cli.js";

const projectRoot = fileURLToPath(new URL("../../", import.meta.url));
const pkg = JSON.parse(readFileSync(join(projectRoot, "package.json"), "utf8")) as { version: string };

interface Run {
  code: number;
  out: string;
  err: string;
}

/** No colour settings, stderr not a terminal: what a pipe in a clean environment gets. */
const plainEnvironment: CliEnvironment = { env: {}, stderrIsTerminal: () => false };

async function runIn(cli: CliEnvironment, ...argv: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, (s) => out.push(s), (s) => err.push(s), cli);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

const run = (...argv: string[]): Promise<Run> => runIn(plainEnvironment, ...argv);

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

  test("a misspelt option gets a suggestion", async () => {
    for (const [flag, meant] of [["--ouput", "--out"], ["--no-warning", "--no-warnings"], ["--inlcude=x", "--include"], ["--colour", "--color"], ["--verison", "--version"]] as const) {
      const shown = flag.replace(/=.*/, "");
      expect(await run(flag, "x.thrift")).toEqual({
        code: 1,
        out: "",
        err: `rpcgen: error: Unknown option '${shown}' (did you mean '${meant}'?)\nRun 'rpcgen --help' for usage.`,
      });
    }
  });

  test("--color takes auto, always or never", async () => {
    expect(await run("--color=sometimes", "x.thrift")).toEqual({
      code: 1,
      out: "",
      err: "rpcgen: error: --color takes auto, always or never, not 'sometimes'\nRun 'rpcgen --help' for usage.",
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

describe("notes", () => {
  test("an unclosed '{' is pointed at below the error", async () => {
    const file = path("unclosed.thrift");
    writeFileSync(file, "struct S {\n  1: string name\n\nservice Svc {\n  void ping()\n}\n");
    expect((await run(file)).err).toBe(
      [
        `${file}:4:1: error: expected '}' after 'name' but found 'service'`,
        " 4 | service Svc {",
        "   | ^^^^^^^",
        `${file}:1:10: note: '{' opened here`,
        " 1 | struct S {",
        "   |          ^",
        "1 error",
      ].join("\n"),
    );
  });
});

test("the README's diagnostics example is what rpcgen prints for test/compiler/fixtures/bad.thrift", async () => {
  const readme = readFileSync(join(projectRoot, "README.md"), "utf8");
  const shown = /Diagnostics look like tsc's[\s\S]*?```\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(shown, "README's diagnostics example").toBeDefined();
  const r = await run(join(projectRoot, "test/compiler/fixtures/bad.thrift"));
  expect(r.err.replaceAll(join(projectRoot, "test/compiler/fixtures/bad.thrift"), "bad.thrift").replaceAll("test/compiler/fixtures/bad.thrift", "bad.thrift")).toBe(shown!.trimEnd());
});

describe("colour", () => {
  const esc = (code: string, text: string): string => `\x1b[${code}m${text}\x1b[0m`;
  const bold = (t: string): string => esc("1", t);
  const red = (t: string): string => esc("1;31", t);
  const yellow = (t: string): string => esc("1;33", t);
  const blue = (t: string): string => esc("1;34", t);
  const terminal: CliEnvironment = { env: {}, stderrIsTerminal: () => true };

  test("errors, locations, messages, the gutter, carets and the summary, as rustc colours them", async () => {
    const file = path("broken.thrift");
    expect((await run("--color=always", file)).err).toBe(
      [
        `${bold(`${file}:2:6:`)} ${red("error:")} ${bold("expected a field type after ':' but found '}'")}`,
        ` ${blue("2 |")}   1: }`,
        ` ${blue("  |")}      ${red("^")}`,
        `${bold(`${file}:3:15:`)} ${red("error:")} ${bold("unknown type 'Nope'")}`,
        ` ${blue("3 |")} struct T { 1: Nope n }`,
        ` ${blue("  |")}               ${red("^^^^")}`,
        red("2 errors"),
      ].join("\n"),
    );
  });

  test("warnings in yellow, notes in green", async () => {
    const warns = await run("--color=always", path("mixed.thrift"));
    expect(warns.err).toContain(`${yellow("warning:")} ${bold("no field id given for 'x'; an id is assigned automatically, which is not backwards compatible")}`);
    expect(warns.err).toContain(` ${blue("  |")}       ${yellow("^")}`);
    expect(warns.err.split("\n").pop()).toBe(`${red("1 error")}, ${yellow("1 warning")}`);
    const file = path("unclosed-color.thrift");
    writeFileSync(file, "enum E {\n  A\n");
    expect((await run("--color=always", file)).err).toContain(`${bold(`${file}:1:8:`)} ${esc("1;32", "note:")} ${bold("'{' opened here")}\n ${blue("1 |")} enum E {\n ${blue("  |")}        ${esc("1;32", "^")}`);
  });

  test("usage errors too", async () => {
    expect((await runIn(terminal)).err).toBe(`rpcgen: ${red("error:")} no input files\nRun 'rpcgen --help' for usage.`);
  });

  test("on when stderr is a terminal, unless NO_COLOR or TERM=dumb; FORCE_COLOR and --color decide over both", async () => {
    const file = path("broken.thrift");
    const colored = async (cli: CliEnvironment, ...flags: string[]): Promise<boolean> => (await runIn(cli, ...flags, file)).err.includes("\x1b[");
    const pipe = plainEnvironment;
    expect(await colored(terminal)).toBe(true);
    expect(await colored(pipe)).toBe(false);
    expect(await colored({ ...terminal, env: { NO_COLOR: "1" } })).toBe(false);
    expect(await colored({ ...terminal, env: { NO_COLOR: "" } })).toBe(true); // set but empty: not NO_COLOR
    expect(await colored({ ...terminal, env: { TERM: "dumb" } })).toBe(false);
    expect(await colored({ ...pipe, env: { FORCE_COLOR: "1" } })).toBe(true);
    expect(await colored({ ...pipe, env: { FORCE_COLOR: "" } })).toBe(true);
    expect(await colored({ ...terminal, env: { FORCE_COLOR: "0" } })).toBe(false);
    expect(await colored({ ...pipe, env: { FORCE_COLOR: "1", NO_COLOR: "1" } })).toBe(true);
    expect(await colored({ ...terminal, env: { FORCE_COLOR: "1" } }, "--color=never")).toBe(false);
    expect(await colored({ ...pipe, env: { NO_COLOR: "1" } }, "--color", "always")).toBe(true);
    expect(await colored(terminal, "--color=auto")).toBe(true);
  });

  test("a run with nothing to print never asks whether stderr is a terminal", async () => {
    let asked = 0;
    const r = await runIn({ env: {}, stderrIsTerminal: () => (asked++, true) }, path("clean.thrift"));
    expect(r).toEqual({ code: 0, out: "", err: "" });
    expect(asked).toBe(0);
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

  test("colours its diagnostics on a terminal, and not on a pipe", () => {
    const env = { PATH: process.env["PATH"] ?? "" };
    const file = path("broken.thrift");
    // A pseudo-terminal from Python's pty module (Debian's /usr/bin/python3, as for the peers).
    const onTerminal = spawnSync("/usr/bin/python3", ["-c", "import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)", process.execPath, bin, file], { encoding: "utf8", env });
    expect(onTerminal.status, onTerminal.stderr).toBe(1);
    expect(onTerminal.stdout).toContain("\x1b[1;31merror:\x1b[0m");
    const onPipe = spawnSync(process.execPath, [bin, file], { encoding: "utf8", env });
    expect(onPipe.status).toBe(1);
    expect(onPipe.stderr).toContain(": error: unknown type 'Nope'");
    expect(onPipe.stderr).not.toContain("\x1b[");
  });
});
