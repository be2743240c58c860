/**
 * Compiler benchmark: wall time of compiling the Evernote IDL set (5 files) with each compiler, as a
 * user runs it, process start-up included. Rounds are interleaved; the table gives medians.
 *
 * - rpcgen: `node dist/compiler/bin.cjs -o <tmp> --no-warnings <all 5 files>` (one process).
 * - Apache's C++ compiler: `thrift --gen js:node,ts -o <tmp> <file>` for each of the 5 files (5
 *   processes, timed together).
 * - @creditkarma/thrift-typescript: its CLI, `--target apache`, all 5 files (one process).
 * - Reference: `node -e ''`, the floor of any Node-based compiler's wall time here.
 *
 * (bench/compiler.ts is a different benchmark: rpcgen's front end alone, in-process, cold and warm.)
 */
import { readdirSync, rmSync, mkdirSync } from "node:fs";
import { join, relative } from "node:path";
import {
  BENCH_DIR,
  COMPILER_BIN,
  GEN_DIR,
  ROOT,
  type BenchContext,
  type Section,
  fmtRatio,
  fmtSeconds,
  median,
  pairedRatio,
  run,
  spread,
  table,
} from "./lib/common.js";

interface CompilerPeer {
  name: string;
  command: string;
  /** Runs once; returns the wall time in ms (throws on failure). */
  once(out: string): number;
}

/** The evernote IDL set, in the shared corpus (`$RPCGEN_SHARED`, default `../shared`). */
export const EVERNOTE_DIR = join(process.env["RPCGEN_SHARED"] ?? join(ROOT, "..", "shared"), "corpus", "real-world", "evernote-thrift", "src");

export function runCompilerBench(ctx: BenchContext, evernoteDir = EVERNOTE_DIR): Section {
  const files = readdirSync(evernoteDir)
    .filter((f) => f.endsWith(".thrift"))
    .sort();
  if (files.length === 0) throw new Error(`no .thrift files in ${evernoteDir}`);
  const paths = files.map((f) => join(evernoteDir, f));
  const limit = { timeoutMs: 120_000, cwd: ROOT };

  const checked = (name: string, r: { status: number | null; stderr: string; ms: number }): number => {
    if (r.status !== 0) throw new Error(`${name} failed (exit ${r.status}):\n${r.stderr.slice(0, 2000)}`);
    return r.ms;
  };

  const peers: CompilerPeer[] = [
    {
      name: "rpcgen",
      command: "node dist/compiler/bin.cjs -o <tmp> --no-warnings <5 files>",
      once: (out) => checked("rpcgen", run(process.execPath, [COMPILER_BIN, "-o", out, "--no-warnings", ...paths], limit)),
    },
  ];
  const notes: string[] = [];
  if (ctx.thriftCompiler !== undefined) {
    const thrift = ctx.thriftCompiler;
    peers.push({
      name: "Apache thrift (C++)",
      command: "thrift --gen js:node,ts -o <tmp> <file>, once per file",
      once: (out) => {
        let ms = 0;
        for (const p of paths) ms += checked("thrift", run(thrift, ["--gen", "js:node,ts", "-o", out, p], limit));
        return ms;
      },
    });
  } else {
    notes.push("Apache's compiler row is missing: no `thrift` on PATH (scripts/install-peers installs it).");
  }
  const ckBin = join(BENCH_DIR, "node_modules", "@creditkarma", "thrift-typescript", "dist", "main", "bin", "index.js");
  peers.push({
    name: "creditkarma thrift-typescript",
    command: "thrift-typescript --target apache --sourceDir <dir> --outDir <tmp> <5 files>",
    once: (out) =>
      checked(
        "thrift-typescript",
        run(process.execPath, [ckBin, "--target", "apache", "--sourceDir", evernoteDir, "--outDir", out, ...files], limit),
      ),
  });
  const floor: CompilerPeer = {
    name: "node -e '' (start-up floor, reference)",
    command: "node -e ''",
    once: () => checked("node", run(process.execPath, ["-e", ""], limit)),
  };
  const all = [...peers, floor];

  const times = new Map<CompilerPeer, number[]>(all.map((p) => [p, []]));
  const scratch = join(GEN_DIR, "compile-out");
  const runOne = (p: CompilerPeer, record: boolean): void => {
    const out = join(scratch, String(all.indexOf(p)));
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    const ms = p.once(out);
    if (record) times.get(p)!.push(ms);
  };
  if (!ctx.smoke) {
    ctx.log("compiler: warm-up run of each peer (file cache)");
    for (const p of all) runOne(p, false);
  }
  const { rounds } = ctx.compiler;
  for (let r = 0; r < rounds; r++) {
    for (const p of all) runOne(p, true);
    if ((r + 1) % 3 === 0 || r + 1 === rounds) ctx.log(`compiler: round ${r + 1}/${rounds} done`);
  }
  rmSync(scratch, { recursive: true, force: true });

  const med = new Map(all.map((p) => [p, median(times.get(p)!)]));
  const rpcgen = peers[0]!;
  const rows = all.map((p) => [
    p.name,
    fmtSeconds(med.get(p)),
    fmtSeconds(Math.min(...times.get(p)!)),
    spread(times.get(p)!),
    p === rpcgen || p === floor ? "" : fmtRatio(pairedRatio(times.get(p), times.get(rpcgen))),
    `\`${p.command}\``,
  ]);
  return {
    title: "Compiler",
    markdown: [
      `Wall time to compile the Evernote set (${files.join(", ")}; ${relative(ROOT, evernoteDir)}), process start-up included; ${rounds} interleaved round(s)${ctx.smoke ? "" : " after one warm-up run each"}.`,
      "",
      ...table(["compiler", "median wall", "min", "round spread", "peer ÷ rpcgen (>1: rpcgen faster)", "command"], rows, ["l", "r", "r", "r", "r", "l"]),
      ...(notes.length ? ["", ...notes.map((n) => `- ${n}`)] : []),
    ],
    figures: {
      rpcgen: med.get(rpcgen),
      apache: peers.find((p) => p.name.startsWith("Apache")) && med.get(peers.find((p) => p.name.startsWith("Apache"))!),
      creditkarma: med.get(peers[peers.length - 1]!),
      /** creditkarma's time ÷ rpcgen's, median of per-round ratios. */
      creditkarmaRatio: pairedRatio(times.get(peers[peers.length - 1]!), times.get(rpcgen)),
      nodeFloor: med.get(floor),
    },
  };
}
