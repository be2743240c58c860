/**
 * What browsers demand of the HTTP transport, checked in Node (test/browser runs the real thing in
 * Chromium; these keep each rule it found in the fast suite).
 */
import { afterEach, expect, test, vi } from "vitest";
import { createClient, createFetchChannel } from "../../runtime/index.js";
import { Calc } from "../../generated/calc.js";
import { onCleanup } from "../runtime/helpers.js";
import { startHttp } from "./helpers.js";

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
