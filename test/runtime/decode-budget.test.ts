/**
 * Memory amplification under load: one connection sends a ~1 MB testInsanity whose argument carries
 * 1,000,000 empty structs (within every per-container limit), while a canary client calls testI32 on
 * another connection. The server, in its own process (test/runtime/fixtures/budget-server.mjs, on the
 * built dist/), must refuse the frame by its decode budget with a clear TProtocolException, logged, and
 * close that connection, without its memory growing by more than a few MiB and without holding up the
 * canary's calls. Before the budget the frame was decoded: +200 MiB and a stall of over a second.
 * Also: a THeader message in another protocol than its connection's gets the budget of its own bytes.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterEach, expect, test } from "vitest";
import { BinaryProtocol, CompactProtocol, connect, createClient, MessageType, TType, type Protocol } from "../../runtime/index.js";
import { MessageStream, streamSettings } from "../../runtime/stream/settings.js";
import { ThriftTest } from "../../interop/thrift-test/ThriftTest.v0.16-nouuid.js";
import { framed, rawSocket, sleep, until, within } from "./helpers.js";

const root = join(import.meta.dirname, "../..");
const fixture = join(import.meta.dirname, "fixtures/budget-server.mjs");
const MiB = 1024 * 1024;
/** What the refused frame may add to the server's peak RSS: the frame itself, buffers, noise. */
const MAX_RSS_GROWTH = 48 * MiB;
/** What it may add to the heap once garbage is collected. */
const MAX_HEAP_GROWTH = 8 * MiB;
/** The canary's slowest call while the frame is handled (tens of ms expected; generous for a noisy machine). */
const MAX_CANARY_MS = 200;

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

interface ServerProcess {
  port: number;
  lines: Record<string, unknown>[];
  memory(): Promise<{ heapUsed: number; rss: number; maxRss: number }>;
}

function startServer(): Promise<ServerProcess> {
  const child = spawn(process.execPath, ["--expose-gc", fixture], { stdio: ["pipe", "pipe", "inherit"] });
  children.push(child);
  const lines: Record<string, unknown>[] = [];
  const waiters: ((line: Record<string, unknown>) => void)[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("server did not start within 10 s")), 10_000);
    createInterface({ input: child.stdout! }).on("line", (text) => {
      const m = /^listening (\d+)$/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve({
          port: Number(m[1]),
          lines,
          memory: () =>
            within(
              5000,
              new Promise((done) => {
                waiters.push((line) => done(line.memory as { heapUsed: number; rss: number; maxRss: number }));
                child.stdin!.write("memory\n");
              }),
              "memory report",
            ),
        });
        return;
      }
      const line = JSON.parse(text) as Record<string, unknown>;
      if ("memory" in line) waiters.shift()?.(line);
      else lines.push(line);
    });
    child.once("exit", (code) => reject(new Error(`server exited early (${code})`)));
  });
}

/** testInsanity(Insanity { xtructs: 1,000,000 empty Xtructs }) as one binary frame (about 1 MB). */
function insanityFrame(): Buffer {
  const w = BinaryProtocol.createWriter();
  w.writeMessageBegin("testInsanity", MessageType.CALL, 1);
  w.writeStructBegin("testInsanity_args");
  w.writeFieldBegin("argument", TType.STRUCT, 1);
  w.writeStructBegin("Insanity");
  w.writeFieldBegin("xtructs", TType.LIST, 2);
  w.writeListBegin(TType.STRUCT, 1_000_000);
  for (let i = 0; i < 1_000_000; i++) w.writeFieldStop(); // an empty struct is its stop byte
  w.writeListEnd();
  w.writeFieldEnd();
  w.writeFieldStop();
  w.writeStructEnd();
  w.writeFieldEnd();
  w.writeFieldStop();
  w.writeStructEnd();
  w.writeMessageEnd();
  return framed(w.buffer.finish());
}

test("a 1 MB frame of 1,000,000 empty structs is refused by the decode budget; memory stays flat and other connections are not held up", async () => {
  expect(existsSync(join(root, "dist/runtime/index.js")), "run `npm run build` first").toBe(true);
  const server = await startServer();
  const target = { host: "127.0.0.1", port: server.port };
  const conn = await connect(target, { timeoutMs: 10_000 });
  try {
    const canary = createClient(ThriftTest, conn);
    for (let i = 0; i < 200; i++) expect(await canary.testI32(i)).toBe(i); // warm both sides up
    const frame = insanityFrame();
    const before = await server.memory();

    // The canary calls one at a time until the attack is over, timing each call.
    let attacking = true;
    const latencies: number[] = [];
    const canaryRun = (async () => {
      for (let i = 0; attacking; i++) {
        const started = performance.now();
        const answer = await canary.testI32(i);
        latencies.push(performance.now() - started);
        if (answer !== i) throw new Error(`canary: testI32(${i}) answered ${answer}`);
      }
    })();
    await sleep(50);
    const attacker = await rawSocket(target);
    const sentAt = performance.now();
    attacker.socket.write(frame);
    // Handled: the connection closed, or (as before the budget) something logged once the call was decoded.
    let closed = false;
    void attacker.closed.then(() => (closed = true));
    await until(() => closed || server.lines.length > 0, 10_000, "the server handling the frame");
    const handledAfter = performance.now() - sentAt;
    await sleep(100);
    attacking = false;
    await canaryRun;

    const after = await server.memory();
    const maxCanary = Math.max(...latencies);
    const rssGrowth = after.maxRss - before.maxRss;
    const heapGrowth = after.heapUsed - before.heapUsed;
    console.log(
      `decode budget: frame handled ${handledAfter.toFixed(0)} ms after sending (${closed ? "connection closed" : "connection open"}); ` +
        `canary: ${latencies.length} calls, slowest ${maxCanary.toFixed(1)} ms; server peak RSS +${(rssGrowth / MiB).toFixed(1)} MiB, heap after GC +${(heapGrowth / MiB).toFixed(2)} MiB`,
    );

    expect(closed, "the attacking connection closed").toBe(true);
    expect(attacker.received().length, "no reply to the refused call").toBe(0);
    const refusals = server.lines.filter((l) => l.event === "connection-error");
    expect(refusals).toHaveLength(1);
    expect(refusals[0]!.error).toMatch(
      /^TProtocolException: a list of 1000000 struct elements at offset \d+ exceeds the message's decode budget: its values would take an estimated \d+ bytes of memory or more, over the budget of \d+ for its \d+ bytes \(decodeBudgetRatio 48, decodeBudgetFloor 1048576\)$/,
    );
    expect(rssGrowth).toBeLessThan(MAX_RSS_GROWTH);
    expect(heapGrowth).toBeLessThan(MAX_HEAP_GROWTH);
    expect(maxCanary).toBeLessThan(MAX_CANARY_MS);
    // The server goes on serving.
    expect(await canary.testI32(-7)).toBe(-7);
  } finally {
    await conn.close().catch(() => {});
  }
}, 30_000);

test("the budget options reach the readers, and bad values are refused", () => {
  expect(streamSettings({}).limits).toMatchObject({ decodeBudgetRatio: 48, decodeBudgetFloor: 1024 * 1024 });
  expect(streamSettings({ decodeBudgetRatio: 2.5, decodeBudgetFloor: Infinity }).limits).toMatchObject({ decodeBudgetRatio: 2.5, decodeBudgetFloor: Infinity });
  expect(() => streamSettings({ decodeBudgetRatio: 0 })).toThrow("decodeBudgetRatio must be a positive number (or Infinity), got 0");
  expect(() => streamSettings({ decodeBudgetFloor: NaN })).toThrow("decodeBudgetFloor must be a positive number (or Infinity), got NaN");
});

/** testInsanity(Insanity { xtructs: `count` empty Xtructs }) in `protocol`, unframed. */
function insanityCall(protocol: Protocol, count: number): Uint8Array {
  const w = protocol.createWriter();
  w.writeMessageBegin("testInsanity", MessageType.CALL, 1);
  w.writeStructBegin("testInsanity_args");
  w.writeFieldBegin("argument", TType.STRUCT, 1);
  w.writeStructBegin("Insanity");
  w.writeFieldBegin("xtructs", TType.LIST, 2);
  w.writeListBegin(TType.STRUCT, count);
  for (let i = 0; i < count; i++) w.writeFieldStop();
  w.writeListEnd();
  w.writeFieldEnd();
  w.writeFieldStop();
  w.writeStructEnd();
  w.writeFieldEnd();
  w.writeFieldStop();
  w.writeStructEnd();
  w.writeMessageEnd();
  return w.buffer.finish();
}

/** Reads up to the list header, where the budget is checked; the error, or undefined when it passes. */
function readToList(stream: MessageStream, bytes: Uint8Array, start: number, end: number, protocol: Protocol): unknown {
  const r = stream.load(bytes, start, end, protocol);
  try {
    r.readMessageBegin();
    r.readStructBegin();
    r.readFieldBegin();
    r.readStructBegin();
    r.readFieldBegin();
    r.readListBegin();
    return undefined;
  } catch (e) {
    return e;
  }
}

test("a message in another protocol than the connection's (THeader says which) gets the budget of its own bytes, not of the chunk around it", () => {
  const limits = { transport: "header", decodeBudgetRatio: 4, decodeBudgetFloor: 1 } as const;
  for (const [connection, other] of [
    [BinaryProtocol, CompactProtocol],
    [CompactProtocol, BinaryProtocol],
  ] as const) {
    const message = insanityCall(other, 1000);
    // The message in the middle of a chunk a hundred times its size, as several pipelined frames are.
    const chunk = new Uint8Array(message.length * 100);
    const start = message.length * 50;
    chunk.set(message, start);
    const end = start + message.length;
    const own = new MessageStream(streamSettings({ ...limits, protocol: other }), () => {});
    const mixed = new MessageStream(streamSettings({ ...limits, protocol: connection }), () => {});
    const expected = new RegExp(`over the budget of \\d+ for its ${message.length} bytes \\(decodeBudgetRatio 4, decodeBudgetFloor 1\\)$`);
    expect(String(readToList(own, chunk, start, end, other))).toMatch(expected);
    expect(String(readToList(mixed, chunk, start, end, other))).toMatch(expected);
    // Twice: the other protocol's reader is kept and reused.
    expect(String(readToList(mixed, chunk, start, end, other))).toMatch(expected);
  }
});
