/**
 * RPC benchmark: `Calc.divide(i32, i32) -> double` (bench/idl/calc.thrift) over 127.0.0.1.
 *
 * Servers run in child processes (bench/servers/rpc-server.ts), clients here in the parent, one
 * connection per peer. Scenarios:
 * - seq: one call at a time; calls/s, p50 and p99 latency. Server and client on separate cores when
 *   taskset is available.
 * - seq, one core: the same with server and client pinned to the same core.
 * - par: 100 calls in flight on the one connection; calls/s and CPU µs per call in client and server
 *   (process.cpuUsage() on each side over the round).
 * Peers: the raw node:net floor (one write per call; and batching a tick's writes), Apache's npm
 * thrift (binary framed), @grpc/grpc-js unary, rpcgen (binary framed, compact framed).
 * Rounds are interleaved across peers; the tables give medians over rounds.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { connect as netConnect, type Socket } from "node:net";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { BinaryProtocol, CompactProtocol, connect, type Protocol } from "../runtime/index.js";
import {
  IDL_DIR,
  type BenchContext,
  type Section,
  fmtInt,
  fmtNum,
  fmtRatio,
  median,
  pairedRatio,
  peerRequire,
  pin,
  quantileInPlace,
  spread,
  table,
  withTimeout,
} from "./lib/common.js";
import { APACHE_GEN, RPCGEN_GEN } from "./lib/prepare.js";
import { CALL_SIZE, CALL_TEMPLATE, NUM1_AT, NUM2_AT, REPLY_SIZE, RESULT_AT, SEQID_AT } from "./lib/wire.js";

const SERVER_SCRIPT = join(fileURLToPath(new URL(".", import.meta.url)), "servers", "rpc-server.js");
export const HOST = "127.0.0.1";
export const IN_FLIGHT = 100;
/** Most calls one peer makes in one round (bounds memory for latencies and the loop). */
const MAX_CALLS_PER_ROUND = 2_000_000;

export interface RpcClient {
  call(num1: number, num2: number): Promise<number>;
  close(): Promise<void>;
}

export interface RpcPeer {
  name: string;
  serverKind: string;
  connect(port: number): Promise<RpcClient>;
  /** True when divide(1, 0) is expected to fail (every peer but the floor). */
  throws: boolean;
}

// ---------------------------------------------------------------------------------------------------
// Server processes

interface CpuTimes {
  user: number;
  system: number;
}

const live = new Set<ChildProcess>();

/** Kills every server child at once (for exit paths). */
export function killServers(): void {
  for (const c of live) c.kill("SIGKILL");
  live.clear();
}

export class ServerProcess {
  private cpuWaiters: ((t: CpuTimes) => void)[] = [];

  private constructor(
    readonly kind: string,
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.on("message", (m: { type?: string; user?: number; system?: number }) => {
      if (m.type === "cpu") this.cpuWaiters.shift()?.({ user: m.user!, system: m.system! });
    });
  }

  static start(kind: string, cpuList: string | undefined, timeoutMs = 20_000): Promise<ServerProcess> {
    const nodeArgs = ["--no-deprecation", SERVER_SCRIPT, kind];
    const child =
      cpuList === undefined
        ? spawn(process.execPath, nodeArgs, { stdio: ["ignore", "inherit", "inherit", "ipc"] })
        : spawn("taskset", ["-c", cpuList, process.execPath, ...nodeArgs], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    live.add(child);
    child.on("exit", () => live.delete(child));
    return new Promise<ServerProcess>((resolve, reject) => {
      const fail = (e: Error): void => {
        clearTimeout(timer);
        child.kill("SIGKILL");
        reject(e);
      };
      const timer = setTimeout(() => fail(new Error(`${kind} server: not ready within ${timeoutMs} ms`)), timeoutMs);
      child.once("error", (e) => fail(e));
      child.once("exit", (code) => fail(new Error(`${kind} server exited (${code}) before it was ready`)));
      child.once("message", (m: { type?: string; port?: number; message?: string }) => {
        if (m.type === "ready") {
          clearTimeout(timer);
          child.removeAllListeners("exit");
          child.on("exit", () => live.delete(child));
          resolve(new ServerProcess(kind, child, m.port!));
        } else fail(new Error(`${kind} server: ${m.message ?? JSON.stringify(m)}`));
      });
    });
  }

  cpu(): Promise<CpuTimes> {
    return withTimeout(
      new Promise<CpuTimes>((resolve) => {
        this.cpuWaiters.push(resolve);
        this.child.send({ type: "cpu" });
      }),
      5000,
      `${this.kind} server cpu`,
    );
  }

  /** Asks the child to exit; kills it after `ms`. */
  stop(ms = 3000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.child.kill("SIGKILL");
        resolve();
      }, ms);
      this.child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      try {
        this.child.send({ type: "exit" });
      } catch {
        this.child.kill("SIGKILL");
      }
    });
  }
}

// ---------------------------------------------------------------------------------------------------
// Clients

/** The floor: exact framed binary bytes on a node:net socket; replies matched in order. */
function rawPeer(batched: boolean): RpcPeer {
  return {
    name: batched ? "raw node:net, batched writes" : "raw node:net, one write per call",
    serverKind: batched ? "raw-batched" : "raw",
    throws: false,
    connect: (port) =>
      new Promise<RpcClient>((resolve, reject) => {
        const socket: Socket = netConnect({ host: HOST, port }, () => {
          socket.off("error", reject);
          socket.on("error", () => {});
          resolve(client);
        });
        socket.once("error", reject);
        socket.setNoDelay(true);
        const waiting: ((v: number) => void)[] = [];
        let head = 0;
        let seqid = 0;
        let rest: Buffer | undefined;
        let out: Buffer = Buffer.allocUnsafe(CALL_SIZE * 128);
        let outLen = 0;
        let flushQueued = false;
        const flush = (): void => {
          flushQueued = false;
          socket.write(out.subarray(0, outLen));
          out = Buffer.allocUnsafe(out.length);
          outLen = 0;
        };
        socket.on("data", (chunk: Buffer) => {
          const data = rest === undefined ? chunk : Buffer.concat([rest, chunk]);
          rest = undefined;
          let off = 0;
          while (data.length - off >= REPLY_SIZE) {
            const value = data.readDoubleBE(off + RESULT_AT);
            off += REPLY_SIZE;
            const w = waiting[head]!;
            waiting[head++] = undefined as unknown as (v: number) => void;
            if (head === waiting.length) {
              waiting.length = 0;
              head = 0;
            }
            w(value);
          }
          if (off < data.length) rest = data.subarray(off);
        });
        const client: RpcClient = {
          call(num1, num2) {
            let buf: Buffer;
            if (batched) {
              if (outLen + CALL_SIZE > out.length) {
                const bigger = Buffer.allocUnsafe(out.length * 2);
                out.copy(bigger, 0, 0, outLen);
                out = bigger;
              }
              buf = out.subarray(outLen, outLen + CALL_SIZE);
              outLen += CALL_SIZE;
              if (!flushQueued) {
                flushQueued = true;
                process.nextTick(flush);
              }
            } else {
              buf = Buffer.allocUnsafe(CALL_SIZE);
            }
            CALL_TEMPLATE.copy(buf);
            buf.writeInt32BE(seqid++ | 0, SEQID_AT);
            buf.writeInt32BE(num1, NUM1_AT);
            buf.writeInt32BE(num2, NUM2_AT);
            if (!batched) socket.write(buf);
            return new Promise<number>((res) => waiting.push(res));
          },
          close: () =>
            new Promise<void>((res) => {
              socket.end(() => res());
              setTimeout(() => {
                socket.destroy();
                res();
              }, 2000).unref();
            }),
        };
      }),
  };
}

function apachePeer(): RpcPeer {
  return {
    name: "Apache thrift 0.17 (binary framed)",
    serverKind: "apache",
    throws: true,
    connect: (port) => {
      const thrift = peerRequire("thrift") as any;
      const Calc = peerRequire(join(APACHE_GEN, "Calc.js")) as any;
      const conn = thrift.createConnection(HOST, port, {
        transport: thrift.TFramedTransport,
        protocol: thrift.TBinaryProtocol,
        max_attempts: 1,
      });
      const client = thrift.createClient(Calc, conn);
      return new Promise<RpcClient>((resolve, reject) => {
        conn.once("error", reject);
        conn.once("connect", () => {
          conn.off("error", reject);
          conn.on("error", () => {});
          resolve({
            call: (num1, num2) =>
              new Promise<number>((res, rej) => client.divide(num1, num2, (err: unknown, v: number) => (err ? rej(err) : res(v)))),
            close: async () => {
              conn.end();
            },
          });
        });
      });
    },
  };
}

export function grpcPeer(): RpcPeer {
  return {
    name: "@grpc/grpc-js (unary)",
    serverKind: "grpc",
    throws: true,
    connect: (port) => {
      const grpc = peerRequire("@grpc/grpc-js") as any;
      const loader = peerRequire("@grpc/proto-loader") as any;
      const def = loader.loadSync(join(IDL_DIR, "calc.proto"), { keepCase: true, defaults: true });
      const Calc = grpc.loadPackageDefinition(def).bench.Calc;
      const client = new Calc(`${HOST}:${port}`, grpc.credentials.createInsecure());
      return new Promise<RpcClient>((resolve, reject) => {
        client.waitForReady(Date.now() + 10_000, (err: Error | undefined) => {
          if (err) return reject(err);
          resolve({
            call: (num1, num2) =>
              new Promise<number>((res, rej) =>
                client.Divide({ num1, num2 }, (e: unknown, reply: { result: number }) => (e ? rej(e) : res(reply.result))),
              ),
            close: async () => client.close(),
          });
        });
      });
    },
  };
}

function rpcgenPeer(protocol: Protocol, label: string): RpcPeer {
  return {
    name: `rpcgen (${label} framed)`,
    serverKind: `rpcgen-${label}`,
    throws: true,
    connect: async (port) => {
      const mod = (await import(pathToFileURL(join(RPCGEN_GEN, "calc.js")).href)) as any;
      const conn = await connect({ host: HOST, port }, { protocol, transport: "framed", reconnect: false });
      const client = mod.Calc.createClient(conn) as { divide(a: number, b: number): Promise<number> };
      return {
        call: (num1, num2) => client.divide(num1, num2),
        close: () => conn.close(),
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Measurements

export interface SeqSample {
  callsPerSec: number;
  p50: number;
  p99: number;
  /** CPU µs per call in the harness and in the server, when the scenario asks for them (`RoundOptions.seqCpu`). */
  clientCpu?: number;
  serverCpu?: number;
  /** TCP payload bytes per call, both ways, when the scenario counts them (`RoundOptions.wireBytes`). */
  wireBytes?: number;
}

export interface ParSample {
  callsPerSec: number;
  clientCpu: number;
  serverCpu: number;
  wireBytes?: number;
}

/** What a section measures around each round besides calls/s (bench/transports.ts asks for both). */
export interface RoundOptions {
  /** Take client and server CPU over one-at-a-time rounds too (par rounds always do). */
  seqCpu?: boolean;
  /** TCP payload bytes so far, both ways, on the client's connection to the server on `port`. */
  wireBytes?: (port: number) => number | undefined;
}

/** Per-call bytes on the wire over a round, from two readings of `RoundOptions.wireBytes`. */
function bytesPerCall(before: number | undefined, after: number | undefined, calls: number): number | undefined {
  return before === undefined || after === undefined || calls === 0 ? undefined : (after - before) / calls;
}

const latencies = new Float64Array(MAX_CALLS_PER_ROUND);

async function measureSeq(client: RpcClient, server: ServerProcess, ms: number, options: RoundOptions): Promise<SeqSample> {
  const s0 = options.seqCpu ? await server.cpu() : undefined;
  const b0 = options.wireBytes?.(server.port);
  const c0 = process.cpuUsage();
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (n < MAX_CALLS_PER_ROUND) {
    const s = t;
    await client.call(n & 0xffff, 7);
    t = performance.now();
    latencies[n++] = t - s;
    if (t - t0 >= ms) break;
  }
  const c = process.cpuUsage(c0);
  const s1 = s0 === undefined ? undefined : await server.cpu();
  const wireBytes = bytesPerCall(b0, options.wireBytes?.(server.port), n);
  return {
    callsPerSec: (n / (t - t0)) * 1000,
    p50: quantileInPlace(latencies, n, 0.5) * 1000,
    p99: quantileInPlace(latencies, n, 0.99) * 1000,
    ...(s0 !== undefined && s1 !== undefined ? { clientCpu: (c.user + c.system) / n, serverCpu: (s1.user + s1.system - s0.user - s0.system) / n } : {}),
    ...(wireBytes !== undefined ? { wireBytes } : {}),
  };
}

async function measurePar(client: RpcClient, server: ServerProcess, ms: number, options: RoundOptions): Promise<ParSample> {
  const b0 = options.wireBytes?.(server.port);
  const s0 = await server.cpu();
  const c0 = process.cpuUsage();
  let done = 0;
  let stop = false;
  const t0 = performance.now();
  let t1 = t0;
  const worker = async (): Promise<void> => {
    while (!stop) {
      await client.call(done & 0xffff, 7);
      done++;
      t1 = performance.now();
      if (t1 - t0 >= ms || done >= MAX_CALLS_PER_ROUND) stop = true;
    }
  };
  const workers: Promise<void>[] = [];
  for (let i = 0; i < IN_FLIGHT; i++) workers.push(worker());
  await Promise.all(workers);
  const c = process.cpuUsage(c0);
  const s1 = await server.cpu();
  const wireBytes = bytesPerCall(b0, options.wireBytes?.(server.port), done);
  return {
    callsPerSec: (done / (t1 - t0)) * 1000,
    clientCpu: (c.user + c.system) / done,
    serverCpu: (s1.user + s1.system - s0.user - s0.system) / done,
    ...(wireBytes !== undefined ? { wireBytes } : {}),
  };
}

async function sanityCheck(peer: RpcPeer, client: RpcClient): Promise<void> {
  const v = await withTimeout(client.call(10, 4), 10_000, `${peer.name}: divide(10, 4)`);
  if (v !== 2.5) throw new Error(`${peer.name}: divide(10, 4) returned ${v}`);
  if (peer.throws) {
    const failed = await withTimeout(
      client.call(1, 0).then(
        () => false,
        () => true,
      ),
      10_000,
      `${peer.name}: divide(1, 0)`,
    );
    if (!failed) throw new Error(`${peer.name}: divide(1, 0) did not fail`);
  }
}

// ---------------------------------------------------------------------------------------------------
// Scenarios

export type ScenarioKind = "seq" | "seq1" | "par";

export interface Scenario {
  kind: ScenarioKind;
  title: string;
  serverCpus: string | undefined;
  clientCpus: string | undefined;
  /** The section's name in progress lines (default "rpc"). */
  section?: string;
}

export interface PeerState {
  peer: RpcPeer;
  server?: ServerProcess;
  client?: RpcClient;
  error?: string;
  seq: SeqSample[];
  par: ParSample[];
  /**
   * TCP payload bytes per call, from a round of its own after the timed ones: reading the kernel's
   * counters spawns `ss`, and the fork leaves the harness's pages copy-on-write, so the round after it
   * pays page faults on every page it writes (allocation-heavy clients such as zlib's most).
   */
  wireBytes?: number;
}

export async function runScenario(ctx: BenchContext, scenario: Scenario, peers: RpcPeer[], options: RoundOptions = {}): Promise<PeerState[]> {
  const states: PeerState[] = peers.map((peer) => ({ peer, seq: [], par: [] }));
  const { wireBytes, ...timedOptions } = options;
  const allCpus = ctx.cpus?.join(",");
  if (scenario.clientCpus !== undefined && !pin(process.pid, scenario.clientCpus)) throw new Error("taskset failed to pin the client");
  try {
    for (const s of states) {
      try {
        s.server = await ServerProcess.start(s.peer.serverKind, scenario.serverCpus);
        s.client = await withTimeout(s.peer.connect(s.server.port), 15_000, `${s.peer.name}: connect`);
        await sanityCheck(s.peer, s.client);
      } catch (e) {
        s.error = e instanceof Error ? e.message : String(e);
        ctx.log(`${scenario.section ?? "rpc"} ${scenario.kind}: ${s.peer.name} unavailable: ${s.error}`);
      }
    }
    /** A round: timed (recorded or warm-up), or one that only counts the bytes on the wire. */
    const measure = async (s: PeerState, ms: number, record: "timed" | "warm-up" | "bytes"): Promise<void> => {
      if (s.error !== undefined || s.client === undefined) return;
      try {
        const limit = ms * 20 + 20_000;
        const roundOptions = record === "bytes" ? { wireBytes } : timedOptions;
        let r: SeqSample | ParSample;
        if (scenario.kind === "par") {
          const par = await withTimeout(measurePar(s.client, s.server!, ms, roundOptions), limit, `${s.peer.name}: par round`);
          if (record === "timed") s.par.push(par);
          r = par;
        } else {
          const seq = await withTimeout(measureSeq(s.client, s.server!, ms, roundOptions), limit, `${s.peer.name}: seq round`);
          if (record === "timed") s.seq.push(seq);
          r = seq;
        }
        if (record === "bytes" && r.wireBytes !== undefined) s.wireBytes = r.wireBytes;
      } catch (e) {
        s.error = e instanceof Error ? e.message : String(e);
        ctx.log(`${scenario.section ?? "rpc"} ${scenario.kind}: ${s.peer.name} failed: ${s.error}`);
      }
    };
    const { rounds, ms, warmupMs } = ctx.rpc;
    for (const s of states) await measure(s, warmupMs, "warm-up");
    for (let r = 0; r < rounds; r++) {
      for (const s of states) await measure(s, ms, "timed");
      if ((r + 1) % 5 === 0 || r + 1 === rounds) ctx.log(`${scenario.section ?? "rpc"} ${scenario.kind}: round ${r + 1}/${rounds} done`);
    }
    if (wireBytes !== undefined) for (const s of states) await measure(s, ms, "bytes");
  } finally {
    for (const s of states) {
      if (s.client) await withTimeout(s.client.close(), 5000, `${s.peer.name}: close`).catch(() => {});
      if (s.server) await s.server.stop();
    }
    if (scenario.clientCpus !== undefined && allCpus !== undefined) pin(process.pid, allCpus);
  }
  return states;
}

export function medianOf<T>(xs: readonly T[], f: (x: T) => number): number | undefined {
  return xs.length ? median(xs.map(f)) : undefined;
}

export async function runRpc(ctx: BenchContext, apacheCode: boolean): Promise<Section> {
  const rpcgenBinary = rpcgenPeer(BinaryProtocol, "binary");
  const rpcgenCompact = rpcgenPeer(CompactProtocol, "compact");
  const raw = rawPeer(false);
  const rawBatched = rawPeer(true);
  const apache = apacheCode ? apachePeer() : undefined;
  const grpc = grpcPeer();
  const peers = [raw, rawBatched, ...(apache ? [apache] : []), grpc, rpcgenBinary, rpcgenCompact];
  const cpus = ctx.cpus;
  const split = cpus !== undefined && cpus.length >= 2;
  const notes: string[] = [];
  if (!apacheCode) notes.push("Apache's rows are missing: no `thrift` compiler on PATH to generate its code.");

  const scenarios: Scenario[] = [
    {
      kind: "seq",
      title: "seq: one call at a time on one connection",
      serverCpus: split ? cpus[1] : undefined,
      clientCpus: split ? cpus[0] : undefined,
    },
    ...(cpus !== undefined
      ? [{ kind: "seq1" as const, title: "seq on one core: client and server pinned to the same core", serverCpus: cpus[0], clientCpus: cpus[0] }]
      : []),
    {
      kind: "par",
      title: `par: ${IN_FLIGHT} calls in flight on one connection`,
      serverCpus: split ? cpus[1] : undefined,
      clientCpus: split ? cpus[0] : undefined,
    },
  ];
  if (cpus === undefined) notes.push("taskset is not available: nothing was pinned, and the one-core scenario was skipped.");
  else if (!split) notes.push("Only one core: client and server share it in every scenario.");

  const results = new Map<ScenarioKind, PeerState[]>();
  for (const sc of scenarios) {
    ctx.log(`rpc: ${sc.title}`);
    results.set(sc.kind, await runScenario(ctx, sc, peers));
  }

  const markdown: string[] = [
    "`Calc.divide(i32, i32) -> double` (bench/idl/calc.thrift; gRPC: bench/idl/calc.proto) over 127.0.0.1, one connection per peer; servers in a child process, clients in the harness process.",
    split
      ? `Pinned with taskset: client on CPU ${cpus[0]} and server on CPU ${cpus[1]}, except in the one-core scenario (both on CPU ${cpus[0]}).`
      : "Not pinned to separate cores (see notes).",
    "",
  ];
  const figures: Record<string, number | undefined> = {};
  const stateOf = (kind: ScenarioKind, peer: RpcPeer): PeerState | undefined => results.get(kind)?.find((s) => s.peer === peer);
  const status = (s: PeerState | undefined): string | undefined => (s?.error !== undefined ? `failed: ${s.error.split("\n")[0]}` : undefined);

  for (const sc of scenarios) {
    const states = results.get(sc.kind)!;
    markdown.push(`### ${sc.title}`, "");
    if (sc.kind === "par") {
      markdown.push(
        ...table(
          ["peer", "calls/s (median)", "round spread", "client CPU µs/call", "server CPU µs/call"],
          states.map((s) => {
            const bad = s.par.length === 0 ? status(s) ?? "no data" : undefined;
            return bad
              ? [s.peer.name, bad, "", "", ""]
              : [
                  s.peer.name,
                  fmtInt(medianOf(s.par, (x) => x.callsPerSec)),
                  spread(s.par.map((x) => x.callsPerSec)),
                  fmtNum(medianOf(s.par, (x) => x.clientCpu)),
                  fmtNum(medianOf(s.par, (x) => x.serverCpu)),
                ];
          }),
        ),
      );
    } else {
      markdown.push(
        ...table(
          ["peer", "calls/s (median)", "round spread", "p50 µs", "p99 µs"],
          states.map((s) => {
            const bad = s.seq.length === 0 ? status(s) ?? "no data" : undefined;
            return bad
              ? [s.peer.name, bad, "", "", ""]
              : [
                  s.peer.name,
                  fmtInt(medianOf(s.seq, (x) => x.callsPerSec)),
                  spread(s.seq.map((x) => x.callsPerSec)),
                  fmtNum(medianOf(s.seq, (x) => x.p50)),
                  fmtNum(medianOf(s.seq, (x) => x.p99)),
                ];
          }),
        ),
      );
    }
    markdown.push("");
  }

  // Ratios of calls/s: rpcgen ÷ each peer, per scenario, as medians of per-round ratios.
  const rates = (kind: ScenarioKind, peer: RpcPeer | undefined): number[] | undefined => {
    const s = peer && stateOf(kind, peer);
    if (!s) return undefined;
    return kind === "par" ? s.par.map((x) => x.callsPerSec) : s.seq.map((x) => x.callsPerSec);
  };
  const others = peers.filter((p) => p !== rpcgenBinary && p !== rpcgenCompact);
  markdown.push(
    "### rpcgen's calls/s divided by each peer's",
    "",
    `${ctx.rpc.rounds} interleaved rounds of ${ctx.rpc.ms} ms per peer after ${ctx.rpc.warmupMs} ms of warm-up each. rpcgen's calls/s divided by each peer's, as the median of per-round ratios (>1: rpcgen faster):`,
    "",
  );
  markdown.push(
    ...table(
      ["rpcgen ÷", ...others.map((p) => p.name)],
      scenarios.flatMap((sc) =>
        [rpcgenBinary, rpcgenCompact].map((ours) => [
          `${ours.name}, ${sc.kind === "seq1" ? "seq one core" : sc.kind}`,
          ...others.map((p) => fmtRatio(pairedRatio(rates(sc.kind, ours), rates(sc.kind, p)))),
        ]),
      ),
    ),
  );
  if (notes.length) markdown.push("", ...notes.map((n) => `- ${n}`));

  const named = { rpcgenBinary, rpcgenCompact, raw, rawBatched, apache, grpc };
  for (const sc of scenarios) {
    for (const [key, peer] of Object.entries(named)) {
      const r = rates(sc.kind, peer);
      if (r?.length) figures[`${sc.kind}.${key}`] = median(r);
      if (peer !== rpcgenBinary) figures[`ratio.${sc.kind}.rpcgenBinary/${key}`] = pairedRatio(rates(sc.kind, rpcgenBinary), r);
    }
  }
  return { title: "RPC", markdown, figures };
}
