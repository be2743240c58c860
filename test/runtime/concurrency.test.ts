/** Pipelining and concurrency: many calls on one connection, many connections, replies out of order. */
import { describe, expect, test } from "vitest";
import { BinaryProtocol, CompactProtocol, createClient } from "../../runtime/index.js";
import { Calc, type CalcHandler } from "../../generated/calc.js";
import { connectTo, sleep, startCalc, until } from "./helpers.js";

describe.each([
  ["framed", "binary", BinaryProtocol],
  ["buffered", "compact", CompactProtocol],
] as const)("%s %s", (transport, _name, protocol) => {
  test("1,000 calls in flight on one connection all get their own answer", async () => {
    const { target } = await startCalc({ transport, protocol });
    const conn = await connectTo(target, { transport, protocol });
    const calc = createClient(Calc, conn);
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => calc.divide(i * 2, 2)));
    expect(results).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(conn.pendingCalls).toBe(0);
  });

  test("a handler answering out of order (random delays): each reply reaches its call", async () => {
    let running = 0;
    let maxRunning = 0;
    const handler: CalcHandler = {
      async divide(num1, num2) {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await sleep(Math.floor(Math.random() * 30));
        running--;
        return num1 / num2;
      },
    };
    const { target } = await startCalc({ transport, protocol, handler });
    const calc = createClient(Calc, await connectTo(target, { transport, protocol }));
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => calc.divide(i, 4)));
    expect(results).toEqual(Array.from({ length: 300 }, (_, i) => Math.fround(i / 4)));
    // The calls really ran concurrently on the one connection.
    expect(maxRunning).toBeGreaterThan(50);
  });

  test("50 connections at once, each pipelining", async () => {
    const { server, target } = await startCalc({ transport, protocol });
    const conns = await Promise.all(Array.from({ length: 50 }, () => connectTo(target, { transport, protocol })));
    await until(() => server.connectionCount === 50, 2000, "50 accepted connections");
    const all = await Promise.all(
      conns.map((conn, c) => {
        const calc = createClient(Calc, conn);
        return Promise.all(Array.from({ length: 20 }, (_, i) => calc.divide(-(i % 3), 1).then(() => calc.divide(c * 100 + i, 1))));
      }),
    );
    all.forEach((results, c) => expect(results).toEqual(Array.from({ length: 20 }, (_, i) => c * 100 + i)));
  });
});

test("a connection with too many calls in flight is paused, not dropped, and catches up", async () => {
  const { target } = await startCalc({ maxConcurrentCalls: 8 });
  const calc = createClient(Calc, await connectTo(target));
  const results = await Promise.all(Array.from({ length: 200 }, (_, i) => calc.divide(-(i % 5), 1).then(() => calc.divide(i, 1))));
  expect(results).toEqual(Array.from({ length: 200 }, (_, i) => i));
});
