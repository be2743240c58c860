/**
 * The HTTP server and request handler: Apache's rules (any path, any content type, the reply in the
 * request's protocol), oneway answered at once, a clear status for every bad request, CORS, keep-alive,
 * HTTP/2 on the same port, headers and deadlines, graceful shutdown, and mounting in other servers.
 */
import express from "express";
import fastify from "fastify";
import { Agent, createServer as createNodeServer, request as httpRequest } from "node:http";
import { connect as netConnect, type AddressInfo } from "node:net";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  BinaryProtocol,
  CompactProtocol,
  createClient,
  createHttpChannel,
  createHttpHandler,
  createHttpServer,
  implement,
  JSONProtocol,
  MessageType,
  TApplicationException,
  TApplicationExceptionType,
  type CallContext,
  type Protocol,
} from "../../runtime/index.js";
import { Calc, InvalidOperation, type CalcHandler } from "../../generated/calc.js";
import { onCleanup, sleep } from "../runtime/helpers.js";
import { calcHandler, divideCall, raw, raw2, startHttp } from "./helpers.js";

/** Decodes a reply body: the divide result, or the error it carries. */
function decodeReply(body: Uint8Array, protocol: Protocol = BinaryProtocol): { type: number; seqid: number; value?: number; error?: unknown } {
  const r = protocol.createReader(body);
  const header = r.readMessageBegin();
  if (header.type === MessageType.EXCEPTION) return { type: header.type, seqid: header.seqid, error: TApplicationException.read(r) };
  const result = Calc.methods["divide"]!.result.read(r) as { success?: number; e?: InvalidOperation };
  return { type: header.type, seqid: header.seqid, ...(result.success !== undefined && { value: result.success }), ...(result.e !== undefined && { error: result.e }) };
}

describe("Apache's rules", () => {
  test("POST on any path, any content type; the reply in the request's protocol and content type", async () => {
    const { port } = await startHttp();
    for (const [protocol, type] of [
      [BinaryProtocol, "application/x-thrift"],
      [CompactProtocol, "application/x-thrift"],
      [JSONProtocol, "application/vnd.apache.thrift.json"],
    ] as const) {
      for (const path of ["/", "/test", "/service", "/a/b?c=d"]) {
        const res = await raw(port, { path, body: divideCall(9, 3, { protocol, seqid: 42 }), headers: { "content-type": "application/octet-stream" } });
        expect({ path, status: res.status, type: res.headers["content-type"] }).toEqual({ path, status: 200, type });
        expect(decodeReply(res.body, protocol)).toEqual({ type: MessageType.REPLY, seqid: 42, value: 3 });
      }
    }
  });

  test("a `path` option serves that path only (404 elsewhere); one protocol reads every body in it", async () => {
    const { port } = await startHttp({ path: "/thrift", protocols: [CompactProtocol] });
    expect((await raw(port, { path: "/thrift", body: divideCall(8, 2, { protocol: CompactProtocol }) })).status).toBe(200);
    const off = await raw(port, { path: "/other", body: divideCall(8, 2, { protocol: CompactProtocol }) });
    expect(off.status).toBe(404);
    expect(off.body.toString()).toBe("no Thrift service at /other (this server serves /thrift)\n");
    const wrong = await raw(port, { path: "/thrift", body: divideCall(8, 2, { protocol: BinaryProtocol }) });
    expect(wrong.status).toBe(400);
  });

  test("a declared exception is a reply; an unknown method is UNKNOWN_METHOD; a handler's bug is INTERNAL_ERROR", async () => {
    const { port, events } = await startHttp({
      handler: {
        divide(a, b) {
          if (a === 13) throw new Error("secret detail");
          return calcHandler.divide(a, b, {} as CallContext);
        },
      },
    });
    const declared = decodeReply((await raw(port, { body: divideCall(1, 0) })).body);
    expect(declared.error).toBeInstanceOf(InvalidOperation);
    const unknown = decodeReply((await raw(port, { body: divideCall(1, 1, { name: "multiply" }) })).body);
    expect((unknown.error as TApplicationException).type).toBe(TApplicationExceptionType.UNKNOWN_METHOD);
    const bug = await raw(port, { body: divideCall(13, 1) });
    expect(bug.status).toBe(200);
    expect(decodeReply(bug.body).error).toEqual(new TApplicationException(TApplicationExceptionType.INTERNAL_ERROR, "Internal error"));
    expect(bug.body.toString()).not.toContain("secret");
    expect(events.some((e) => e.kind === "handler-error" && String(e.error).includes("secret detail"))).toBe(true);
  });

  test("oneway calls are answered at once with an empty 200, before the handler finishes", async () => {
    let finished = false;
    const server = createHttpServer(Calc, { divide: async () => (await sleep(500), (finished = true), 1) }, { logger: () => {} });
    const address = await server.listen(0, "127.0.0.1");
    onCleanup(() => server.destroy());
    const t0 = performance.now();
    const res = await raw((address as { port: number }).port, { body: divideCall(1, 1, { type: MessageType.ONEWAY }) });
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(0);
    expect(performance.now() - t0).toBeLessThan(400);
    expect(finished).toBe(false);
  });
});

describe("bad requests get a status that says what is wrong, and the server goes on", () => {
  test("405 with Allow for other methods; OPTIONS without CORS is 405 too", async () => {
    const { port, events } = await startHttp();
    for (const method of ["GET", "PUT", "DELETE", "PATCH"]) {
      const res = await raw(port, { method });
      expect({ method, status: res.status, allow: res.headers["allow"] }).toEqual({ method, status: 405, allow: "POST" });
      expect(res.body.toString()).toBe(`${method} is not served here: Thrift calls are POST requests\n`);
    }
    expect((await raw(port, { method: "OPTIONS" })).status).toBe(405);
    expect(events.filter((e) => e.kind === "request-rejected").length).toBe(5);
  });

  test("413 before reading a body whose Content-Length is over the limit, and as soon as a streamed one passes it", async () => {
    const { port } = await startHttp({ maxBodySize: 1000 });
    const declared = await raw(port, { body: new Uint8Array(5000) });
    expect(declared.status).toBe(413);
    expect(declared.body.toString()).toBe("the request body of 5000 bytes is over the limit of 1000 bytes\n");
    // Chunked: no Content-Length, the limit applies to what arrives.
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: "127.0.0.1", port, method: "POST", headers: { "transfer-encoding": "chunked" } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      for (let i = 0; i < 10; i++) req.write(new Uint8Array(300));
      req.end();
    }).catch((e: unknown) => (String(e).includes("EPIPE") || String(e).includes("ECONNRESET") ? 413 : Promise.reject(e)));
    expect(streamed).toBe(413);
    expect((await raw(port, { body: divideCall(4, 2) })).status).toBe(200);
  });

  test("400 for garbage, an empty body, bytes after the call, and a reply or other non-call message", async () => {
    const { port } = await startHttp();
    const garbage = await raw(port, { body: "hello" });
    expect(garbage.status).toBe(400);
    expect(garbage.body.toString()).toMatch(/^the request body is not one Thrift call \(binary\): TProtocolException: /);
    expect((await raw(port, { body: "" })).body.toString()).toBe("empty request body: expected a Thrift call\n");
    const call = divideCall(4, 2);
    const trailing = await raw(port, { body: Buffer.concat([call, Buffer.from([1, 2, 3])]) });
    expect(trailing.status).toBe(400);
    expect(trailing.body.toString()).toContain("3 bytes follow the call");
    const reply = await raw(port, { body: divideCall(4, 2, { type: MessageType.REPLY }) });
    expect(reply.status).toBe(400);
    expect(reply.body.toString()).toContain("expected a call but got message type 2");
    expect((await raw(port, { body: divideCall(4, 2) })).status).toBe(200);
  });

  test("408 for a body that does not arrive in time", async () => {
    const { port } = await startHttp({ bodyTimeoutMs: 100 });
    const socket = netConnect(port, "127.0.0.1");
    onCleanup(() => socket.destroy());
    await new Promise<void>((ok) => socket.once("connect", ok));
    let text = "";
    socket.on("data", (b: Buffer) => (text += b.toString()));
    socket.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc");
    await new Promise<void>((ok) => socket.once("close", ok));
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(text).toContain("the request body did not arrive within 100 ms");
  });

  test("random bodies get 200 or 400, never anything else, and a well-behaved client is unaffected (fast-check)", async () => {
    // A handler that answers at once, whatever the (mutated) arguments say.
    const { port } = await startHttp({ maxBodySize: 4096, handler: { divide: (a, b) => a / b } });
    const agent = new Agent({ keepAlive: true });
    onCleanup(() => agent.destroy());
    const valid = divideCall(6, 3);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.tuple(fc.nat({ max: valid.length - 1 }), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([at, junk]) => {
            const b = Uint8Array.from(valid);
            b.set(junk.subarray(0, b.length - at), at);
            return b;
          }),
          fc.nat({ max: valid.length - 1 }).map((n) => valid.subarray(0, n)),
        ),
        async (body) => {
          const res = await raw(port, { body, agent });
          expect([200, 400]).toContain(res.status);
          const canary = await raw(port, { body: valid, agent });
          expect(decodeReply(canary.body).value).toBe(2);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("CORS", () => {
  const cors = { origins: ["http://app.example"], exposeHeaders: ["x-request-id"] };

  test("a preflight from an allowed origin echoes the requested headers; others get 403", async () => {
    const { port } = await startHttp({ cors });
    const ok = await raw(port, {
      method: "OPTIONS",
      headers: { origin: "http://app.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization, x-trace, content-type" },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers).toMatchObject({
      "access-control-allow-origin": "http://app.example",
      "access-control-allow-methods": "POST",
      "access-control-allow-headers": "authorization, x-trace, content-type",
      "access-control-max-age": "600",
      vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
    });
    const denied = await raw(port, { method: "OPTIONS", headers: { origin: "http://evil.example", "access-control-request-method": "POST" } });
    expect(denied.status).toBe(403);
    expect(denied.headers["access-control-allow-origin"]).toBeUndefined();
  });

  test("calls from an allowed origin carry Allow-Origin, Vary and the exposed headers (those the handler set too)", async () => {
    const { port } = await startHttp({
      cors,
      handler: {
        divide(a, b, ctx) {
          ctx.responseHeaders.set("x-served-by", "calc-1");
          return a / b;
        },
      },
    });
    const res = await raw(port, { body: divideCall(8, 4), headers: { origin: "http://app.example" } });
    expect(res.status).toBe(200);
    expect(res.headers).toMatchObject({
      "access-control-allow-origin": "http://app.example",
      vary: "Origin",
      "access-control-expose-headers": "x-request-id, x-served-by",
      "x-served-by": "calc-1",
    });
    const denied = await raw(port, { body: divideCall(8, 4), headers: { origin: "http://evil.example" } });
    expect(denied.status).toBe(403);
    expect(denied.body.toString()).toBe("origin http://evil.example is not allowed\n");
  });

  test("`*`, a test function, and credentials (which echo the origin instead of *)", async () => {
    const any = await startHttp({ cors: { origins: "*" } });
    expect((await raw(any.port, { body: divideCall(1, 1), headers: { origin: "http://x.example" } })).headers["access-control-allow-origin"]).toBe("*");
    const fn = await startHttp({ cors: { origins: (o) => o.endsWith(".example.com"), credentials: true } });
    const res = await raw(fn.port, { body: divideCall(1, 1), headers: { origin: "https://a.example.com" } });
    expect(res.headers["access-control-allow-origin"]).toBe("https://a.example.com");
    expect(res.headers["access-control-allow-credentials"]).toBe("true");
    expect((await raw(fn.port, { body: divideCall(1, 1), headers: { origin: "https://example.org" } })).status).toBe(403);
    const anyWithCredentials = await startHttp({ cors: { origins: "*", credentials: true } });
    expect((await raw(anyWithCredentials.port, { body: divideCall(1, 1), headers: { origin: "http://y.example" } })).headers["access-control-allow-origin"]).toBe("http://y.example");
  });
});

describe("connections", () => {
  test("keep-alive: sequential calls reuse one connection", async () => {
    const { port } = await startHttp();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    onCleanup(() => agent.destroy());
    const ports = new Set<number>();
    for (let i = 0; i < 5; i++) ports.add((await raw(port, { body: divideCall(i, 1), agent })).localPort);
    expect(ports.size).toBe(1);
  });

  test("HTTP/2 (h2c, prior knowledge) and HTTP/1.1 on the same port", async () => {
    const { port } = await startHttp();
    const h2 = await raw2(port, divideCall(10, 5, { seqid: 7 }));
    expect(h2.status).toBe(200);
    expect(h2.headers["content-type"]).toBe("application/x-thrift");
    expect(decodeReply(h2.body)).toEqual({ type: MessageType.REPLY, seqid: 7, value: 2 });
    expect(decodeReply((await raw(port, { body: divideCall(10, 5) })).body).value).toBe(2);
  });

  test("graceful close: the call in flight is answered, new connections are refused, then it resolves", async () => {
    const { server, port } = await startHttp();
    const inFlight = raw(port, { body: divideCall(-300, 1) });
    await sleep(50);
    const t0 = performance.now();
    const closed = server.close();
    await sleep(20);
    await expect(raw(port, { body: divideCall(1, 1) })).rejects.toThrow(/ECONNREFUSED/);
    const res = await inFlight;
    expect(decodeReply(res.body).value).toBe(-300);
    await closed;
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  test("graceful close ends idle keep-alive connections at once; destroy aborts handlers' signals", async () => {
    const { server, port } = await startHttp();
    const agent = new Agent({ keepAlive: true });
    onCleanup(() => agent.destroy());
    await raw(port, { body: divideCall(1, 1), agent });
    expect(server.connectionCount).toBe(1);
    const t0 = performance.now();
    await server.close();
    expect(performance.now() - t0).toBeLessThan(500);

    let aborted: unknown;
    const second = await startHttp({
      handler: {
        divide: (_a, _b, ctx) =>
          new Promise<number>((_resolve, reject) => ctx.signal.addEventListener("abort", () => reject((aborted = ctx.signal.reason)))),
      },
    });
    const pending = raw(second.port, { body: divideCall(1, 1) }).catch((e: unknown) => e);
    await sleep(50);
    await second.server.destroy();
    await pending;
    expect(String(aborted)).toContain("the server was destroyed");
  });

  test("a client that goes away aborts its handler's signal", async () => {
    let seen: AbortSignal | undefined;
    const { port } = await startHttp({
      handler: {
        divide: (_a, _b, ctx) => {
          seen = ctx.signal;
          return new Promise<number>(() => {});
        },
      },
    });
    const socket = netConnect(port, "127.0.0.1");
    await new Promise<void>((ok) => socket.once("connect", ok));
    const body = divideCall(1, 1);
    socket.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`);
    socket.write(body);
    for (let i = 0; i < 100 && seen === undefined; i++) await sleep(5);
    socket.destroy();
    for (let i = 0; i < 100 && !seen!.aborted; i++) await sleep(5);
    expect(seen!.aborted).toBe(true);
    expect(String(seen!.reason)).toContain("the client went away");
  });
});

describe("headers and deadlines", () => {
  test("request headers reach ctx, Deadline-Budget sets ctx.deadline, response headers go out", async () => {
    let ctxSeen: CallContext | undefined;
    const { port } = await startHttp({
      handler: {
        divide(a, b, ctx) {
          ctxSeen = ctx;
          ctx.responseHeaders.set("x-answer", String(a / b));
          return a / b;
        },
      },
    });
    const before = Date.now();
    const res = await raw(port, { body: divideCall(6, 2), headers: { "x-trace": "t-1", authorization: "Bearer abc", "deadline-budget": "1500" } });
    expect(ctxSeen!.requestHeaders.get("x-trace")).toBe("t-1");
    expect(ctxSeen!.requestHeaders.get("authorization")).toBe("Bearer abc");
    expect(ctxSeen!.deadline).toBeGreaterThanOrEqual(before + 1500);
    expect(ctxSeen!.deadline).toBeLessThanOrEqual(Date.now() + 1500);
    expect(ctxSeen!.peer).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(res.headers["x-answer"]).toBe("3");
    await raw(port, { body: divideCall(6, 2), headers: { "deadline-budget": "soon" } });
    expect(ctxSeen!.deadline).toBeUndefined();
  });

  test("the deadline aborts the handler's signal when it passes", async () => {
    let reason: unknown;
    const { port } = await startHttp({
      handler: {
        divide: (_a, _b, ctx) =>
          new Promise<number>((_resolve, reject) => ctx.signal.addEventListener("abort", () => reject((reason = ctx.signal.reason)))),
      },
    });
    const t0 = performance.now();
    await raw(port, { body: divideCall(1, 1), headers: { "deadline-budget": "80" } });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(70);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(String(reason)).toContain("the call's deadline passed");
  });
});

describe("mounted in other servers", () => {
  const handler: CalcHandler = { divide: (a, b) => a / b };

  async function call(url: string): Promise<number> {
    const channel = createHttpChannel(url);
    onCleanup(() => channel.close());
    return createClient(Calc, channel).divide(12, 4);
  }

  test("node:http", async () => {
    const server = createNodeServer(createHttpHandler({ Calc: implement(Calc, handler) }));
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    onCleanup(() => new Promise((ok) => server.close(ok)));
    expect(await call(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)).toBe(3);
  });

  test("express, on a route of its own and next to other routes", async () => {
    const app = express();
    app.get("/health", (_req, res) => void res.send("ok"));
    app.post("/rpc", createHttpHandler({ Calc: implement(Calc, handler) }));
    const server = app.listen(0, "127.0.0.1");
    await new Promise<void>((ok) => server.once("listening", ok));
    onCleanup(() => new Promise((ok) => server.close(ok)));
    const port = (server.address() as AddressInfo).port;
    expect(await call(`http://127.0.0.1:${port}/rpc`)).toBe(3);
    expect((await raw(port, { method: "GET", path: "/health" })).body.toString()).toBe("ok");
  });

  test("express with a raw body parser in front (req.body is used)", async () => {
    const app = express();
    app.post("/rpc", express.raw({ type: "*/*" }), createHttpHandler({ Calc: implement(Calc, handler) }));
    const server = app.listen(0, "127.0.0.1");
    await new Promise<void>((ok) => server.once("listening", ok));
    onCleanup(() => new Promise((ok) => server.close(ok)));
    expect(await call(`http://127.0.0.1:${(server.address() as AddressInfo).port}/rpc`)).toBe(3);
  });

  test("fastify, through its raw request and response", async () => {
    const app = fastify();
    const thrift = createHttpHandler({ Calc: implement(Calc, handler) });
    // Leave the body unread for the Thrift handler, whatever its content type.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("*", (_req, _payload, done) => done(null));
    app.post("/rpc", (request, reply) => {
      reply.hijack();
      thrift(request.raw, reply.raw);
    });
    await app.listen({ port: 0, host: "127.0.0.1" });
    onCleanup(() => app.close());
    expect(await call(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}/rpc`)).toBe(3);
  });
});
