/**
 * HTTP benchmark: `Calc.divide(i32, i32) -> double` as one POST per call over 127.0.0.1, with
 * keep-alive. Scenarios (as in rpc.ts, whose rounds and server processes it shares): one call at a
 * time, and 100 in flight. Peers, by HTTP version:
 * - HTTP/1.1: the raw node:http floor (a keep-alive agent with up to 100 sockets posting the call's
 *   bytes; a node:http server answering the reply's bytes), rpcgen (node:http client, HttpServer),
 *   rpcgen's client on Node's fetch (for reference: why it is not Node's default), Apache's npm thrift
 *   (createHttpConnection / createWebServer), connect-es (@connectrpc/connect-node, Connect protocol);
 * - HTTP/2: the raw node:http2 floor (one session, a stream per call), rpcgen (one node:http2
 *   session; the same HttpServer, h2c), @grpc/grpc-js.
 */
import { Agent, request as httpRequest } from "node:http";
import { connect as http2Connect, type ClientHttp2Session } from "node:http2";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createFetchChannel, createHttpChannel, type HttpChannelBase } from "../runtime/index.js";
import { type BenchContext, type Section, fmtInt, fmtNum, fmtRatio, median, pairedRatio, peerRequire, spread, table } from "./lib/common.js";
import { connectCalc } from "./lib/connect-calc.js";
import { APACHE_GEN, RPCGEN_GEN } from "./lib/prepare.js";
import { CALL_TEMPLATE, NUM1_AT, NUM2_AT, RESULT_AT, SEQID_AT } from "./lib/wire.js";
import { grpcPeer, HOST, IN_FLIGHT, medianOf, runScenario, type PeerState, type RpcClient, type RpcPeer, type Scenario, type ScenarioKind } from "./rpc.js";

/** The unframed call (the framed template less its length), with seqid and arguments patched in. */
function callBytes(seqid: number, num1: number, num2: number): Buffer {
  const b = Buffer.allocUnsafe(CALL_TEMPLATE.length - 4);
  CALL_TEMPLATE.copy(b, 0, 4);
  b.writeInt32BE(seqid | 0, SEQID_AT - 4);
  b.writeInt32BE(num1, NUM1_AT - 4);
  b.writeInt32BE(num2, NUM2_AT - 4);
  return b;
}

function rawHttp1Peer(): RpcPeer {
  return {
    name: "raw node:http (keep-alive agent)",
    serverKind: "http-raw",
    throws: false,
    connect: async (port) => {
      const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
      let seqid = 0;
      return {
        call: (num1, num2) =>
          new Promise<number>((resolve, reject) => {
            const body = callBytes(seqid++, num1, num2);
            const req = httpRequest(
              { host: HOST, port, method: "POST", path: "/", agent, headers: { "content-type": "application/x-thrift", "content-length": body.length } },
              (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (c: Buffer) => chunks.push(c));
                res.on("end", () => resolve(Buffer.concat(chunks).readDoubleBE(RESULT_AT - 4)));
                res.on("error", reject);
              },
            );
            req.on("error", reject);
            req.end(body);
          }),
        close: async () => agent.destroy(),
      };
    },
  };
}

function rawHttp2Peer(): RpcPeer {
  return {
    name: "raw node:http2 (one session)",
    serverKind: "http2-raw",
    throws: false,
    connect: async (port) => {
      const session: ClientHttp2Session = http2Connect(`http://${HOST}:${port}`);
      session.on("error", () => {});
      let seqid = 0;
      return {
        call: (num1, num2) =>
          new Promise<number>((resolve, reject) => {
            const body = callBytes(seqid++, num1, num2);
            const stream = session.request({ ":method": "POST", ":path": "/", "content-type": "application/x-thrift", "content-length": body.length });
            const chunks: Buffer[] = [];
            stream.on("data", (c: Buffer) => chunks.push(c));
            stream.on("end", () => resolve(Buffer.concat(chunks).readDoubleBE(RESULT_AT - 4)));
            stream.on("error", reject);
            stream.end(body);
          }),
        close: () => new Promise<void>((resolve) => session.close(() => resolve())),
      };
    },
  };
}

function rpcgenHttpPeer(name: string, make: (url: string) => HttpChannelBase): RpcPeer {
  return {
    name,
    serverKind: "rpcgen-http",
    throws: true,
    connect: async (port) => {
      const mod = (await import(pathToFileURL(join(RPCGEN_GEN, "calc.js")).href)) as any;
      const channel = make(`http://${HOST}:${port}/`);
      const client = mod.Calc.createClient(channel) as { divide(a: number, b: number): Promise<number> };
      return { call: (num1, num2) => client.divide(num1, num2), close: () => channel.close() };
    },
  };
}

function apacheHttpPeer(): RpcPeer {
  return {
    name: "Apache thrift 0.17 HTTP (binary)",
    serverKind: "apache-http",
    throws: true,
    connect: async (port) => {
      const thrift = peerRequire("thrift") as any;
      const Calc = peerRequire(join(APACHE_GEN, "Calc.js")) as any;
      const conn = thrift.createHttpConnection(HOST, port, { transport: thrift.TBufferedTransport, protocol: thrift.TBinaryProtocol, path: "/" });
      conn.on("error", () => {});
      const client = thrift.createHttpClient(Calc, conn);
      return {
        call: (num1: number, num2: number) => new Promise<number>((res, rej) => client.divide(num1, num2, (err: unknown, v: number) => (err ? rej(err) : res(v)))),
        close: async () => {},
      } satisfies RpcClient;
    },
  };
}

function connectPeer(): RpcPeer {
  return {
    name: "connect-es 2.1 (@connectrpc/connect-node, HTTP/1.1)",
    serverKind: "connect",
    throws: true,
    connect: async (port) => {
      const { Calc, createConnectTransport, createClient } = connectCalc();
      const client = createClient(Calc, createConnectTransport({ baseUrl: `http://${HOST}:${port}`, httpVersion: "1.1" }));
      return { call: async (num1, num2) => (await client.divide({ num1, num2 })).result, close: async () => {} };
    },
  };
}

export async function runHttp(ctx: BenchContext, apacheCode: boolean): Promise<Section> {
  const raw1 = rawHttp1Peer();
  const raw2 = rawHttp2Peer();
  const rpcgen1 = rpcgenHttpPeer("rpcgen HTTP/1.1 (node:http)", (url) => createHttpChannel(url));
  const rpcgen2 = rpcgenHttpPeer("rpcgen HTTP/2 (node:http2)", (url) => createHttpChannel(url, { httpVersion: "2" }));
  const rpcgenFetch = rpcgenHttpPeer("rpcgen on Node's fetch (reference)", (url) => createFetchChannel(url));
  const apache = apacheCode ? apacheHttpPeer() : undefined;
  const connect = connectPeer();
  const grpc = grpcPeer();
  const h1: RpcPeer[] = [raw1, rpcgen1, rpcgenFetch, ...(apache ? [apache] : []), connect];
  const h2: RpcPeer[] = [raw2, rpcgen2, grpc];
  const cpus = ctx.cpus;
  const split = cpus !== undefined && cpus.length >= 2;
  const notes: string[] = [];
  if (!apacheCode) notes.push("Apache's row is missing: no `thrift` compiler on PATH to generate its code.");
  const scenarios: Scenario[] = [
    { kind: "seq", title: "one call at a time", serverCpus: split ? cpus[1] : undefined, clientCpus: split ? cpus[0] : undefined },
    { kind: "par", title: `${IN_FLIGHT} calls in flight`, serverCpus: split ? cpus[1] : undefined, clientCpus: split ? cpus[0] : undefined },
  ];
  const groups: [string, RpcPeer[], RpcPeer, RpcPeer][] = [
    ["HTTP/1.1", h1, raw1, rpcgen1],
    ["HTTP/2", h2, raw2, rpcgen2],
  ];
  const keys = new Map<RpcPeer, string>([
    [raw1, "floor"],
    [raw2, "floor"],
    [rpcgenFetch, "fetch"],
    [connect, "connect"],
    [grpc, "grpc"],
    ...(apache ? [[apache, "apache"] as [RpcPeer, string]] : []),
  ]);
  const results = new Map<string, PeerState[]>();
  for (const [version, peers] of groups) {
    for (const sc of scenarios) {
      ctx.log(`http: ${version}, ${sc.title}`);
      results.set(`${version}/${sc.kind}`, await runScenario(ctx, sc, peers));
    }
  }

  const rates = (version: string, kind: ScenarioKind, peer: RpcPeer): number[] | undefined => {
    const s = results.get(`${version}/${kind}`)?.find((x) => x.peer === peer);
    if (!s) return undefined;
    return kind === "par" ? s.par.map((x) => x.callsPerSec) : s.seq.map((x) => x.callsPerSec);
  };
  const markdown: string[] = [
    "`Calc.divide(i32, i32) -> double` as one POST per call (binary protocol; gRPC and Connect: calc.proto) over 127.0.0.1 with keep-alive; servers in a child process, clients in the harness process" +
      (split ? `, pinned: client on CPU ${cpus[0]}, server on CPU ${cpus[1]}.` : "."),
    "HTTP/1.1 clients keep up to 100 connections, one call at a time on each; HTTP/2 clients multiplex every call on one connection.",
    "",
  ];
  const figures: Record<string, number | undefined> = {};
  for (const [version, peers, , ours] of groups) {
    for (const sc of scenarios) {
      const states = results.get(`${version}/${sc.kind}`)!;
      markdown.push(`### ${version}, ${sc.title}`, "");
      markdown.push(
        ...table(
          ["peer", "calls/s (median)", "round spread", sc.kind === "par" ? "client CPU µs/call" : "p50 µs", sc.kind === "par" ? "server CPU µs/call" : "p99 µs", "rpcgen ÷ peer"],
          states.map((s) => {
            const xs = sc.kind === "par" ? s.par : s.seq;
            if (xs.length === 0) return [s.peer.name, s.error !== undefined ? `failed: ${s.error.split("\n")[0]}` : "no data", "", "", "", ""];
            const r = rates(version, sc.kind, s.peer);
            return [
              s.peer.name,
              fmtInt(median(r!)),
              spread(r!),
              sc.kind === "par" ? fmtNum(medianOf(s.par, (x) => x.clientCpu)) : fmtNum(medianOf(s.seq, (x) => x.p50)),
              sc.kind === "par" ? fmtNum(medianOf(s.par, (x) => x.serverCpu)) : fmtNum(medianOf(s.seq, (x) => x.p99)),
              s.peer === ours ? "" : fmtRatio(pairedRatio(rates(version, sc.kind, ours), r)),
            ];
          }),
        ),
        "",
      );
      const key = `${version === "HTTP/2" ? "h2" : "h1"}.${sc.kind}`;
      const mine = rates(version, sc.kind, ours);
      if (mine?.length) figures[`${key}.rpcgen`] = median(mine);
      for (const p of peers) {
        if (p === ours) continue;
        const r = rates(version, sc.kind, p);
        const name = keys.get(p)!;
        if (r?.length) figures[`${key}.${name}`] = median(r);
        figures[`ratio.${key}.rpcgen/${name}`] = pairedRatio(mine, r);
      }
    }
  }
  if (notes.length) markdown.push(...notes.map((n) => `- ${n}`));
  return { title: "HTTP", markdown, figures };
}
