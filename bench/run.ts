/**
 * `npm run bench`: rpcgen against its peers — codec, RPC and compiler benchmarks — with interleaved
 * rounds, medians and ratios. Prints a markdown report and writes it to bench/results/latest.md.
 *
 *   npm run bench                      full run (a few minutes), writes bench/results/latest.md
 *   npm run bench -- --smoke           every benchmark once with tiny counts (CI); writes bench/.gen/smoke.md
 *   npm run bench -- --only codec,rpc  a subset (codec, rpc, http, transports, compiler); not written to latest.md
 *   options: --rounds N  --round-ms N  --warmup-ms N (override every benchmark's defaults)  --out FILE

 *
 * Not a test: it asserts no timings. It fails only when something does not work (a peer that cannot
 * start is reported in the table instead).
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { parseArgs } from "node:util";
import { runCodec } from "./codec.js";
import { EVERNOTE_DIR, runCompilerBench } from "./compile-wall.js";
import {
  GEN_DIR,
  RESULTS_DIR,
  ROOT,
  type BenchContext,
  type RoundSettings,
  type Section,
  fmtInt,
  fmtRatio,
  fmtSeconds,
  affinity,
  machineInfo,
  sink,
  table,
  which,
} from "./lib/common.js";
import { ensurePeers, generateApache, generateRpcgen, thriftVersion } from "./lib/prepare.js";
import { runHttp } from "./http.js";
import { killServers, runRpc } from "./rpc.js";
import { runTransports } from "./transports.js";

const ALL = ["codec", "rpc", "http", "transports", "compiler"] as const;
type Bench = (typeof ALL)[number];

type Settings = Pick<BenchContext, "smoke" | "codec" | "rpc" | "compiler">;

function parse(): { settings: Settings; only: Bench[]; out: string | undefined } {
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
  const int = (v: string | undefined, name: string): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} takes a positive integer`);
    return n;
  };
  const rounds = int(values.rounds, "rounds");
  const ms = int(values["round-ms"], "round-ms");
  const warmupMs = int(values["warmup-ms"], "warmup-ms");
  const settings = (full: RoundSettings): RoundSettings =>
    smoke
      ? { rounds: rounds ?? 1, ms: ms ?? 20, warmupMs: warmupMs ?? 10 }
      : { rounds: rounds ?? full.rounds, ms: ms ?? full.ms, warmupMs: warmupMs ?? full.warmupMs };
  const only = (values.only?.split(",").map((s) => s.trim()) ?? [...ALL]) as Bench[];
  for (const o of only) if (!ALL.includes(o)) throw new Error(`--only: unknown benchmark '${o}' (${ALL.join(", ")})`);
  return {
    settings: {
      smoke,
      // Many short turns: bursts of other load on this shared machine then hit every peer alike.
      codec: settings({ rounds: 25, ms: 100, warmupMs: 500 }),
      rpc: settings({ rounds: 15, ms: 250, warmupMs: 500 }),
      compiler: settings({ rounds: 9, ms: 0, warmupMs: 0 }),
    },
    only,
    out: values.out,
  };
}

function targets(smoke: boolean, codec: Section | undefined, rpc: Section | undefined, http: Section | undefined, compiler: Section | undefined): string[] {
  const rows: string[][] = [];
  const check = (ratio: number | undefined, min: number): string =>
    smoke ? "n/a (smoke run)" : ratio === undefined || !Number.isFinite(ratio) ? "not measured" : ratio >= min ? "**holds**" : `**misses** (${((ratio / min) * 100).toFixed(0)}% of target)`;
  if (rpc) {
    const f = rpc.figures;
    const toBatched = f["ratio.par.rpcgenBinary/rawBatched"];
    const toApache = f["ratio.par.rpcgenBinary/apache"];
    const toRaw = f["ratio.seq1.rpcgenBinary/raw"];
    rows.push([
      "par calls/s",
      "raw 146k; raw batched 388k; Apache 37k; grpc-js 7k",
      "≥ 0.7× raw batched",
      `rpcgen binary ${fmtInt(f["par.rpcgenBinary"])}: ${fmtRatio(toBatched)} raw batched (${fmtInt(f["par.rawBatched"])})`,
      check(toBatched, 0.7),
    ]);
    rows.push(["par calls/s", "", "≥ 6× Apache", `${fmtRatio(toApache)} Apache (${fmtInt(f["par.apache"])})`, check(toApache, 6)]);
    rows.push([
      "seq on one core",
      "raw 43k; Apache 17k; grpc-js 4.6k",
      "≥ 0.8× raw",
      `rpcgen binary ${fmtInt(f["seq1.rpcgenBinary"])}: ${fmtRatio(toRaw)} raw (${fmtInt(f["seq1.raw"])})`,
      check(toRaw, 0.8),
    ]);
  }
  if (codec) {
    const f = codec.figures;
    const toApache = f["ratio.binary/apacheBinary"];
    const toPb = f["ratio.binary/protobufjs"];
    rows.push([
      "codec enc+dec",
      "Apache binary 115k; protobufjs 492k; JSON 397k",
      "≥ 5× Apache binary",
      `rpcgen binary ${fmtInt(f.rpcgenBinary)}: ${fmtRatio(toApache)} Apache binary (${fmtInt(f.apacheBinary)})`,
      check(toApache, 5),
    ]);
    rows.push([
      "codec enc+dec",
      "",
      "≥ 1.2× protobufjs",
      `binary ${fmtRatio(toPb)}, compact ${fmtRatio(f["ratio.compact/protobufjs"])} protobufjs (${fmtInt(f.protobufjs)})`,
      check(toPb, 1.2),
    ]);
  }
  if (http) {
    const f = http.figures;
    for (const [v, label] of [
      ["h1", "HTTP/1.1"],
      ["h2", "HTTP/2"],
    ] as const) {
      for (const [kind, what] of [
        ["par", "100 in flight"],
        ["seq", "one at a time"],
      ] as const) {
        const k = `${v}.${kind}`;
        const toFloor = f[`ratio.${k}.rpcgen/floor`];
        const peers = (v === "h1" ? ["apache", "connect"] : ["grpc"]).map((p) => [p, f[`ratio.${k}.rpcgen/${p}`]] as const);
        const behind = peers.filter(([, r]) => r !== undefined && r < 1).map(([p]) => p);
        rows.push([
          `${label} ${what}`,
          v === "h1" && kind === "par" ? "raw node:http 14,090; Apache thrift 8,566; grpc-js 4,708; connect-node 2,704" : "",
          "≥ 0.8× raw floor; ahead of every peer",
          `rpcgen ${fmtInt(f[`${k}.rpcgen`])}: ${fmtRatio(toFloor)} floor (${fmtInt(f[`${k}.floor`])}); ${peers.map(([p, r]) => `${fmtRatio(r)} ${p}`).join(", ")}`,
          smoke ? "n/a (smoke run)" : [check(toFloor, 0.8), behind.length === 0 ? "ahead of every peer" : `**behind** ${behind.join(", ")}`].join("; "),
        ]);
      }
    }
  }
  if (compiler) {
    const f = compiler.figures;
    // The limit was set where creditkarma took 0.86 s, i.e. it asks for 0.86 / 0.3 = 2.87× creditkarma's
    // speed; on a slower or busier machine that ratio is the figure that carries over.
    const neededRatio = 0.86 / 0.3;
    const ratio = f.creditkarmaRatio;
    rows.push([
      "compile evernote",
      "C++ 0.036 s; creditkarma 0.86 s",
      "≤ 0.3 s (i.e. ≥ 2.87× creditkarma)",
      `${fmtSeconds(f.rpcgen)} (C++ ${fmtSeconds(f.apache)}, creditkarma ${fmtSeconds(f.creditkarma)}, bare Node start-up ${fmtSeconds(f.nodeFloor)}); ${ratio === undefined ? "no creditkarma ratio" : `${ratio.toFixed(2)}× creditkarma`}`,
      smoke
        ? "n/a (smoke run)"
        : f.rpcgen === undefined
          ? "not measured"
          : [
              f.rpcgen <= 300 ? "absolute: **holds**" : `absolute: **misses** (${(f.rpcgen / 300).toFixed(2)}× the limit)`,
              ratio === undefined ? "" : ratio >= neededRatio ? "relative to creditkarma: **holds**" : "relative to creditkarma: **misses**",
            ]
              .filter(Boolean)
              .join("; "),
    ]);
  }
  return [
    "Issue #6's targets, checked against the peers measured in this same run (ratios are medians of per-round ratios; the issue's own peer figures are for reference: this machine is shared, so absolute numbers drift between runs, ratios much less).",
    "",
    ...table(["figure", "issue's peer figures", "rpcgen target", "this run", "verdict"], rows, ["l", "l", "l", "l", "l"]),
  ];
}

async function main(): Promise<void> {
  const { settings, only, out } = parse();
  const started = new Date();
  const t0 = performance.now();
  const log = (line: string): void => {
    process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(1)}s] ${line}\n`);
  };
  const machine = machineInfo();
  const thrift = which("thrift");
  const cpus = affinity();
  const ctx: BenchContext = { ...settings, thriftCompiler: thrift, cpus, cores: machine.cores, log };
  // Apache's library uses the deprecated Buffer constructor; its DEP0005 warning is noise here.
  process.noDeprecation = true;

  log("preparing: peers, generated code");
  const peerVersions = ensurePeers(log);
  generateRpcgen();
  const apacheCode = generateApache(thrift);

  const sections: Section[] = [];
  let codec: Section | undefined;
  let rpc: Section | undefined;
  let http: Section | undefined;
  let compiler: Section | undefined;
  if (only.includes("codec")) sections.push((codec = await runCodec(ctx, apacheCode)));
  if (only.includes("rpc")) sections.push((rpc = await runRpc(ctx, apacheCode)));
  if (only.includes("http")) sections.push((http = await runHttp(ctx, apacheCode)));
  if (only.includes("transports")) sections.push(await runTransports(ctx, apacheCode));
  if (only.includes("compiler")) {
    if (existsSync(EVERNOTE_DIR)) sections.push((compiler = runCompilerBench(ctx)));
    else log(`compiler benchmark skipped: the evernote IDL set is not at ${EVERNOTE_DIR} (set RPCGEN_SHARED to the directory holding corpus/)`);
  }
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
        [
          "taskset",
          cpus === undefined
            ? "not available: nothing pinned"
            : cpus.length >= 2
              ? `used (RPC: client on CPU ${cpus[0]}, server on CPU ${cpus[1]}; one-core scenario: both on CPU ${cpus[0]})`
              : `used, but only CPU ${cpus[0]} is available: client and server share it`,
        ],
        [
          "mode",
          `${mode}: codec ${ctx.codec.rounds} × ${ctx.codec.ms} ms per peer, RPC ${ctx.rpc.rounds} × ${ctx.rpc.ms} ms per peer and scenario, compiler ${ctx.compiler.rounds} run(s) per peer; run took ${seconds.toFixed(0)} s`,
        ],
        ["Apache compiler", thrift ? `thrift ${thriftVersion(thrift) ?? "?"} (${thrift})` : "not installed"],
        ["peers (bench/package.json)", peerVersions.join(", ")],
      ],
      ["l", "l"],
    ),
    "",
    "## Targets",
    "",
    ...targets(ctx.smoke, codec, rpc, http, compiler),
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
