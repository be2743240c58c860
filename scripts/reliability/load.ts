/**
 * Load: many connections, each with many calls pipelined (a window of them in flight at once), every
 * answer checked: each call must be answered exactly once, with its own answer. Over every protocol ×
 * transport of the stream server, and over HTTP (one call at a time per connection, as HTTP/1.1 goes).
 */
import { createClient, createHttpChannel, type Connection } from "../../runtime/index.js";
import { connectTo, PROTOCOLS, streamSpecs, type PeerSpec } from "./spec.js";
import { describe, Peer } from "./processes.js";
import { message, pool, printTable, quantile, type Report } from "./report.js";
import { answerMatches, Random, sample, ThriftTest } from "./service.js";

export interface LoadSize {
  /** Stream connections, each making `calls` calls with `window` in flight. */
  connections: number;
  calls: number;
  window: number;
  /** HTTP: connections (concurrent calls) and calls on each. */
  httpConnections: number;
  httpCalls: number;
}

interface Tally {
  /** Answers per call: every entry must end at exactly 1. */
  answers: Uint8Array;
  wrong: number;
  failed: number;
  errors: string[];
  latencies: number[];
}

/** Calls `calls` times on one client with `window` in flight; call k's argument makes its answer unique. */
async function drive(client: ReturnType<typeof ThriftTest.createClient>, base: number, calls: number, window: number, tally: Tally, rnd: Random): Promise<void> {
  await pool(calls, window, async (i) => {
    const id = base + i;
    const started = performance.now();
    try {
      // Mostly testI32 with the call's own number; every eighth call a random echo of a richer type.
      if (i % 8 !== 7) {
        const answer = await client.testI32(id);
        if (answer !== id) tally.wrong++;
      } else {
        const s = sample(rnd);
        const answer = await s.invoke(client);
        if (!answerMatches(s.expected, answer)) tally.wrong++;
      }
      tally.answers[id] = tally.answers[id]! + 1;
      if ((id & 15) === 0) tally.latencies.push(performance.now() - started);
    } catch (error) {
      tally.failed++;
      if (tally.errors.length < 3) tally.errors.push(message(error));
    }
  });
}

export async function runLoad(size: LoadSize, report: Report): Promise<void> {
  const scenario = "load";
  const specs: PeerSpec[] = streamSpecs();
  specs.push({ kind: "http", protocol: "binary", transport: "framed" }, { kind: "http", protocol: "json", transport: "framed" });
  const rows: (string | number)[][] = [];
  for (const spec of specs) {
    const peer = await Peer.start(spec);
    const http = spec.kind === "http";
    const connections = http ? size.httpConnections : size.connections;
    const calls = http ? size.httpCalls : size.calls;
    const total = connections * calls;
    const tally: Tally = { answers: new Uint8Array(total), wrong: 0, failed: 0, errors: [], latencies: [] };
    const protocol = PROTOCOLS[spec.protocol];
    const rnd = new Random(4242);
    const handledBefore = (await peer.stats()).handled;
    const started = performance.now();
    try {
      if (http) {
        const channel = createHttpChannel(`http://127.0.0.1:${peer.port}/`, { protocol, timeoutMs: 30_000, maxSockets: connections });
        try {
          const client = createClient(ThriftTest, channel);
          await Promise.all(Array.from({ length: connections }, (_, c) => drive(client, c * calls, calls, 1, tally, rnd)));
        } finally {
          channel.destroy();
        }
      } else {
        const conns: Connection[] = [];
        try {
          for (let c = 0; c < connections; c++) conns.push(await connectTo(spec, peer.port, { timeoutMs: 30_000 }));
          await Promise.all(conns.map((conn, c) => drive(createClient(ThriftTest, conn), c * calls, calls, size.window, tally, rnd)));
        } finally {
          for (const conn of conns) conn.destroy();
        }
      }
    } catch (error) {
      tally.failed++;
      tally.errors.push(message(error));
    }
    const seconds = (performance.now() - started) / 1000;
    const handled = (await peer.stats()).handled - handledBefore;
    let once = 0;
    for (const a of tally.answers) if (a === 1) once++;
    rows.push([
      describe(spec),
      http ? `${connections} × ${calls} (1 in flight each)` : `${connections} × ${calls} (${size.window} in flight each)`,
      total,
      once,
      handled,
      tally.wrong,
      tally.failed,
      Math.round(total / seconds),
      quantile(tally.latencies, 0.99).toFixed(1),
    ]);
    report.check(scenario, `${describe(spec)}: every call answered exactly once and correctly`, once === total && tally.wrong === 0 && tally.failed === 0, tally.errors.join("; "));
    report.check(scenario, `${describe(spec)}: the server ran every call exactly once`, handled === total, `${handled} handled`);
    report.check(scenario, `${describe(spec)}: the server did not crash`, peer.crashed === undefined, peer.crashed);
    await peer.stop();
  }
  printTable(
    "Load: pipelined calls with checkable answers",
    ["server", "connections × calls", "calls", "answered once", "server ran", "wrong answers", "failed", "calls/s", "p99 ms"],
    rows,
  );
}
