/**
 * Decoder fuzzing at a live server, for every protocol × transport (and HTTP with every protocol):
 * raw connections send hostile messages (scripts/reliability/mutate.ts) mixed with valid calls, while a
 * canary client on its own connection makes calls and checks every answer. Figures: hostile messages
 * sent, connections the server cut, crashes (must be 0), canary calls and failures (must be 0), and
 * the server's RSS over time.
 */
import { connect as netConnect, type Socket } from "node:net";
import { connect, createClient, createHttpChannel, type Protocol, type ProtocolWriter, type WriteBuffer } from "../../runtime/index.js";
import type { ThriftTestClient } from "../../interop/thrift-test/ThriftTest.v0.16-nouuid.js";
import { hostile, validCall } from "./mutate.js";
import { framingOf, outputBytes, PROTOCOL_NAMES, PROTOCOLS, streamSpecs, type PeerSpec } from "./spec.js";
import { describe, Peer } from "./processes.js";
import { mb, message, printTable, sleep, type Report } from "./report.js";
import { answerMatches, Random, sample, ThriftTest } from "./service.js";

export interface FuzzSize {
  /** Hostile messages sent to each server. */
  frames: number;
  /** Each server is fuzzed at most this long. */
  durationLimitMs: number;
}

/** Raw connections sending at once. */
const WORKERS = 24;
/** How long a fuzzing connection waits for the server to answer or close before it gives up on it. */
const LINGER_MS = 25;

interface Canary {
  calls: number;
  failures: number;
  errors: string[];
  stop(): Promise<void>;
}

/** Sequential calls with random arguments on one connection; every answer is checked. */
function startCanary(spec: PeerSpec, port: number): Canary {
  const rnd = new Random(777);
  const protocol = PROTOCOLS[spec.protocol];
  const channel =
    spec.kind === "tcp"
      ? connect({ host: "127.0.0.1", port }, { protocol, transport: framingOf(spec.transport), timeoutMs: 5000 })
      : Promise.resolve(createHttpChannel(`http://127.0.0.1:${port}/`, { protocol, timeoutMs: 5000 }));
  const state: Canary = {
    calls: 0,
    failures: 0,
    errors: [],
    stop: async () => {
      running = false;
      await loop;
      (await channel.catch(() => undefined))?.destroy();
    },
  };
  let running = true;
  const loop = (async () => {
    let client: ThriftTestClient;
    try {
      client = createClient(ThriftTest, await channel);
    } catch (error) {
      state.failures++;
      state.errors.push(message(error));
      return;
    }
    while (running) {
      const s = sample(rnd);
      state.calls++;
      try {
        const answer = await s.invoke(client);
        if (!answerMatches(s.expected, answer)) throw new Error(`${s.method.name} answered ${String(answer)}`);
      } catch (error) {
        state.failures++;
        if (state.errors.length < 3) state.errors.push(message(error));
      }
      await sleep(2);
    }
  })();
  return state;
}

/** HTTP/1.1 requests carrying `bodies`, on one connection, some of them hostile at the HTTP level. */
function httpRequests(bodies: Uint8Array[], rnd: Random): Buffer {
  const parts: Buffer[] = [];
  for (const body of bodies) {
    const r = rnd.int(12);
    if (r === 0) {
      parts.push(Buffer.from(rnd.bytes(1 + rnd.int(100))));
      continue;
    }
    const length = r === 1 ? rnd.pick(["-1", "99999999999999", "abc", String(body.length + 5)]) : String(body.length);
    const head =
      r === 2
        ? `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n${rnd.pick(["zz", "fffffffff", "-1", "10"])}\r\n`
        : `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-thrift\r\nContent-Length: ${length}\r\n\r\n`;
    parts.push(Buffer.from(head), Buffer.from(body));
  }
  return Buffer.concat(parts);
}

/**
 * How a message goes on the wire to this server: framed (hostile() attacks the length prefix itself),
 * bare (buffered, HTTP bodies), or inside another framing's own envelope.
 */
function envelope(spec: PeerSpec, protocol: Protocol): { framed: boolean; wrap(body: Uint8Array): Uint8Array } {
  if (spec.kind === "http" || spec.transport === "buffered") return { framed: false, wrap: (body) => body };
  if (spec.transport === "framed") return { framed: true, wrap: frameOf };
  const framing = framingOf(spec.transport);
  return {
    framed: false,
    wrap(body) {
      const out = framing.createOutput(protocol);
      const mark = out.begin();
      // The message as is, in the framing's envelope (protocol writers write into a WriteBuffer of their own).
      (out.writer as ProtocolWriter & { readonly buffer: WriteBuffer }).buffer.writeBytes(body);
      out.end(mark);
      return outputBytes(out);
    },
  };
}

/** One fuzzing connection: a few messages (mostly hostile, some valid) in one or two writes; then waits. */
async function attack(spec: PeerSpec, port: number, protocol: Protocol, rnd: Random, budget: number): Promise<{ sent: number; cut: boolean }> {
  const { framed, wrap } = envelope(spec, protocol);
  const messages: Uint8Array[] = [];
  let sent = 0;
  const n = 1 + rnd.int(Math.min(8, budget));
  for (let i = 0; i < n; i++) {
    if (rnd.int(4) === 0) {
      messages.push(wrap(validCall(protocol, rnd, i)));
    } else {
      const bytes = hostile(protocol, framed, rnd, i).bytes;
      messages.push(framed ? bytes : wrap(bytes));
      sent++;
    }
  }
  const data = spec.kind === "tcp" ? Buffer.concat(messages) : httpRequests(messages, rnd);
  const socket: Socket = netConnect({ host: "127.0.0.1", port });
  socket.on("error", () => {});
  socket.on("data", () => {});
  let cut = false;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(done, LINGER_MS + 2000);
    socket.once("close", () => {
      cut = true;
      done();
    });
    socket.once("connect", () => {
      const at = rnd.int(data.length + 1);
      socket.write(data.subarray(0, at));
      if (at < data.length) socket.write(data.subarray(at));
      clearTimeout(timer);
      setTimeout(done, LINGER_MS);
    });
  });
  socket.destroy();
  return { sent, cut };
}

function frameOf(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 4);
  new DataView(out.buffer).setInt32(0, body.length);
  out.set(body, 4);
  return out;
}

/** RSS samples, in MB, for a short "over time" line: at most `points` evenly spaced. */
function series(samples: number[], points = 8): string {
  if (samples.length === 0) return "-";
  const picked: number[] = [];
  for (let i = 0; i < points; i++) picked.push(samples[Math.round((i * (samples.length - 1)) / Math.max(1, points - 1))]!);
  return picked.filter((v, i) => i === 0 || v !== picked[i - 1] || i === picked.length - 1).map((v) => mb(v)).join(" → ");
}

export async function runFuzz(size: FuzzSize, report: Report): Promise<void> {
  const scenario = "fuzz";
  const specs: PeerSpec[] = [...streamSpecs(), ...PROTOCOL_NAMES.map((protocol): PeerSpec => ({ kind: "http", protocol, transport: "framed" }))];

  const rows: (string | number)[][] = [];
  for (const spec of specs) {
    const peer = await Peer.start(spec);
    const heapBefore = (await peer.stats(true)).heapUsed;
    const canary = startCanary(spec, peer.port);
    const protocol = PROTOCOLS[spec.protocol];
    const rss: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling && peer.crashed === undefined) {
        try {
          rss.push((await peer.stats()).rss);
        } catch {
          break;
        }
        await sleep(250);
      }
    })();
    let sent = 0;
    let connections = 0;
    let cut = 0;
    const deadline = Date.now() + size.durationLimitMs;
    const rnd = new Random(0xf00d + specs.indexOf(spec));
    const started = Date.now();
    await Promise.all(
      Array.from({ length: WORKERS }, async () => {
        while (sent < size.frames && Date.now() < deadline && peer.crashed === undefined) {
          const r = await attack(spec, peer.port, protocol, rnd, size.frames - sent);
          sent += r.sent;
          connections++;
          if (r.cut) cut++;
        }
      }),
    );
    const elapsed = Date.now() - started;
    // The canary keeps going a moment after the attack, so a server left broken by it is seen.
    await sleep(300);
    await canary.stop();
    sampling = false;
    await sampler;
    const crashed = peer.crashed !== undefined;
    // The heap after a full collection, against where it started: what the attack left behind (once
    // the server has closed the attack's connections).
    for (let i = 0; i < 50 && !crashed && (await peer.stats()).connections > 0; i++) await sleep(100);
    const heapAfter = crashed ? NaN : (await peer.stats(true)).heapUsed;
    rows.push([
      describe(spec),
      sent,
      connections,
      cut,
      `${(elapsed / 1000).toFixed(1)} s`,
      crashed ? 1 : 0,
      canary.calls,
      canary.failures,
      series(rss),
      `${mb(heapBefore)} → ${mb(heapAfter)}`,
    ]);
    report.check(scenario, `${describe(spec)}: the server did not crash`, !crashed, peer.crashed);
    report.check(scenario, `${describe(spec)}: every canary call answered correctly`, canary.failures === 0 && canary.calls > 0, canary.errors.join("; "));
    report.check(scenario, `${describe(spec)}: ${size.frames} hostile messages sent`, sent >= size.frames, `${sent} sent`);
    await peer.stop();
  }
  printTable(
    "Decoder fuzzing at a live server (hostile messages mixed with valid calls; a canary client on another connection)",
    ["server", "hostile messages", "connections", "cut by the server", "time", "crashes", "canary calls", "canary failures", "server RSS MB over time", "heap MB after GC: before → after"],
    rows,
  );
}
