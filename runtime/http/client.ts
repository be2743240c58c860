/**
 * The HTTP client channel in Node: `node:http` / `node:https` with a keep-alive agent (HTTP/1.1, one call
 * at a time per connection, up to `maxSockets` connections), or one `node:http2` session with every call
 * multiplexed on it (`httpVersion: "2"`; h2c in clear text, ALPN over TLS). Given a `fetch`, it uses that
 * instead. In browsers `createHttpChannel` is the fetch channel.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type RequestOptions } from "node:http";
import { connect as http2Connect, constants as h2, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders as Http2Headers } from "node:http2";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { ConnectionOptions as NodeTlsConnectOptions } from "node:tls";
import { concatBytes } from "../bytes.js";
import { TTransportException, TTransportExceptionType } from "../protocol/errors.js";
import type { ReaderLimits } from "../protocol/protocol.js";
import type { PendingCall } from "../rpc/pending.js";
import { clientTlsReason, sslCode } from "../tls/errors.js";
import { clientTlsOptions } from "../tls/settings.js";
import { HttpChannelBase, type HttpReply } from "./channel.js";
import { FetchChannel } from "./fetch-channel.js";
import type { NodeHttpChannelOptions } from "./node-options.js";

/**
 * An HTTP channel: `createHttpChannel("http://127.0.0.1:8080/", { protocol: CompactProtocol })`. Calls
 * are POSTed to the URL.
 */
export function createHttpChannel(url: string | URL, options: NodeHttpChannelOptions & Partial<ReaderLimits> = {}): HttpChannelBase {
  if (options.fetch !== undefined) {
    if (options.tls !== undefined) throw new TypeError("options.tls is not used with a fetch of one's own: give that fetch its TLS settings (an undici Agent's connect options)");
    return new FetchChannel(url, options);
  }
  return new NodeHttpChannel(url, options);
}

export class NodeHttpChannel extends HttpChannelBase {
  private readonly target: URL;
  private readonly secure: boolean;
  private readonly http2: boolean;
  private readonly agent: HttpAgent | undefined;
  private readonly ownAgent: boolean;
  private readonly tls: NodeTlsConnectOptions | undefined;
  private readonly presentsCertificate: boolean;
  private session: ClientHttp2Session | undefined = undefined;
  /** Streams in flight on the session. */
  private streams = 0;
  /** node:http's options for every request, resolved once from the URL. */
  private readonly requestOptions: RequestOptions;
  private readonly path: string;
  /** Why the HTTP/2 session failed, for the streams it cancels (they say only that they were cancelled). */
  private sessionError: Error | undefined = undefined;
  /** Sessions whose server has sent its settings (spoken HTTP/2: it took the connection). */
  private readonly spoken = new WeakSet<ClientHttp2Session>();

  constructor(url: string | URL, options: NodeHttpChannelOptions & Partial<ReaderLimits> = {}) {
    super(url, options);
    this.target = new URL(this.url);
    this.secure = this.target.protocol === "https:";
    this.http2 = options.httpVersion === "2";
    if (options.httpVersion !== undefined && options.httpVersion !== "1.1" && options.httpVersion !== "2") {
      throw new TypeError(`httpVersion must be "1.1" or "2", got ${String(options.httpVersion)}`);
    }
    if (options.tls !== undefined && !this.secure) throw new TypeError(`options.tls is for https: URLs, and ${this.url} is not one (nothing would be encrypted)`);
    this.tls = this.secure ? clientTlsOptions(options.tls, this.target.host) : undefined;
    this.presentsCertificate = options.tls?.cert !== undefined || options.tls?.pfx !== undefined;
    this.path = `${this.target.pathname}${this.target.search}`;
    if (this.http2) {
      this.agent = undefined;
      this.ownAgent = false;
    } else {
      this.ownAgent = options.agent === undefined;
      const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 100, scheduling: "lifo" as const };
      this.agent = options.agent ?? (this.secure ? new HttpsAgent({ ...agentOptions, ...this.tls }) : new HttpAgent(agentOptions));
    }
    this.requestOptions = {
      protocol: this.target.protocol,
      hostname: this.target.hostname.startsWith("[") ? this.target.hostname.slice(1, -1) : this.target.hostname,
      port: this.target.port === "" ? (this.secure ? 443 : 80) : Number(this.target.port),
      path: this.path,
      method: "POST",
      agent: this.agent,
    };
  }

  protected post(body: Uint8Array, headers: Record<string, string>, pending: PendingCall): void {
    if (this.http2) this.post2(body, headers, pending);
    else this.post1(body, headers, pending);
  }

  /** Into a Buffer from Node's pool (no ArrayBuffer of its own per call), as node:http and node:http2 write it. */
  protected override copyOut(bytes: Uint8Array): Uint8Array {
    return Buffer.from(bytes);
  }

  protected release(): Promise<void> {
    if (this.ownAgent) this.agent?.destroy();
    const session = this.session;
    this.session = undefined;
    if (session === undefined || session.closed) return Promise.resolve();
    return new Promise<void>((resolve) => session.close(() => resolve()));
  }

  private post1(body: Uint8Array, headers: Record<string, string>, pending: PendingCall): void {
    headers["content-length"] = String(body.length);
    // A literal, not `{ ...this.requestOptions, headers }`: V8 (Node 20) builds that spread on a slow path, microseconds per call.
    const o = this.requestOptions;
    const request = (this.secure ? httpsRequest : httpRequest)({ protocol: o.protocol, hostname: o.hostname, port: o.port, path: o.path, method: o.method, agent: o.agent, headers });
    // Giving the call up destroys its request (no AbortController per call).
    pending.cancel = { abort: (reason) => request.destroy(reason instanceof Error ? reason : new Error(String(reason))) };
    const fail = (error: unknown): void => this.failed(pending, error);
    // `on`: a second error (after a reset, say) must not go unhandled.
    request.on("error", (error) => fail(this.tlsFailure(error, !request.reusedSocket)));
    request.once("response", (response: IncomingMessage) => {
      gather(response, this.maxResponseSize, this.url, fail, (data) =>
        this.replied(pending, { status: response.statusCode ?? 0, statusText: response.statusMessage ?? "", headers: () => toHeaders(response.headers), body: data }),
      );
    });
    request.end(body);
  }

  private post2(body: Uint8Array, headers: Record<string, string>, pending: PendingCall): void {
    let session: ClientHttp2Session;
    try {
      session = this.connect2();
    } catch (error) {
      this.failed(pending, error);
      return;
    }
    headers[h2.HTTP2_HEADER_METHOD] = "POST";
    headers[h2.HTTP2_HEADER_PATH] = this.path;
    headers["content-length"] = String(body.length);
    const stream = session.request(headers) as Http2Request;
    const call = new H2Call(this, pending, session, stream);
    stream[H2_CALL] = call;
    // Giving the call up cancels its stream.
    pending.cancel = call;
    // The session keeps the process alive only while calls are in flight on it.
    if (this.streams++ === 0) session.ref();
    // Listeners shared by every stream (each finds its call on the stream): no closures per call.
    // 'response', 'end' and 'close' come once per stream, so plain listeners do (no once() wrappers).
    stream.on("response", NodeHttpChannel.onH2Response);
    stream.on("data", NodeHttpChannel.onH2Data);
    stream.on("end", NodeHttpChannel.onH2End);
    stream.on("error", NodeHttpChannel.onH2Error); // `on`: a second error must not go unhandled
    stream.on("close", NodeHttpChannel.onH2Close);
    stream.end(body);
  }

  private static onH2Response(this: Http2Request, headers: Http2Headers): void {
    this[H2_CALL]!.responseHeaders = headers;
  }

  private static onH2Data(this: Http2Request, chunk: Uint8Array): void {
    const call = this[H2_CALL]!;
    if (call.over) return;
    const channel = call.channel;
    call.size += chunk.length;
    if (call.size > channel.maxResponseSize) {
      call.over = true;
      const error = new TTransportException(TTransportExceptionType.SIZE_LIMIT, `the reply from ${channel.url} is over the limit of ${channel.maxResponseSize} bytes`);
      this.destroy(error);
      channel.failed(call.pending, error);
      return;
    }
    if (call.first === undefined) call.first = chunk;
    else (call.chunks ??= [call.first]).push(chunk);
  }

  private static onH2End(this: Http2Request): void {
    const call = this[H2_CALL]!;
    if (call.over) return;
    const channel = call.channel;
    // The stream can end with no response at all (its session closed cleanly): no answer, not a status 0.
    if (call.responseHeaders === undefined) {
      channel.failed(call.pending, channel.closedUnanswered(call.session));
      return;
    }
    call.body = call.chunks !== undefined ? concatBytes(call.chunks, call.size) : (call.first ?? EMPTY_BODY);
    call.first = undefined;
    call.chunks = undefined;
    channel.replied(call.pending, call);
  }

  private static onH2Error(this: Http2Request, error: Error): void {
    const call = this[H2_CALL]!;
    call.channel.failed(call.pending, call.channel.tlsFailure(error, false));
  }

  private static onH2Close(this: Http2Request): void {
    const call = this[H2_CALL]!;
    const channel = call.channel;
    if (--channel.streams === 0 && channel.session === call.session) call.session.unref();
    // A session whose connection ends cleanly closes its streams with no error: say so, or the call waits for its timeout.
    if (call.responseHeaders === undefined) channel.failed(call.pending, channel.closedUnanswered(call.session));
  }

  /**
   * A failure over https: as what TLS says went wrong (the server's certificate, a refused client
   * certificate, a plain-HTTP server), naming the URL; other errors as they are.
   */
  private tlsFailure(error: unknown, freshConnection: boolean): unknown {
    if (!this.secure) return error;
    if (freshConnection && isHangUp(error) && this.presentsCertificate) return this.refusedAfterHandshake(error);
    const cancelled = this.http2 && (error as { code?: string }).code === "ERR_HTTP2_STREAM_CANCEL";
    const cause = cancelled ? ((error as { cause?: unknown }).cause ?? this.sessionError ?? error) : error;
    const reason = clientTlsReason(cause, this.tls?.servername ?? this.target.hostname, this.presentsCertificate);
    if (reason === undefined || !isTlsCode(cause)) return error;
    return new TTransportException(TTransportExceptionType.NOT_OPEN, `HTTPS request to ${this.url} failed: ${reason}`, { cause });
  }

  /** A request whose connection closed before any answer. */
  private closedUnanswered(session: ClientHttp2Session): TTransportException {
    if (this.secure && this.presentsCertificate && !this.spoken.has(session)) return this.refusedAfterHandshake(undefined);
    return new TTransportException(TTransportExceptionType.END_OF_FILE, `HTTP request to ${this.url} failed: the server closed the connection before answering`);
  }

  /** TLS 1.3 lets a server refuse the client's certificate only after the client's handshake is done, and Node's close without a word. */
  private refusedAfterHandshake(cause: unknown): TTransportException {
    return new TTransportException(
      TTransportExceptionType.END_OF_FILE,
      `HTTPS request to ${this.url} failed: the server closed the connection before answering: a server that refuses the client's certificate after the TLS 1.3 handshake closes like this (its log says why)`,
      { cause },
    );
  }

  /** The HTTP/2 session, opened on first use and again after it is lost. */
  private connect2(): ClientHttp2Session {
    const current = this.session;
    if (current !== undefined && !current.closed && !current.destroyed) return current;
    const session = http2Connect(this.target.origin, this.secure ? { ...this.tls } : {});
    this.sessionError = undefined;
    session.once("remoteSettings", () => this.spoken.add(session));
    session.on("error", (error) => {
      // Each stream fails with its own error; the session is replaced on the next call.
      if (this.session === session) this.sessionError = error;
    });
    session.once("close", () => {
      if (this.session === session) this.session = undefined;
    });
    session.once("goaway", () => {
      if (this.session === session) this.session = undefined;
    });
    session.unref(); // an idle session must not keep the process alive (post2 refs it while calls run)
    this.session = session;
    this.streams = 0;
    return session;
  }
}

const H2_CALL = Symbol("rpcgen.h2call");
const EMPTY_BODY = new Uint8Array(0);

/** A request stream, with the call it carries. */
type Http2Request = ClientHttp2Stream & { [H2_CALL]?: H2Call };

/**
 * One call on an HTTP/2 stream: what its listeners gather, its reply once it is complete (an HttpReply
 * itself), and what cancels it (`pending.cancel`).
 */
class H2Call implements HttpReply {
  responseHeaders: Http2Headers | undefined = undefined;
  /** The reply's body, once complete. */
  body: Uint8Array = EMPTY_BODY;
  /** The body's first chunk, while it comes. */
  first: Uint8Array | undefined = undefined;
  /** The chunks, once there is more than one. */
  chunks: Uint8Array[] | undefined = undefined;
  size = 0;
  /** The reply went over the size limit: the call has failed, the rest is ignored. */
  over = false;
  readonly statusText = "";

  constructor(
    readonly channel: NodeHttpChannel,
    readonly pending: PendingCall,
    readonly session: ClientHttp2Session,
    private readonly stream: ClientHttp2Stream,
  ) {}

  get status(): number {
    return Number(this.responseHeaders?.[h2.HTTP2_HEADER_STATUS] ?? 0);
  }

  headers(): Headers {
    return toHeaders(this.responseHeaders ?? {});
  }

  /** Cancels the stream (the call was given up: its timeout or signal). */
  abort(): void {
    this.stream.close(h2.NGHTTP2_CANCEL);
  }
}

/** Reads a body up to `max` bytes, then calls `done` (or `fail`: an error, or a body over the limit). */
function gather(
  stream: NodeJS.ReadableStream & { destroy(error?: Error): unknown },
  max: number,
  url: string,
  fail: (error: unknown) => void,
  done: (body: Uint8Array) => void,
): void {
  const chunks: Uint8Array[] = [];
  let size = 0;
  stream.on("data", (chunk: Uint8Array) => {
    size += chunk.length;
    if (size > max) {
      const error = new TTransportException(TTransportExceptionType.SIZE_LIMIT, `the reply from ${url} is over the limit of ${max} bytes`);
      stream.destroy(error);
      fail(error);
      return;
    }
    chunks.push(chunk);
  });
  stream.once("end", () => done(concatBytes(chunks, size)));
  stream.on("error", fail); // `on`: a second error must not go unhandled
}

/** A connection closed with no answer at all ("socket hang up"). */
function isHangUp(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "ECONNRESET" && /hang up/.test(String((error as { message?: unknown }).message));
}

/** True for errors of the TLS layer (certificates, alerts, a peer that is not TLS), not of the network. */
function isTlsCode(error: unknown): boolean {
  const code = sslCode(error);
  if (code === undefined) return false;
  if (code === "ECONNRESET") return /before secure TLS connection/.test(String((error as { message?: unknown }).message)); // a reset later is no TLS matter
  return code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_") || /^(CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_|INVALID_|PATH_LENGTH)/.test(code);
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
