/** Generated services end to end over real sockets: both transports × both protocols, TCP and Unix. */
import { Socket } from "node:net";
import { describe, expect, test, vi } from "vitest";
import {
  BinaryProtocol,
  CompactProtocol,
  connect,
  createClient,
  createServer,
  implement,
  TApplicationException,
  TApplicationExceptionType,
  type ServerEvent,
} from "../../runtime/index.js";
import { Calc, InvalidOperation } from "../../generated/calc.js";
import {
  Numberz,
  SecondService,
  ThriftTest,
  Xception,
  type ThriftTestHandler,
} from "../golden/cases/apache-ThriftTest-v0-16-nouuid/expected/ThriftTest.v0.16-nouuid.js";
import { connectTo, onCleanup, socketPath, startCalc, until } from "./helpers.js";

const cells = [
  ["framed", "binary", BinaryProtocol],
  ["framed", "compact", CompactProtocol],
  ["buffered", "binary", BinaryProtocol],
  ["buffered", "compact", CompactProtocol],
] as const;

describe.each(cells)("Calc over %s %s", (transport, _name, protocol) => {
  test.each(["tcp", "unix"] as const)("divides, applies the IDL default, throws the declared exception (%s)", async (socket) => {
    const { target } = await startCalc({ transport, protocol, ...(socket === "unix" && { path: socketPath("calc") }) });
    const calc = createClient(Calc, await connectTo(target, { transport, protocol }));
    expect(await calc.divide(100, 10)).toBe(10);
    expect(await calc.divide(200)).toBe(200);
    expect(await calc.divide(1, 3)).toBe(Math.fround(1 / 3));
    const error = await calc.divide(100, 0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOperation);
    expect((error as InvalidOperation).message).toBe("cannot divide 100 by zero");
    // The connection is still good after an exception.
    expect(await calc.divide(9, 3)).toBe(3);
  });
});

function thriftTestHandler(events: string[]): ThriftTestHandler {
  return {
    testVoid: () => {},
    testString: (s) => s,
    testBool: (b) => b,
    testByte: (b) => b,
    testI32: (i) => i,
    testI64: (i) => i,
    testDouble: (d) => d,
    testBinary: (b) => b,
    testStruct: (x) => x ?? {},
    testNest: (x) => x ?? {},
    testMap: (m) => m,
    testStringMap: (m) => m,
    testSet: (s) => s,
    testList: (l) => l,
    testEnum: (e) => e,
    testTypedef: (t) => t,
    testMapMap: () => new Map(),
    testInsanity: () => new Map(),
    testMulti: (arg0, arg1, arg2) => ({ string_thing: "Hello2", byte_thing: arg0, i32_thing: arg1, i64_thing: arg2 }),
    async testException(arg) {
      await Promise.resolve();
      if (arg === "Xception") throw new Xception({ errorCode: 1001, message: arg });
      if (arg === "TException") throw new Error("secret internal detail");
    },
    testMultiException: (_a, b) => ({ string_thing: b }),
    testOneway(seconds) {
      events.push(`oneway ${seconds}`);
    },
  };
}

describe.each(cells)("ThriftTest, multiplexed, over %s %s", (transport, _name, protocol) => {
  test("services by prefix, bare names to the default, oneway, exceptions, big values", async () => {
    const events: string[] = [];
    const logged: ServerEvent[] = [];
    const server = createServer(
      {
        ThriftTest: implement(ThriftTest, thriftTestHandler(events)),
        SecondService: implement(SecondService, { secondtestString: (s: string) => `testString("${s}")` }),
      },
      { transport, protocol, defaultService: "ThriftTest", logger: (e) => logged.push(e) },
    );
    onCleanup(() => server.destroy());
    const address = await server.listen(0, "127.0.0.1");
    if (!("port" in address)) throw new Error("expected a TCP address");
    const muxed = await connectTo({ host: "127.0.0.1", port: address.port }, { transport, protocol, multiplexed: true });
    const bare = await connectTo({ host: "127.0.0.1", port: address.port }, { transport, protocol });
    const second = createClient(SecondService, muxed);
    const test1 = createClient(ThriftTest, muxed);
    const test2 = createClient(ThriftTest, bare);

    expect(await second.secondtestString("foobar")).toBe('testString("foobar")');
    expect(await test1.testI32(-7)).toBe(-7);
    expect(await test2.testString("Unicode ✓ 𝄞")).toBe("Unicode ✓ 𝄞");
    expect(await test2.testEnum(Numberz.FIVE)).toBe(Numberz.FIVE);
    expect(await test1.testMulti(1, 2, 3n, new Map([[1, "a"]]), Numberz.ONE, 0n)).toMatchObject({ string_thing: "Hello2", i64_thing: 3n });

    // Values bigger than a socket chunk: 3 MiB binary and a 100k-element list, both ways.
    const blob = Uint8Array.from({ length: 3 * 1024 * 1024 }, (_, i) => (i * 7) & 0xff);
    const echoed = await test1.testBinary(blob);
    expect(Buffer.from(echoed).equals(Buffer.from(blob))).toBe(true);
    const list = Array.from({ length: 100_000 }, (_, i) => i - 50_000);
    expect(await test2.testList(list)).toEqual(list);

    const x = await test1.testException("Xception").catch((e: unknown) => e);
    expect(x).toBeInstanceOf(Xception);
    expect(x).toMatchObject({ errorCode: 1001, message: "Xception" });
    const internal = await test1.testException("TException").catch((e: unknown) => e);
    expect(internal).toBeInstanceOf(TApplicationException);
    expect((internal as TApplicationException).type).toBe(TApplicationExceptionType.INTERNAL_ERROR);
    expect((internal as TApplicationException).message).toBe("Internal error");
    expect(logged.some((e) => e.kind === "handler-error")).toBe(true);

    // An unknown method (SecondService's, sent bare to the default ThriftTest) gets UNKNOWN_METHOD.
    const unknown = await createClient(SecondService, bare)
      .secondtestString("x")
      .catch((e: unknown) => e);
    expect((unknown as TApplicationException).type).toBe(TApplicationExceptionType.UNKNOWN_METHOD);

    // Oneway: resolves once written, the server runs it, and no reply ever comes.
    await expect(test1.testOneway(3)).resolves.toBeUndefined();
    await until(() => events.includes("oneway 3"), 2000, "oneway handled");
    expect(await test1.testString("after oneway")).toBe("after oneway");
    expect(muxed.pendingCalls).toBe(0);
  });
});

describe.each(cells)("values that cannot be sent, over %s %s", (transport, _name, protocol) => {
  test("arguments that fail to encode, or exceed maxFrameSize, reject that call only; the connection carries on", async () => {
    const logged: ServerEvent[] = [];
    const server = createServer(
      ThriftTest,
      {
        ...thriftTestHandler([]),
        testI64: () => 2 ** 60, // not a safe integer: the result cannot be encoded
        testString: (s) => s.repeat(100), // a reply over the server's maxFrameSize
      },
      { transport, protocol, maxFrameSize: 4096, logger: (e) => logged.push(e) },
    );
    onCleanup(() => server.destroy());
    const address = await server.listen(0, "127.0.0.1");
    if (!("port" in address)) throw new Error("expected a TCP address");
    const conn = await connectTo({ host: "127.0.0.1", port: address.port }, { transport, protocol, maxFrameSize: 4096 });
    const client = createClient(ThriftTest, conn);

    // Client side: an argument the codec rejects, then a request too big to send.
    await expect(client.testMulti(1, 2, 2 ** 60, new Map(), Numberz.ONE, 0n)).rejects.toThrow(/precision|i64|range/i);
    await expect(client.testBinary(new Uint8Array(5000))).rejects.toThrow(/exceeds the maximum frame size of 4096/);
    expect(await client.testStruct({ string_thing: "still fine", i64_thing: 5n })).toMatchObject({ string_thing: "still fine", i64_thing: 5n });

    // Server side: a result that cannot be encoded, and a reply too big for a frame, become INTERNAL_ERROR.
    for (const call of [() => client.testI64(1n), () => client.testString("y".repeat(100))]) {
      const e = await call().catch((err: unknown) => err);
      expect(e).toBeInstanceOf(TApplicationException);
      expect((e as TApplicationException).type).toBe(TApplicationExceptionType.INTERNAL_ERROR);
    }
    expect(logged.filter((e) => e.kind === "result-error")).toHaveLength(2);
    expect(await client.testString("ok")).toBe("ok".repeat(100));
    expect(conn.isConnected).toBe(true);
  });
});

test("calls made in one tick go out in one socket write, and the replies in one write too", async () => {
  const { target } = await startCalc();
  const conn = await connectTo(target);
  const calc = createClient(Calc, conn);
  await calc.divide(1, 1); // warm up
  const write = vi.spyOn(Socket.prototype, "write");
  try {
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => calc.divide(i, 2)));
    expect(results).toEqual(Array.from({ length: 200 }, (_, i) => i / 2));
    // One write from the client; the server's replies to one chunk go out together (TCP may deliver
    // the requests in a few chunks, hence a small bound rather than exactly 2).
    expect(write.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(write.mock.calls.length).toBeLessThanOrEqual(5);
  } finally {
    write.mockRestore();
  }
});

test("connect() rejects clearly when nothing listens; createClient works over a Connection", async () => {
  const { server, target } = await startCalc();
  await server.close();
  const error = await connect(target, { reconnect: false }).catch((e: unknown) => e);
  expect(String(error)).toMatch(/cannot connect to 127\.0\.0\.1:\d+/);
});
