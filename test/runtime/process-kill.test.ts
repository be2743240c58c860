/**
 * The server process dies (kill -9) with calls in flight: the client's pending calls reject promptly
 * with a transport error (well before their timeout), and once a server is back on the same port the
 * next call reconnects and succeeds. Runs a real child process on the built dist/ (`npm test` builds
 * first).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, expect, test } from "vitest";
import { connect, createClient, TTransportException } from "../../runtime/index.js";
import { ThriftTest } from "../../interop/thrift-test/ThriftTest.v0.16-nouuid.js";

const root = join(import.meta.dirname, "../..");
const fixture = join(import.meta.dirname, "fixtures/slow-server.mjs");
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

/** Starts the fixture server; resolves with its port once it listens (bounded wait). */
function startServer(port: number, delayMs: number): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [fixture, String(port), String(delayMs)], { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("server did not start within 10 s")), 10_000);
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]) });
      }
    });
    child.once("exit", (code) => reject(new Error(`server exited early (${code})`)));
  });
}

test("kill -9 of the server mid-call: pending calls reject fast; the next call reconnects after restart", async () => {
  expect(existsSync(join(root, "dist/runtime/index.js")), "run `npm run build` first").toBe(true);
  const first = await startServer(0, 60_000);
  const conn = await connect({ host: "127.0.0.1", port: first.port }, { timeoutMs: 20_000, reconnect: { initialDelayMs: 50, maxDelayMs: 200, multiplier: 2, jitter: 0 } });
  const client = createClient(ThriftTest, conn);
  try {
    expect(await client.testI32(7)).toBe(7);
    const pending = [client.testString("a"), client.testString("b"), client.testString("c")].map((p) => p.then(() => "resolved", (e: unknown) => e));
    await new Promise((r) => setTimeout(r, 200)); // the calls are on the wire, the handlers waiting
    const killedAt = Date.now();
    first.child.kill("SIGKILL");
    const outcomes = await Promise.all(pending);
    const elapsed = Date.now() - killedAt;
    for (const o of outcomes) expect(o).toBeInstanceOf(TTransportException);
    expect(elapsed).toBeLessThan(5_000); // far below the 20 s call timeout

    await startServer(first.port, 0);
    let answer: string | undefined;
    for (let i = 0; i < 50 && answer === undefined; i++) {
      answer = await client.testString("back").catch(() => undefined);
      if (answer === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    expect(answer).toBe("back");
  } finally {
    await conn.close().catch(() => {});
  }
}, 30_000);
