/**
 * Slow and idle clients: many connections that open and then send nothing, or two bytes of a frame's
 * length and nothing more (HTTP: nothing, or half a request head), are held while new, well-behaved
 * clients keep connecting and calling (the canary). Then the same with short timeouts, to see every
 * held connection closed in time. Figures: connections held, server memory per held connection,
 * canary calls served and failed, and how long the server took to close the held connections.
 */
import { connect as netConnect, type Socket } from "node:net";
import { createClient, createHttpChannel } from "../../runtime/index.js";
import { Peer } from "./processes.js";
import { connectTo, PROTOCOLS, type PeerSpec } from "./spec.js";
import { clientHello, tlsSocket } from "./tls.js";
import { kb, message, pool, printTable, quantile, sleep, within, type Report } from "./report.js";
import { ThriftTest } from "./service.js";

export interface SlowSize {
  /** Connections held at once (full: 10,000, the default connection limit). */
  held: number;
  /** TLS connections held through a finished handshake (each costs the suite a TLS client socket too). */
  tlsHeld: number;
  /** New clients the canary opens while they are held. */
  canaryClients: number;
}

interface Held {
  sockets: Socket[];
  /** Connection attempts that failed or were closed at once. */
  refused: number;
  /** Held connections the server has closed since. */
  closed: () => number;
}

/**
 * What each held connection sends: `payload` (if any), then nothing, or one more byte every `trickleMs`.
 * `memoryBound`: the server's memory per such connection is held to MEMORY_BOUND. `tls`: a TLS server;
 * `handshake`: the connection finishes its TLS handshake first, and the payload goes inside TLS
 * (otherwise it goes on the TCP connection: nothing, or part of a ClientHello).
 */
type Variant = {
  name: string;
  kind: "tcp" | "http" | "tls";
  payload: Buffer | undefined | (() => Promise<Buffer>);
  trickleMs?: number;
  memoryBound?: boolean;
  handshake?: boolean;
};

/** The first half of a real ClientHello. */
const halfHello = async (): Promise<Buffer> => {
  const hello = await clientHello();
  return Buffer.from(hello.subarray(0, hello.length >> 1));
};

/** Server memory per idle or barely started connection. */
const MEMORY_BOUND = 8 * 1024;

const VARIANTS: readonly Variant[] = [
  { name: "tcp idle (nothing sent)", kind: "tcp", payload: undefined, memoryBound: true },
  { name: "tcp slow (2 bytes of a frame length)", kind: "tcp", payload: Buffer.from([0, 0]), memoryBound: true },
  { name: "http idle (nothing sent)", kind: "http", payload: undefined, memoryBound: true },
  { name: "http slow (half a request head)", kind: "http", payload: Buffer.from("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le") },
  { name: "tls no handshake (TCP open, nothing sent)", kind: "tls", payload: undefined, memoryBound: true },
  { name: "tls half a ClientHello", kind: "tls", payload: halfHello },
  { name: "tls handshake done, then idle", kind: "tls", payload: undefined, handshake: true },
  { name: "tls handshake done, 2 bytes of a frame length", kind: "tls", payload: Buffer.from([0, 0]), handshake: true },
];

/** Slow senders that keep the connection busy (an inactivity timeout never fires): only a bound on the whole frame or head stops them. */
const TRICKLING: readonly Variant[] = [
  { name: "tcp trickle (a byte of a frame every 300 ms)", kind: "tcp", payload: Buffer.from([0, 0, 4, 0]), trickleMs: 300 },
  { name: "http trickle (a byte of a request head every 300 ms)", kind: "http", payload: Buffer.from("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: "), trickleMs: 300 },
  { name: "tls trickle (a byte of a ClientHello every 300 ms)", kind: "tls", payload: async () => Buffer.from((await clientHello()).subarray(0, 5)), trickleMs: 300 },
  { name: "tls trickle (a byte of a frame every 300 ms, after the handshake)", kind: "tls", payload: Buffer.from([0, 0, 4, 0]), trickleMs: 300, handshake: true },
];

/** Opens `n` connections to the port, each sending the variant's bytes. */
async function hold(port: number, n: number, variant: Variant): Promise<Held> {
  const payload = typeof variant.payload === "function" ? await variant.payload() : variant.payload;
  const sockets: Socket[] = [];
  let refused = 0;
  let closed = 0;
  // TLS handshakes cost the suite's process CPU too: fewer at once.
  await pool(n, variant.handshake === true ? 50 : 200, async () => {
    const socket = variant.handshake === true ? tlsSocket(port) : netConnect({ host: "127.0.0.1", port });
    socket.on("error", () => {});
    socket.resume(); // reads (and drops) what comes, so the server's closing is seen
    const ok = await new Promise<boolean>((resolve) => {
      socket.once(variant.handshake === true ? "secureConnect" : "connect", () => resolve(true));
      socket.once("close", () => resolve(false));
    });
    if (!ok) {
      refused++;
      return;
    }
    socket.once("close", () => closed++);
    if (payload !== undefined) socket.write(payload);
    if (variant.trickleMs !== undefined) {
      const timer = setInterval(() => socket.write("a"), variant.trickleMs);
      socket.once("close", () => clearInterval(timer));
    }
    sockets.push(socket);
  });
  return { sockets, refused, closed: () => closed };
}

/** New clients, one after another: each connects, makes one call, checks the answer and goes. */
async function canary(spec: PeerSpec, port: number, clients: number): Promise<{ ok: number; failed: number; p99: number; errors: string[] }> {
  const latencies: number[] = [];
  const errors: string[] = [];
  let ok = 0;
  for (let i = 0; i < clients; i++) {
    const started = performance.now();
    try {
      const value = (i * 7919) | 0;
      let answer: number;
      if (spec.kind === "tcp") {
        const conn = await connectTo(spec, port, { timeoutMs: 3000, connectTimeoutMs: 3000, reconnect: false });
        try {
          answer = await createClient(ThriftTest, conn).testI32(value);
        } finally {
          conn.destroy();
        }
      } else {
        const channel = createHttpChannel(`http://127.0.0.1:${port}/`, { protocol: PROTOCOLS[spec.protocol], timeoutMs: 3000 });
        try {
          answer = await createClient(ThriftTest, channel).testI32(value);
        } finally {
          channel.destroy();
        }
      }
      if (answer !== value) throw new Error(`answered ${answer} for ${value}`);
      ok++;
      latencies.push(performance.now() - started);
    } catch (error) {
      if (errors.length < 3) errors.push(message(error));
    }
    await sleep(10);
  }
  return { ok, failed: clients - ok, p99: quantile(latencies, 0.99), errors };
}

export async function runSlow(size: SlowSize, report: Report, smoke: boolean): Promise<void> {
  const scenario = "slow and idle clients";
  const rows: (string | number)[][] = [];
  for (const variant of VARIANTS) {
    const n = variant.handshake === true ? size.tlsHeld : size.held;
    // At smoke size the connection limit is lowered to the number held, so the limit is reached as at full size.
    const options: Record<string, number> = smoke ? { maxConnections: n } : {};
    const spec = specOf(variant, options);
    const peer = await Peer.start(spec);
    let held: Held | undefined;
    try {
      const before = await peer.stats(true);
      held = await hold(peer.port, n, variant);
      await sleep(500);
      const during = await peer.stats(true);
      const open = held.sockets.length - held.closed();
      const perConnection = open > 0 ? (during.rss - before.rss) / open : NaN;
      const heapPerConnection = open > 0 ? (during.heapUsed + during.external - before.heapUsed - before.external) / open : NaN;
      const c = await canary(spec, peer.port, size.canaryClients);
      const after = await peer.stats();
      rows.push([
        variant.name,
        n,
        open,
        held.refused,
        kb(perConnection),
        kb(heapPerConnection),
        `${c.ok}/${size.canaryClients}`,
        Number.isNaN(c.p99) ? "-" : c.p99.toFixed(1),
        after.events["connection-rejected"] ?? 0,
        peer.crashed === undefined ? 0 : 1,
      ]);
      report.check(scenario, `${variant.name}: every new client served while ${n} connections are held`, c.failed === 0, c.errors.join("; "));
      if (variant.memoryBound) {
        // RSS per connection is too noisy to hold to a bound at smoke size; heap and buffers are not.
        const ok = heapPerConnection < MEMORY_BOUND && (smoke || perConnection < MEMORY_BOUND);
        report.check(scenario, `${variant.name}: under ${MEMORY_BOUND / 1024} KB of server memory per held connection`, ok, `RSS ${kb(perConnection)} KB, heap and buffers ${kb(heapPerConnection)} KB`);
      }
      report.check(scenario, `${variant.name}: the server did not crash`, peer.crashed === undefined, peer.crashed);
    } finally {
      for (const s of held?.sockets ?? []) s.destroy();
      await peer.stop();
    }
  }
  printTable(
    `Slow and idle clients: ${size.held} held connections (${size.tlsHeld} through a TLS handshake), ${size.canaryClients} new clients meanwhile (server defaults${smoke ? `, maxConnections as many as held` : ""})`,
    ["variant", "opened", "held", "refused", "server RSS KB/conn", "heap+ext KB/conn", "canary ok", "canary p99 ms", "rejections logged", "crashes"],
    rows,
  );
  await runReaping(size, report);
}

/** The server a variant is held against: binary framed over TCP, TLS or HTTP. */
function specOf(variant: Variant, options: Record<string, number>): PeerSpec {
  return { kind: variant.kind === "http" ? "http" : "tcp", protocol: "binary", transport: variant.kind === "tls" ? "tls" : "framed", options };
}

/** With short timeouts, how long the server takes to close every held connection. */
async function runReaping(size: SlowSize, report: Report): Promise<void> {
  const scenario = "slow and idle clients";
  const rows: (string | number)[][] = [];
  const timeouts = {
    tcp: { frameTimeoutMs: 1000, idleTimeoutMs: 2000 },
    http: { headersTimeoutMs: 1000, keepAliveTimeoutMs: 1000 },
    tls: { handshakeTimeoutMs: 1000, frameTimeoutMs: 1000, idleTimeoutMs: 2000 },
  };
  for (const variant of [...VARIANTS, ...TRICKLING]) {
    const options = timeouts[variant.kind];
    const n = Math.min(variant.handshake === true ? size.tlsHeld : size.held, 2000);
    const { handshakeTimeoutMs, ...serverOptions } = options as typeof options & { handshakeTimeoutMs?: number };
    const peer = await Peer.start({ ...specOf(variant, { ...serverOptions, maxConnections: n + 100 }), handshakeTimeoutMs });
    let held: Held | undefined;
    try {
      held = await hold(peer.port, n, variant);
      // From the last connection opened (2,000 TLS handshakes take the suite seconds to make): each
      // connection's timeouts run from its own start.
      const started = Date.now();
      const bound = Math.max(...Object.values(options)) + 3000;
      let reapedIn = NaN;
      try {
        await within(bound + 5000, (async () => {
          while (held!.closed() < held!.sockets.length) await sleep(50);
        })(), "reaping");
        reapedIn = Date.now() - started;
      } catch {
        // Reported below.
      }
      const closed = held.closed();
      rows.push([variant.name, JSON.stringify(options), held.sockets.length, closed, Number.isNaN(reapedIn) ? "not all" : `${(reapedIn / 1000).toFixed(1)} s`]);
      report.check(scenario, `${variant.name}: every held connection closed within ${bound} ms with ${JSON.stringify(options)}`, closed === held.sockets.length && reapedIn <= bound, `${closed} of ${held.sockets.length} closed`);
    } finally {
      for (const s of held?.sockets ?? []) s.destroy();
      await peer.stop();
    }
  }
  printTable("Reaping: held connections closed by the server's timeouts", ["variant", "timeouts", "held", "closed by the server", "all closed after (from the last opened)"], rows);
}

