/**
 * Decoder fuzzing at a live server, for every protocol × transport (framed, buffered, THeader plain and
 * with its zlib transform, the zlib transport, TLS; and HTTP with every protocol): raw connections send
 * hostile messages (scripts/reliability/mutate.ts) mixed with valid calls, while a canary client on its
 * own connection makes calls and checks every answer. THeader envelopes are attacked too, and zlib
 * bombs sent in the transform; the zlib transport gets the hostile plaintext deflated, its compressed
 * stream mutated, and zlib bombs; TLS gets the hostile plaintext inside a TLS connection, and broken
 * ClientHellos and garbage at the port. Figures: hostile messages sent, connections the server cut,
 * crashes (must be 0), canary calls and failures (must be 0), and the server's RSS over time.
 */
import { connect as netConnect, type Socket } from "node:net";
import { constants as zlibConstants, deflateSync } from "node:zlib";
import { createClient, createHttpChannel, headerFraming, MessageType, TType, WriteBuffer, type Protocol, type ProtocolWriter } from "../../runtime/index.js";
import type { ThriftTestClient } from "../../interop/thrift-test/ThriftTest.v0.16-nouuid.js";
import { hostile, mutated, validCall } from "./mutate.js";
import { connectTo, outputBytes, PROTOCOL_NAMES, PROTOCOLS, streamSpecs, transportOf, type PeerSpec } from "./spec.js";
import { clientHello, tlsSocket } from "./tls.js";
import { describe, Peer } from "./processes.js";
import { mb, message, printTable, sleep, type Report } from "./report.js";
import { answerMatches, Random, sample, ThriftTest } from "./service.js";

export interface FuzzSize {
  /** Hostile messages sent to each framed, buffered and HTTP server. */
  frames: number;
  /**
   * To each THeader, zlib and TLS server: fewer, as the suite's one process envelopes, deflates or
   * sends each in a TLS connection of its own (hostile plaintext is the same; the rest is extra).
   */
  otherFrames: number;
  /** Each server is fuzzed at most this long. */
  durationLimitMs: number;
}

/** Server RSS must stay under this (zlib bombs inflate to 32 MiB each if nothing stops them). */
const RSS_BOUND_MB = 400;

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
      ? connectTo(spec, port, { timeoutMs: 5000 })
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
 * bare (buffered, HTTP bodies, the zlib transport's buffered inside), or inside another framing's own
 * envelope (THeader, with its zlib transform when the framing has it). A THeader server also takes
 * framed and bare binary and compact messages, so those are sent to it too (`alsoBare`).
 */
function envelope(spec: PeerSpec, protocol: Protocol): { framed: boolean; enveloped: boolean; wrap(body: Uint8Array): Uint8Array } {
  if (spec.kind === "http") return { framed: false, enveloped: false, wrap: (body) => body };
  const framing = transportOf(spec.transport).framing;
  if (framing.name === "buffered") return { framed: false, enveloped: false, wrap: (body) => body };
  if (framing.name === "framed") return { framed: true, enveloped: false, wrap: frameOf };
  return {
    framed: false,
    enveloped: true,
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

/** Zlib bombs, made once: a few KB of compressed bytes that inflate past the 16 MiB frame limit. */
const BOMB_SIZE = 32 * 1024 * 1024;
const bombs = new Map<string, Uint8Array>();

/** A THeader frame (its length well under the limit) whose zlib-transformed payload inflates to 32 MiB. */
function headerBomb(protocol: Protocol): Uint8Array {
  const key = `header ${protocol.name}`;
  let bomb = bombs.get(key);
  if (bomb === undefined) {
    const out = headerFraming({ transforms: ["zlib"] }).createOutput(protocol);
    const mark = out.begin();
    (out.writer as ProtocolWriter & { readonly buffer: WriteBuffer }).buffer.writeBytes(new Uint8Array(BOMB_SIZE));
    out.end(mark);
    bomb = outputBytes(out);
    bombs.set(key, bomb);
  }
  return bomb;
}

/**
 * The start of a zlib transport stream that inflates to 32 MiB: one bare call whose binary argument
 * is 32 MiB of zeros (the buffered scanner must refuse it by its size), or 32 MiB of zeros.
 */
function streamBomb(protocol: Protocol, zeros: boolean): Uint8Array {
  const key = `stream ${protocol.name} ${zeros}`;
  let bomb = bombs.get(key);
  if (bomb === undefined) {
    let plain: Uint8Array;
    if (zeros) plain = new Uint8Array(BOMB_SIZE);
    else {
      const w = protocol.createWriter(new WriteBuffer(BOMB_SIZE + 1024));
      w.writeMessageBegin("testBinary", MessageType.CALL, 1);
      w.writeStructBegin("args");
      w.writeFieldBegin("thing", TType.STRING, 1);
      w.writeBinary(new Uint8Array(BOMB_SIZE));
      w.writeFieldEnd();
      w.writeFieldStop();
      w.writeStructEnd();
      w.writeMessageEnd();
      plain = w.buffer.bytes.subarray(0, w.buffer.pos);
    }
    bomb = deflateSync(plain, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    bombs.set(key, bomb);
  }
  return bomb;
}

/** One connection's bytes and how they were made: `lowLevel` attacks are on the zlib stream or TLS itself. */
interface Delivery {
  data: Uint8Array;
  /** TLS: what goes on the TCP connection itself (the handshake's bytes mutated, garbage). */
  raw?: "client-hello" | "after-handshake" | undefined;
}

/** A real ClientHello (captured once from Node's TLS client), for the handshake attacks. */
let hello: Uint8Array | undefined;

/** TLS-level attacks: a ClientHello cut short or mutated, a handshake record of garbage, garbage, or garbage records after a handshake. */
function tlsAttack(rnd: Random): Delivery {
  const ch = hello!;
  switch (rnd.int(5)) {
    case 0:
      return { data: ch.subarray(0, 1 + rnd.int(ch.length - 1)), raw: "client-hello" };
    case 1:
      return { data: mutated(ch, rnd), raw: "client-hello" };
    case 2:
      return { data: Uint8Array.from([0x16, ...rnd.bytes(1 + rnd.int(300))]), raw: "client-hello" };
    case 3:
      return { data: rnd.bytes(1 + rnd.int(300)), raw: "client-hello" };
    default:
      return { data: Uint8Array.from([rnd.pick([0x14, 0x15, 0x16, 0x17, 0x18, 0xff]), 0x03, 0x03, ...rnd.bytes(rnd.int(200))]), raw: "after-handshake" };
  }
}

/**
 * One fuzzing connection: a few messages (mostly hostile, some valid) in one or two writes; then waits.
 * The zlib transport: the plaintext (hostile messages among valid ones) deflated, or the compressed
 * stream mutated, or a zlib bomb. TLS: the plaintext inside a TLS connection, or an attack on TLS itself.
 */
async function attack(spec: PeerSpec, port: number, protocol: Protocol, rnd: Random, budget: number): Promise<{ sent: number; lowLevel: number; cut: boolean }> {
  const transport = spec.kind === "tcp" ? transportOf(spec.transport) : undefined;
  let delivery: Delivery | undefined;
  let sent = 0;
  let lowLevel = 0;
  if (transport?.tls === true && rnd.int(5) === 0) {
    delivery = tlsAttack(rnd);
    sent = lowLevel = 1;
  } else if (transport?.zlib === true && rnd.int(8) === 0) {
    delivery = { data: streamBomb(protocol, rnd.int(2) === 0) };
    sent = lowLevel = 1;
  } else if (transport?.framing.carriesHeaders === true && rnd.int(40) === 0) {
    delivery = { data: headerBomb(protocol) };
    sent = lowLevel = 1;
  }
  if (delivery === undefined) {
    const { framed, enveloped, wrap } = envelope(spec, protocol);
    const messages: Uint8Array[] = [];
    const n = 1 + rnd.int(Math.min(8, budget));
    for (let i = 0; i < n; i++) {
      if (rnd.int(4) === 0) {
        messages.push(wrap(validCall(protocol, rnd, i)));
        continue;
      }
      sent++;
      const r = rnd.int(4);
      if (enveloped && r === 0) {
        // The envelope itself attacked: THeader's length, magic, flags, varints, info headers, and (with the transform) the compressed payload.
        messages.push(mutated(wrap(validCall(protocol, rnd, i)), rnd));
      } else if (enveloped && r === 1 && protocol.name !== "json") {
        // A THeader server also takes framed and bare binary and compact messages: those attacked too.
        const bare = rnd.int(2) === 0;
        messages.push(hostile(protocol, !bare, rnd, i).bytes);
      } else {
        const bytes = hostile(protocol, framed, rnd, i).bytes;
        messages.push(framed ? bytes : wrap(bytes));
      }
    }
    const plain = spec.kind === "tcp" ? Buffer.concat(messages) : httpRequests(messages, rnd);
    if (transport?.zlib === true) {
      let compressed: Uint8Array = deflateSync(plain, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
      if (rnd.int(4) === 0) {
        // The compressed stream itself: bits flipped, bytes inserted or cut, or stopped short.
        compressed = rnd.int(3) === 0 ? compressed.subarray(0, rnd.int(compressed.length)) : mutated(compressed, rnd);
        sent++;
        lowLevel++;
      }
      delivery = { data: compressed };
    } else {
      delivery = { data: plain };
    }
  }
  const cut = await deliver(port, transport?.tls === true, delivery, rnd);
  return { sent, lowLevel, cut };
}

/** Writes the bytes (in one or two writes) on a new connection, then waits a moment for the server to answer or close. */
async function deliver(port: number, tls: boolean, delivery: Delivery, rnd: Random): Promise<boolean> {
  const data = delivery.data;
  const tcp: Socket = netConnect({ host: "127.0.0.1", port });
  tcp.on("error", () => {});
  let socket: Socket = tcp;
  let ready = "connect";
  if (tls && delivery.raw !== "client-hello") {
    socket = tlsSocket(port, tcp);
    ready = "secureConnect";
  }
  if (socket === tcp) tcp.on("data", () => {});
  else socket.on("data", () => {});
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
    socket.once(ready, () => {
      // After the handshake, garbage goes under TLS, on the TCP connection itself.
      const target = delivery.raw === "after-handshake" ? tcp : socket;
      const at = rnd.int(data.length + 1);
      target.write(data.subarray(0, at));
      if (at < data.length) target.write(data.subarray(at));
      clearTimeout(timer);
      setTimeout(done, LINGER_MS);
    });
  });
  socket.destroy();
  tcp.destroy();
  return cut;
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

  if (specs.some((s) => s.kind === "tcp" && transportOf(s.transport).tls)) hello ??= await clientHello();
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
    let lowLevel = 0;
    let connections = 0;
    let cut = 0;
    const deadline = Date.now() + size.durationLimitMs;
    const rnd = new Random(0xf00d + specs.indexOf(spec));
    const frames = spec.kind === "http" || spec.transport === "framed" || spec.transport === "buffered" ? size.frames : size.otherFrames;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: WORKERS }, async () => {
        while (sent < frames && Date.now() < deadline && peer.crashed === undefined) {
          const r = await attack(spec, peer.port, protocol, rnd, frames - sent);
          sent += r.sent;
          lowLevel += r.lowLevel;
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
    const peakRss = Math.max(0, ...rss);
    rows.push([
      describe(spec),
      sent,
      lowLevel,
      connections,
      cut,
      `${(elapsed / 1000).toFixed(1)} s`,
      crashed ? 1 : 0,
      canary.calls,
      canary.failures,
      series(rss),
      `${mb(heapBefore)} → ${mb(heapAfter)}`,
    ]);
    console.log(`  ${describe(spec)}: ${sent} hostile messages in ${(elapsed / 1000).toFixed(1)} s, ${canary.calls} canary calls, ${canary.failures} failed, peak RSS ${mb(peakRss)} MB`);
    report.check(scenario, `${describe(spec)}: the server did not crash`, !crashed, peer.crashed);
    report.check(scenario, `${describe(spec)}: every canary call answered correctly`, canary.failures === 0 && canary.calls > 0, canary.errors.join("; "));
    report.check(scenario, `${describe(spec)}: ${frames} hostile messages sent`, sent >= frames, `${sent} sent`);
    // Zlib bombs (32 MiB each) and the rest must not pile up: memory stays bounded.
    report.check(scenario, `${describe(spec)}: server RSS stayed under ${RSS_BOUND_MB} MB`, peakRss < RSS_BOUND_MB * 1024 * 1024, `peak ${mb(peakRss)} MB`);
    await peer.stop();
  }
  printTable(
    "Decoder fuzzing at a live server (hostile messages mixed with valid calls; a canary client on another connection)",
    ["server", "hostile messages", "of them zlib stream / TLS level", "connections", "cut by the server", "time", "crashes", "canary calls", "canary failures", "server RSS MB over time", "heap MB after GC: before → after"],
    rows,
  );
}
