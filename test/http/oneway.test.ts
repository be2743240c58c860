/**
 * Oneway calls over HTTP: the answer goes out before the handler runs, and the handler then runs to its
 * end with a live `ctx.signal`; only the server going away (destroy, a forced close) aborts it, also
 * when the handler first looks at its signal after the answer is out.
 */
import { describe, expect, test } from "vitest";
import { MessageType, type CallContext } from "../../runtime/index.js";
import type { CalcHandler } from "../../generated/calc.js";
import { sleep } from "../runtime/helpers.js";
import { divideCall, raw, startHttp } from "./helpers.js";

/**
 * A handler that waits `ms` (or until its signal aborts) and records how its call ended; it looks at
 * its signal after `lateMs` (at once when 0).
 */
function waiting(ms: number, lateMs = 0): { handler: CalcHandler; outcome: Promise<string>; started: Promise<CallContext> } {
  let started!: (ctx: CallContext) => void;
  let settle!: (outcome: string) => void;
  const outcome = new Promise<string>((resolve) => (settle = resolve));
  const handler: CalcHandler = {
    divide: async (num1, _num2, ctx) => {
      if (lateMs > 0) await sleep(lateMs);
      return new Promise<number>((resolve) => {
        started(ctx);
        const timer = setTimeout(() => {
          settle("finished");
          resolve(num1);
        }, ms);
        ctx.signal.addEventListener("abort", () => {
          clearTimeout(timer);
          settle(`aborted: ${(ctx.signal.reason as Error).message}`);
          resolve(num1);
        });
      });
    },
  };
  return { handler, outcome, started: new Promise((resolve) => (started = resolve)) };
}

describe("oneway calls over HTTP", () => {
  test("the handler runs on to its end after the early answer, its signal not aborted", async () => {
    const { handler, outcome, started } = waiting(300);
    const { port } = await startHttp({ handler });
    const res = await raw(port, { body: divideCall(1, 1, { type: MessageType.ONEWAY }) });
    expect(res.status).toBe(200);
    const ctx = await started;
    await sleep(50); // the response has closed by now
    expect(ctx.signal.aborted).toBe(false);
    expect(await outcome).toBe("finished");
  });

  for (const lateMs of [0, 100]) {
    test(`the server going away aborts a oneway handler still running (signal read ${lateMs ? "after" : "before"} the answer)`, async () => {
      const { handler, outcome, started } = waiting(10_000, lateMs);
      const { server, port } = await startHttp({ handler });
      expect((await raw(port, { body: divideCall(1, 1, { type: MessageType.ONEWAY }) })).status).toBe(200);
      await started;
      await server.destroy();
      expect(await outcome).toBe("aborted: the server was destroyed");
    });
  }
});
