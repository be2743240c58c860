/**
 * THeader and the zlib transport over real sockets, rpcgen client to rpcgen server: headers and
 * deadlines both ways (interceptors included), a header server answering every client dialect in
 * kind, unknown transforms and zlib bombs refused, and the zlib transport under each framing.
 */
import { deflateSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import {
  BinaryProtocol,
  CompactProtocol,
  createClient,
  headerFraming,
  JSONProtocol,
  TApplicationException,
  TApplicationExceptionType,
  TTransportException,
  TTransportExceptionType,
  type CallContext,
  type ClientInterceptor,
  type ConnectionOptions,
  type Protocol,
  type ServerInterceptor,
  type TransportOptions,
} from "../../runtime/index.js";
import { Calc, type CalcHandler } from "../../generated/calc.js";
import { connectTo, framed, rawSocket, startCalc, until, within } from "./helpers.js";

/** Divides, records each call's context, and answers with a header naming the divisor. */
function recording(): { handler: CalcHandler; contexts: CallContext[] } {
  const contexts: CallContext[] = [];
  return {
    contexts,
    handler: {
      async divide(num1, num2, ctx) {
        contexts.push(ctx);
        ctx.responseHeaders.set("x-divided-by", String(num2));
        return num1 / num2;
      },
    },
  };
}

const hex = (s: string): Buffer => Buffer.from(s.replace(/ /g, ""), "hex");

describe("headers and deadlines over THeader", () => {
  for (const [name, transport] of [
    ["header", { transport: "header" }],
    ["header with zlib", { transport: headerFraming({ transforms: ["zlib"] }) }],
    ["header in framed", { transport: headerFraming({ framed: true }) }],
    ["header in the zlib transport, compact", { transport: "header", zlib: true, protocol: CompactProtocol }],
  ] as [string, TransportOptions][]) {
    test(`${name}: call headers and Deadline-Budget reach ctx; reply headers reach the caller`, async () => {
      const { handler, contexts } = recording();
      const { target } = await startCalc({ handler, ...transport });
      const conn = await connectTo(target, transport as ConnectionOptions);
      const calc = createClient(Calc, conn);
      let replyHeaders: Headers | undefined;
      const before = Date.now();
      expect(await calc.divide(9, 3, { headers: { "X-Trace": "abc", who: "José" }, timeoutMs: 5000, onResponseHeaders: (h) => (replyHeaders = h) })).toBe(3);
      expect(contexts[0]!.requestHeaders.get("x-trace")).toBe("abc");
      expect(contexts[0]!.requestHeaders.get("who")).toBe("José");
      expect(contexts[0]!.requestHeaders.get("deadline-budget")).toBe("5000");
      expect(contexts[0]!.deadline).toBeGreaterThanOrEqual(before + 5000);
      expect(contexts[0]!.deadline).toBeLessThanOrEqual(Date.now() + 5000);
      expect(replyHeaders?.get("x-divided-by")).toBe("3");
      // No timeout: no budget, no deadline.
      expect(await calc.divide(8, 2, { timeoutMs: 0 })).toBe(4);
      expect(contexts[1]!.deadline).toBeUndefined();
      expect(contexts[1]!.requestHeaders.has("deadline-budget")).toBe(false);
    });
  }

  test("the connection's default timeout is sent as the budget", async () => {
    const { handler, contexts } = recording();
    const { target } = await startCalc({ handler, transport: "header" });
    const calc = createClient(Calc, await connectTo(target, { transport: "header", timeoutMs: 1234 }));
    await calc.divide(1, 1);
    expect(contexts[0]!.requestHeaders.get("deadline-budget")).toBe("1234");
  });

  test("a deadline that passes aborts the handler's signal on the server", async () => {
    let aborted: unknown;
    const { target } = await startCalc({
      transport: "header",
      handler: {
        divide: (_a, _b, ctx) =>
          new Promise((_resolve, reject) => {
            ctx.signal.addEventListener("abort", () => {
              aborted = ctx.signal.reason;
              reject(ctx.signal.reason);
            });
          }),
      },
    });
    const calc = createClient(Calc, await connectTo(target, { transport: "header" }));
    const error = await calc.divide(1, 1, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ type: TTransportExceptionType.TIMED_OUT });
    await until(() => aborted !== undefined, 2000, "the handler's signal to abort");
    expect(aborted).toMatchObject({ type: TTransportExceptionType.TIMED_OUT });
  });

  test("interceptors: a client interceptor's headers reach a server interceptor's ctx.requestHeaders, and back", async () => {
    const seen: (string | null)[] = [];
    const auth: ClientInterceptor = (next) => async (call) => {
      call.requestHeaders.set("authorization", "Bearer t0ken");
      const result = await next(call);
      seen.push(call.responseHeaders?.get("x-checked") ?? null);
      return result;
    };
    const check: ServerInterceptor = (next) => async (call) => {
      if (call.ctx.requestHeaders.get("authorization") !== "Bearer t0ken") throw new TApplicationException(TApplicationExceptionType.UNKNOWN, "unauthorised");
      call.ctx.responseHeaders.set("x-checked", "yes");
      return next(call);
    };
    const { target } = await startCalc({ transport: "header", interceptors: [check] });
    const calc = createClient(Calc, await connectTo(target, { transport: "header", interceptors: [auth] }));
    expect(await calc.divide(6, 3)).toBe(2);
    expect(seen).toEqual(["yes"]);
    const bare = createClient(Calc, await connectTo(target, { transport: "header" }));
    await expect(bare.divide(6, 3)).rejects.toThrow("unauthorised");
  });

  test("headers too large for a THeader frame: the call rejects; a handler's are reported and left out", async () => {
    const events: unknown[] = [];
    const { target } = await startCalc({
      transport: "header",
      logger: (e) => events.push(e),
      handler: {
        divide(a, b, ctx) {
          ctx.responseHeaders.set("x-big", "y".repeat(300_000));
          return a / b;
        },
      },
    });
    const calc = createClient(Calc, await connectTo(target, { transport: "header" }));
    await expect(calc.divide(1, 1, { headers: { big: "x".repeat(300_000) } })).rejects.toThrow(/^THeader headers take \d+ bytes; a THeader frame holds at most 262140$/);
    let replyHeaders: Headers | undefined;
    expect(await calc.divide(6, 2, { onResponseHeaders: (h) => (replyHeaders = h) })).toBe(3);
    expect(replyHeaders?.has("x-big")).toBe(false);
    expect(events).toMatchObject([{ kind: "result-error", method: "divide", error: { message: expect.stringMatching(/^THeader headers take/) } }]);
  });
});

describe("a header server answers each client in its own dialect", () => {
  const clients: [string, ConnectionOptions][] = [
    ["framed binary", { transport: "framed", protocol: BinaryProtocol }],
    ["unframed binary", { transport: "buffered", protocol: BinaryProtocol }],
    ["framed compact", { transport: "framed", protocol: CompactProtocol }],
    ["unframed compact", { transport: "buffered", protocol: CompactProtocol }],
    ["header binary", { transport: "header", protocol: BinaryProtocol }],
    ["header compact", { transport: "header", protocol: CompactProtocol }],
    ["header json", { transport: "header", protocol: JSONProtocol }],
    ["header binary + zlib", { transport: headerFraming({ transforms: ["zlib"] }) }],
  ];

  test("every dialect, on connections open at the same time, each answered in kind", async () => {
    const { handler, contexts } = recording();
    const { target } = await startCalc({ handler, transport: "header" });
    const results = await Promise.all(
      clients.map(async ([, options]) => {
        const calc = createClient(Calc, await connectTo(target, options));
        return Promise.all([calc.divide(10, 4, { headers: { k: "v" } }), calc.divide(9, 3)]);
      }),
    );
    expect(results).toEqual(clients.map(() => [2.5, 3]));
    // Only THeader clients carry headers.
    const withHeaders = contexts.filter((c) => c.requestHeaders.get("k") === "v").length;
    expect(withHeaders).toBe(clients.filter(([n]) => n.startsWith("header")).length);
  });

  test("the framed form: plain framed clients and header-in-framed clients", async () => {
    const { target } = await startCalc({ transport: headerFraming({ framed: true }) });
    for (const options of [{ transport: "framed" }, { transport: "framed", protocol: CompactProtocol }, { transport: headerFraming({ framed: true }) }] as ConnectionOptions[]) {
      const calc = createClient(Calc, await connectTo(target, options));
      expect(await calc.divide(1, 4)).toBe(0.25);
    }
  });

  test("replies carry the request's bytes exactly: a framed binary request gets a framed binary reply", async () => {
    const { target } = await startCalc({ transport: "header" });
    const w = BinaryProtocol.createWriter();
    w.writeMessageBegin("divide", 1, 42);
    w.writeStructBegin("args");
    w.writeFieldBegin("num1", 8, 1);
    w.writeI32(8);
    w.writeFieldEnd();
    w.writeFieldBegin("num2", 8, 2);
    w.writeI32(2);
    w.writeFieldEnd();
    w.writeFieldStop();
    w.writeStructEnd();
    const raw = await rawSocket(target);
    raw.socket.write(framed(w.buffer.finish()));
    await until(() => raw.received().length >= 4 && raw.received().length >= raw.received().readInt32BE(0) + 4, 2000, "the reply");
    const reply = raw.received();
    expect(reply.subarray(4, 8).toString("hex")).toBe("80010002"); // framed, binary, REPLY
    expect(reply.readInt32BE(0)).toBe(reply.length - 4);
  });
});

describe("refusals", () => {
  test("an unknown transform: the server logs INVALID_TRANSFORM naming it and closes that connection", async () => {
    const { target, events } = await startCalc({ transport: "header" });
    const raw = await rawSocket(target);
    raw.socket.write(hex("00000025 0fff 0000 00000007 0001 00010300 789c6b6064606460606029c8cc4b07d2ec0c001589023c"));
    await within(2000, raw.closed, "the server to close the connection");
    expect(events).toHaveLength(1);
    const error = (events[0] as { kind: string; error: unknown }).error;
    expect(events[0]).toMatchObject({ kind: "connection-error" });
    expect(error).toBeInstanceOf(TApplicationException);
    expect(error).toMatchObject({
      type: TApplicationExceptionType.INVALID_TRANSFORM,
      message: "THeader frame (seqid 7) uses transform 3 (snappy), which this side does not implement; it supports zlib (1)",
    });
  });

  test("a reply with an unknown transform fails the client's calls with that error", async () => {
    const { rawServer } = await import("./helpers.js");
    const { port } = await rawServer((socket) => socket.once("data", () => socket.write(hex("00000012 0fff 0000 00000001 0001 00010200 80010002"))));
    const calc = createClient(Calc, await connectTo({ host: "127.0.0.1", port }, { transport: "header", reconnect: false }));
    const error = await calc.divide(1, 2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TTransportException);
    expect(error).toMatchObject({ type: TTransportExceptionType.CORRUPTED_DATA });
    expect((error as Error).message).toMatch(/^bad data from 127\.0\.0\.1:\d+: THeader frame \(seqid 1\) uses transform 2 \(hmac\), which this side does not implement; it supports zlib \(1\)$/);
  });

  test("a zlib bomb in a THeader frame closes the connection quickly, with bounded memory", async () => {
    const { target, events } = await startCalc({ transport: "header", maxFrameSize: 64 * 1024 });
    // divide's args with a huge unknown binary field: 64 MiB of zeros, about 64 KiB compressed.
    const w = BinaryProtocol.createWriter();
    w.writeMessageBegin("divide", 1, 1);
    w.writeStructBegin("args");
    w.writeFieldBegin("junk", 11, 99);
    w.writeBinary(new Uint8Array(64 * 1024 * 1024));
    w.writeFieldEnd();
    w.writeFieldStop();
    w.writeStructEnd();
    const payload = deflateSync(w.buffer.finish(), { level: 9 });
    expect(payload.length).toBeLessThan(64 * 1024 - 14);
    const header = hex("0fff 0000 00000001 0001 00010100");
    const frame = Buffer.concat([Buffer.alloc(4), header, payload]);
    frame.writeInt32BE(frame.length - 4, 0);
    const memory = process.memoryUsage().arrayBuffers;
    const raw = await rawSocket(target);
    const t0 = performance.now();
    raw.socket.write(frame);
    await within(2000, raw.closed, "the server to close the connection");
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(process.memoryUsage().arrayBuffers - memory).toBeLessThan(16 * 1024 * 1024);
    expect(events).toMatchObject([{ kind: "connection-error", error: { type: TTransportExceptionType.SIZE_LIMIT } }]);
    expect(String((events[0] as { error: Error }).error.message)).toMatch(/^THeader zlib payload of \d+ bytes inflates past the maximum frame size of 65536 bytes$/);
  });

  test("a zlib transport bomb closes the connection quickly", async () => {
    const { target, events } = await startCalc({ transport: "framed", zlib: true, maxFrameSize: 64 * 1024 });
    // A frame of 1 MiB of zeros, behind it 31 MiB more: about 32 KiB on the wire.
    const bomb = deflateSync(Buffer.concat([hex("00100000"), Buffer.alloc(32 * 1024 * 1024)]), { level: 9 });
    expect(bomb.length).toBeLessThan(64 * 1024);
    const raw = await rawSocket(target);
    const t0 = performance.now();
    raw.socket.write(bomb);
    await within(2000, raw.closed, "the server to close the connection");
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(events).toMatchObject([{ kind: "connection-error", error: { type: TTransportExceptionType.SIZE_LIMIT } }]);
  });
});

describe("the zlib transport over TCP", () => {
  for (const [name, options] of [
    ["buffered (Apache's cross-test zlib)", { transport: "buffered", zlib: { level: 9 } }],
    ["framed", { transport: "framed", zlib: true }],
    ["compact, buffered", { transport: "buffered", protocol: CompactProtocol, zlib: true }],
  ] as [string, TransportOptions & { protocol?: Protocol }][]) {
    test(`${name}: batches of calls, and a reconnect (a new zlib stream both ways)`, async () => {
      const first = await startCalc(options);
      const conn = await connectTo(first.target, options as ConnectionOptions);
      const calc = createClient(Calc, conn);
      const many = await Promise.all(Array.from({ length: 200 }, (_, i) => calc.divide(i, 2)));
      expect(many).toEqual(Array.from({ length: 200 }, (_, i) => i / 2));
      expect(await calc.divide(1, 4)).toBe(0.25);
      await first.server.destroy();
      await until(() => !conn.isConnected, 2000, "the client to see the connection go");
      await startCalc({ ...options, port: first.port });
      expect(await calc.divide(1, 8)).toBe(0.125);
      expect(await calc.divide(3, 8)).toBe(0.375);
    });
  }
});

describe("quiet connections", () => {
  // The server drops a quiet connection's codec buffers (made again on its next byte); the zlib
  // transport's decoder and output are one zlib stream each, for as long as the connection lasts.
  for (const [name, options] of [
    ["zlib, buffered", { transport: "buffered", zlib: true }],
    ["THeader in zlib", { transport: "header", zlib: true }],
    ["THeader", { transport: "header" }],
  ] as [string, TransportOptions][]) {
    test(`${name}: a connection quiet long enough for its buffers to be released goes on working`, async () => {
      // A short frame timeout makes the server sweep often (release comes after a second of quiet).
      const { target, events } = await startCalc({ ...options, frameTimeoutMs: 200 });
      const calc = createClient(Calc, await connectTo(target, options as ConnectionOptions));
      expect(await calc.divide(6, 3)).toBe(2);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await calc.divide(8, 2)).toBe(4);
      expect(await calc.divide(9, 3)).toBe(3);
      expect(events).toEqual([]);
    });
  }
});
