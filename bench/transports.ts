/**
 * Transport benchmark (issue 11 §6): what TLS and THeader cost, on `Calc.divide(i32, i32) -> double`
 * in the binary protocol over 127.0.0.1, one connection per peer.
 * - TLS: rpcgen framed over plain TCP and over TLS (`connectTls` / `createTlsServer`), Apache's npm
 *   thrift framed over TLS (`createSSLConnection` / `createServer({ tls })`) and over plain TCP.
 * - THeader: rpcgen framed, THeader, THeader with the zlib transform, and framed inside the zlib
 *   transport (`zlib: true`).
 * Each at one call at a time and at 100 in flight: calls/s, CPU µs per call in the client (the harness)
 * and the server (a child process), and TCP payload bytes per call both ways, read from the kernel's
 * counters for the client's socket (`ss -ti`), so TLS records and zlib output are counted as sent.
 * Rounds are interleaved (rpc.ts's runScenario); ratios are medians of per-round ratios.
 */
import type { TLSSocket } from "node:tls";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { BinaryProtocol, connect, connectTls, headerFraming, tlsSocketFactory, type SocketFactory, type TcpConnectionOptions } from "../runtime/index.js";
import { type BenchContext, type Section, fmtInt, fmtNum, fmtRatio, median, pairedRatio, peerRequire, run, spread, table, which } from "./lib/common.js";
import { APACHE_GEN, RPCGEN_GEN } from "./lib/prepare.js";
import { benchKeys, type BenchKeys } from "./lib/tls-keys.js";
import { HOST, IN_FLIGHT, runScenario, type PeerState, type RpcClient, type RpcPeer, type Scenario, type ScenarioKind } from "./rpc.js";

type Calc = { divide(a: number, b: number): Promise<number> };

/** The negotiated TLS version and cipher of each TLS peer's connection, for the report. */
const sessions = new Map<RpcPeer, string>();

function describeSession(socket: TLSSocket): string {
  return `${socket.getProtocol() ?? "?"}, ${socket.getCipher()?.name ?? "?"}`;
}

async function calcModule(): Promise<{ Calc: { createClient(channel: unknown): Calc } }> {
  return (await import(pathToFileURL(join(RPCGEN_GEN, "calc.js")).href)) as any;
}

// ---------------------------------------------------------------------------------------------------
// Peers

/** rpcgen over plain TCP with these transport options (binary protocol). */
function rpcgenPeer(name: string, serverKind: string, options: TcpConnectionOptions): RpcPeer {
  return {
    name,
    serverKind,
    throws: true,
    connect: async (port) => {
      const mod = await calcModule();
      const conn = await connect({ host: HOST, port }, { protocol: BinaryProtocol, reconnect: false, ...options });
      const client = mod.Calc.createClient(conn);
      return { call: (num1, num2) => client.divide(num1, num2), close: () => conn.close() };
    },
  };
}

/**
 * rpcgen framed over TLS, as a user would connect: `connectTls` with the CA. The socket factory is
 * rpcgen's own, wrapped only to see which TLS version and cipher the handshake settled on.
 */
function rpcgenTlsPeer(keys: BenchKeys): RpcPeer {
  const peer: RpcPeer = {
    name: "rpcgen, TLS",
    serverKind: "rpcgen-tls",
    throws: true,
    connect: async (port) => {
      const mod = await calcModule();
      const target = { host: HOST, port };
      const tls = { ca: keys.ca };
      const base = tlsSocketFactory(target, tls);
      const factory: SocketFactory = Object.assign(
        async (o: Parameters<SocketFactory>[0]) => {
          const socket = await base(o);
          sessions.set(peer, describeSession(socket as TLSSocket));
          return socket;
        },
        { describeLoss: base.describeLoss },
      );
      const conn = await connectTls(target, { protocol: BinaryProtocol, transport: "framed", reconnect: false, tls, socketFactory: factory });
      const client = mod.Calc.createClient(conn);
      return { call: (num1, num2) => client.divide(num1, num2), close: () => conn.close() };
    },
  };
  return peer;
}

/** Apache's npm thrift, binary framed; over TLS (verifying the server against the CA) when `keys` are given. */
function apachePeer(keys: BenchKeys | undefined): RpcPeer {
  const peer: RpcPeer = {
    name: keys ? "Apache thrift 0.17, TLS" : "Apache thrift 0.17, plain TCP",
    serverKind: keys ? "apache-tls" : "apache",
    throws: true,
    connect: (port) => {
      const thrift = peerRequire("thrift") as any;
      const Calc = peerRequire(join(APACHE_GEN, "Calc.js")) as any;
      const options = { transport: thrift.TFramedTransport, protocol: thrift.TBinaryProtocol, max_attempts: 1 };
      const conn = keys ? thrift.createSSLConnection(HOST, port, { ...options, ca: keys.ca }) : thrift.createConnection(HOST, port, options);
      const client = thrift.createClient(Calc, conn);
      return new Promise<RpcClient>((resolve, reject) => {
        conn.once("error", reject);
        conn.once("connect", () => {
          conn.off("error", reject);
          conn.on("error", () => {});
          if (keys) sessions.set(peer, describeSession(conn.connection as TLSSocket));
          resolve({
            call: (num1, num2) => new Promise<number>((res, rej) => client.divide(num1, num2, (err: unknown, v: number) => (err ? rej(err) : res(v)))),
            close: async () => conn.end(),
          });
        });
      });
    },
  };
  return peer;
}

// ---------------------------------------------------------------------------------------------------
// Bytes on the wire

/**
 * TCP payload bytes sent plus received so far by the client's socket to `port` (the one established
 * connection with that destination port), from the kernel's tcp_info through `ss`; undefined without
 * ss. Read in a round of its own after the timed ones (runScenario), since spawning ss perturbs the
 * rounds after it.
 */
export function wireBytes(port: number): number | undefined {
  let r: ReturnType<typeof run>;
  try {
    r = run("ss", ["-tinH", "state", "established", "dport", "=", `:${port}`], { timeoutMs: 5000 });
  } catch {
    return undefined; // a missing figure, not a failed peer
  }
  if (r.status !== 0) return undefined;
  const sum = (field: string): number => [...r.stdout.matchAll(new RegExp(`\\b${field}:(\\d+)`, "g"))].reduce((a, m) => a + Number(m[1]), 0);
  // A socket that never sent (or received) omits the field, so the sum of none is 0, as it should be.
  return /\bbytes_(sent|received):/.test(r.stdout) ? sum("bytes_sent") + sum("bytes_received") : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Report

interface Group {
  title: string;
  intro: string;
  peers: RpcPeer[];
  /** Overheads to report: [label, figure key, a, b] for a ÷ b. */
  ratios: [string, string, RpcPeer, RpcPeer][];
  notes: string[];
}

const KINDS: ScenarioKind[] = ["seq", "par"];
const IN_FLIGHT_OF: Record<string, string> = { seq: "1 in flight", par: `${IN_FLIGHT} in flight` };

interface Round {
  callsPerSec: number;
  clientCpu?: number | undefined;
  serverCpu?: number | undefined;
}

type Results = Map<ScenarioKind, PeerState[]>;

/** Bytes per call on the wire, from the scenario's own bytes round (see PeerState.wireBytes). */
function bytesOf(results: Results, kind: ScenarioKind, peer: RpcPeer): number | undefined {
  return results.get(kind)?.find((x) => x.peer === peer)?.wireBytes;
}

function roundsOf(results: Results, kind: ScenarioKind, peer: RpcPeer): Round[] {
  const s = results.get(kind)?.find((x) => x.peer === peer);
  return (kind === "par" ? s?.par : s?.seq) ?? [];
}

function errorOf(results: Results, peer: RpcPeer): string | undefined {
  for (const kind of KINDS) {
    const e = results.get(kind)?.find((x) => x.peer === peer)?.error;
    if (e !== undefined) return `failed: ${e.split("\n")[0]}`;
  }
  return undefined;
}

/** Client plus server CPU µs per call in each round (rounds without both left out). */
function cpuOf(rounds: Round[]): number[] {
  return rounds.flatMap((r) => (r.clientCpu !== undefined && r.serverCpu !== undefined ? [r.clientCpu + r.serverCpu] : []));
}


function cpuCell(rounds: Round[]): string {
  const total = cpuOf(rounds);
  if (total.length === 0) return "–";
  const client = median(rounds.map((r) => r.clientCpu ?? NaN));
  const server = median(rounds.map((r) => r.serverCpu ?? NaN));
  return `${fmtNum(median(total))} (${fmtNum(client)} + ${fmtNum(server)})`;
}

function peerRow(results: Results, peer: RpcPeer): string[] {
  const cells = KINDS.flatMap((kind) => {
    const rounds = roundsOf(results, kind, peer);
    const rates = rounds.map((r) => r.callsPerSec);
    const rate = rates.length < 2 ? fmtInt(median(rates)) : `${fmtInt(median(rates))} ${spread(rates)}`;
    return rounds.length === 0 ? ["–", "–", "–"] : [rate, cpuCell(rounds), fmtNum(bytesOf(results, kind, peer))];
  });
  const bad = errorOf(results, peer);
  const [seqRate, seqCpu, seqBytes, parRate, parCpu, parBytes] = cells;
  return [bad ? `${peer.name} (${bad})` : peer.name, seqRate!, parRate!, seqCpu!, parCpu!, seqBytes!, parBytes!];
}

/** The ratios a ÷ b of one comparison, per scenario: calls/s, CPU per call, bytes per call. */
function ratioRow(results: Results, a: RpcPeer, b: RpcPeer): { cells: string[]; values: Record<string, number | undefined> } {
  const values: Record<string, number | undefined> = {};
  for (const kind of KINDS) {
    const ra = roundsOf(results, kind, a);
    const rb = roundsOf(results, kind, b);
    values[`${kind}.calls`] = pairedRatio(
      ra.map((r) => r.callsPerSec),
      rb.map((r) => r.callsPerSec),
    );
    values[`${kind}.cpu`] = pairedRatio(cpuOf(ra), cpuOf(rb));
    const [bytesA, bytesB] = [bytesOf(results, kind, a), bytesOf(results, kind, b)];
    values[`${kind}.bytes`] = bytesA === undefined || bytesB === undefined ? undefined : bytesA / bytesB;
  }
  const order = ["seq.calls", "par.calls", "seq.cpu", "par.cpu", "seq.bytes", "par.bytes"];
  return { cells: order.map((k) => fmtRatio(values[k])), values };
}

const HEADER = [
  `calls/s, 1 in flight`,
  `calls/s, ${IN_FLIGHT} in flight`,
  "CPU µs/call, 1 in flight (client + server)",
  `CPU µs/call, ${IN_FLIGHT} in flight (client + server)`,
  "bytes/call, 1 in flight",
  `bytes/call, ${IN_FLIGHT} in flight`,
];

const RATIO_HEADER = [
  "calls/s, 1 in flight",
  `calls/s, ${IN_FLIGHT} in flight`,
  "CPU/call, 1",
  `CPU/call, ${IN_FLIGHT}`,
  "bytes/call, 1",
  `bytes/call, ${IN_FLIGHT}`,
];

function groupMarkdown(group: Group, results: Results, figures: Record<string, number | undefined>, key: string): string[] {
  const lines = [
    `### ${group.title}`,
    "",
    group.intro,
    "",
    ...table(
      ["peer", ...HEADER],
      group.peers.map((p) => peerRow(results, p)),
    ),
    "",
  ];
  lines.push(
    ...table(
      ["overhead (a ÷ b)", ...RATIO_HEADER],
      group.ratios.map(([label, name, a, b]) => {
        const { cells, values } = ratioRow(results, a, b);
        for (const [k, v] of Object.entries(values)) figures[`ratio.${key}.${name}.${k}`] = v;
        return [label, ...cells];
      }),
    ),
    "",
  );
  if (group.notes.length) lines.push(...group.notes.map((n) => `- ${n}`), "");
  return lines;
}

// ---------------------------------------------------------------------------------------------------
// Section

function tlsGroup(apacheCode: boolean, keys: BenchKeys | string): Group {
  const plain = rpcgenPeer("rpcgen, plain TCP", "rpcgen-binary", { transport: "framed" });
  const notes: string[] = [];
  if (typeof keys === "string") {
    return {
      title: "TLS",
      intro: "Binary framed over TLS.",
      peers: [],
      ratios: [],
      notes: [`Not measured: the test certificates could not be made (${keys}).`],
    };
  }
  const tls = rpcgenTlsPeer(keys);
  const apacheTls = apacheCode ? apachePeer(keys) : undefined;
  const apachePlain = apacheCode ? apachePeer(undefined) : undefined;
  if (!apacheCode) notes.push("Apache's rows are missing: no `thrift` compiler on PATH to generate its code.");
  else {
    notes.push(
      'Apache\'s npm thrift sets `secureProtocol: "SSLv23_method"` on its TLS client and server unless told otherwise, which in Node caps the session at TLS 1.2: each of its records carries an explicit nonce that TLS 1.3 records do not. Both libraries run with their defaults here.',
    );
  }
  const ratios: Group["ratios"] = [["rpcgen TLS ÷ rpcgen plain TCP", "rpcgenTls/rpcgenPlain", tls, plain]];
  if (apacheTls && apachePlain) {
    ratios.push(
      ["rpcgen TLS ÷ Apache TLS", "rpcgenTls/apacheTls", tls, apacheTls],
      ["Apache TLS ÷ Apache plain TCP", "apacheTls/apachePlain", apacheTls, apachePlain],
    );
  }
  return {
    title: "TLS",
    intro:
      "Binary protocol, framed transport. TLS peers verify the server's certificate (the project's test keys, made into bench/.gen/keys); one handshake per connection, before the rounds. Bytes count TLS records and the TCP payload both ways.",
    peers: [plain, tls, ...(apacheTls ? [apacheTls] : []), ...(apachePlain ? [apachePlain] : [])],
    ratios,
    notes,
  };
}

function headerGroup(): Group {
  const framed = rpcgenPeer("rpcgen, framed", "rpcgen-binary", { transport: "framed" });
  const header = rpcgenPeer("rpcgen, THeader", "rpcgen-header", { transport: "header" });
  const headerZlib = rpcgenPeer("rpcgen, THeader + zlib transform", "rpcgen-header", { transport: headerFraming({ transforms: ["zlib"] }) });
  const zlib = rpcgenPeer("rpcgen, framed in the zlib transport", "rpcgen-zlib", { transport: "framed", zlib: true });
  return {
    title: "THeader and zlib",
    intro:
      "Binary protocol, rpcgen on both sides. THeader calls carry their deadline (the default 30 s timeout) as a header; the server answers each in the dialect and with the transforms it came with. The zlib transform deflates each message on its own (zlib level 6); the zlib transport is one zlib stream per connection with a sync flush per batch written (level 6).",
    peers: [framed, header, headerZlib, zlib],
    ratios: [
      ["THeader ÷ framed", "header/framed", header, framed],
      ["THeader + zlib transform ÷ framed", "headerZlib/framed", headerZlib, framed],
      ["zlib transport ÷ framed", "zlib/framed", zlib, framed],
    ],
    notes: [],
  };
}

export async function runTransports(ctx: BenchContext, apacheCode: boolean): Promise<Section> {
  let keys: BenchKeys | string;
  try {
    keys = benchKeys();
  } catch (e) {
    keys = e instanceof Error ? e.message : String(e);
  }
  const cpus = ctx.cpus;
  const split = cpus !== undefined && cpus.length >= 2;
  const scenarios: Scenario[] = KINDS.map((kind) => ({
    kind,
    title: IN_FLIGHT_OF[kind]!,
    serverCpus: split ? cpus[1] : undefined,
    clientCpus: split ? cpus[0] : undefined,
    section: "transports",
  }));
  const hasSs = which("ss") !== undefined;
  const options = { seqCpu: true, ...(hasSs ? { wireBytes } : {}) };
  const groups: [string, Group][] = [
    ["tls", tlsGroup(apacheCode, keys)],
    ["header", headerGroup()],
  ];
  const markdown: string[] = [
    "`Calc.divide(i32, i32) -> double` (bench/idl/calc.thrift), binary protocol, over 127.0.0.1, one connection per peer; servers in a child process, clients in the harness process" +
      (split ? `, pinned: client on CPU ${cpus[0]}, server on CPU ${cpus[1]}.` : "."),
    `Calls/s are medians over ${ctx.rpc.rounds} interleaved rounds of ${ctx.rpc.ms} ms per peer (± the round spread); CPU is process CPU time (user + system) per call over each round, in the harness (client) and the server process; bytes are TCP payload per call, both ways, from the kernel's counters for the client's socket, over one more round after the timed ones (reading them spawns \`ss\`, whose fork would slow the round after it).` +
      (hasSs ? "" : " **Bytes not measured: `ss` (iproute2) is not installed.**"),
    "Overheads are medians of per-round ratios a ÷ b: for calls/s below 1 means slower, for CPU and bytes above 1 means more.",
    "",
  ];
  const figures: Record<string, number | undefined> = {};
  for (const [key, group] of groups) {
    const results: Results = new Map();
    if (group.peers.length > 0) {
      for (const sc of scenarios) {
        ctx.log(`transports: ${group.title}, ${sc.title}`);
        results.set(sc.kind, await runScenario(ctx, sc, group.peers, options));
      }
    }
    const tlsNotes = group.peers.flatMap((p) => (sessions.has(p) ? [`${p.name}: ${sessions.get(p)}`] : []));
    if (tlsNotes.length) group.notes.push(`Negotiated: ${tlsNotes.join("; ")}.`);
    markdown.push(...groupMarkdown(group, results, figures, key));
  }
  return { title: "Transports: TLS and THeader", markdown, figures };
}
