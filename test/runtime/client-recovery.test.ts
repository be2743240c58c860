/**
 * A client behind a server that stops answering: a reply that stalls half-way drops the connection at
 * the first timeout; calls that keep timing out retire it (failure accrual) without cutting short the
 * calls still within their deadlines; the next call works on a new connection. No call waits past its
 * deadline.
 */
import { connect as netConnect, type Socket } from "node:net";
import { describe, expect, test } from "vitest";
import { createClient, TTransportException, TTransportExceptionType } from "../../runtime/index.js";
import { Calc } from "../../generated/calc.js";
import { connectTo, onCleanup, rawServer, startCalc, within } from "./helpers.js";

/**
 * A proxy to a real Calc server whose first connection misbehaves: `stall` answers the first request
 * with half of the real reply and then nothing; `silent` reads requests and never answers. Later
 * connections are passed through.
 */
async function brokenProxy(behaviour: "stall" | "silent"): Promise<{ port: number; connections: () => number }> {
  const real = await startCalc();
  const upstreamPort = real.port;
  let count = 0;
  const { port } = await rawServer((client: Socket) => {
    const first = ++count === 1;
    const upstream = netConnect({ host: "127.0.0.1", port: upstreamPort });
    onCleanup(() => upstream.destroy());
    upstream.on("error", () => {});
    client.on("close", () => upstream.destroy());
    if (!first) {
      client.pipe(upstream);
      upstream.pipe(client);
      return;
    }
    if (behaviour === "silent") {
      client.on("data", () => {}); // requests are read and dropped
      return;
    }
    client.pipe(upstream);
    let sent = false;
    upstream.on("data", (reply: Buffer) => {
      if (sent) return;
      sent = true;
      const first = 4 + reply.readInt32BE(0); // framed: the first reply's length
      client.write(reply.subarray(0, first >> 1)); // half of the first reply, then nothing
    });
  });
  return { port, connections: () => count };
}

function timedOut(e: unknown): void {
  expect(e).toBeInstanceOf(TTransportException);
  expect((e as TTransportException).type).toBe(TTransportExceptionType.TIMED_OUT);
}

describe("a reply that stalls half-way", () => {
  test("drops the connection when the call times out: its other calls reject then, and the next call reconnects", async () => {
    const proxy = await brokenProxy("stall");
    const conn = await connectTo({ host: "127.0.0.1", port: proxy.port }, { timeoutMs: 300 });
    const calc = createClient(Calc, conn);
    const started = Date.now();
    const first = calc.divide(6, 3).catch((e: unknown) => e);
    const second = calc.divide(8, 2, { timeoutMs: 5000 }).catch((e: unknown) => e);
    timedOut(await first);
    const second_ = await within(1000, second, "the call behind the stalled reply");
    expect(second_).toBeInstanceOf(TTransportException);
    expect((second_ as Error).message).toMatch(/^connection to 127\.0\.0\.1:\d+ dropped: it stalled, \d+ bytes into a reply, with nothing more for \d+ ms$/);
    expect(Date.now() - started).toBeLessThan(1000); // not its own 5 s deadline: nothing could arrive behind the stalled reply
    expect(await within(2000, calc.divide(10, 5), "the next call")).toBe(2);
    expect(proxy.connections()).toBe(2);
  });
});

describe("failure accrual", () => {
  test("after maxConsecutiveTimeouts calls in a row time out, the next call goes out on a new connection", async () => {
    const proxy = await brokenProxy("silent");
    const conn = await connectTo({ host: "127.0.0.1", port: proxy.port }, { timeoutMs: 100 });
    const calc = createClient(Calc, conn);
    for (let i = 0; i < 3; i++) timedOut(await calc.divide(1, 1).catch((e: unknown) => e));
    expect(await within(2000, calc.divide(9, 3), "the call after three timeouts")).toBe(3);
    expect(proxy.connections()).toBe(2);
  });

  test("calls still within their deadline are not cut short; calls made meanwhile wait for the new connection", async () => {
    const proxy = await brokenProxy("silent");
    const conn = await connectTo({ host: "127.0.0.1", port: proxy.port }, { timeoutMs: 100, maxConsecutiveTimeouts: 2 });
    const calc = createClient(Calc, conn);
    const started = Date.now();
    const long = calc.divide(1, 1, { timeoutMs: 600 }).then(
      () => -1,
      () => Date.now() - started,
    );
    for (let i = 0; i < 2; i++) timedOut(await calc.divide(1, 1).catch((e: unknown) => e));
    // Retiring: this call is held back until the long call is settled, then sent on a new connection.
    const held = calc.divide(12, 4, { timeoutMs: 2000 });
    expect(await long).toBeGreaterThanOrEqual(595); // its own deadline, not the retirement
    expect(await within(2000, held, "the held-back call")).toBe(3);
    expect(proxy.connections()).toBe(2);
  });

  test("a call with no deadline on a retired connection rejects when the connection is replaced, instead of waiting forever", async () => {
    const proxy = await brokenProxy("silent");
    const conn = await connectTo({ host: "127.0.0.1", port: proxy.port }, { timeoutMs: 100 });
    const calc = createClient(Calc, conn);
    const forever = calc.divide(1, 1, { timeoutMs: 0 }).catch((e: unknown) => e);
    for (let i = 0; i < 3; i++) timedOut(await calc.divide(1, 1).catch((e: unknown) => e));
    const e = await within(1000, forever, "the call with no deadline");
    timedOut(e);
    expect((e as Error).message).toMatch(/^connection to 127\.0\.0\.1:\d+ replaced: 3 calls in a row timed out$/);
    expect(await within(2000, calc.divide(9, 3), "the next call")).toBe(3);
  });

  test("a reply in between resets the count: slow calls among answered ones keep the connection", async () => {
    const { target, started } = await startCalc();
    const conn = await connectTo(target, { timeoutMs: 60 });
    const calc = createClient(Calc, conn);
    for (let i = 0; i < 5; i++) {
      timedOut(await calc.divide(-200, 1).catch((e: unknown) => e)); // the handler takes 200 ms
      expect(await calc.divide(4, 2)).toBe(2);
    }
    expect(started()).toBe(10);
    expect(conn.isConnected).toBe(true);
  });

  test("maxConsecutiveTimeouts: 0 turns it off; a bad value is a clear error", async () => {
    const proxy = await brokenProxy("silent");
    const conn = await connectTo({ host: "127.0.0.1", port: proxy.port }, { timeoutMs: 50, maxConsecutiveTimeouts: 0 });
    const calc = createClient(Calc, conn);
    for (let i = 0; i < 5; i++) timedOut(await calc.divide(1, 1).catch((e: unknown) => e));
    expect(proxy.connections()).toBe(1);
    await expect(connectTo({ host: "127.0.0.1", port: proxy.port }, { maxConsecutiveTimeouts: -1 })).rejects.toThrow(
      "maxConsecutiveTimeouts must be an integer of at least 0, got -1",
    );
  });
});
