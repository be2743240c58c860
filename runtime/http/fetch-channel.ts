/**
 * The HTTP client channel on `fetch`: what browsers use (the runtime's core exports it), and what Node
 * uses when given a `fetch` of one's own. In Node the default is `node:http` (client.ts): Node's own
 * fetch makes a call several times slower (bench/results/latest.md).
 */
import { concatBytes } from "../bytes.js";
import type { ReaderLimits } from "../protocol/protocol.js";
import { TTransportException, TTransportExceptionType } from "../protocol/errors.js";
import type { PendingCall } from "../rpc/pending.js";
import { HttpChannelBase, type HttpReply } from "./channel.js";
import type { HttpChannelOptions } from "./options.js";

export class FetchChannel extends HttpChannelBase {
  private readonly fetch: typeof globalThis.fetch;
  private readonly credentials: "omit" | "same-origin" | "include";

  constructor(url: string | URL, options: HttpChannelOptions & Partial<ReaderLimits> = {}) {
    super(url, options);
    const f = options.fetch ?? globalThis.fetch;
    if (typeof f !== "function") throw new TypeError("no fetch in this environment: pass one as the `fetch` option");
    this.fetch = f;
    this.credentials = options.credentials ?? "same-origin";
  }

  protected post(body: Uint8Array, headers: Record<string, string>, pending: PendingCall): void {
    this.request(body, headers, pending).then(
      (reply) => this.replied(pending, reply),
      (error: unknown) => this.failed(pending, error),
    );
  }

  private async request(body: Uint8Array, headers: Record<string, string>, pending: PendingCall): Promise<HttpReply> {
    const controller = new AbortController();
    pending.cancel = controller;
    // Called without a receiver: a browser's fetch refuses any `this` but the window ("Illegal invocation").
    const fetch = this.fetch;
    const response = await fetch(this.url, { method: "POST", body: body as RequestInit["body"], headers, signal: controller.signal, credentials: this.credentials });
    return {
      status: response.status,
      statusText: response.statusText,
      headers: () => response.headers,
      body: await readLimited(response, this.maxResponseSize, this.url),
    };
  }

  protected release(): Promise<void> {
    return Promise.resolve();
  }
}

/** The response body, refused once it passes `max` bytes (read as a stream where the platform allows). */
async function readLimited(response: Response, max: number, url: string): Promise<Uint8Array> {
  const declared = Number(response.headers.get("content-length") ?? "NaN");
  if (declared > max) {
    await response.body?.cancel();
    throw tooLarge(url, declared, max);
  }
  const reader = response.body?.getReader();
  if (reader === undefined) return new Uint8Array(await response.arrayBuffer());
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      await reader.cancel();
      throw tooLarge(url, size, max);
    }
    chunks.push(value);
  }
  return concatBytes(chunks, size);
}

function tooLarge(url: string, size: number, max: number): TTransportException {
  return new TTransportException(TTransportExceptionType.SIZE_LIMIT, `the reply from ${url} is over the limit of ${max} bytes (${size} bytes or more)`);
}

/** An HTTP channel on `fetch`: `createFetchChannel("https://api.example.com/thrift", { protocol: JSONProtocol })`. */
export function createFetchChannel(url: string | URL, options?: HttpChannelOptions & Partial<ReaderLimits>): FetchChannel {
  return new FetchChannel(url, options);
}
