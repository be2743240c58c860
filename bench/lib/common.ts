/**
 * Shared plumbing of `npm run bench`: paths, the machine description, bounded child processes,
 * statistics and markdown tables. Everything here is run-time only; peers are loaded from
 * bench/node_modules through `peerRequire`, so the project type-checks without them installed.
 */
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The project root: the directory of rpcgen's package.json (this file runs from dist/bench/lib/). */
export const ROOT: string = (() => {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "rpcgen") return dir;
    if (dirname(dir) === dir) throw new Error("cannot find rpcgen's package.json");
  }
})();

export const BENCH_DIR = join(ROOT, "bench");
/** Generated peer code and scratch output (git-ignored through bench/.gitignore). */
export const GEN_DIR = join(BENCH_DIR, ".gen");
export const IDL_DIR = join(BENCH_DIR, "idl");
export const RESULTS_DIR = join(BENCH_DIR, "results");
/** The built runtime, as generated code imports it (dist/bench/lib → dist/runtime). */
export const RUNTIME_ENTRY = join(ROOT, "dist", "runtime", "index.js");
export const COMPILER_BIN = join(ROOT, "dist", "compiler", "bin.cjs");

/** `require` resolving from bench/ (so bench/node_modules), for the peers and Apache's generated CommonJS. */
export const peerRequire: NodeRequire = createRequire(join(BENCH_DIR, "package.json"));

/** How long one benchmark runs: interleaved rounds, one turn of `ms` per peer in each. */
export interface RoundSettings {
  rounds: number;
  /** Length of one peer's turn in a round, in ms (unused by the compiler benchmark: one run per turn). */
  ms: number;
  /** Warm-up per peer before the first round, in ms. */
  warmupMs: number;
}

/** Settings shared by the three benchmarks. */
export interface BenchContext {
  smoke: boolean;
  codec: RoundSettings;
  rpc: RoundSettings;
  compiler: RoundSettings;
  /** `thrift` (Apache's compiler) on PATH. */
  thriftCompiler: string | undefined;
  /** The CPUs this process may run on (from `taskset -cp`), or undefined when taskset is not available. */
  cpus: string[] | undefined;
  cores: number;
  log: (line: string) => void;
}

/** A section of the report: markdown lines plus the figures the target check needs. */
export interface Section {
  title: string;
  markdown: string[];
  figures: Record<string, number | undefined>;
}

// ---------------------------------------------------------------------------------------------------
// Processes

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command to completion with a hard time limit; throws when it cannot start or times out. */
export function run(cmd: string, args: readonly string[], options: SpawnSyncOptions & { timeoutMs: number }): RunResult {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, killSignal: "SIGKILL", ...options, timeout: options.timeoutMs });
  const ms = performance.now() - t0;
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === "ETIMEDOUT") throw new Error(`${cmd} ${args.join(" ")}: timed out after ${options.timeoutMs} ms`);
    throw new Error(`${cmd}: ${r.error.message}`);
  }
  return { status: r.status, stdout: String(r.stdout ?? ""), stderr: String(r.stderr ?? ""), ms };
}

/** Like run(), but throws unless the exit status is 0. */
export function runOk(cmd: string, args: readonly string[], options: SpawnSyncOptions & { timeoutMs: number }): RunResult {
  const r = run(cmd, args, options);
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} exited with ${r.status}:\n${(r.stderr || r.stdout).trim().slice(0, 2000)}`);
  }
  return r;
}

/** The absolute path of `name` on PATH, if any. */
export function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** Rejects after `ms` unless `promise` settles first; the timer never keeps the process alive. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
    timer.unref();
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** Pins every thread of process `pid` to `cpuList` ("0", "1", "0-1"); false when taskset fails. */
export function pin(pid: number, cpuList: string): boolean {
  try {
    return run("taskset", ["-a", "-p", "-c", cpuList, String(pid)], { timeoutMs: 5000 }).status === 0;
  } catch {
    return false;
  }
}

/** This process's CPU affinity list from `taskset -cp` ("0,1", "0-3,6" expanded), or undefined without taskset. */
export function affinity(): string[] | undefined {
  if (which("taskset") === undefined) return undefined;
  try {
    const r = run("taskset", ["-c", "-p", String(process.pid)], { timeoutMs: 5000 });
    const m = /list:\s*([\d,\-\s]+)$/m.exec(r.stdout);
    if (r.status !== 0 || !m) return undefined;
    const cpus: string[] = [];
    for (const part of m[1]!.trim().split(",")) {
      const [a, b] = part.split("-").map(Number);
      for (let c = a!; c <= (b ?? a!); c++) cpus.push(String(c));
    }
    return cpus.length ? cpus : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------
// Machine

export interface MachineInfo {
  node: string;
  cpuModel: string;
  cores: number;
  os: string;
  loadAverage: string;
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  let model = list[0]?.model?.trim() ?? "unknown";
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (m) model = m[1]!.trim();
  } catch {
    /* not Linux */
  }
  return {
    node: process.version,
    cpuModel: model,
    cores: list.length,
    os: `${process.platform} ${process.arch}`,
    loadAverage: loadavg()
      .map((x) => x.toFixed(2))
      .join(" / "),
  };
}

// ---------------------------------------------------------------------------------------------------
// Statistics

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The q-quantile (0..1) of the first n values of xs (nearest rank); sorts that part of xs in place. */
export function quantileInPlace(xs: Float64Array, n: number, q: number): number {
  if (n === 0) return NaN;
  const part = xs.subarray(0, n).sort();
  return part[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!;
}

/** Spread of per-round values: (max - min) / median, as a percentage string. */
export function spread(xs: readonly number[]): string {
  if (xs.length < 2) return "–";
  const m = median(xs);
  return `±${(((Math.max(...xs) - Math.min(...xs)) / 2 / m) * 100).toFixed(0)}%`;
}

// ---------------------------------------------------------------------------------------------------
// Formatting

export function fmtInt(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return "–";
  return Math.round(x).toLocaleString("en-US");
}

/** 3 significant digits, thousands separators. */
export function fmtNum(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return "–";
  if (Math.abs(x) >= 1000) return fmtInt(x);
  return Number(x.toPrecision(3)).toString();
}

export function fmtRatio(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return "–";
  return `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}×`;
}

export function fmtSeconds(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return "–";
  return `${(ms / 1000).toFixed(3)} s`;
}

/** A markdown table; `align` per column: "l" or "r" (default "r" except the first column). */
export function table(header: readonly string[], rows: readonly (readonly string[])[], align?: readonly ("l" | "r")[]): string[] {
  const al = header.map((_, i) => align?.[i] ?? (i === 0 ? "l" : "r"));
  const line = (cells: readonly string[]): string => `| ${cells.join(" | ")} |`;
  return [line(header), line(al.map((a) => (a === "l" ? "---" : "---:"))), ...rows.map(line)];
}

/**
 * The median over rounds of a[r] / b[r]: each ratio pairs two turns measured a moment apart, so drift
 * of the machine's speed (other load on it) cancels better than in a ratio of medians.
 */
export function pairedRatio(a: readonly number[] | undefined, b: readonly number[] | undefined): number | undefined {
  if (!a || !b) return undefined;
  const n = Math.min(a.length, b.length);
  if (n === 0) return undefined;
  const r: number[] = [];
  for (let i = 0; i < n; i++) r.push(a[i]! / b[i]!);
  return median(r);
}

/** Keeps results alive so the JIT cannot drop the work that produced them. */
export const sink = { value: 0 };
