/**
 * What browsers demand of the HTTP transport, checked in Node (test/browser runs the real thing in
 * Chromium; these keep each rule it found in the fast suite).
 */
import { request } from "node:http";
import { afterEach, describe, expect, test, vi } from "vitest";
import { createClient, createFetchChannel } from "../../runtime/index.js";
import { Calc } from "../../generated/calc.js";
import { onCleanup } from "../runtime/helpers.js";
import { divideCall, raw, startHttp } from "./helpers.js";

afterEach(() => {
  vi.unstubAllGlobals();
});

/** A fetch that checks its receiver as a browser's does: only the global object (or none) will do. */
function receiverCheckingFetch(nodeFetch: typeof fetch): typeof fetch {
  return function (this: unknown, input: Parameters<typeof fetch>[0], init?: RequestInit) {
    if (this !== undefined && this !== globalThis) return Promise.reject(new TypeError("Failed to execute 'fetch' on 'Window': Illegal invocation"));
    return nodeFetch(input, init);
  };
}

test("the fetch channel calls fetch without a receiver (a browser's fetch refuses any `this` but the window)", async () => {
  const { url } = await startHttp();
  const nodeFetch = globalThis.fetch;
  const given = createFetchChannel(url, { fetch: receiverCheckingFetch(nodeFetch) });
  onCleanup(() => given.close());
  expect(await createClient(Calc, given).divide(9, 3)).toBe(3);

  vi.stubGlobal("fetch", receiverCheckingFetch(nodeFetch));
  const global = createFetchChannel(url);
  onCleanup(() => global.close());
  expect(await createClient(Calc, global).divide(8, 2)).toBe(4);
});

describe("refusals that a page from an allowed origin can read", () => {
  const app = "http://app.example";
  const cors = { origins: [app] };

  test("a preflight is answered on any path, so the call itself gets the 404, with CORS headers", async () => {
    const { port } = await startHttp({ cors, path: "/thrift" });
    const preflight = await raw(port, { method: "OPTIONS", path: "/elsewhere", headers: { origin: app, "access-control-request-method": "POST" } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers["access-control-allow-origin"]).toBe(app);
    const call = await raw(port, { path: "/elsewhere", body: divideCall(1, 1), headers: { origin: app } });
    expect(call.status).toBe(404);
    expect(call.headers).toMatchObject({ "access-control-allow-origin": app, vary: "Origin" });
    // Without CORS, OPTIONS off the path is the 404 it always was.
    const plain = await startHttp({ path: "/thrift" });
    expect((await raw(plain.port, { method: "OPTIONS", path: "/elsewhere" })).status).toBe(404);
  });

  test("405, 413 and 400 carry the allowed origin's CORS headers; a disallowed origin's 403 carries none", async () => {
    const { port } = await startHttp({ cors, maxBodySize: 64 });
    const refused = [
      await raw(port, { method: "GET", headers: { origin: app } }),
      await raw(port, { body: new Uint8Array(65), headers: { origin: app } }),
      await raw(port, { body: "not thrift", headers: { origin: app } }),
      await raw(port, { body: new Uint8Array(0), headers: { origin: app } }),
    ];
    expect(refused.map((r) => r.status)).toEqual([405, 413, 400, 400]);
    for (const r of refused) expect(r.headers["access-control-allow-origin"], String(r.status)).toBe(app);
    const stranger = await raw(port, { body: divideCall(1, 1), headers: { origin: "http://evil.example" } });
    expect(stranger.status).toBe(403);
    expect(stranger.headers["access-control-allow-origin"]).toBeUndefined();
  });

  test("408 for a slow body carries them too", async () => {
    const { port } = await startHttp({ cors, bodyTimeoutMs: 50 });
    const res = await new Promise<{ status: number; allowOrigin: unknown }>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, method: "POST", path: "/", headers: { origin: app, "content-length": "100" }, agent: false }, (r) => {
        r.resume();
        resolve({ status: r.statusCode ?? 0, allowOrigin: r.headers["access-control-allow-origin"] });
      });
      req.on("error", reject);
      req.write(new Uint8Array(10)); // and never the rest
      onCleanup(() => req.destroy());
    });
    expect(res).toEqual({ status: 408, allowOrigin: app });
  });
});
