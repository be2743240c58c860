/**
 * What the benchmark needs before it runs: the peers in bench/node_modules (installed from
 * bench/package.json on first use or when stale), and the code generated from bench/idl/ by rpcgen
 * (then transpiled to JS) and by Apache's compiler. All of it lands in git-ignored places.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { BENCH_DIR, COMPILER_BIN, GEN_DIR, IDL_DIR, ROOT, RUNTIME_ENTRY, runOk, which } from "./common.js";

/** The part of the project's TypeScript (root node_modules) used here; not typed through an import,
 * which from bench/ would resolve to bench/node_modules (creditkarma's nested TypeScript 3.5). */
interface TypeScript {
  transpileModule(input: string, options: { fileName: string; compilerOptions: Record<string, unknown> }): { outputText: string };
}

export const RPCGEN_GEN = join(GEN_DIR, "rpcgen");
export const APACHE_GEN = join(GEN_DIR, "apache");

interface PackageJson {
  version?: string;
  dependencies?: Record<string, string>;
}

function readJson(path: string): PackageJson | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as PackageJson;
  } catch {
    return undefined;
  }
}

/** Names of bench/package.json's dependencies that are missing or at another version in bench/node_modules. */
export function stalePeers(): string[] {
  const deps = readJson(join(BENCH_DIR, "package.json"))?.dependencies ?? {};
  return Object.entries(deps)
    .filter(([name, version]) => readJson(join(BENCH_DIR, "node_modules", name, "package.json"))?.version !== version)
    .map(([name]) => name);
}

/** Installs the peers into bench/node_modules when missing or stale (bounded: 5 minutes). */
export function ensurePeers(log: (s: string) => void): string[] {
  const stale = stalePeers();
  if (stale.length) {
    log(`installing benchmark peers into bench/node_modules (${stale.join(", ")})`);
    const npm = which("npm") ?? "npm";
    runOk(npm, ["install", "--prefix", BENCH_DIR, "--no-audit", "--no-fund"], { cwd: ROOT, timeoutMs: 300_000 });
    const still = stalePeers();
    if (still.length) throw new Error(`npm install left these peers missing or stale: ${still.join(", ")}`);
  }
  const deps = readJson(join(BENCH_DIR, "package.json"))?.dependencies ?? {};
  return Object.entries(deps).map(([name, version]) => `${name} ${version}`);
}

/** rpcgen's code for bench/idl/*.thrift, compiled by the built compiler, then transpiled to ESM JS. */
export function generateRpcgen(): void {
  rmSync(RPCGEN_GEN, { recursive: true, force: true });
  mkdirSync(RPCGEN_GEN, { recursive: true });
  runOk(process.execPath, [COMPILER_BIN, join(IDL_DIR, "codec.thrift"), join(IDL_DIR, "calc.thrift"), "-o", RPCGEN_GEN, "--no-warnings"], {
    cwd: ROOT,
    timeoutMs: 60_000,
  });
  // Type-stripping only (tsc would give the same JS); the runtime import points at the built runtime,
  // the very module instance the harness and the servers import.
  const ts = createRequire(join(ROOT, "package.json"))("typescript") as TypeScript;
  const runtimeUrl = pathToFileURL(RUNTIME_ENTRY).href;
  for (const file of readdirSync(RPCGEN_GEN).filter((f) => f.endsWith(".ts"))) {
    const source = readFileSync(join(RPCGEN_GEN, file), "utf8").replaceAll('"rpcgen/runtime"', JSON.stringify(runtimeUrl));
    const out = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: { target: "es2022", module: "esnext", verbatimModuleSyntax: true },
    });
    writeFileSync(join(RPCGEN_GEN, file.replace(/\.ts$/, ".js")), out.outputText);
  }
  writeFileSync(join(RPCGEN_GEN, "package.json"), '{ "type": "module" }\n');
}

/** Apache's code (`thrift --gen js:node`) for bench/idl/*.thrift; false when the compiler is missing. */
export function generateApache(thrift: string | undefined): boolean {
  rmSync(APACHE_GEN, { recursive: true, force: true });
  if (thrift === undefined) return false;
  mkdirSync(APACHE_GEN, { recursive: true });
  for (const idl of ["codec.thrift", "calc.thrift"]) {
    runOk(thrift, ["--gen", "js:node", "-out", APACHE_GEN, join(IDL_DIR, idl)], { cwd: ROOT, timeoutMs: 60_000 });
  }
  writeFileSync(join(APACHE_GEN, "package.json"), '{ "type": "commonjs" }\n');
  return existsSync(join(APACHE_GEN, "Calc.js")) && existsSync(join(APACHE_GEN, "codec_types.js"));
}

/** `thrift --version`, e.g. "0.17.0". */
export function thriftVersion(thrift: string | undefined): string | undefined {
  if (thrift === undefined) return undefined;
  try {
    return /(\d+\.\d+\.\d+)/.exec(runOk(thrift, ["--version"], { timeoutMs: 10_000 }).stdout)?.[1];
  } catch {
    return undefined;
  }
}
