/**
 * The HTTP client channel in Node: `node:http` / `node:https` with a keep-alive agent (HTTP/1.1, one call
 * at a time per connection, up to `maxSockets` connections), or one `node:http2` session with every call
 * multiplexed on it (`httpVersion: "2"`; h2c in clear text, ALPN over TLS). Given a `fetch`, it uses that
 * instead. In browsers `createHttpChannel` is the fetch channel.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import { connect as http2Connect, constants as h2, type ClientHttp2Session, type IncomingHttpHeaders as Http2Headers } from "node:http2";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { TTransportException, TTransportExceptionType } from "../protocol/errors.js";
import type { ReaderLimits } from "../protocol/protocol.js";
import { HttpChannelBase, type HttpReply } from "./channel.js";
import { FetchChannel } from "./fetch-channel.js";
import type { NodeHttpChannelOptions } from "./node-options.js";

/**
 * An HTTP channel: `createHttpChannel("http://127.0.0.1:8080/", { protocol: CompactProtocol })`. Calls
 * are POSTed to the URL.
 */
export function createHttpChannel(url: string | URL, options: NodeHttpChannelOptions & Partial<ReaderLimits> = {}): HttpChannelBase {
  if (options.fetch !== undefined) return new FetchChannel(url, options);
  return new NodeHttpChannel(url, options);
}

export class NodeHttpChannel extends HttpChannelBase {
  private readonly target: URL;
  private readonly secure: boolean;
  private readonly http2: boolean;
  private readonly agent: HttpAgent | undefined;
  private readonly ownAgent: boolean;
  private readonly tls: NodeHttpChannelOptions["tls"];
  private session: ClientHttp2Session | undefined = undefined;

  constructor(url: string | URL, options: NodeHttpChannelOptions & Partial<ReaderLimits> = {}) {
    super(url, options);
    this.target = new URL(this.url);
    this.secure = this.target.protocol === "https:";
    this.http2 = options.httpVersion === "2";
    if (options.httpVersion !== undefined && options.httpVersion !== "1.1" && options.httpVersion !== "2") {
      throw new TypeError(`httpVersion must be "1.1" or "2", got ${String(options.httpVersion)}`);
    }
    this.tls = options.tls;
    if (this.http2) {
      this.agent = undefined;
      this.ownAgent = false;
    } else {
      this.ownAgent = options.agent === undefined;
      const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 100, scheduling: "lifo" as const };
      this.agent = options.agent ?? (this.secure ? new HttpsAgent({ ...agentOptions, ...options.tls }) : new HttpAgent(agentOptions));
    }
  }

  protected post(body: Uint8Array, headers: Headers, signal: AbortSignal): Promise<HttpReply> {
    return this.http2 ? this.post2(body, headers, signal) : this.post1(body, headers, signal);
  }

  protected release(): Promise<void> {
    if (this.ownAgent) this.agent?.destroy();
    const session = this.session;
    this.session = undefined;
    if (session === undefined || session.closed) return Promise.resolve();
    return new Promise<void>((resolve) => session.close(() => resolve()));
  }

  private post1(body: Uint8Array, headers: Headers, signal: AbortSignal): Promise<HttpReply> {
    return new Promise<HttpReply>((resolve, reject) => {
      const outgoing: Record<string, string> = { "content-length": String(body.length) };
      for (const [name, value] of headers) outgoing[name] = value;
      const request = (this.secure ? httpsRequest : httpRequest)(this.target, { method: "POST", agent: this.agent, headers: outgoing, signal });
      request.on("error", reject); // `on`: a second error (after a reset, say) must not go unhandled
      request.once("response", (response: IncomingMessage) => {
        collect(response, this.maxResponseSize, this.url).then(
          (data) =>
            resolve({ status: response.statusCode ?? 0, statusText: response.statusMessage ?? "", headers: () => toHeaders(response.headers), body: data }),
          reject,
        );
      });
      request.end(body);
    });
  }

  private post2(body: Uint8Array, headers: Headers, signal: AbortSignal): Promise<HttpReply> {
    return new Promise<HttpReply>((resolve, reject) => {
      let session: ClientHttp2Session;
      try {
        session = this.connect2();
      } catch (error) {
        reject(error);
        return;
      }
      const outgoing: Record<string, string> = {
        [h2.HTTP2_HEADER_METHOD]: "POST",
        [h2.HTTP2_HEADER_PATH]: `${this.target.pathname}${this.target.search}`,
        "content-length": String(body.length),
      };
      for (const [name, value] of headers) outgoing[name] = value;
      const stream = session.request(outgoing, { signal });
      let responded = false;
      stream.on("error", reject);
      // A session whose connection ends cleanly closes its streams with no error: say so, or the call waits for its timeout.
      stream.once("close", () => {
        if (!responded) reject(new TTransportException(TTransportExceptionType.END_OF_FILE, `HTTP request to ${this.url} failed: the server closed the connection before answering`));
      });
      stream.once("response", (responseHeaders: Http2Headers) => {
        responded = true;
        const status = Number(responseHeaders[h2.HTTP2_HEADER_STATUS] ?? 0);
        collect(stream, this.maxResponseSize, this.url).then((data) => resolve({ status, statusText: "", headers: () => toHeaders(responseHeaders), body: data }), reject);
      });
      stream.end(body);
    });
  }

  /** The HTTP/2 session, opened on first use and again after it is lost. */
  private connect2(): ClientHttp2Session {
    const current = this.session;
    if (current !== undefined && !current.closed && !current.destroyed) return current;
    const session = http2Connect(this.target.origin, this.secure ? { ...this.tls } : {});
    session.on("error", () => {
      // Each stream fails with its own error; the session is replaced on the next call.
    });
    session.once("close", () => {
      if (this.session === session) this.session = undefined;
    });
    session.once("goaway", () => {
      if (this.session === session) this.session = undefined;
    });
    session.unref(); // an idle session must not keep the process alive; streams in flight ref it
    this.session = session;
    return session;
  }
}

/** Reads a response body up to `max` bytes. */
function collect(stream: NodeJS.ReadableStream & { destroy(error?: Error): unknown }, max: number, url: string): Promise<Uint8Array> {
  return new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    stream.on("data", (chunk: Uint8Array) => {
      size += chunk.length;
      if (size > max) {
        const error = new TTransportException(TTransportExceptionType.SIZE_LIMIT, `the reply from ${url} is over the limit of ${max} bytes`);
        stream.destroy(error);
        reject(error);
        return;
      }
      chunks.push(chunk);
    });
    stream.once("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    stream.on("error", reject);
  });
}

function toHeaders(raw: IncomingHttpHeaders | Http2Headers): Headers {
  const headers = new Headers();
  for (const name in raw) {
    if (name.charCodeAt(0) === 58) continue; // HTTP/2 pseudo-headers
    const value = raw[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.append(name, String(value));
  }
  return headers;
}
