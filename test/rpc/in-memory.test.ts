/** Generated services over the in-memory channel: real encoding both ways, no sockets. */
import { describe, expect, test } from "vitest";
import {
  BinaryProtocol,
  CompactProtocol,
  createClient,
  createInMemoryChannel,
  Processor,
  TApplicationException,
  TApplicationExceptionType,
  type ClientInterceptor,
  type ServerEvent,
  type ServerInterceptor,
} from "../../runtime/index.js";
import { Calc, InvalidOperation, type CalcHandler } from "../../generated/calc.js";
import {
  Numberz,
  SecondService,
  ThriftTest,
  Xception,
  Xception2,
  type InsanityInit,
  type ThriftTestHandler,
} from "../golden/cases/apache-ThriftTest-v0-16-nouuid/expected/ThriftTest.v0.16-nouuid.js";

const calcHandler: CalcHandler = {
  divide(num1, num2) {
    if (num2 === 0) throw new InvalidOperation({ message: `cannot divide ${num1} by zero` });
    return num1 / num2;
  },
};

describe.each([
  ["binary", BinaryProtocol],
  ["compact", CompactProtocol],
] as const)("Calc over %s", (_name, protocol) => {
  const processor = new Processor({ services: { Calc: { descriptor: Calc, handler: calcHandler } } });
  const calc = createClient(Calc, createInMemoryChannel(processor, { protocol }));

  test("divides", async () => {
    expect(await calc.divide(100, 10)).toBe(10);
  });

  test("uses the IDL default for num2 (= 1)", async () => {
    expect(await calc.divide(200)).toBe(200);
  });

  test("float results are rounded to 32 bits on the wire", async () => {
    expect(await calc.divide(1, 3)).toBe(Math.fround(1 / 3));
  });

  test("throws the declared exception with the server's message", async () => {
    const error = await calc.divide(100, 0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOperation);
    expect(error).toBeInstanceOf(Error);
    expect((error as InvalidOperation).message).toBe("cannot divide 100 by zero");
    expect((error as InvalidOperation).name).toBe("InvalidOperation");
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
    testMapMap: () =>
      new Map([
        [-4, new Map([[-4, -4], [-3, -3], [-2, -2], [-1, -1]])],
        [4, new Map([[1, 1], [2, 2], [3, 3], [4, 4]])],
      ]),
    testInsanity: (arg) =>
      new Map<bigint, Map<Numberz, InsanityInit>>([
        [1n, new Map([[Numberz.TWO, arg ?? {}], [Numberz.THREE, arg ?? {}]])],
        [2n, new Map([[Numberz.SIX, {}]])],
      ]),
    testMulti: (arg0, arg1, arg2) => ({ string_thing: "Hello2", byte_thing: arg0, i32_thing: arg1, i64_thing: arg2 }),
    testException(arg) {
      if (arg === "Xception") throw new Xception({ errorCode: 1001, message: arg });
      if (arg === "TException") throw new Error("secret internal detail");
    },
    testMultiException(arg0, arg1) {
      if (arg0 === "Xception") throw new Xception({ errorCode: 1001, message: "This is an Xception" });
      if (arg0 === "Xception2") throw new Xception2({ errorCode: 2002, struct_thing: { string_thing: "This is an Xception2" } });
      return { string_thing: arg1 };
    },
    testOneway(seconds) {
      events.push(`oneway ${seconds}`);
    },
  };
}

describe.each([
  ["binary", BinaryProtocol],
  ["compact", CompactProtocol],
] as const)("ThriftTest over %s", (_name, protocol) => {
  const events: string[] = [];
  const logged: ServerEvent[] = [];
  const processor = new Processor({
    services: {
      ThriftTest: { descriptor: ThriftTest, handler: thriftTestHandler(events) },
      SecondService: { descriptor: SecondService, handler: { secondtestString: (s: string) => `testString("${s}")` } },
    },
    defaultService: "ThriftTest",
    logger: (e) => logged.push(e),
  });
  const client = createClient(ThriftTest, createInMemoryChannel(processor, { protocol }));

  test("echoes base types and containers exactly", async () => {
    expect(await client.testString("Unicode ✓ 𝄞 \u0000\n")).toBe("Unicode ✓ 𝄞 \u0000\n");
    expect(await client.testI64(-(2n ** 63n))).toBe(-(2n ** 63n));
    expect(await client.testI64(42)).toBe(42n);
    expect(Object.is(await client.testDouble(-0), -0)).toBe(true);
    expect(await client.testDouble(Number.NaN)).toBeNaN();
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(await client.testBinary(all)).toEqual(all);
    expect(await client.testMap(new Map([[0, 1], [-1, -2]]))).toEqual(new Map([[0, 1], [-1, -2]]));
    expect(await client.testSet(new Set([8, 1, 42]))).toEqual(new Set([8, 1, 42]));
    expect(await client.testList([])).toEqual([]);
    expect(await client.testEnum(Numberz.FIVE)).toBe(Numberz.FIVE);
  });

  test("structs come back complete (defaults and zero values filled)", async () => {
    expect(await client.testStruct({ string_thing: "Zero", byte_thing: 1, i32_thing: -3, i64_thing: -5 })).toEqual({
      string_thing: "Zero",
      byte_thing: 1,
      i32_thing: -3,
      i64_thing: -5n,
    });
    expect(await client.testStruct({})).toEqual({ string_thing: "", byte_thing: 0, i32_thing: 0, i64_thing: 0n });
  });

  test("testInsanity and testMapMap follow Apache's reference semantics", async () => {
    const insane = await client.testInsanity({ userMap: new Map([[Numberz.FIVE, 5n]]), xtructs: [] });
    expect([...insane.keys()]).toEqual([1n, 2n]);
    expect(insane.get(1n)?.get(Numberz.TWO)?.userMap.get(Numberz.FIVE)).toBe(5n);
    expect(insane.get(2n)?.get(Numberz.SIX)).toEqual({ userMap: new Map(), xtructs: [] });
    expect((await client.testMapMap(1)).get(-4)?.get(-3)).toBe(-3);
  });

  test("declared exceptions arrive as the generated classes", async () => {
    const x = await client.testException("Xception").catch((e: unknown) => e);
    expect(x).toBeInstanceOf(Xception);
    expect(x).toMatchObject({ errorCode: 1001, message: "Xception" });
    const x2 = await client.testMultiException("Xception2", "x").catch((e: unknown) => e);
    expect(x2).toBeInstanceOf(Xception2);
    expect((x2 as Xception2).struct_thing?.string_thing).toBe("This is an Xception2");
    expect(await client.testMultiException("success", "foobar")).toMatchObject({ string_thing: "foobar" });
  });

  test("undeclared errors become INTERNAL_ERROR without leaking details, and reach the logger", async () => {
    const e = await client.testException("TException").catch((err: unknown) => err);
    expect(e).toBeInstanceOf(TApplicationException);
    expect((e as TApplicationException).type).toBe(TApplicationExceptionType.INTERNAL_ERROR);
    expect((e as TApplicationException).message).toBe("Internal error");
    expect(logged.some((l) => l.kind === "handler-error" && String((l.error as Error).message).includes("secret"))).toBe(true);
  });

  test("oneway calls resolve without a reply and still run the handler", async () => {
    await expect(client.testOneway(1)).resolves.toBeUndefined();
    expect(events).toContain("oneway 1");
  });

  test("multiplexed names reach the named service; bare names the default", async () => {
    const muxed = createInMemoryChannel(processor, { protocol, multiplexed: true });
    expect(await createClient(SecondService, muxed).secondtestString("foobar")).toBe('testString("foobar")');
    expect(await createClient(ThriftTest, muxed).testI32(7)).toBe(7);
  });

  test("an unknown method gets UNKNOWN_METHOD", async () => {
    const bare = createInMemoryChannel(processor, { protocol });
    const e = await createClient(SecondService, bare)
      .secondtestString("x")
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(TApplicationException);
    expect((e as TApplicationException).type).toBe(TApplicationExceptionType.UNKNOWN_METHOD);
    expect((e as TApplicationException).message).toBe("Unknown function secondtestString");
  });
});

describe("interceptors", () => {
  test("client and server interceptors wrap calls onion-style (auth + logging)", async () => {
    const order: string[] = [];
    const auth: ServerInterceptor = (next) => async (call) => {
      order.push(`server auth ${call.method.name}`);
      if (call.method.name === "divide" && (call.args as { num1: number }).num1 < 0) {
        throw new TApplicationException(TApplicationExceptionType.UNKNOWN, "forbidden");
      }
      return next(call);
    };
    const log: ClientInterceptor = (next) => async (call) => {
      order.push(`client before ${call.method.name}`);
      try {
        return await next(call);
      } finally {
        order.push(`client after ${call.method.name}`);
      }
    };
    const processor = new Processor({ services: { Calc: { descriptor: Calc, handler: calcHandler } }, interceptors: [auth] });
    const calc = createClient(Calc, createInMemoryChannel(processor, { interceptors: [log] }));
    expect(await calc.divide(9, 3)).toBe(3);
    await expect(calc.divide(-1, 1)).rejects.toThrow("forbidden");
    expect(order).toEqual([
      "client before divide",
      "server auth divide",
      "client after divide",
      "client before divide",
      "server auth divide",
      "client after divide",
    ]);
  });
});

describe("documented limitation", () => {
  test("-0 as a Set element or Map key reads back as 0 (JavaScript's SameValueZero); elsewhere it survives", () => {
    const set = new Set([-0]);
    expect(Object.is([...set][0], 0)).toBe(true);
    expect(Object.is(new Map([[-0, 1]]).keys().next().value, 0)).toBe(true);
  });
});

describe("decode budget over the in-memory channel", () => {
  test("each request gets its own budget: an amplifying one is refused, the next ones are served", async () => {
    const processor = new Processor({ services: { ThriftTest: { descriptor: ThriftTest, handler: { testInsanity: (arg: InsanityInit) => new Map([[1n, new Map([[Numberz.TWO, arg]])]]) } } } });
    const client = createClient(ThriftTest, createInMemoryChannel(processor));
    // 100,000 Xtructs with no field set: a byte each on the wire, an object each once decoded.
    const refused = await client.testInsanity({ xtructs: Array.from({ length: 100_000 }, () => ({})) }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toMatch(/^a list of 100000 struct elements at offset \d+ exceeds the message's decode budget/);
    // Requests that each take most of the floor (1 MiB): one budget for two of them would run out.
    const xtructs = Array.from({ length: 15_000 }, () => ({}));
    for (let i = 0; i < 3; i++) {
      const answer = await client.testInsanity({ xtructs });
      expect(answer.get(1n)?.get(Numberz.TWO)?.xtructs).toHaveLength(15_000);
    }
  });
});
