/**
 * The installed executable runs the bundled CLI with a V8 code cache (compiler/bundle-loader.ts). These
 * tests run the built files as a user does: the bundle must produce exactly what the modules produce,
 * and a missing, stale or damaged cache (or bundle) may cost speed but never correctness.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const dist = join(root, "dist");
const calcIdl = join(root, "idl", "calc.idl");
const expectedCalc = readFileSync(join(root, "generated", "calc.ts"), "utf8");

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "rpcgen-bundle-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of dist/ (bin, modules, bundle, cache) to damage without touching the real one. */
function copyOfDist(name: string): string {
  const copy = join(tmp, name);
  cpSync(join(dist, "compiler"), join(copy, "dist", "compiler"), { recursive: true });
  copyFileSync(join(dist, "rpcgen-cli.cjs"), join(copy, "dist", "rpcgen-cli.cjs"));
  copyFileSync(join(dist, "rpcgen-cli.cjs.cache"), join(copy, "dist", "rpcgen-cli.cjs.cache"));
  copyFileSync(join(root, "package.json"), join(copy, "package.json"));
  // The modules import chevrotain by package name: resolve it from the project's node_modules.
  symlinkSync(join(root, "node_modules"), join(copy, "node_modules"));
  return copy;
}

function generateCalc(bin: string, out: string): string {
  execFileSync(process.execPath, [bin, calcIdl, "-o", out], { encoding: "utf8", env: { PATH: process.env["PATH"] ?? "" } });
  return readFileSync(join(out, "calc.ts"), "utf8");
}

describe("the bundled CLI", () => {
  test("the build writes the bundle, ending with its build id, and a code cache stamped with that id", () => {
    const bundle = readFileSync(join(dist, "rpcgen-cli.cjs"), "utf8");
    const cache = readFileSync(join(dist, "rpcgen-cli.cjs.cache"));
    const id = /\n\/\/# rpcgenBuildId=([0-9a-f]{40})\n$/.exec(bundle)?.[1];
    expect(id).toBeDefined();
    expect(cache.toString("latin1", 0, 41)).toBe(`${id}\n`);
    expect(cache.length).toBeGreaterThan(100_000); // bytecode of the compiler and chevrotain, not an empty stub
  });

  test("the bundle generates what the modules generate", () => {
    expect(generateCalc(join(dist, "compiler", "bin.cjs"), join(tmp, "out-bundle"))).toBe(expectedCalc);
  });

  test("a stale cache (from another build) is ignored and rewritten", () => {
    const copy = copyOfDist("stale");
    const cachePath = join(copy, "dist", "rpcgen-cli.cjs.cache");
    const stale = readFileSync(cachePath);
    stale[0] = "x".charCodeAt(0); // the build id no longer matches the bundle's
    writeFileSync(cachePath, stale);
    expect(generateCalc(join(copy, "dist", "compiler", "bin.cjs"), join(copy, "out"))).toBe(expectedCalc);
    const rewritten = readFileSync(cachePath);
    expect(rewritten.subarray(0, 41).equals(readFileSync(join(dist, "rpcgen-cli.cjs.cache")).subarray(0, 41))).toBe(true);
  });

  test("a truncated cache and a missing cache only cost speed", () => {
    const copy = copyOfDist("truncated");
    const cachePath = join(copy, "dist", "rpcgen-cli.cjs.cache");
    writeFileSync(cachePath, readFileSync(cachePath).subarray(0, 1000));
    expect(generateCalc(join(copy, "dist", "compiler", "bin.cjs"), join(copy, "out1"))).toBe(expectedCalc);
    rmSync(cachePath);
    expect(generateCalc(join(copy, "dist", "compiler", "bin.cjs"), join(copy, "out2"))).toBe(expectedCalc);
    expect(existsSync(cachePath)).toBe(true);
  });

  test("every line of a long report reaches a pipe, in order (the CLI writes to fds 1 and 2 directly)", () => {
    // 4,000 errors, ~400 KB of diagnostics: far more than a pipe buffers, so a slow reader makes the
    // writes block or (on a non-blocking pipe) fall back to the stream.
    const bad = join(tmp, "many-errors.thrift");
    writeFileSync(bad, Array.from({ length: 4000 }, (_, i) => `typedef Missing${i} T${i}`).join("\n"));
    // A clean environment: a FORCE_COLOR from outside would colour the lines.
    const r = spawnSync(process.execPath, [join(dist, "compiler", "bin.cjs"), bad], { encoding: "utf8", maxBuffer: 64 << 20, env: { PATH: process.env["PATH"] ?? "" } });
    expect(r.status).toBe(1);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines.at(-1)).toBe("4000 errors");
    const headers = lines.filter((l) => l.includes(": error: "));
    expect(headers).toHaveLength(4000);
    expect(headers[3999]).toContain("Missing3999");
  });

  test("a bundle older than tsc's last build is not used: the modules run", () => {
    const copy = copyOfDist("older-bundle");
    const bin = join(copy, "dist", "compiler", "bin.cjs");
    const bundlePath = join(copy, "dist", "rpcgen-cli.cjs");
    writeFileSync(bundlePath, 'exports.main = async (argv, out) => { out("from the bundle"); return 0; };\n//# rpcgenBuildId=test\n');
    const version = (): string => execFileSync(process.execPath, [bin, "--version"], { encoding: "utf8" }).trim();
    expect(version()).toBe("from the bundle"); // no build info (an installed package): the bundle runs
    const info = join(copy, "dist", ".tsbuildinfo");
    writeFileSync(info, "{}");
    const later = new Date(Date.now() + 60_000);
    utimesSync(info, later, later);
    expect(version()).toMatch(/^rpcgen \d+\.\d+\.\d+/);
  });

  test("without a bundle (or with a damaged one) the executable runs the modules", () => {
    const copy = copyOfDist("no-bundle");
    const bundlePath = join(copy, "dist", "rpcgen-cli.cjs");
    writeFileSync(bundlePath, "this is not JavaScript (");
    expect(generateCalc(join(copy, "dist", "compiler", "bin.cjs"), join(copy, "out1"))).toBe(expectedCalc);
    rmSync(bundlePath);
    expect(generateCalc(join(copy, "dist", "compiler", "bin.cjs"), join(copy, "out2"))).toBe(expectedCalc);
  });
});
