/**
 * The transport-independent core: CallOptions (timeout, signal, headers, response headers) and
 * interceptors applied the same way by every channel, deadlines reaching the handler, typed in-memory
 * channels, handler checks at registration, and the open sets of framings and socket factories.
 */
import fc from "fast-check";
import { Duplex } from "node:stream";
import { describe, expect, test } from "vitest";
import {
  BinaryProtocol,
  Buffered,
  connect,
  createClient,
  createConnection,
  createInMemoryChannel,
  createServer,
  DEADLINE_BUDGET_HEADER,
  deadlineOf,
  Framed,
  implement,
  Processor,
  TApplicationException,
  TApplicationExceptionType,
  TTransportException,
  TTransportExceptionType,
  budgetOf,
  type CallContext,
  type ClientInterceptor,
  type Framing,
  type ServerInterceptor,
} from "../../runtime/index.js";
import { Calc, InvalidOperation, type CalcHandler } from "../../generated/calc.js";
import { onCleanup } from "../runtime/helpers.js";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Divides; a negative num1 waits -num1 ms first (honouring the signal); records each call's context. */
function recordingHandler(): { handler: CalcHandler; contexts: CallContext[] } {
  const contexts: CallContext[] = [];
  const handler: CalcHandler = {
    async divide(num1, num2, ctx) {
      contexts.push(ctx);
      if (num2 === 0) throw new InvalidOperation({ message: "by zero" });
      if (num1 < 0) {
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(resolve, -num1);
          ctx.signal.addEventListener("abort", () => {
            clearTimeout(t);
            reject(ctx.signal.reason);
          });
        });
      }
      ctx.responseHeaders.set("x-divided-by", String(num2));
      return num1 / num2;
    },
  };
  return { handler, contexts };
}

describe("the in-memory channel", () => {
  test("is typed: createInMemoryChannel(Calc, handler)", async () => {
    const calc = createClient(Calc, createInMemoryChannel(Calc, { divide: (a, b) => a / b }));
    expect(await calc.divide(9, 3)).toBe(3);
    // @ts-expect-error a misspelt method does not compile
    expect(() => createInMemoryChannel(Calc, { divde: (a: number, b: number) => a / b })).toThrow(
      "the handler registered for Calc has no function 'divide' (it has 'divde', which Calc does not declare)",
    );
  });

  test("applies timeoutMs: the call rejects with TIMED_OUT and the handler's signal aborts", async () => {
    const { handler, contexts } = recordingHandler();
    const calc = createClient(Calc, createInMemoryChannel(Calc, handler));
    const t0 = performance.now();
    const error = await calc.divide(-5000, 1, { timeoutMs: 50 }).catch((e: unknown) => e);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(error).toBeInstanceOf(TTransportException);
    expect((error as TTransportException).type).toBe(TTransportExceptionType.TIMED_OUT);
    expect((error as Error).message).toBe("divide timed out after 50 ms (in-memory)");
    expect(contexts[0]!.signal.aborted).toBe(true);
  });

  test("applies the channel's default timeout, and the abort signal", async () => {
    const { handler, contexts } = recordingHandler();
    const calc = createClient(Calc, createInMemoryChannel(Calc, handler, { timeoutMs: 40 }));
    await expect(calc.divide(-5000, 1)).rejects.toThrow("divide timed out after 40 ms");
    const controller = new AbortController();
    const pending = calc.divide(-5000, 1, { signal: controller.signal, timeoutMs: 0 });
    await sleep(10);
    controller.abort(new Error("user gave up"));
    await expect(pending).rejects.toThrow("user gave up");
    expect(contexts[1]!.signal.aborted).toBe(true);
    await expect(calc.divide(1, 1, { signal: controller.signal })).rejects.toThrow("user gave up");
  });

  test("carries headers both ways, and the deadline", async () => {
    const { handler, contexts } = recordingHandler();
    const calc = createClient(Calc, createInMemoryChannel(Calc, handler));
    let replyHeaders: Headers | undefined;
    const before = Date.now();
    expect(await calc.divide(8, 2, { headers: { "X-Trace": "abc" }, timeoutMs: 5000, onResponseHeaders: (h) => (replyHeaders = h) })).toBe(4);
    expect(contexts[0]!.requestHeaders.get("x-trace")).toBe("abc");
    expect(contexts[0]!.deadline).toBeGreaterThanOrEqual(before + 5000);
    expect(contexts[0]!.deadline).toBeLessThanOrEqual(Date.now() + 5000);
    expect(replyHeaders?.get("x-divided-by")).toBe("2");
    await calc.divide(8, 2, { timeoutMs: 0 });
    expect(contexts[1]!.deadline).toBeUndefined();
  });

  test("a deadline that passes aborts the handler's signal on the server side too", async () => {
    const { handler, contexts } = recordingHandler();
    const calc = createClient(Calc, createInMemoryChannel(Calc, handler));
    await expect(calc.divide(-2000, 1, { timeoutMs: 30 })).rejects.toThrow(/timed out/);
    await sleep(20);
    expect(contexts[0]!.signal.aborted).toBe(true);
  });

  test("interceptors see and change request headers, and see response headers", async () => {
    const { handler, contexts } = recordingHandler();
    const seen: (string | null)[] = [];
    const client: ClientInterceptor = (next) => async (call) => {
      call.requestHeaders.set("authorization", "Bearer t0ken");
      const value = await next(call);
      seen.push(call.responseHeaders?.get("x-divided-by") ?? null);
      return value;
    };
    const server: ServerInterceptor = (next) => async (call) => {
      if (call.ctx.requestHeaders.get("authorization") !== "Bearer t0ken") throw new Error("unauthorised");
      call.ctx.responseHeaders.set("x-checked", "yes");
      return next(call);
    };
    const channel = createInMemoryChannel(Calc, handler, { interceptors: [client], serverInterceptors: [server] });
    expect(await createClient(Calc, channel).divide(6, 3)).toBe(2);
    expect(seen).toEqual(["3"]);
    expect(contexts[0]!.requestHeaders.get("authorization")).toBe("Bearer t0ken");
  });

  test("a throwing onResponseHeaders fails that call only", async () => {
    const calc = createClient(Calc, createInMemoryChannel(Calc, recordingHandler().handler));
    await expect(
      calc.divide(6, 3, {
        onResponseHeaders: () => {
          throw new Error("listener broke");
        },
      }),
    ).rejects.toThrow("listener broke");
    expect(await calc.divide(6, 3)).toBe(2);
  });
});

describe("registrations", () => {
  test("a handler with a misspelt method is refused when the server is made", () => {
    expect(() => new Processor({ services: { Calc: { descriptor: Calc, handler: { divde: () => 1 } } } })).toThrow(
      "the handler registered for Calc has no function 'divide' (it has 'divde', which Calc does not declare)",
    );
    expect(() => new Processor({ services: { Calc: { descriptor: Calc, handler: null } } })).toThrow("the handler registered for Calc is null, not an object");
    expect(() => createServer(Calc, { divide: 1, dvide: () => 1 } as unknown as CalcHandler)).toThrow(/no function 'divide'/);
    expect(() => implement(Calc, { divide: (a, b) => a / b })).not.toThrow();
  });

  test("a partial handler is served: the methods it leaves out answer UNKNOWN_METHOD", async () => {
    const channel = createInMemoryChannel({ Calc: { descriptor: Calc, handler: {} } });
    const error = await createClient(Calc, channel).divide(1, 2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TApplicationException);
    expect((error as TApplicationException).type).toBe(TApplicationExceptionType.UNKNOWN_METHOD);
    expect((error as Error).message).toBe("Unknown function divide (Calc does not implement it here)");
  });

  test("methods on a class prototype count", async () => {
    class Impl implements CalcHandler {
      divide(a: number, b: number): number {
        return a / b;
      }
    }
    expect(await createClient(Calc, createInMemoryChannel(Calc, new Impl())).divide(1, 2)).toBe(0.5);
  });
});

describe("deadline budgets", () => {
  test("a budget is whole milliseconds, never negative; odd values are ignored", () => {
    expect(budgetOf(1000.2, 0)).toBe("1001");
    expect(budgetOf(10, 20)).toBe("0");
    expect(deadlineOf("250", 1000)).toBe(1250);
    expect(deadlineOf(" 7 ", 0)).toBe(7);
    for (const bad of ["-1", "1.5", "", "abc", "1e3", "9".repeat(20)]) expect(deadlineOf(bad, 0), bad).toBeUndefined();
    expect(deadlineOf(null, 0)).toBeUndefined();
    expect(DEADLINE_BUDGET_HEADER).toBe("deadline-budget");
  });

  test("a budget is read as 1 to 15 digits with blanks around them, whatever else the header holds", () => {
    const chars = fc.constantFrom(..."0123456789 \t\r\n-+.e".split(""));
    fc.assert(
      fc.property(fc.string({ unit: chars, maxLength: 20 }), (text) => {
        const trimmed = text.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, "");
        expect(deadlineOf(text, 5)).toBe(/^\d{1,15}$/.test(trimmed) ? 5 + Number(trimmed) : undefined);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("stream transports are layered", () => {
  test("the socket factory is an option: a connection runs on any duplex", async () => {
    const { handler } = recordingHandler();
    const server = createServer(Calc, handler, { logger: () => {} });
    const address = await server.listen(0, "127.0.0.1");
    onCleanup(() => server.destroy());
    const port = "port" in address ? address.port : 0;
    let opened = 0;
    const { connect: netConnect } = await import("node:net");
    const connection = createConnection(
      { host: "unused.invalid", port: 1 },
      {
        socketFactory: ({ signal }) =>
          new Promise<Duplex>((resolve, reject) => {
            opened++;
            const socket = netConnect({ host: "127.0.0.1", port }, () => resolve(socket));
            socket.once("error", reject);
            signal.addEventListener("abort", () => socket.destroy());
          }),
      },
    );
    onCleanup(() => connection.destroy());
    expect(await createClient(Calc, connection).divide(10, 4)).toBe(2.5);
    expect(opened).toBe(1);
  });

  test("a socket factory that never resolves is bounded by connectTimeoutMs", async () => {
    const connection = createConnection({ path: "/unused" }, { socketFactory: () => new Promise<Duplex>(() => {}), connectTimeoutMs: 50, reconnect: false });
    onCleanup(() => connection.destroy());
    await expect(connection.ready()).rejects.toThrow("connecting to /unused timed out after 50 ms");
  });

  test.each([
    ["framed", Framed],
    ["buffered", Buffered],
  ] as const)("a Framing object works as the transport option (%s)", async (_name, framing: Framing) => {
    const server = createServer(Calc, recordingHandler().handler, { transport: framing, logger: () => {} });
    const address = await server.listen(0, "127.0.0.1");
    onCleanup(() => server.destroy());
    const connection = await connect({ host: "127.0.0.1", port: "port" in address ? address.port : 0 }, { transport: framing });
    onCleanup(() => connection.destroy());
    expect(await createClient(Calc, connection).divide(1, 4)).toBe(0.25);
  });

  test("a protocol of one's own works framed; unframed it needs a scanner", async () => {
    const custom = { ...BinaryProtocol, name: "binary-v2", createWriter: BinaryProtocol.createWriter.bind(BinaryProtocol), createReader: BinaryProtocol.createReader.bind(BinaryProtocol) };
    const server = createServer(Calc, recordingHandler().handler, { protocol: custom, logger: () => {} });
    const address = await server.listen(0, "127.0.0.1");
    onCleanup(() => server.destroy());
    const connection = await connect({ host: "127.0.0.1", port: "port" in address ? address.port : 0 }, { protocol: custom });
    onCleanup(() => connection.destroy());
    expect(await createClient(Calc, connection).divide(3, 4)).toBe(0.75);
    expect(() => createServer(Calc, recordingHandler().handler, { protocol: custom, transport: "buffered" })).toThrow(
      "protocol 'binary-v2' has no message scanner, so it cannot be used unframed: use the framed transport",
    );
  });

  test("an unknown transport name is refused clearly", () => {
    expect(() => createServer(Calc, recordingHandler().handler, { transport: "zlib" as "framed" })).toThrow(
      "unknown transport 'zlib' (framed, buffered or header, or a Framing; zlib is the `zlib: true` option, around a framing)",
    );
    expect(() => createServer(Calc, recordingHandler().handler, { transport: "tcp" as "framed" })).toThrow("unknown transport 'tcp' (framed, buffered or header, or a Framing)");
  });
});

describe("names that are not what they seem", () => {
  test("a call to `constructor`, `toString` or `__proto__` (or to a service of that name) is an unknown method, not Object's", async () => {
    const { BinaryProtocol: P, MessageType: M } = await import("../../runtime/index.js");
    const processor = new Processor({ services: { Calc: implement(Calc, { divide: (a, b) => a / b }) } });
    for (const name of ["constructor", "toString", "__proto__", "hasOwnProperty", "constructor:divide", "toString:divide"]) {
      const w = P.createWriter();
      w.writeMessageBegin(name, M.CALL, 1);
      w.writeStructBegin("args");
      w.writeFieldStop();
      w.writeStructEnd();
      w.writeMessageEnd();
      const call = processor.readCall(P.createReader(w.buffer.finish()));
      expect({ name, method: call.method }).toEqual({ name, method: undefined });
    }
  });
});

test("a handler whose methods the generated code renamed (`channel` → `channel_`) is accepted and served", async () => {
  const clash = await import("../golden/cases/name-clash/expected/clash.js");
  const seen: string[] = [];
  const handler: import("../golden/cases/name-clash/expected/clash.js").class_Handler = {
    get: (options) => options,
    channel_: () => void seen.push("channel"),
    function: (n) => n,
  };
  const client = createClient(clash.class_, createInMemoryChannel(clash.class_, handler));
  await client.channel_({});
  expect(seen).toEqual(["channel"]);
});
