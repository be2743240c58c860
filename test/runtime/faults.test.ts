/**
 * Faults: a server that dies mid-call, clients that vanish mid-frame, hostile bytes, timeouts, aborts,
 * late and unknown replies. Nothing may hang, crash the server, or leak an unhandled rejection.
 */
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  BinaryProtocol,
  CompactProtocol,
  createClient,
  MessageType,
  TTransportException,
  TTransportExceptionType,
  TType,
  type Protocol,
  type ProtocolWriter,
  type WriteBuffer,
} from "../../runtime/index.js";
import { Calc, type CalcHandler } from "../../generated/calc.js";
import { connectTo, framed, rawServer, rawSocket, sleep, startCalc, until, within } from "./helpers.js";

let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
beforeEach(() => {
  unhandled = [];
  process.on("unhandledRejection", onUnhandled);
});
afterEach(() => {
  process.off("unhandledRejection", onUnhandled);
  expect(unhandled).toEqual([]);
});

function transportError(e: unknown, type: number): void {
  expect(e).toBeInstanceOf(TTransportException);
  expect((e as TTransportException).type).toBe(type);
}

describe("server killed mid-call", () => {
  test("pending calls reject promptly; calls fail while it is down; the next call after a restart reconnects", async () => {
    const first = await startCalc();
    const conn = await connectTo(first.target, { timeoutMs: 5000, reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
    const calc = createClient(Calc, conn);
    expect(await calc.divide(6, 3)).toBe(2);

    const inFlight = Array.from({ length: 10 }, () => calc.divide(-2000, 1).catch((e: unknown) => e));
    await until(() => first.started() === 11, 2000, "the ten calls running on the server");
    const killedAt = Date.now();
    await first.server.destroy();
    const errors = await within(1000, Promise.all(inFlight), "rejection of pending calls");
    expect(Date.now() - killedAt).toBeLessThan(1000); // well within the 5 s timeout
    for (const e of errors) {
      transportError(e, TTransportExceptionType.END_OF_FILE);
      expect((e as Error).message).toMatch(/connection to 127\.0\.0\.1:\d+ (lost|closed by the server)/);
    }

    // Down: a call fails fast with a clear error rather than hanging.
    const down = await within(2000, calc.divide(1, 1).catch((e: unknown) => e));
    transportError(down, TTransportExceptionType.NOT_OPEN);
    expect((down as Error).message).toMatch(/cannot connect to 127\.0\.0\.1:\d+/);

    // Back on the same port: the next call reconnects (after the backoff delay) and succeeds.
    await startCalc({ port: first.port });
    expect(await within(2000, calc.divide(10, 5))).toBe(2);
    expect(conn.isConnected).toBe(true);
  });

  test("the handler's signal aborts when the client goes away", async () => {
    let aborted: unknown;
    const handler: CalcHandler = {
      divide: (_a, _b, ctx) =>
        new Promise<number>((resolve) => {
          ctx.signal.addEventListener("abort", () => {
            aborted = ctx.signal.reason;
            resolve(0);
          });
        }),
    };
    const { target, started } = await startCalc({ handler });
    const conn = await connectTo(target);
    const call = createClient(Calc, conn).divide(1, 1).catch((e: unknown) => e);
    await until(() => started() === 1, 2000, "the call running on the server");
    conn.destroy();
    transportError(await call, TTransportExceptionType.NOT_OPEN);
    await until(() => aborted !== undefined, 2000, "handler abort");
    expect(String(aborted)).toMatch(/went away/);
  });

  test("each call has its own signal: many listening handlers on one connection, no listener leak or warning", async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(w);
    };
    process.on("warning", onWarning);
    try {
      const signals: AbortSignal[] = [];
      const handler: CalcHandler = {
        async divide(num1, num2, ctx) {
          signals.push(ctx.signal);
          ctx.signal.addEventListener("abort", () => {}); // never removed, as careless handlers do
          if (num1 < 0) await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
          else await sleep(5);
          return num1 / num2;
        },
      };
      const { target } = await startCalc({ handler });
      const conn = await connectTo(target);
      const calc = createClient(Calc, conn);
      expect(await Promise.all(Array.from({ length: 50 }, (_, i) => calc.divide(i, 1)))).toHaveLength(50);
      const stuck = calc.divide(-1, 1).catch((e: unknown) => e);
      await until(() => signals.length === 51);
      conn.destroy();
      await stuck;
      await until(() => signals[50]!.aborted, 2000, "the running call's signal aborts");
      expect(signals.slice(0, 50).some((s) => s.aborted)).toBe(false); // finished calls are left alone
      await sleep(10);
      expect(warnings.filter((w) => /listener/i.test(w.message))).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });
});

test("a client that disconnects mid-frame does not disturb the others", async () => {
  const { target, events, server } = await startCalc();
  const good = createClient(Calc, await connectTo(target));
  const raw = await rawSocket(target);
  raw.socket.write(Buffer.from([0, 0, 0, 100, 0x80, 0x01, 0x00, 0x01, 0, 0])); // 6 of 100 bytes
  await sleep(20);
  raw.socket.destroy();
  await raw.closed;
  await until(() => events.some((e) => e.kind === "connection-error"), 2000, "log of the truncated connection");
  expect(String((events.find((e) => e.kind === "connection-error") as { error: unknown }).error)).toMatch(/middle of a message \(10 bytes/);
  expect(await good.divide(8, 2)).toBe(4);
  await until(() => server.connectionCount === 1);
});

// --------------------------------------------------------------------------------------------------
// Hostile input, as bytes built with the protocol writers.

type Writer = ProtocolWriter & { buffer: WriteBuffer };

function build(protocol: Protocol, fn: (w: Writer) => void): Buffer {
  const w = protocol.createWriter() as Writer;
  fn(w);
  return Buffer.from(w.buffer.finish());
}

function callHeader(w: Writer): void {
  w.writeMessageBegin("divide", MessageType.CALL, 1);
  w.writeStructBegin("args");
}

function rawLength(protocol: Protocol, w: Writer, n: number): void {
  if (protocol.name === "binary") w.buffer.writeI32BE(n);
  else w.buffer.writeVarint32(n);
}

interface Hostile {
  name: string;
  /** Limits for the server, when the case needs small ones. */
  limits?: { maxFrameSize?: number; maxStringLength?: number };
  /** The bytes to send, given the protocol and whether the transport is framed. */
  bytes(protocol: Protocol, isFramed: boolean): Buffer;
  /** Close our side after sending (a truncated message). */
  end?: boolean;
  /** What the logged error says. */
  logged: RegExp;
}

const frame = (isFramed: boolean, body: Buffer): Buffer => (isFramed ? framed(body) : body);

const hostile: Hostile[] = [
  {
    name: "garbage (an HTTP request)",
    bytes: () => Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
    logged: /exceeds|bad .* (version|id)/,
  },
  {
    name: "a length prefix of 0x7fffffff",
    bytes: () => Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]),
    logged: /2147483647|bad compact protocol id/,
  },
  {
    name: "a truncated message, then the client closes",
    bytes: (p, f) => {
      const whole = build(p, (w) => {
        callHeader(w);
        w.writeFieldBegin("num1", TType.I32, 1);
        w.writeI32(1);
        w.writeFieldStop();
        w.writeStructEnd();
      });
      return frame(f, whole).subarray(0, (f ? 4 : 0) + whole.length - 3);
    },
    end: true,
    logged: /middle of a message/,
  },
  {
    name: "a message that is not a call (a REPLY)",
    bytes: (p, f) =>
      frame(
        f,
        build(p, (w) => {
          w.writeMessageBegin("divide", MessageType.REPLY, 1);
          w.writeStructBegin("r");
          w.writeFieldStop();
          w.writeStructEnd();
        }),
      ),
    logged: /expected a call but got message type 2/,
  },
  {
    name: "a string claiming more bytes than remain",
    bytes: (p, f) =>
      frame(
        f,
        build(p, (w) => {
          callHeader(w);
          w.writeFieldBegin("s", TType.STRING, 1);
          rawLength(p, w, 0x7ffffff0);
          w.buffer.writeBytes(new Uint8Array(16));
        }),
      ),
    logged: /length 2147483632 exceeds/,
  },
  {
    name: "a string over maxStringLength",
    limits: { maxStringLength: 1000 },
    bytes: (p, f) =>
      frame(
        f,
        build(p, (w) => {
          callHeader(w);
          w.writeFieldBegin("s", TType.STRING, 1);
          w.writeString("x".repeat(5000));
          w.writeFieldStop();
          w.writeStructEnd();
        }),
      ),
    logged: /length 5000 exceeds the limit of 1000/,
  },
  {
    name: "a huge container count",
    bytes: (p, f) =>
      frame(
        f,
        build(p, (w) => {
          callHeader(w);
          w.writeFieldBegin("l", TType.LIST, 1);
          w.writeListBegin(TType.I64, 0x7fffffff);
          w.writeI64(1n);
        }),
      ),
    logged: /size 2147483647 exceeds the limit/,
  },
  {
    name: "deep nesting",
    bytes: (p, f) =>
      frame(
        f,
        build(p, (w) => {
          callHeader(w);
          for (let i = 0; i < 10_000; i++) {
            w.writeFieldBegin("s", TType.STRUCT, 1);
            w.writeStructBegin("s");
          }
        }),
      ),
    logged: /nesting depth 65 exceeds the limit of 64/,
  },
  {
    name: "a message over maxFrameSize",
    limits: { maxFrameSize: 4096 },
    bytes: (p, f) =>
      frame(
        f,
        build(p, (w) => {
          callHeader(w);
          for (let i = 1; i <= 10; i++) {
            w.writeFieldBegin("s", TType.STRING, i);
            w.writeString("y".repeat(1000));
          }
          w.writeFieldStop();
          w.writeStructEnd();
        }),
      ),
    logged: /exceeds the maximum( frame size)? of 4096 bytes/,
  },
];

describe.each([
  ["framed", "binary", BinaryProtocol],
  ["framed", "compact", CompactProtocol],
  ["buffered", "binary", BinaryProtocol],
  ["buffered", "compact", CompactProtocol],
] as const)("hostile input over %s %s", (transport, _name, protocol) => {
  test.each(hostile)("$name: that connection is closed and logged; the server keeps serving", async (h) => {
    const { server, target, events } = await startCalc({ transport, protocol, ...h.limits });
    const bystander = createClient(Calc, await connectTo(target, { transport, protocol }));
    expect(await bystander.divide(4, 2)).toBe(2);
    const memoryBefore = process.memoryUsage().arrayBuffers;

    const raw = await rawSocket(target);
    raw.socket.write(h.bytes(protocol, transport === "framed"));
    if (h.end) raw.socket.end();
    await within(2000, raw.closed, "server closing the hostile connection");

    await until(() => events.some((e) => e.kind === "connection-error"), 2000, "log of the bad connection");
    const logged = events.filter((e) => e.kind === "connection-error");
    expect(logged).toHaveLength(1);
    expect(String((logged[0] as { error: unknown }).error)).toMatch(h.logged);
    expect(raw.received().length).toBe(0); // no reply to hostile input

    // Memory stays bounded: no buffer of the claimed sizes (up to 2 GiB) was allocated.
    expect(process.memoryUsage().arrayBuffers - memoryBefore).toBeLessThan(8 * 1024 * 1024);
    // The server is alive and serving: the other connection and a new one.
    expect(await bystander.divide(9, 3)).toBe(3);
    const fresh = createClient(Calc, await connectTo(target, { transport, protocol }));
    expect(await fresh.divide(10, 2)).toBe(5);
    await until(() => server.connectionCount === 2, 2000, "only the two good connections open");
  });
});

test("random garbage never takes the server down", async () => {
  const { target } = await startCalc();
  const bystander = createClient(Calc, await connectTo(target));
  let seed = 42;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let i = 0; i < 20; i++) {
    const raw = await rawSocket(target);
    raw.socket.write(Buffer.from(Array.from({ length: 1 + Math.floor(random() * 64) }, () => Math.floor(random() * 256))));
    raw.socket.end();
    await within(2000, raw.closed, "garbage connection closing");
  }
  expect(await bystander.divide(1, 1)).toBe(1);
});

// --------------------------------------------------------------------------------------------------
// Timeouts, aborts, late replies.

describe("timeouts and aborts", () => {
  test("a per-call timeout fires; the late reply is dropped quietly and the connection stays usable", async () => {
    const { target } = await startCalc();
    const conn = await connectTo(target);
    const calc = createClient(Calc, conn);
    const started = Date.now();
    const error = await calc.divide(-500, 1, { timeoutMs: 50 }).catch((e: unknown) => e);
    const took = Date.now() - started;
    transportError(error, TTransportExceptionType.TIMED_OUT);
    expect((error as Error).message).toMatch(/divide timed out after 50 ms/);
    expect(took).toBeGreaterThanOrEqual(45);
    expect(took).toBeLessThan(450); // well before the reply (generous: CI machines are busy)
    await sleep(600 - took); // the reply arrives now and must be ignored
    expect(conn.isConnected).toBe(true);
    expect(await calc.divide(8, 4)).toBe(2);
    expect(conn.pendingCalls).toBe(0);
  });

  test("the connection's default timeout applies, and a call may override it", async () => {
    const { target } = await startCalc();
    const calc = createClient(Calc, await connectTo(target, { timeoutMs: 40 }));
    transportError(await calc.divide(-200, 1).catch((e: unknown) => e), TTransportExceptionType.TIMED_OUT);
    expect(await calc.divide(-100, 1, { timeoutMs: 1000 })).toBe(-100);
  });

  test("many calls with staggered timeouts each fire on time (one timer per connection)", async () => {
    const { target } = await startCalc();
    const calc = createClient(Calc, await connectTo(target));
    const started = Date.now();
    const outcomes = await Promise.all(
      [200, 40, 120, 80, 160].map((ms) =>
        calc.divide(-1000, 1, { timeoutMs: ms }).then(
          () => ({ ms, at: -1 }),
          () => ({ ms, at: Date.now() - started }),
        ),
      ),
    );
    for (const { ms, at } of outcomes) {
      expect(at).toBeGreaterThanOrEqual(ms - 5);
      expect(at).toBeLessThan(ms + 500);
    }
    // They fired in deadline order, each on its own deadline (not all at the last one).
    const byTime = [...outcomes].sort((x, y) => x.at - y.at).map((o) => o.ms);
    expect(byTime).toEqual([40, 80, 120, 160, 200]);
  });

  test("an abort rejects with the signal's reason; the late reply is dropped", async () => {
    const { target, started } = await startCalc();
    const conn = await connectTo(target);
    const calc = createClient(Calc, conn);
    const controller = new AbortController();
    const call = calc.divide(-200, 1, { signal: controller.signal }).catch((e: unknown) => e);
    await until(() => started() === 1, 2000, "the call running on the server");
    controller.abort(new Error("user gave up"));
    expect(String(await call)).toMatch(/user gave up/);
    await sleep(300); // the reply arrives now and must be ignored
    expect(conn.isConnected).toBe(true);
    expect(await calc.divide(3, 1)).toBe(3);
  });

  test("an already aborted signal rejects without sending anything", async () => {
    let calls = 0;
    const { target } = await startCalc({ handler: { divide: (a, b) => (calls++, a / b) } });
    const calc = createClient(Calc, await connectTo(target));
    const error = await calc.divide(1, 1, { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect((error as Error).name).toBe("AbortError");
    expect(await calc.divide(2, 1)).toBe(2);
    expect(calls).toBe(1);
  });
});

// --------------------------------------------------------------------------------------------------
// A misbehaving server.

describe("a misbehaving server", () => {
  function replyBytes(seqid: number): Buffer {
    const w = BinaryProtocol.createWriter();
    w.writeMessageBegin("divide", MessageType.REPLY, seqid);
    w.writeStructBegin("r");
    w.writeFieldBegin("success", TType.FLOAT, 0);
    w.writeFloat(1);
    w.writeFieldStop();
    w.writeStructEnd();
    return framed(w.buffer.finish());
  }

  test("a reply with an unknown seqid closes the connection; pending calls reject; the next call reconnects", async () => {
    let connections = 0;
    const { port } = await rawServer((socket) => {
      connections++;
      socket.once("data", () => socket.write(replyBytes(12345)));
    });
    const conn = await connectTo({ host: "127.0.0.1", port }, { timeoutMs: 3000 });
    const calc = createClient(Calc, conn);
    const [a, b] = await within(1000, Promise.all([calc.divide(1, 1).catch((e: unknown) => e), calc.divide(2, 1).catch((e: unknown) => e)]));
    for (const e of [a, b]) {
      transportError(e, TTransportExceptionType.CORRUPTED_DATA);
      expect((e as Error).message).toMatch(/seqid 12345 matches no call in flight/);
    }
    expect(conn.isConnected).toBe(false);
    void calc.divide(3, 1, { timeoutMs: 100 }).catch(() => {});
    await until(() => connections === 2, 2000, "reconnection");
  });

  test("garbage from the server rejects the pending calls with a clear error", async () => {
    const { port } = await rawServer((socket) => {
      socket.once("data", () => socket.write(Buffer.from([0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8])));
    });
    const calc = createClient(Calc, await connectTo({ host: "127.0.0.1", port }));
    const e = await within(1000, calc.divide(1, 1).catch((err: unknown) => err));
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toMatch(/bad binary protocol version|bad data/);
  });

  test("a server that accepts and says nothing: calls time out, nothing hangs", async () => {
    const { port } = await rawServer(() => {});
    const calc = createClient(Calc, await connectTo({ host: "127.0.0.1", port }, { timeoutMs: 60 }));
    transportError(await within(1000, calc.divide(1, 1).catch((e: unknown) => e)), TTransportExceptionType.TIMED_OUT);
  });

  test("a reply bigger than the client's maxFrameSize is rejected before it is read", async () => {
    const { port } = await rawServer((socket) => {
      socket.once("data", () => socket.write(Buffer.from([0x7f, 0xff, 0xff, 0xff])));
    });
    const calc = createClient(Calc, await connectTo({ host: "127.0.0.1", port }, { maxFrameSize: 1024 }));
    const e = await within(1000, calc.divide(1, 1).catch((err: unknown) => err));
    transportError(e, TTransportExceptionType.SIZE_LIMIT);
  });
});
