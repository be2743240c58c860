/**
 * Front-end benchmark: parse + resolve + check the Evernote IDL set (5 files, ~9.5k lines) with
 * `compile()`, from memory so disk time does not count.
 *
 *   npm run bench:compiler            (builds, then runs dist/bench/compiler.js)
 *   node dist/bench/compiler.js [--runs N] [--cold N] [dir]
 *
 * Cold: a fresh process per sample; it times loading the compiler modules and then its first compile
 * (which includes building the parser). Warm: one process, after a warm-up, many compiles.
 * Target: the cold first compile under 100 ms once the process has started.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";

type CompilerModule = typeof import("../compiler/index.js");

interface Input {
  files: string[];
  texts: Map<string, string>;
  lines: number;
}

function projectRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "rpcgen") return dir;
    if (dirname(dir) === dir) throw new Error("cannot find rpcgen's package.json");
  }
}

function loadInput(dir: string): Input {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".thrift"))
    .sort()
    .map((f) => resolve(dir, f));
  if (!files.length) throw new Error(`no .thrift files in ${dir}`);
  const texts = new Map(files.map((f) => [f, readFileSync(f, "utf8")]));
  let lines = 0;
  for (const t of texts.values()) lines += t.split("\n").length;
  return { files, texts, lines };
}

function compileOnce(compiler: CompilerModule, input: Input): number {
  const t0 = performance.now();
  const r = compiler.compile({ files: input.files, fileSystem: { readFile: (p) => input.texts.get(p) } });
  const ms = performance.now() - t0;
  if (r.hasErrors) throw new Error(`the benchmark input has errors:\n${r.diagnostics.map((d) => d.message).join("\n")}`);
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;

/** Child mode: one cold sample, printed as JSON. */
async function coldChild(dir: string): Promise<void> {
  const input = loadInput(dir);
  const t0 = performance.now();
  const compiler = (await import("../compiler/index.js")) as CompilerModule;
  const importMs = performance.now() - t0;
  const firstMs = compileOnce(compiler, input);
  const secondMs = compileOnce(compiler, input);
  process.stdout.write(JSON.stringify({ importMs, firstMs, secondMs, sinceStartMs: performance.now() }) + "\n");
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: number): number => {
    const i = args.indexOf(name);
    if (i < 0) return fallback;
    const v = Number(args.splice(i, 2)[1]);
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} takes a positive integer`);
    return v;
  };
  const childMode = args.includes("--cold-child");
  if (childMode) args.splice(args.indexOf("--cold-child"), 1);
  const runs = option("--runs", 50);
  const coldRuns = option("--cold", 7);
  const dir = args[0] ?? join(process.env["RPCGEN_SHARED"] ?? join(projectRoot(), "../shared"), "corpus/real-world/evernote-thrift/src");
  if (childMode) return coldChild(dir);

  const input = loadInput(dir);
  console.log(`input: ${input.files.length} files, ${input.lines} lines (${dir})`);

  // Cold: fresh processes.
  const self = fileURLToPath(import.meta.url);
  const cold = Array.from({ length: coldRuns }, () => {
    const out = execFileSync(process.execPath, [self, "--cold-child", dir], { encoding: "utf8" });
    return JSON.parse(out) as { importMs: number; firstMs: number; secondMs: number; sinceStartMs: number };
  });
  const col = (k: keyof (typeof cold)[number]): number[] => cold.map((c) => c[k]);
  console.log(`cold (${coldRuns} processes):`);
  console.log(`  load compiler modules   median ${fmt(median(col("importMs")))}, min ${fmt(Math.min(...col("importMs")))}`);
  console.log(`  first compile           median ${fmt(median(col("firstMs")))}, min ${fmt(Math.min(...col("firstMs")))}`);
  console.log(`  second compile          median ${fmt(median(col("secondMs")))}, min ${fmt(Math.min(...col("secondMs")))}`);
  console.log(`  process start to done   median ${fmt(median(col("sinceStartMs")))}`);

  // Warm: this process, after a warm-up.
  const compiler = (await import("../compiler/index.js")) as CompilerModule;
  for (let i = 0; i < 10; i++) compileOnce(compiler, input);
  const warm = Array.from({ length: runs }, () => compileOnce(compiler, input));
  const warmMedian = median(warm);
  console.log(`warm (${runs} compiles after 10 warm-up):`);
  console.log(`  compile                 median ${fmt(warmMedian)}, min ${fmt(Math.min(...warm))}`);
  console.log(`  throughput              ${Math.round(input.lines / (warmMedian / 1000)).toLocaleString("en-US")} lines/s`);
  const coldFirst = median(col("firstMs"));
  console.log(`target: cold first compile < 100 ms: ${coldFirst < 100 ? "met" : "MISSED"} (${fmt(coldFirst)})`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exitCode = 1;
});
