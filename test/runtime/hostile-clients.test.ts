/**
 * Slow, idle and greedy clients against the stream server: frames that never finish, replies never
 * taken, connections that fill the server, one connection's burst against another's call, and what an
 * idle connection costs. Each test fails against a server without the protection it checks.
 */
import { connect as netConnect, type Socket } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, describe, expect, test, vi } from "vitest";
import { BinaryProtocol, createClient, createServer, SERVER_DEFAULTS, TTransportException, TTransportExceptionType, writeCall, type ServerEvent } from "../../runtime/index.js";
import { ThriftTest, type ThriftTestHandler } from "../../interop/thrift-test/ThriftTest.v0.16-nouuid.js";
import { Calc, type CalcHandler } from "../../generated/calc.js";
import { connectTo, framed, onCleanup, rawSocket, sleep, startCalc, until, within } from "./helpers.js";

/** One framed divide call, as a client sends it. */
function divideCall(seqid: number, num1 = 6, num2 = 3): Buffer {
  const w = BinaryProtocol.createWriter();
  writeCall(w, "divide", seqid, Calc.methods.divide, { num1, num2 });
  return framed(w.buffer.finish());
}

function timedOutEvents(events: readonly { kind: string; error?: unknown }[]): string[] {
  return events
    .filter((e) => e.kind === "connection-error" && e.error instanceof TTransportException && e.error.type === TTransportExceptionType.TIMED_OUT)
    .map((e) => (e.error as Error).message);
}

describe("frame timeout", () => {
  test("a frame that starts and never finishes is closed after frameTimeoutMs and logged", async () => {
    const { target, events, server } = await startCalc({ frameTimeoutMs: 200 });
    const raw = await rawSocket(target);
    raw.socket.write(Buffer.from([0, 0])); // two bytes of a length prefix
    const started = Date.now();
    await within(2000, raw.closed, "the server closing the stalled connection");
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(timedOutEvents(events)).toEqual(["a message was not received completely within 200 ms (2 bytes received)"]);
    await until(() => server.connectionCount === 0);
  });

  test("so is a buffered (unframed) message that never finishes", async () => {
    const { target, events } = await startCalc({ frameTimeoutMs: 200, transport: "buffered" });
    const raw = await rawSocket(target);
    raw.socket.write(divideCall(1).subarray(4, 20)); // the start of an unframed call
    await within(2000, raw.closed, "the server closing the stalled connection");
    expect(timedOutEvents(events)).toEqual(["a message was not received completely within 200 ms (16 bytes received)"]);
  });

  test("a frame trickling in byte by byte is closed too: the bound is on the whole frame, not on silence", async () => {
    const { target, events } = await startCalc({ frameTimeoutMs: 300, idleTimeoutMs: 0 });
    const raw = await rawSocket(target);
    raw.socket.write(Buffer.from([0, 0, 1, 0])); // a 256-byte frame, then one byte every 40 ms
    const trickle = setInterval(() => raw.socket.write(Buffer.from([0])), 40);
    onCleanup(() => clearInterval(trickle));
    await within(2000, raw.closed, "the server closing the trickling connection");
    expect(timedOutEvents(events)[0]).toMatch(/^a message was not received completely within 300 ms \(\d+ bytes received\)$/);
  });

  test("the bound is per frame: a client that pauses between complete calls keeps its connection", async () => {
    const { target } = await startCalc({ frameTimeoutMs: 100, idleTimeoutMs: 0 });
    const conn = await connectTo(target);
    const calc = createClient(Calc, conn);
    for (let i = 1; i <= 3; i++) {
      expect(await calc.divide(6 * i, 3)).toBe(2 * i);
      await sleep(150);
    }
    expect(conn.isConnected).toBe(true);
  });

  test("a frame that arrives in parts within the bound is served", async () => {
    const { target } = await startCalc({ frameTimeoutMs: 400 });
    const raw = await rawSocket(target);
    const call = divideCall(7);
    raw.socket.write(call.subarray(0, 3));
    await sleep(100);
    raw.socket.write(call.subarray(3, 10));
    await sleep(100);
    raw.socket.write(call.subarray(10));
    await until(() => raw.received().length > 0, 2000, "the reply");
    const r = BinaryProtocol.createReader(new Uint8Array(raw.received()));
    r.readI32();
    expect(r.readMessageBegin().seqid).toBe(7);
  });

  test("replies the client never takes count too: the connection is closed once they have waited frameTimeoutMs", async () => {
    // Megabyte replies, so they fill the socket buffers on both sides and wait in the server's socket.
    const echo = { testBinary: (thing: Uint8Array) => thing } as unknown as ThriftTestHandler;
    const events: ServerEvent[] = [];
    const server = createServer(ThriftTest, echo, { frameTimeoutMs: 300, logger: (e) => events.push(e) });
    onCleanup(() => server.destroy());
    const address = await server.listen(0, "127.0.0.1");
    const raw = await rawSocket({ host: "127.0.0.1", port: "port" in address ? address.port : 0 });
    raw.socket.pause(); // takes nothing
    const w = BinaryProtocol.createWriter();
    writeCall(w, "testBinary", 1, ThriftTest.methods.testBinary, { thing: new Uint8Array(1 << 20) });
    const call = framed(w.buffer.finish());
    for (let i = 0; i < 24; i++) raw.socket.write(call);
    await within(10_000, raw.closed, "the server closing the connection of a client that takes no replies");
    expect(timedOutEvents(events).some((m) => /^the client took none of its replies for 300 ms \(\d+ bytes waiting\)$/.test(m))).toBe(true);
  });
});

describe("idle timeout", () => {
  test("a connection that never sends a byte is closed after idleTimeoutMs; the closing is a FIN, not a reset", async () => {
    const { target, server } = await startCalc({ idleTimeoutMs: 150 });
    const raw = await rawSocket(target);
    let ended = false;
    raw.socket.on("end", () => (ended = true));
    await within(2000, raw.closed, "the idle close");
    expect(ended).toBe(true);
    await until(() => server.connectionCount === 0);
  });
});

describe("defaults", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  test("SERVER_DEFAULTS: a 30 s frame timeout, a 120 s idle timeout, 10,000 connections, no cap per address", () => {
    expect(SERVER_DEFAULTS).toMatchObject({ frameTimeoutMs: 30_000, idleTimeoutMs: 120_000, maxConnections: 10_000, maxConnectionsPerAddress: 0 });
  });

  test("without options, a stalled frame is closed after 30 s and an idle connection after 120 s", async () => {
    // The server's sweep timer and clock are faked; the sockets are real.
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
    const { target, server } = await startCalc();
    const stalled = await rawSocket(target);
    stalled.socket.write(Buffer.from([0, 0]));
    const idle = await rawSocket(target);
    await until(() => server.connectionCount === 2);
    await sleep(20); // the two bytes reach the server
    let stalledClosed = false;
    let idleClosed = false;
    void stalled.closed.then(() => (stalledClosed = true));
    void idle.closed.then(() => (idleClosed = true));

    vi.advanceTimersByTime(29_000);
    await sleep(50);
    expect([stalledClosed, idleClosed]).toEqual([false, false]);
    vi.advanceTimersByTime(2_000);
    await within(2000, stalled.closed, "the frame timeout");
    expect(idleClosed).toBe(false);
    vi.advanceTimersByTime(88_000);
    await sleep(50);
    expect(idleClosed).toBe(false);
    vi.advanceTimersByTime(2_000);
    await within(2000, idle.closed, "the idle timeout");
  });

  test("options are checked: a negative timeout or a fractional limit is a clear error", async () => {
    await expect(startCalc({ frameTimeoutMs: -1 })).rejects.toThrow("frameTimeoutMs must be an integer of at least 0, got -1");
    await expect(startCalc({ maxConnectionsPerAddress: 1.5 })).rejects.toThrow("maxConnectionsPerAddress must be an integer of at least 0, got 1.5");
  });
});

describe("connection limits", () => {
  test("at maxConnections a new client is served: the least recently active idle connection makes room, and that is logged", async () => {
    const { target, server, events } = await startCalc({ maxConnections: 3 });
    const slow = await rawSocket(target); // oldest, and never completes a message
    slow.socket.write(Buffer.from([0, 0]));
    const a = await connectTo(target);
    const b = await connectTo(target);
    expect(await createClient(Calc, a).divide(2, 1)).toBe(2);
    expect(await createClient(Calc, b).divide(4, 1)).toBe(4);
    await until(() => server.connectionCount === 3);

    const c = await connectTo(target, { reconnect: false });
    expect(await within(2000, createClient(Calc, c).divide(9, 1))).toBe(9);
    await within(2000, slow.closed, "the slow connection closed to make room");
    expect(a.isConnected && b.isConnected).toBe(true);
    expect(events).toContainEqual(expect.objectContaining({ kind: "connection-rejected", reason: expect.stringMatching(/^closed to admit 127\.0\.0\.1:\d+: the server is at its limit of 3 connections/) }));
    // The active clients keep working; the server never holds more than its limit.
    expect(await createClient(Calc, a).divide(8, 2)).toBe(4);
    expect(server.connectionCount).toBeLessThanOrEqual(3);
  });

  test("when every connection has a call in flight, a new one is refused and logged", async () => {
    const { target, events, started } = await startCalc({ maxConnections: 2 });
    const a = await connectTo(target);
    const b = await connectTo(target);
    const inFlight = [createClient(Calc, a).divide(-400, 1), createClient(Calc, b).divide(-400, 1)];
    await until(() => started() === 2, 2000, "both calls running");
    const c = await connectTo(target, { reconnect: false }).catch(() => undefined);
    const e = c === undefined ? undefined : await within(2000, createClient(Calc, c).divide(1, 1).catch((err: unknown) => err));
    if (e !== undefined) expect(e).toBeInstanceOf(TTransportException);
    expect(events).toContainEqual(
      expect.objectContaining({ kind: "connection-rejected", reason: "the server is at its limit of 2 connections, each with calls in flight" }),
    );
    expect(await Promise.all(inFlight)).toEqual([-400, -400]);
  });

  test("maxConnectionsPerAddress caps one address (logged); other addresses still connect", async () => {
    const { target, events } = await startCalc({ maxConnectionsPerAddress: 2 });
    const a = await connectTo(target);
    const b = await connectTo(target);
    expect(await createClient(Calc, a).divide(2, 1)).toBe(2);
    const third = await rawSocket(target);
    await within(2000, third.closed, "the third connection from 127.0.0.1 refused");
    expect(events).toContainEqual(expect.objectContaining({ kind: "connection-rejected", reason: "127.0.0.1 already has 2 connections, the limit per address" }));
    // 127.0.0.2 is another address on Linux's loopback.
    const other = netConnect({ host: "127.0.0.1", port: "port" in target ? target.port : 0, localAddress: "127.0.0.2" });
    onCleanup(() => other.destroy());
    other.on("error", () => {});
    await new Promise<void>((resolve, reject) => {
      other.once("connect", resolve);
      other.once("error", reject);
    });
    other.write(divideCall(1));
    await within(2000, new Promise<void>((resolve) => other.once("data", () => resolve())), "a reply on the connection from 127.0.0.2");
    expect(await createClient(Calc, b).divide(4, 1)).toBe(4);
  });
});

describe("fairness", () => {
  test("one connection's burst is served in turns: other connections get the event loop between them", async () => {
    // The server runs in this process: count the burst's calls handled in each turn of the event loop.
    let turn = 0;
    let ticking = true;
    const tick = (): void => {
      turn++;
      if (ticking) setImmediate(tick);
    };
    onCleanup(() => (ticking = false));
    const perTurn = new Map<number, number>();
    let handled = 0;
    const handler: CalcHandler = {
      divide(num1) {
        handled++;
        perTurn.set(turn, (perTurn.get(turn) ?? 0) + 1);
        return num1;
      },
    };
    const { target } = await startCalc({ handler });
    const greedy = await rawSocket(target);
    const calls = 100_000;
    const burst = Buffer.concat(Array.from({ length: calls }, (_, i) => divideCall(i + 1, 1)));
    tick();
    // Three bursts: by the last ones the kernel's buffers have grown, and a turn can find megabytes waiting.
    for (let round = 1; round <= 3; round++) {
      if (round === 3) perTurn.clear();
      greedy.socket.write(burst);
      await until(() => handled === round * calls, 10_000, "the burst handled");
    }
    // A turn takes less than the budget plus the socket read that crosses it.
    const callBytes = burst.length / calls;
    expect(Math.max(...perTurn.values())).toBeLessThan((2 * 64 * 1024) / callBytes);
  });
});

describe("memory", () => {
  test("idle and barely started connections hold no codec buffers", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const { target, server } = await startCalc();
    // A connection that made a call first, so the server has made its buffers, then went quiet.
    const conn = await connectTo(target);
    expect(await createClient(Calc, conn).divide(6, 3)).toBe(2);
    gc();
    const before = process.memoryUsage().arrayBuffers;
    const sockets: Socket[] = [];
    for (let i = 0; i < 200; i++) {
      const s = (await rawSocket(target)).socket;
      if (i % 2 === 0) s.write(Buffer.from([0, 0]));
      sockets.push(s);
    }
    await until(() => server.connectionCount === 201);
    await sleep(50);
    gc();
    const perConnection = (process.memoryUsage().arrayBuffers - before) / 200;
    expect(perConnection).toBeLessThan(512);
  });
});
