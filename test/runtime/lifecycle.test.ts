/** Lifecycles: graceful shutdown, idle timeout, connection limit, client close, signals, interceptors. */
import { describe, expect, test } from "vitest";
import {
  BinaryProtocol,
  connect,
  createClient,
  readReply,
  writeCall,
  TApplicationException,
  TApplicationExceptionType,
  TTransportException,
  TTransportExceptionType,
  type ClientInterceptor,
  type ServerInterceptor,
} from "../../runtime/index.js";
import { Calc, type CalcHandler } from "../../generated/calc.js";
import { connectTo, rawSocket, sleep, socketPath, startCalc, until, within } from "./helpers.js";

describe("graceful shutdown", () => {
  test("close() stops accepting, completes the calls in flight, then closes every connection", async () => {
    const { server, target, started: handled } = await startCalc();
    const a = await connectTo(target);
    const b = await connectTo(target);
    const idle = await connectTo(target);
    const calcA = createClient(Calc, a);
    const calcB = createClient(Calc, b);
    const inFlight = [calcA.divide(-200, 1), calcA.divide(-150, 2), calcB.divide(-100, 4)];
    await until(() => handled() === 3, 2000, "the three calls running on the server");
    const started = Date.now();
    const closed = server.close();

    // New connections are refused while draining.
    await expect(connect(target, { reconnect: false })).rejects.toThrow(/cannot connect/);
    // The idle connection is closed at once.
    await until(() => !idle.isConnected, 1000, "idle connection closed");
    // The calls in flight complete with their results.
    expect(await Promise.all(inFlight)).toEqual([-200, -75, -25]);
    await within(2000, closed, "server close");
    expect(Date.now() - started).toBeGreaterThanOrEqual(120);
    expect(server.connectionCount).toBe(0);
    await until(() => !a.isConnected && !b.isConnected, 1000, "clients see the close");
  });

  test("a request arriving during the drain is not started; its call rejects instead of hanging", async () => {
    let started = 0;
    const { server, target } = await startCalc({ handler: { divide: (a, b) => (started++, a < 0 ? sleep(150).then(() => a / b) : a / b) } });
    const conn = await connectTo(target, { reconnect: false });
    const calc = createClient(Calc, conn);
    const slow = calc.divide(-1, 1);
    await until(() => started === 1);
    const closed = server.close();
    const late = await within(2000, calc.divide(5, 1).catch((e: unknown) => e));
    expect(late).toBeInstanceOf(TTransportException);
    expect(await slow).toBe(-1);
    await closed;
    expect(started).toBe(1);
  });

  test("the drain is bounded: after the timeout, remaining handlers are aborted and connections cut", async () => {
    let reason: unknown;
    const handler: CalcHandler = {
      divide: (_a, _b, ctx) =>
        new Promise<number>((_resolve, reject) => {
          ctx.signal.addEventListener("abort", () => {
            reason = ctx.signal.reason;
            reject(new Error("aborted"));
          });
        }),
    };
    const { server, target, started: handled } = await startCalc({ handler });
    const conn = await connectTo(target);
    const call = createClient(Calc, conn).divide(1, 1).catch((e: unknown) => e);
    await until(() => handled() === 1, 2000, "the call running on the server");
    const started = Date.now();
    await within(2000, server.close({ timeoutMs: 150 }), "bounded close");
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(String(reason)).toMatch(/server shut down/);
    expect(await call).toBeInstanceOf(TTransportException);
  });

  test("closeOnSignals closes the server on the signal", async () => {
    const { server, target } = await startCalc();
    let done = false;
    server.closeOnSignals(["SIGUSR2"], () => (done = true));
    process.emit("SIGUSR2", "SIGUSR2");
    await until(() => done, 2000, "close on signal");
    await expect(connect(target, { reconnect: false })).rejects.toThrow(/cannot connect/);
  });
});

describe("connection limits", () => {
  test("idle connections are closed after idleTimeoutMs; busy ones are not; the client reconnects", async () => {
    const { server, target } = await startCalc({ idleTimeoutMs: 100 });
    const conn = await connectTo(target);
    const calc = createClient(Calc, conn);
    // A call longer than the idle timeout keeps its connection.
    expect(await calc.divide(-300, 1)).toBe(-300);
    expect(conn.isConnected).toBe(true);
    await until(() => !conn.isConnected, 2000, "idle close");
    expect(server.connectionCount).toBe(0);
    expect(await calc.divide(6, 2)).toBe(3);
  });

  test("at maxConnections, a new connection replaces the least recently active idle one; the replaced client reconnects", async () => {
    const { server, target, events } = await startCalc({ maxConnections: 2 });
    const a = await connectTo(target);
    const b = await connectTo(target);
    expect(await createClient(Calc, a).divide(2, 1)).toBe(2);
    expect(await createClient(Calc, b).divide(4, 1)).toBe(4);
    const c = await connectTo(target, { reconnect: false });
    expect(await within(2000, createClient(Calc, c).divide(1, 1))).toBe(1);
    expect(events).toContainEqual(expect.objectContaining({ kind: "connection-rejected", reason: expect.stringContaining("the server is at its limit of 2 connections") }));
    await until(() => !a.isConnected, 2000, "the least recently active connection closed");
    expect(b.isConnected).toBe(true);
    expect(server.connectionCount).toBe(2);
    // Its next call reconnects (replacing b, now the least recently active).
    expect(await createClient(Calc, a).divide(9, 1)).toBe(9);
  });
});

test("a client that half-closes after its requests still gets every reply, then the connection closes", async () => {
  const { target } = await startCalc();
  const raw = await rawSocket(target);
  const w = BinaryProtocol.createWriter();
  for (let i = 1; i <= 3; i++) {
    const at = w.buffer.reserve(4);
    writeCall(w, "divide", i, Calc.methods.divide, { num1: -30 * i, num2: 1 }); // async handlers
    w.buffer.patchI32BE(at, w.buffer.length - at - 4);
  }
  raw.socket.end(w.buffer.finish());
  await within(2000, raw.closed, "server closing after the replies");
  const replies = raw.received();
  const r = BinaryProtocol.createReader(new Uint8Array(replies));
  const seqids: number[] = [];
  while (r.remaining > 0) {
    r.readI32(); // frame length
    const header = r.readMessageBegin();
    seqids.push(header.seqid);
    expect(readReply(r, header, Calc.methods.divide)).toBe(-30 * header.seqid);
  }
  expect(seqids.sort()).toEqual([1, 2, 3]);
});

describe("client close", () => {
  test("close() waits for the calls in flight, then closes; later calls reject with NOT_OPEN", async () => {
    const { server, target } = await startCalc();
    const conn = await connectTo(target);
    const calc = createClient(Calc, conn);
    const pending = [calc.divide(-150, 1), calc.divide(-50, 1)];
    const closed = conn.close();
    expect(conn.close()).toBe(closed);
    const after = await calc.divide(1, 1).catch((e: unknown) => e);
    expect((after as TTransportException).type).toBe(TTransportExceptionType.NOT_OPEN);
    expect(await Promise.all(pending)).toEqual([-150, -50]);
    await within(1000, closed, "client close");
    expect(conn.isConnected).toBe(false);
    await until(() => server.connectionCount === 0);
  });

  test("Unix domain sockets: listen resolves with the path", async () => {
    const path = socketPath("lifecycle");
    const { server, target } = await startCalc({ path });
    expect(server.address).toEqual({ path });
    expect(await createClient(Calc, await connectTo(target)).divide(3, 3)).toBe(1);
  });

  test("listen() rejects when the address is taken", async () => {
    const { port } = await startCalc();
    const other = await startCalc().catch(() => undefined);
    expect(other).toBeDefined();
    await expect(startCalc({ port })).rejects.toThrow(/EADDRINUSE/);
  });
});

test("interceptors: client logging and server auth + metrics, onion-style over TCP", async () => {
  const order: string[] = [];
  const metrics = new Map<string, number>();
  const auth: ServerInterceptor = (next) => (call) => {
    order.push(`server auth ${call.method.name} from ${call.ctx.peer?.startsWith("127.0.0.1:") ? "loopback" : "elsewhere"}`);
    if ((call.args as { num1: number }).num1 > 1000) {
      return Promise.reject(new TApplicationException(TApplicationExceptionType.UNKNOWN, "forbidden: num1 over 1000"));
    }
    return next(call);
  };
  const count: ServerInterceptor = (next) => async (call) => {
    metrics.set(call.method.name, (metrics.get(call.method.name) ?? 0) + 1);
    return next(call);
  };
  const log: ClientInterceptor = (next) => async (call) => {
    order.push(`client before ${call.method.name}`);
    try {
      const result = await next(call);
      order.push(`client ok ${String(result)}`);
      return result;
    } catch (e) {
      order.push(`client failed ${(e as Error).message}`);
      throw e;
    }
  };
  const { target } = await startCalc({ interceptors: [auth, count] });
  const calc = createClient(Calc, await connectTo(target, { interceptors: [log] }));
  expect(await calc.divide(9, 3)).toBe(3);
  await expect(calc.divide(5000, 1)).rejects.toThrow("forbidden: num1 over 1000");
  expect(order).toEqual([
    "client before divide",
    "server auth divide from loopback",
    "client ok 3",
    "client before divide",
    "server auth divide from loopback",
    "client failed forbidden: num1 over 1000",
  ]);
  expect(metrics.get("divide")).toBe(1);
});
