/**
 * The service every reliability scenario talks to: Apache's ThriftTest (rich enough to reach every
 * decoder path: strings, binary, i64, doubles, nested structs, maps, sets, lists), served by an echo
 * handler, and a generator of calls whose answers can be checked.
 */
import { isDeepStrictEqual } from "node:util";
import type { MethodDescriptor } from "../../runtime/index.js";
import { ThriftTest, type ThriftTestClient, type ThriftTestHandler } from "../../interop/thrift-test/ThriftTest.v0.16-nouuid.js";

export { ThriftTest };

/** A testString argument that makes the handler wait this many ms before answering (at most 10 s). */
export const SLEEP_PREFIX = "sleep:";

/**
 * Every two-way method answers with what it was given (or a fixed value it can be checked against);
 * `testString("sleep:N")` answers after N ms, or when the call's signal aborts, so calls can be held in flight.
 */
export const echoHandler: ThriftTestHandler = {
  testVoid() {},
  testString(thing, ctx) {
    if (!thing.startsWith(SLEEP_PREFIX)) return thing;
    const ms = Math.min(10_000, Number(thing.slice(SLEEP_PREFIX.length)) || 0);
    return new Promise<string>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        ctx.signal.removeEventListener("abort", done);
        resolve(thing);
      };
      const timer = setTimeout(done, ms);
      ctx.signal.addEventListener("abort", done);
    });
  },
  testBool: (thing) => thing,
  testByte: (thing) => thing,
  testI32: (thing) => thing,
  testI64: (thing) => thing,
  testDouble: (thing) => thing,
  testBinary: (thing) => thing,
  testStruct: (thing) => thing ?? {},
  testNest: (thing) => thing ?? {},
  testMap: (thing) => thing,
  testStringMap: (thing) => thing,
  testSet: (thing) => thing,
  testList: (thing) => thing,
  testEnum: (thing) => thing,
  testTypedef: (thing) => thing,
  testMapMap: (hello) => new Map([[hello, new Map([[hello, hello]])]]),
  testInsanity: () => new Map(),
  testMulti: (arg0, arg1, arg2) => ({ string_thing: "Hello2", byte_thing: arg0, i32_thing: arg1, i64_thing: arg2 }),
  testException() {},
  testMultiException: (_arg0, arg1) => ({ string_thing: arg1 }),
  testOneway() {},
};

/** A small deterministic random source (xorshift32), so a failing run can be repeated from its seed. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }
  /** A uint32. */
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.state = x;
    return x;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return this.next() % n;
  }
  i32(): number {
    return this.next() | 0;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff;
    return out;
  }
  string(maxLength: number): string {
    const n = this.int(maxLength + 1);
    let s = "";
    // Mostly ASCII, some multi-byte characters and an astral one (surrogate pairs) now and then.
    for (let i = 0; i < n; i++) {
      const r = this.int(20);
      s += r < 16 ? String.fromCharCode(0x20 + this.int(0x5f)) : r < 19 ? String.fromCharCode(0xa0 + this.int(0x700)) : "😀";
    }
    return s;
  }
}

/** A call with a known answer: the method, its arguments, and what it must return. */
export interface Sample {
  method: MethodDescriptor;
  args: Record<string, unknown>;
  expected: unknown;
  invoke(client: ThriftTestClient, options?: { timeoutMs?: number }): Promise<unknown>;
}

/** A random call to one of the echo methods, covering every wire type. */
export function sample(rnd: Random): Sample {
  const m = ThriftTest.methods;
  switch (rnd.int(10)) {
    case 0: {
      const thing = rnd.string(40);
      return { method: m.testString, args: { thing }, expected: thing, invoke: (c, o) => c.testString(thing, o) };
    }
    case 1: {
      const thing = rnd.i32();
      return { method: m.testI32, args: { thing }, expected: thing, invoke: (c, o) => c.testI32(thing, o) };
    }
    case 2: {
      const thing = (BigInt(rnd.i32()) << 32n) | BigInt(rnd.next());
      return { method: m.testI64, args: { thing }, expected: thing, invoke: (c, o) => c.testI64(thing, o) };
    }
    case 3: {
      const thing = rnd.i32() / 7;
      return { method: m.testDouble, args: { thing }, expected: thing, invoke: (c, o) => c.testDouble(thing, o) };
    }
    case 4: {
      const thing = rnd.bytes(rnd.int(64));
      return { method: m.testBinary, args: { thing }, expected: thing, invoke: (c, o) => c.testBinary(thing, o) };
    }
    case 5: {
      const thing = xtruct(rnd);
      return { method: m.testStruct, args: { thing }, expected: thing, invoke: (c, o) => c.testStruct(thing, o) };
    }
    case 6: {
      const thing = { byte_thing: rnd.int(256) - 128, struct_thing: xtruct(rnd), i32_thing: rnd.i32() };
      return { method: m.testNest, args: { thing }, expected: thing, invoke: (c, o) => c.testNest(thing, o) };
    }
    case 7: {
      const thing = new Map<number, number>();
      for (let i = rnd.int(8); i > 0; i--) thing.set(rnd.i32(), rnd.i32());
      return { method: m.testMap, args: { thing }, expected: thing, invoke: (c, o) => c.testMap(thing, o) };
    }
    case 8: {
      const thing = new Map<string, string>();
      for (let i = rnd.int(6); i > 0; i--) thing.set(rnd.string(8), rnd.string(12));
      return { method: m.testStringMap, args: { thing }, expected: thing, invoke: (c, o) => c.testStringMap(thing, o) };
    }
    default: {
      const thing = Array.from({ length: rnd.int(12) }, () => rnd.i32());
      return { method: m.testList, args: { thing }, expected: thing, invoke: (c, o) => c.testList(thing, o) };
    }
  }
}

function xtruct(rnd: Random): { string_thing: string; byte_thing: number; i32_thing: number; i64_thing: bigint } {
  return { string_thing: rnd.string(16), byte_thing: rnd.int(256) - 128, i32_thing: rnd.i32(), i64_thing: BigInt(rnd.i32()) * 3n };
}

/** True when an answer is what the call must return (Uint8Array and Buffer compare by content). */
export function answerMatches(expected: unknown, actual: unknown): boolean {
  if (expected instanceof Uint8Array) return actual instanceof Uint8Array && Buffer.from(expected).equals(Buffer.from(actual));
  return isDeepStrictEqual(expected, actual);
}
