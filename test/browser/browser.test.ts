/**
 * rpcgen in a real browser: a page bundled for the browser (generated Calc and ThriftTest clients on the
 * core runtime's fetch channel) runs in headless Chromium, driven by playwright-core, and calls an
 * rpcgen HTTP server on 127.0.0.1 from another origin (another port), through CORS. What the page saw
 * comes back as data and is checked here, beside what the server's handlers saw.
 */
import { createServer as createWebServer, type Server as WebServer } from "node:http";
import { join } from "node:path";
import { chromium as playwright, type Browser, type BrowserServer, type ConsoleMessage, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createHttpServer, implement, TTransportException, TTransportExceptionType, type HttpServer, type Registration, type ServerEvent } from "../../runtime/index.js";
import { Calc, InvalidOperation } from "../../generated/calc.js";
import { ThriftTest, type ThriftTestHandler } from "../../interop/thrift-test/ThriftTest.v0.16-nouuid.js";
import { CHROMIUM, chromium as chromiumInstalled, describeWith } from "../support/environment.js";
import { bundlePage, type PageBundle } from "./bundle.js";
import type { Outcome, Probe, ProtocolName } from "./page.js";

/** Every wait in this file is bounded by this (events are awaited, never slept for). */
const WAIT_MS = 5_000;

/** Flags that keep Chromium off the network (this machine's is closed) and quick to start. */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** The path the Thrift server serves; others get 404. */
const THRIFT_PATH = "/thrift";

/** Resolves with `promise`, or rejects naming `what` once `ms` have passed. */
function within<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** What the server's handlers saw, by key, for the test to await. */
class Sightings {
  private readonly slots = new Map<string, { promise: Promise<unknown>; resolve: (value: unknown) => void }>();

  saw(key: string, value: unknown): void {
    this.slot(key).resolve(value);
  }

  when<T>(key: string): Promise<T> {
    return within(this.slot(key).promise as Promise<T>, `the server to see ${key}`);
  }

  private slot(key: string): { promise: Promise<unknown>; resolve: (value: unknown) => void } {
    let s = this.slots.get(key);
    if (s === undefined) {
      let resolve!: (value: unknown) => void;
      const promise = new Promise<unknown>((r) => (resolve = r));
      s = { promise, resolve };
      this.slots.set(key, s);
    }
    return s;
  }
}

interface SeenHeaders {
  readonly authorization: string | null;
  readonly trace: string | null;
  readonly origin: string | null;
}

/** A static server for the page: `/` and the bundle, from its own origin. */
function pageServer(bundle: PageBundle): WebServer {
  const html = `<!doctype html><meta charset="utf-8"><title>rpcgen browser test</title><script type="module" src="/page.js"></script>`;
  return createWebServer((req, res) => {
    if (req.url === "/") res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(html);
    else if (req.url === "/page.js") res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" }).end(bundle.code);
    else if (req.url === "/favicon.ico") res.writeHead(204).end();
    else res.writeHead(404).end();
  });
}

function listen(server: WebServer): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const a = server.address();
      if (a === null || typeof a === "string") reject(new Error("no TCP address"));
      else resolve(`http://127.0.0.1:${a.port}`);
    });
  });
}

function closeWeb(server: WebServer): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

describeWith([chromiumInstalled])("generated clients in Chromium, calling an rpcgen HTTP server from another origin", () => {
  const sightings = new Sightings();
  const serverEvents: ServerEvent[] = [];
  const consoleLines: string[] = [];
  const stops: (() => Promise<unknown>)[] = [];
  let bundle: PageBundle;
  let thrift: HttpServer;
  let thriftUrl: string;
  /** The page from the origin CORS allows, and one from an origin it does not. */
  let page: Page;
  let strangerPage: Page;

  beforeAll(async () => {
    bundle = await bundlePage(join(import.meta.dirname, "page.ts"));

    const allowedSite = pageServer(bundle);
    const allowedOrigin = await listen(allowedSite);
    stops.push(() => closeWeb(allowedSite));
    const strangerSite = pageServer(bundle);
    const strangerOrigin = await listen(strangerSite);
    stops.push(() => closeWeb(strangerSite));

    const calc = implement(Calc, {
      divide(num1, num2, ctx) {
        const h = ctx.requestHeaders;
        const trace = h.get("x-trace");
        if (trace !== null) sightings.saw(`trace ${trace}`, { authorization: h.get("authorization"), trace, origin: h.get("origin") } satisfies SeenHeaders);
        ctx.responseHeaders.set("x-served-by", "rpcgen-calc");
        if (num2 === 0) throw new InvalidOperation({ message: `cannot divide ${num1} by zero` });
        return num1 / num2;
      },
    });
    const thriftTest: Partial<ThriftTestHandler> = {
      testString: (thing) => thing,
      testOneway(secondsToSleep) {
        sightings.saw(`oneway ${secondsToSleep}`, secondsToSleep);
      },
      /** Held until the call's signal aborts (the client gave up, or its deadline passed). */
      testVoid(ctx) {
        const id = ctx.requestHeaders.get("x-call-id") ?? "?";
        sightings.saw(`entered ${id}`, ctx.deadline);
        return new Promise<void>((_, reject) => {
          const aborted = (): void => {
            sightings.saw(`aborted ${id}`, ctx.signal.reason);
            reject(ctx.signal.reason);
          };
          if (ctx.signal.aborted) aborted();
          else ctx.signal.addEventListener("abort", aborted, { once: true });
        });
      },
    };
    // A partial handler: methods it leaves out answer UNKNOWN_METHOD.
    const thriftTestRegistration: Registration = { descriptor: ThriftTest, handler: thriftTest };
    thrift = createHttpServer([calc, thriftTestRegistration], {
      path: THRIFT_PATH,
      cors: { origins: [allowedOrigin] },
      logger: (event) => serverEvents.push(event),
    });
    const address = await thrift.listen(0, "127.0.0.1");
    if (!("port" in address)) throw new Error("the Thrift server has no TCP port");
    thriftUrl = `http://127.0.0.1:${address.port}${THRIFT_PATH}`;
    stops.push(() => thrift.destroy());

    const browserServer: BrowserServer = await playwright.launchServer({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 15_000 });
    // Last resort if a graceful close hangs: the process playwright-core started, killed by its handle.
    stops.push(() => within(browserServer.close(), "Chromium to close").catch(() => browserServer.kill()));
    const browser: Browser = await playwright.connect(browserServer.wsEndpoint());
    stops.push(() => within(browser.close(), "the browser connection to close"));

    const open = async (origin: string): Promise<Page> => {
      const p = await browser.newPage();
      p.on("console", (m: ConsoleMessage) => consoleLines.push(`${origin} ${m.type()}: ${m.text()}`));
      p.on("pageerror", (e) => consoleLines.push(`${origin} pageerror: ${e.message}`));
      await p.goto(`${origin}/`, { timeout: WAIT_MS });
      await p.waitForFunction(() => "probe" in globalThis, undefined, { timeout: WAIT_MS });
      return p;
    };
    page = await open(allowedOrigin);
    strangerPage = await open(strangerOrigin);
  }, 30_000);

  afterAll(async () => {
    // Last started, first stopped; every one of them, whatever the others do.
    const failures: unknown[] = [];
    for (const stop of stops.reverse()) await stop().catch((e: unknown) => failures.push(e));
    if (failures.length > 0) throw new AggregateError(failures, "stopping the browser test's servers and browser");
  }, 30_000);

  /** Runs one step of the probe in the page from the allowed origin, and returns what it answered. */
  function inPage<K extends keyof Probe>(name: K, ...args: Parameters<Probe[K]>): Promise<Awaited<ReturnType<Probe[K]>>> {
    return on(page, name, ...args);
  }

  /** Runs one step of the probe in page `p`. */
  function on<K extends keyof Probe>(p: Page, name: K, ...args: Parameters<Probe[K]>): Promise<Awaited<ReturnType<Probe[K]>>> {
    const step = p.evaluate(([n, a]) => (globalThis as unknown as { probe: Record<string, (...args: unknown[]) => unknown> }).probe[n]!(...a), [name, args] as const);
    return within(step as Promise<Awaited<ReturnType<Probe[K]>>>, `the page's ${name}`);
  }

  test("the page's bundle: rpcgen/runtime is the Node-free core, and nothing imports node:", () => {
    expect(bundle.runtimeEntry).toBe("dist/runtime/core.js");
    const inputs = Object.keys(bundle.metafile.inputs);
    expect(inputs).toContain("runtime/core.ts");
    expect(inputs).toContain("runtime/http/fetch-channel.ts");
    expect(inputs.filter((f) => f === "runtime/index.ts" || f.startsWith("runtime/tcp/") || f === "runtime/http/server.ts" || f === "runtime/http/client.ts")).toEqual([]);
    const imports = Object.values(bundle.metafile.inputs).flatMap((i) => i.imports.map((imp) => imp.path));
    expect(imports.filter((p) => p.startsWith("node:"))).toEqual([]);
    expect(bundle.code).not.toMatch(/["']node:[a-z]/);
  });

  test.each(["binary", "json"] as const)("calls over %s: values, the IDL default, UTF-8 text, and a declared exception as its generated class", async (protocol: ProtocolName) => {
    expect(await inPage("divide", thriftUrl, protocol, 100, 8)).toMatchObject({ ok: true, value: 12.5 });
    expect(await inPage("divide", thriftUrl, protocol, 200)).toMatchObject({ ok: true, value: 200 });
    const text = "naïve café ✓ 𝄞";
    expect(await inPage("echo", thriftUrl, protocol, text)).toMatchObject({ ok: true, value: text });
    const thrown = await inPage("divide", thriftUrl, protocol, 1, 0);
    expect(thrown).toMatchObject({ ok: false, error: { invalidOperation: true, name: "InvalidOperation", message: "cannot divide 1 by zero" } });
  });

  test.each([["binary", 7], ["json", 8]] as const)("a oneway call over %s resolves, and the server's handler gets it", async (protocol, n) => {
    expect(await inPage("oneway", thriftUrl, protocol, n)).toMatchObject({ ok: true, value: undefined });
    expect(await sightings.when(`oneway ${n}`)).toBe(n);
  });

  test("an abort rejects the call with the signal's reason, and the server handler's ctx.signal aborts", async () => {
    await inPage("start", "abort-1", thriftUrl, "binary", { headers: { "x-call-id": "abort-1" } });
    await sightings.when("entered abort-1");
    await inPage("abort", "abort-1");
    const outcome = await inPage("settle", "abort-1");
    expect(outcome).toMatchObject({ ok: false, error: { isAbortReason: true, message: "aborted by the page (abort-1)" } });
    const reason = await sightings.when<unknown>("aborted abort-1");
    expect(reason).toBeInstanceOf(TTransportException);
    expect((reason as TTransportException).type).toBe(TTransportExceptionType.END_OF_FILE);
  });

  test("a timeout rejects with TIMED_OUT; the deadline reached the handler, and its signal aborts", async () => {
    const timeoutMs = 250;
    const before = Date.now();
    await inPage("start", "timeout-1", thriftUrl, "json", { timeoutMs, headers: { "x-call-id": "timeout-1" } });
    // The call's Deadline-Budget header crossed CORS and set the handler's deadline.
    const deadline = await sightings.when<number | undefined>("entered timeout-1");
    expect(deadline).toBeGreaterThan(before);
    expect(deadline).toBeLessThanOrEqual(Date.now() + timeoutMs);
    const outcome = await inPage("settle", "timeout-1");
    expect(outcome).toMatchObject({ ok: false, error: { transportException: true, transportType: TTransportExceptionType.TIMED_OUT, isAbortReason: false } });
    expect(outcome.elapsedMs).toBeGreaterThanOrEqual(timeoutMs - 5);
    expect(await sightings.when<unknown>("aborted timeout-1")).toBeInstanceOf(TTransportException);
  });

  test("headers cross CORS both ways: Authorization and X-Trace reach ctx.requestHeaders, a reply header reaches onResponseHeaders", async () => {
    const outcome = await inPage("divide", thriftUrl, "json", 10, 4, { headers: { Authorization: "Bearer page-token", "X-Trace": "trace-42" } });
    expect(outcome).toMatchObject({ ok: true, value: 2.5, responseHeaders: { "x-served-by": "rpcgen-calc" } });
    const seen = await sightings.when<SeenHeaders>("trace trace-42");
    expect(seen).toEqual({ authorization: "Bearer page-token", trace: "trace-42", origin: new URL(page.url()).origin });
  });

  test("a response that is not 2xx is an HttpError with its status and body (404 off the served path)", async () => {
    const elsewhere = new URL("/elsewhere", thriftUrl).href;
    const outcome = await inPage("divide", elsewhere, "binary", 1, 1);
    expect(outcome).toMatchObject({ ok: false, error: { httpError: true, transportException: true, status: 404 } });
    expect(outcome.ok === false && outcome.error.message).toContain(`no Thrift service at /elsewhere (this server serves ${THRIFT_PATH})`);
  });

  test("a page from an origin CORS does not allow is refused", async () => {
    const origin = new URL(strangerPage.url()).origin;
    const blocked = strangerPage.waitForEvent("console", { predicate: (m) => m.text().includes("blocked by CORS policy"), timeout: WAIT_MS });
    const outcome = await on(strangerPage, "divide", thriftUrl, "binary", 1, 1);
    // The browser hides the refusal's status from the page: it sees a failed fetch, and says why in its console.
    expect(outcome).toMatchObject({ ok: false, error: { httpError: false, transportException: true, transportType: TTransportExceptionType.NOT_OPEN } });
    expect((await blocked).text()).toContain(`from origin '${origin}' has been blocked by CORS policy`);
    expect(serverEvents).toContainEqual(expect.objectContaining({ kind: "request-rejected", status: 403, reason: `origin ${origin} is not allowed` }));
  });

  test("the allowed page logged nothing but the refusal it provoked (no page errors, no CORS failures)", () => {
    const origin = new URL(page.url()).origin;
    const expected = /Failed to load resource: the server responded with a status of 404/;
    expect(consoleLines.filter((l) => l.startsWith(`${origin} `) && !expected.test(l))).toEqual([]);
  });
});
