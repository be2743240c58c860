/**
 * What the HTTP handler needs of a request and its response: node:http's `(req, res)`, node:http2's
 * compatibility objects, or an HTTP/2 stream with its headers. HttpServer serves HTTP/2 through the
 * stream API (`streamExchange`): the compatibility layer's two stream objects per request cost as much as
 * the rest of a call.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { ServerHttp2Stream } from "node:http2";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the listener types of Node's emitters
type Listener = (...args: any[]) => void;

export interface RequestLike {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly httpVersionMajor?: number;
  readonly socket: { readonly remoteAddress?: string | undefined; readonly remotePort?: number | undefined } | null | undefined;
  readonly readableEnded: boolean;
  on(event: "data" | "end" | "error", listener: Listener): unknown;
  off(event: "data" | "end" | "error", listener: Listener): unknown;
  resume(): unknown;
}

export interface ResponseLike {
  readonly headersSent: boolean;
  readonly writableEnded: boolean;
  writeHead(status: number, headers?: Record<string, string | string[]>): unknown;
  end(body?: Uint8Array | string): unknown;
  once(event: "close", listener: () => void): unknown;
}

/**
 * An HTTP/2 stream as both the request and its response: one object per stream, listeners passed to
 * the stream as they are (no wrappers), and the response's headers handed to `respond` with the status
 * first.
 */
class StreamExchange implements RequestLike, ResponseLike {
  readonly httpVersionMajor = 2;
  readonly method: string | undefined;
  readonly url: string | undefined;

  constructor(
    private readonly stream: ServerHttp2Stream,
    readonly headers: IncomingHttpHeaders,
  ) {
    this.method = headers[":method"] as string | undefined;
    this.url = headers[":path"] as string | undefined;
  }

  get socket(): RequestLike["socket"] {
    return this.stream.session?.socket;
  }

  get readableEnded(): boolean {
    return this.stream.readableEnded;
  }

  on(event: string, listener: Listener): this {
    this.stream.on(event, listener);
    return this;
  }

  off(event: string, listener: Listener): this {
    this.stream.off(event, listener);
    return this;
  }

  resume(): this {
    this.stream.resume();
    return this;
  }

  get headersSent(): boolean {
    return this.stream.headersSent;
  }

  get writableEnded(): boolean {
    return this.stream.writableEnded;
  }

  writeHead(status: number, headers?: Record<string, string | string[]>): this {
    if (this.stream.destroyed) return this;
    const h: Record<string, string | string[] | number> = { ":status": status };
    if (headers !== undefined) for (const name in headers) h[name] = headers[name]!;
    this.stream.respond(h);
    return this;
  }

  end(body?: Uint8Array | string): this {
    if (!this.stream.destroyed) this.stream.end(body);
    return this;
  }

  once(event: "close", listener: () => void): this {
    // A stream closes once: a plain listener, without once()'s wrapper.
    this.stream.on(event, listener);
    return this;
  }
}

/** An HTTP/2 stream as a request and its response (one object, both roles). */
export function streamExchange(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): RequestLike & ResponseLike {
  return new StreamExchange(stream, headers);
}
