/**
 * `npm run bench`: rpcgen against its peers — codec, RPC and compiler benchmarks — with interleaved
 * rounds, medians and ratios. Prints a markdown report and writes it to bench/results/latest.md.
 *
 *   npm run bench                      full run (a few minutes), writes bench/results/latest.md
 *   npm run bench -- --smoke           every benchmark once with tiny counts (CI); writes bench/.gen/smoke.md
 *   npm run bench -- --only codec,rpc  a subset (codec, rpc, compiler); not written to latest.md
 *   options: --rounds N  --round-ms N  --warmup-ms N  --out FILE
 *
 * Not a test: it asserts no timings. It fails only when something does not work (a peer that cannot
 * start is reported in the table instead).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { parseArgs } from "node:util";
import { runCodec } from "./codec.js";
import { runCompilerBench } from "./compile-wall.js";
import {
  GEN_DIR,
  RESULTS_DIR,
  ROOT,
  type BenchContext,
  type Section,
  fmtInt,
  fmtRatio,
  fmtSeconds,
  machineInfo,
  run,
  sink,
  table,
  which,
} from "./lib/common.js";
import { ensurePeers, generateApache, generateRpcgen, thriftVersion } from "./lib/prepare.js";
import { killServers, runRpc } from "./rpc.js";

const ALL = ["codec", "rpc", "compiler"] as const;
type Bench = (typeof ALL)[number];

function parse(): { ctx: Omit<BenchContext, "thriftCompiler" | "taskset" | "cores" | "log">; only: Bench[]; out: string | undefined } {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    strict: true,
    options: {
      smoke: { type: "boolean" },
      only: { type: "string" },
      rounds: { type: "string" },
      "round-ms": { type: "string" },
      "warmup-ms": { type: "string" },
      out: { type: "string" },
    },
  });
  const smoke = values.smoke ?? false;
  const int = (v: string | undefined, fallback: number, name: string): number => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} takes a positive integer`);
    return n;
  };
  const only = (values.only?.split(",").map((s) => s.trim()) ?? [...ALL]) as Bench[];
  for (const o of only) if (!ALL.includes(o)) throw new Error(`--only: unknown benchmark '${o}' (${ALL.join(", ")})`);
  return {
    ctx: {
      smoke,
      rounds: int(values.rounds, smoke ? 1 : 9, "rounds"),
      roundMs: int(values["round-ms"], smoke ? 20 : 400, "round-ms"),
      warmupMs: int(values["warmup-ms"], smoke ? 10 : 600, "warmup-ms"),
    },
    only,
    out: values.out,
  };
}

function targets(codec: Section | undefined, rpc: Section | undefined, compiler: Section | undefined): string[] {
  const rows: string[][] = [];
  const check = (ratio: number | undefined, min: number): string =>
    ratio === undefined || !Number.isFinite(ratio) ? "not measured" : ratio >= min ? "**holds**" : `**misses** (${((ratio / min) * 100).toFixed(0)}% of target)`;
  if (rpc) {
    const f = rpc.figures;
    const par = f["par.rpcgenBinary"];
    rows.push([
      "par calls/s",
      "raw 146k; raw batched 388k; Apache 37k; grpc-js 7k",
      "≥ 0.7× raw batched",
      `${fmtInt(par)} = ${fmtRatio(par! / f["par.rawBatched"]!)} raw batched (${fmtInt(f["par.rawBatched"])})`,
      check(par! / f["par.rawBatched"]!, 0.7),
    ]);
    rows.push([
      "par calls/s",
      "",
      "≥ 6× Apache",
      `${fmtRatio(par! / f["par.apache"]!)} Apache (${fmtInt(f["par.apache"])})`,
      check(par! / f["par.apache"]!, 6),
    ]);
    const seq1 = f["seq1.rpcgenBinary"];
    rows.push([
      "seq on one core",
      "raw 43k; Apache 17k; grpc-js 4.6k",
      "≥ 0.8× raw",
      `${fmtInt(seq1)} = ${fmtRatio(seq1! / f["seq1.raw"]!)} raw (${fmtInt(f["seq1.raw"])})`,
      check(seq1! / f["seq1.raw"]!, 0.8),
    ]);
  }
  if (codec) {
    const f = codec.figures;
    rows.push([
      "codec enc+dec",
      "Apache binary 115k; protobufjs 492k; JSON 397k",
      "≥ 5× Apache binary",
      `binary ${fmtInt(f.rpcgenBinary)} = ${fmtRatio(f.rpcgenBinary! / f.apacheBinary!)} Apache binary (${fmtInt(f.apacheBinary)})`,
      check(f.rpcgenBinary! / f.apacheBinary!, 5),
    ]);
    rows.push([
      "codec enc+dec",
      "",
      "≥ 1.2× protobufjs",
      `binary ${fmtRatio(f.rpcgenBinary! / f.protobufjs!)}, compact ${fmtRatio(f.rpcgenCompact! / f.protobufjs!)} protobufjs (${fmtInt(f.protobufjs)})`,
      check(f.rpcgenBinary! / f.protobufjs!, 1.2),
    ]);
  }
  if (compiler) {
    const f = compiler.figures;
    rows.push([
      "compile evernote",
      "C++ 0.036 s; creditkarma 0.86 s",
      "≤ 0.3 s",
      `${fmtSeconds(f.rpcgen)} (C++ ${fmtSeconds(f.apache)}, creditkarma ${fmtSeconds(f.creditkarma)}, bare Node start-up ${fmtSeconds(f.nodeFloor)})`,
      f.rpcgen === undefined ? "not measured" : f.rpcgen <= 300 ? "**holds**" : `**misses** (${(f.rpcgen / 300).toFixed(1)}× the limit)`,
    ]);
  }
  return [
    "Issue #6's targets, checked against the peers measured in this same run (the issue's own peer figures are for reference; this machine is shared, so absolute numbers drift between runs, ratios much less).",
    "",
    ...table(["figure", "issue's peer figures", "rpcgen target", "this run", "verdict"], rows, ["l", "l", "l", "l", "l"]),
  ];
}

async function main(): Promise<void> {
  const { ctx: base, only, out } = parse();
  const started = new Date();
  const t0 = performance.now();
  const log = (line: string): void => {
    process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(1)}s] ${line}\n`);
  };
  const machine = machineInfo();
  const thrift = which("thrift");
  const taskset = which("taskset") !== undefined && run("taskset", ["-p", String(process.pid)], { timeoutMs: 5000 }).status === 0;
  const ctx: BenchContext = { ...base, thriftCompiler: thrift, taskset, cores: machine.cores, log };
  // Apache's library uses the deprecated Buffer constructor; its DEP0005 warning is noise here.
  process.noDeprecation = true;

  log("preparing: peers, generated code");
  const peerVersions = ensurePeers(log);
  generateRpcgen();
  const apacheCode = generateApache(thrift);

  const sections: Section[] = [];
  let codec: Section | undefined;
  let rpc: Section | undefined;
  let compiler: Section | undefined;
  if (only.includes("codec")) sections.push((codec = await runCodec(ctx, apacheCode)));
  if (only.includes("rpc")) sections.push((rpc = await runRpc(ctx, apacheCode)));
  if (only.includes("compiler")) sections.push((compiler = runCompilerBench(ctx)));
  const seconds = (performance.now() - t0) / 1000;

  const mode = ctx.smoke ? "smoke (tiny counts; the numbers mean nothing)" : "full";
  const lines = [
    "# rpcgen benchmark results",
    "",
    `Produced by \`npm run bench\`${ctx.smoke ? " -- --smoke" : ""} (bench/run.ts). Medians over interleaved rounds (A B C … A B C …), so drift on this shared machine hits every peer alike; ratios are the figures to compare across runs.`,
    "",
    ...table(
      ["", ""],
      [
        ["date", started.toISOString().replace(/\.\d+Z$/, "Z")],
        ["Node", machine.node],
        ["CPU", `${machine.cpuModel}, ${machine.cores} cores`],
        ["OS", machine.os],
        ["load average at start (1/5/15 min)", machine.loadAverage],
        ["taskset", taskset ? "used (RPC: client on CPU 0, server on CPU 1; one-core scenario: both on CPU 0)" : "not available: nothing pinned"],
        ["mode", `${mode}: ${ctx.rounds} round(s) × ${ctx.roundMs} ms per peer, ${ctx.warmupMs} ms warm-up; run took ${seconds.toFixed(0)} s`],
        ["Apache compiler", thrift ? `thrift ${thriftVersion(thrift) ?? "?"} (${thrift})` : "not installed"],
        ["peers (bench/package.json)", peerVersions.join(", ")],
      ],
      ["l", "l"],
    ),
    "",
    "## Targets",
    "",
    ...targets(codec, rpc, compiler),
    "",
    ...sections.flatMap((s) => [`## ${s.title}`, "", ...s.markdown, ""]),
  ];
  const text = lines.join("\n").replace(/\n+$/, "\n");
  process.stdout.write(text);
  const complete = only.length === ALL.length;
  const target = out ?? (ctx.smoke || !complete ? join(GEN_DIR, ctx.smoke ? "smoke.md" : "partial.md") : join(RESULTS_DIR, "latest.md"));
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  log(`wrote ${relative(ROOT, target)} (checksum ${sink.value})`);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    killServers();
    process.exit(130);
  });
}
process.on("exit", killServers);

main().then(
  () => {
    killServers();
    // Peer clients (grpc-js, Apache) may keep handles open; the report is written, so leave.
    process.exit(process.exitCode ?? 0);
  },
  (e: unknown) => {
    killServers();
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  },
);
