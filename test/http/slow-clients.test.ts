/**
 * Slow and idle clients against the HTTP server: connections that say nothing, request heads that never
 * finish, and a server full of them still serving a new client.
 */
import { describe, expect, test } from "vitest";
import { BinaryProtocol, createClient, createHttpChannel, writeCall } from "../../runtime/index.js";
import { Calc } from "../../generated/calc.js";
import { onCleanup, rawSocket, sleep, until, within } from "../runtime/helpers.js";
import { startHttp } from "./helpers.js";

describe("HTTP: slow and idle clients", () => {
  test("a connection that sends nothing is closed after headersTimeoutMs", async () => {
    const { port, server } = await startHttp({ headersTimeoutMs: 200 });
    const raw = await rawSocket({ host: "127.0.0.1", port });
    const started = Date.now();
    await within(3000, raw.closed, "the server closing the silent connection");
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    await until(() => server.connectionCount === 0);
  });

  test("a request head that never finishes is closed after headersTimeoutMs, even trickling", async () => {
    const { port } = await startHttp({ headersTimeoutMs: 300 });
    const raw = await rawSocket({ host: "127.0.0.1", port });
    raw.socket.write("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
    const trickle = setInterval(() => raw.socket.write("a"), 50);
    onCleanup(() => clearInterval(trickle));
    await within(3000, raw.closed, "the server closing the slow request head");
    expect(raw.received().toString()).toMatch(/^(HTTP\/1\.1 408|$)/);
  });

  test("at maxConnections a new client is served: the oldest connection with no request in flight makes room (logged)", async () => {
    const { port, events } = await startHttp({ maxConnections: 3 });
    const held = [];
    for (let i = 0; i < 3; i++) held.push(await rawSocket({ host: "127.0.0.1", port }));
    held[1]!.socket.write("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"); // half a head
    await sleep(20);
    const channel = createHttpChannel(`http://127.0.0.1:${port}/`, { timeoutMs: 2000 });
    onCleanup(() => channel.destroy());
    expect(await createClient(Calc, channel).divide(9, 3)).toBe(3);
    await within(2000, held[0]!.closed, "the oldest idle connection closed to make room");
    expect(events).toContainEqual(
      expect.objectContaining({ kind: "connection-rejected", reason: expect.stringMatching(/^closed to admit 127\.0\.0\.1:\d+: the server is at its limit of 3 connections/) }),
    );
  });

  test("pipelined requests on a connection that dies are all let go: their handlers' signals abort, nothing is kept", async () => {
    const aborted: unknown[] = [];
    const { port, server } = await startHttp({
      handler: {
        divide: (_num1, _num2, ctx) =>
          new Promise<number>((_resolve, reject) => {
            ctx.signal.addEventListener("abort", () => {
              aborted.push(ctx.signal.reason);
              reject(ctx.signal.reason);
            });
          }),
      },
    });
    const w = BinaryProtocol.createWriter();
    writeCall(w, "divide", 1, Calc.methods.divide, { num1: 1, num2: 1 });
    const body = Buffer.from(w.buffer.finish());
    const request = Buffer.concat([Buffer.from(`POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
    const raw = await rawSocket({ host: "127.0.0.1", port });
    raw.socket.write(Buffer.concat([request, request, request])); // the second and third wait behind the first
    await until(() => server.handler.activeRequests === 3, 2000, "three requests in their handlers");
    raw.socket.destroy();
    await until(() => aborted.length === 3, 2000, "every handler's signal aborting");
    await until(() => server.handler.activeRequests === 0, 2000, "no request left open");
  });
});
