/**
 * The HTTP client channels — node:http (HTTP/1.1 keep-alive), node:http2, and fetch — against the
 * rpcgen HTTP server and against servers that misbehave: results and declared exceptions, every
 * protocol, headers both ways and the deadline sent, timeouts and aborts that cancel the request,
 * non-2xx answers as HttpError, network failures, size limits, oneway, close and destroy.
 */
import { createServer as createNodeServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse } from "node:http2";
import { createServer as createNetServer, type AddressInfo, type Socket } from "node:net";
import { describe, expect, test } from "vitest";
import {
  BinaryProtocol,
  CompactProtocol,
  createClient,
  createFetchChannel,
  createHttpChannel,
  HttpError,
  JSONProtocol,
  TTransportException,
  TTransportExceptionType,
  type CallContext,
  type ClientInterceptor,
  type HttpChannelBase,
  type HttpChannelOptions,
  type NodeHttpChannelOptions,
  type Protocol,
} from "../../runtime/index.js";
import { Calc, InvalidOperation } from "../../generated/calc.js";
import { ThriftTest } from "../../interop/thrift-test/ThriftTest.v0.16-nouuid.js";
import { onCleanup, sleep } from "../runtime/helpers.js";
import { startHttp } from "./helpers.js";

type Make = (url: string, options?: NodeHttpChannelOptions & HttpChannelOptions) => HttpChannelBase;

const clients: [string, Make, boolean][] = [
  ["node:http (HTTP/1.1)", (url, options) => createHttpChannel(url, options), false],
  ["node:http2", (url, options) => createHttpChannel(url, { ...options, httpVersion: "2" }), true],
  ["fetch", (url, options) => createFetchChannel(url, options), false],
];

type Answer = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse, body: Buffer) => void;

/** A plain node:http (or node:http2, clear text) server answering every request with `answer`. */
async function fakeServer(answer: Answer, http2 = false): Promise<string> {
  const serve = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => answer(req, res, Buffer.concat(chunks)));
  };
  const server = http2 ? createHttp2Server(serve) : createNodeServer(serve);
  const sockets = new Set<Socket>();
  server.on("connection", (s: Socket) => (sockets.add(s), s.once("close", () => sockets.delete(s))));
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  onCleanup(() => {
    for (const s of sockets) s.destroy();
    return new Promise((ok) => server.close(() => ok(undefined)));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/thrift`;
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((ok) => s.listen(0, "127.0.0.1", ok));
  const port = (s.address() as AddressInfo).port;
  await new Promise((ok) => s.close(ok));
  return port;
}

describe.each(clients)("%s", (_name, make, http2) => {
  const fake = (answer: Answer): Promise<string> => fakeServer(answer, http2);

  function channel(url: string, options?: NodeHttpChannelOptions & HttpChannelOptions): HttpChannelBase {
    const c = make(url, options);
    onCleanup(() => c.destroy());
    return c;
  }

  test.each([
    ["binary", BinaryProtocol],
    ["compact", CompactProtocol],
    ["json", JSONProtocol],
  ] as [string, Protocol][])("calls over %s: results, defaults, declared exceptions", async (_p, protocol) => {
    const { url } = await startHttp();
    const calc = createClient(Calc, channel(url, { protocol }));
    expect(await calc.divide(100, 8)).toBe(12.5);
    expect(await calc.divide(200)).toBe(200);
    const error = await calc.divide(1, 0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOperation);
    expect((error as InvalidOperation).message).toBe("cannot divide 1 by zero");
    expect(await Promise.all(Array.from({ length: 50 }, (_, i) => calc.divide(i, 2)))).toEqual(Array.from({ length: 50 }, (_, i) => i / 2));
  });

  test("headers both ways; the deadline goes as Deadline-Budget; interceptors see both", async () => {
    const seen: CallContext[] = [];
    const { url } = await startHttp({
      handler: {
        divide(a, b, ctx) {
          seen.push(ctx);
          ctx.responseHeaders.set("x-served-by", "calc-7");
          return a / b;
        },
      },
    });
    let fromInterceptor: string | null | undefined;
    const interceptor: ClientInterceptor = (next) => async (call) => {
      call.requestHeaders.set("x-from-interceptor", "yes");
      const value = await next(call);
      fromInterceptor = call.responseHeaders?.get("x-served-by");
      return value;
    };
    const calc = createClient(Calc, channel(url, { headers: { "user-agent": "calc-test", authorization: "Bearer channel" }, interceptors: [interceptor] }));
    let onHeaders: string | null | undefined;
    await calc.divide(4, 2, { headers: { authorization: "Bearer call", "x-trace": "abc" }, timeoutMs: 2000, onResponseHeaders: (h) => (onHeaders = h.get("x-served-by")) });
    const h = seen[0]!.requestHeaders;
    expect(h.get("authorization")).toBe("Bearer call"); // the call's own wins over the channel's
    expect(h.get("user-agent")).toBe("calc-test");
    expect(h.get("x-trace")).toBe("abc");
    expect(h.get("x-from-interceptor")).toBe("yes");
    expect(h.get("content-type")).toBe("application/x-thrift");
    expect(Number(h.get("deadline-budget"))).toBeGreaterThan(1500);
    expect(Number(h.get("deadline-budget"))).toBeLessThanOrEqual(2000);
    expect(seen[0]!.deadline).toBeDefined();
    expect(onHeaders).toBe("calc-7");
    expect(fromInterceptor).toBe("calc-7");
    await calc.divide(4, 2, { timeoutMs: 0 });
    expect(seen[1]!.requestHeaders.get("deadline-budget")).toBeNull();
  });

  test("a timeout rejects with TIMED_OUT and cancels the request (the handler's signal aborts)", async () => {
    let signal: AbortSignal | undefined;
    const { url } = await startHttp({
      handler: {
        divide: (_a, _b, ctx) => {
          signal = ctx.signal;
          return new Promise<number>(() => {});
        },
      },
    });
    const calc = createClient(Calc, channel(url));
    const t0 = performance.now();
    const error = await calc.divide(1, 1, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(error).toBeInstanceOf(TTransportException);
    expect((error as TTransportException).type).toBe(TTransportExceptionType.TIMED_OUT);
    expect((error as Error).message).toBe(`divide timed out after 100 ms (${url})`);
    for (let i = 0; i < 100 && !signal?.aborted; i++) await sleep(10);
    expect(signal?.aborted).toBe(true);
  });

  test("an abort rejects with the signal's reason at once", async () => {
    const { url } = await startHttp();
    const calc = createClient(Calc, channel(url));
    const controller = new AbortController();
    const pending = calc.divide(-5000, 1, { signal: controller.signal });
    await sleep(20);
    controller.abort(new Error("user navigated away"));
    await expect(pending).rejects.toThrow("user navigated away");
    await expect(calc.divide(1, 1, { signal: controller.signal })).rejects.toThrow("user navigated away");
    expect(await calc.divide(3, 1)).toBe(3);
  });

  test("a non-2xx answer is an HttpError with the status and the start of the body", async () => {
    const url = await fake((_req, res) => {
      res.writeHead(502, { "content-type": "text/plain" });
      res.end("upstream calc-2 is down\n" + "x".repeat(5000));
    });
    const error = await createClient(Calc, channel(url)).divide(1, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toBeInstanceOf(TTransportException);
    const e = error as HttpError;
    expect(e.status).toBe(502);
    expect(e.body.startsWith("upstream calc-2 is down")).toBe(true);
    expect(e.body.length).toBeLessThanOrEqual(1001);
    expect(e.message).toMatch(new RegExp(`^HTTP 502( Bad Gateway)? from ${url.replace(/[.?]/g, "\\$&")}: upstream calc-2 is down`));
  });

  test("a refused connection is a clear transport error", async () => {
    const dead = `http://127.0.0.1:${await closedPort()}/thrift`;
    const error = await createClient(Calc, channel(dead)).divide(1, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TTransportException);
    expect((error as TTransportException).type).toBe(TTransportExceptionType.NOT_OPEN);
    expect((error as Error).message).toMatch(new RegExp(`^HTTP request to ${dead.replace(/[.?]/g, "\\$&")} failed: .*ECONNREFUSED`));
  });

  test("a server that closes the connection without answering fails the call at once, not at its timeout", async () => {
    for (const when of ["at once", "after the request"]) {
      const sockets = new Set<Socket>();
      const server = createNetServer((s) => {
        sockets.add(s);
        s.on("error", () => {});
        if (when === "at once") s.end();
        else s.once("data", () => s.end());
      });
      await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
      onCleanup(() => {
        for (const s of sockets) s.destroy();
        return new Promise((ok) => server.close(() => ok(undefined)));
      });
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const t0 = performance.now();
      const error = await createClient(Calc, channel(url, { timeoutMs: 5000 })).divide(1, 1).catch((e: unknown) => e);
      expect(performance.now() - t0).toBeLessThan(2000);
      expect(error).toBeInstanceOf(TTransportException);
      expect((error as Error).message).toMatch(new RegExp(`^HTTP request to ${url.replace(/[.?]/g, "\\$&")} failed: `));
    }
  });

  test("a reply over maxResponseSize is refused; a garbled or mismatched reply is an error, not a hang", async () => {
    const big = await fake((_req, res) => {
      res.writeHead(200);
      res.end(Buffer.alloc(10_000));
    });
    const tooBig = await createClient(Calc, channel(big, { maxResponseSize: 1000 })).divide(1, 1).catch((e: unknown) => e);
    expect((tooBig as TTransportException).type).toBe(TTransportExceptionType.SIZE_LIMIT);
    const empty = await fake((_req, res) => res.end());
    await expect(createClient(Calc, channel(empty)).divide(1, 1)).rejects.toThrow("empty reply to divide");
    const echo = await fake((_req, res, body) => res.end(body)); // a CALL where a REPLY is due
    await expect(createClient(Calc, channel(echo)).divide(1, 1)).rejects.toThrow(/expected a reply to divide but got message type 1/);
  });

  test("oneway calls resolve when the response comes", async () => {
    const seen: number[] = [];
    const { url } = await startHttp();
    const thrift = createClient(ThriftTest, channel(url));
    const url2 = await fake((_req, res) => {
      seen.push(Date.now());
      res.end();
    });
    const t0 = performance.now();
    await thrift.testOneway(1); // the rpcgen server answers before the handler's 1/3 s sleep
    expect(performance.now() - t0).toBeLessThan(300);
    await createClient(ThriftTest, channel(url2)).testOneway(0);
    expect(seen.length).toBe(1);
  });

  test("close waits for calls in flight, then refuses new ones; destroy rejects them at once", async () => {
    const { url } = await startHttp();
    const c = channel(url);
    const calc = createClient(Calc, c);
    const slow = calc.divide(-200, 1);
    const closed = c.close();
    await expect(calc.divide(1, 1)).rejects.toThrow(`HTTP channel to ${url} is closed`);
    expect(await slow).toBe(-200);
    await closed;
    const d = channel(url);
    const pending = createClient(Calc, d).divide(-5000, 1);
    await sleep(20);
    d.destroy();
    await expect(pending).rejects.toThrow(`HTTP channel to ${url} destroyed`);
  });
});

describe("channel construction", () => {
  test("only http: and https: URLs; httpVersion is 1.1 or 2", () => {
    expect(() => createHttpChannel("ftp://example.com/")).toThrow("an HTTP channel needs an http: or https: URL, got ftp://example.com/");
    expect(() => createHttpChannel("not a url")).toThrow(/Invalid URL/);
    expect(() => createHttpChannel("http://x/", { httpVersion: "3" as "2" })).toThrow('httpVersion must be "1.1" or "2", got 3');
  });

  test("a fetch of one's own is used when given (also by the Node channel)", async () => {
    const { url } = await startHttp();
    const calls: string[] = [];
    const spy: typeof fetch = (input, init) => {
      calls.push(String(input));
      return fetch(input, init);
    };
    const c = createHttpChannel(url, { fetch: spy });
    onCleanup(() => c.close());
    expect(await createClient(Calc, c).divide(9, 3)).toBe(3);
    expect(calls).toEqual([url]);
  });
});
