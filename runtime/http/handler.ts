/**
 * Thrift over HTTP, server side: a Node request handler, `(req, res)`, for `node:http`, `node:https`,
 * `node:http2` (its compatibility API) and the frameworks built on them (express, fastify, ...).
 *
 * Apache's rules, where its libraries agree: POST on any path (unless `path` narrows it), any request
 * content type, the reply in the request's protocol as `application/x-thrift` (or
 * `application/vnd.apache.thrift.json`), status 200. What they get wrong, done right: oneway calls are
 * answered at once with an empty 200 (Apache's Node and 0.17 C++ servers never answer), CORS
 * preflights echo the headers asked for, and bad requests get a status that says what is wrong:
 *
 * - 405 (with `Allow`) for other methods, 404 off `path`, 403 for origins CORS does not allow;
 * - 413 for a body over `maxBodySize`, before it is read (from `Content-Length`) or as soon as it is;
 * - 400 for a body that is not one Thrift call; 408 for a body that does not arrive in time.
 *
 * With CORS on, these carry an allowed origin's CORS headers (a browser hides the status of a response
 * without them from the page), and preflights are answered on every path.
 *
 * Call headers are the HTTP headers; `Deadline-Budget` sets the call's deadline; headers a handler sets
 * on `ctx.responseHeaders` go out with the reply. Over HTTPS, the certificate the client presented is
 * `ctx.peerCertificate` (in JSON calls too).
 *
 * The same handler answers plain JSON calls (`POST /<Service>/<method>` with `application/json`, GET
 * where allowed) unless `json: false`: json-route.ts, which says how they are told apart.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse, ServerHttp2Stream } from "node:http2";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { BinaryProtocol } from "../protocol/binary.js";
import { CompactProtocol } from "../protocol/compact.js";
import { TApplicationException, TApplicationExceptionType, TTransportException, TTransportExceptionType } from "../protocol/errors.js";
import { JSONProtocol } from "../protocol/json.js";
import type { Protocol, ProtocolReader, ProtocolWriter, ReaderInput, ReaderLimits } from "../protocol/protocol.js";
import { WriteBuffer } from "../protocol/write-buffer.js";
import { concatBytes } from "../bytes.js";
import { positiveInteger, readerLimits } from "../limits.js";
import { Scope, type ServerCallContext } from "../rpc/context.js";
import { DEADLINE_BUDGET_HEADER, deadlineOf } from "../rpc/headers.js";
import { defaultLogger, describe } from "../rpc/logger.js";
import { Processor, writeException, type IncomingCall, type Registration, type ServerLogger } from "../rpc/processor.js";
import type { PeerCertificate } from "../service.js";
import { peerCertificateOf } from "../tls/identity.js";
import { contentTypeOf, detectProtocol } from "./content-type.js";
import { Cors } from "./cors.js";
import { streamExchange, type RequestLike, type ResponseLike } from "./exchange.js";
import { jsonErrorBody, JSON_CONTENT_TYPE, JsonRoutes } from "./json-route.js";
import type { HttpHandlerOptions } from "./options.js";

export type HttpRequest = IncomingMessage | Http2ServerRequest;
export type HttpResponse = ServerResponse | Http2ServerResponse;

/** A Node request handler serving Thrift calls. */
export interface HttpHandler {
  (req: HttpRequest, res: HttpResponse): void;
  /** Serves an HTTP/2 stream directly (what HttpServer does: no compatibility objects per request). */
  stream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void;
  /** The processor behind it (its services, interceptors and logger). */
  readonly processor: Processor;
  /** Requests being answered now. */
  readonly activeRequests: number;
  /** Aborts the handlers' signals of every request in flight, and of oneway calls still running (the server is going away). */
  abortAll(reason: unknown): void;
}

/** A member of a Roster: its links, owned by the roster. */
interface Listed {
  prev: Listed | undefined;
  next: Listed | undefined;
  listed: boolean;
}

/**
 * Objects held for a while, in an intrusive doubly linked list: add and delete in constant time with no
 * allocation, where a Set would hash every new object (its first identity hash) on each request's path.
 */
class Roster<T extends Listed> {
  private head: Listed | undefined = undefined;
  size = 0;

  add(item: T): void {
    if (item.listed) return;
    item.listed = true;
    item.prev = undefined;
    item.next = this.head;
    if (this.head !== undefined) this.head.prev = item;
    this.head = item;
    this.size++;
  }

  delete(item: T): void {
    if (!item.listed) return;
    item.listed = false;
    if (item.prev !== undefined) item.prev.next = item.next;
    else this.head = item.next;
    if (item.next !== undefined) item.next.prev = item.prev;
    item.prev = item.next = undefined;
    this.size--;
  }

  /** The members now (a copy: what runs for each may delete members). */
  snapshot(): T[] {
    const out: T[] = [];
    for (let x = this.head; x !== undefined; x = x.next) out.push(x as T);
    return out;
  }
}

/**
 * A request's scope, which knows whether handlers still watch it: a oneway call is answered before its
 * handler runs, and the handler's signal must still abort when the server goes away.
 */
class RequestScope extends Scope implements Listed {
  prev: Listed | undefined = undefined;
  next: Listed | undefined = undefined;
  listed = false;
  /** Once the request is answered: where the scope stays while handlers watch it. */
  private lingering: Set<Scope> | undefined = undefined;

  override watch(ctx: ServerCallContext): void {
    super.watch(ctx);
    this.lingering?.add(this);
  }

  override unwatch(ctx: ServerCallContext): void {
    super.unwatch(ctx);
    if (!this.watching) this.lingering?.delete(this);
  }

  /** The answer is out: from now on, the scope is in `lingering` while a handler watches it. */
  answered(lingering: Set<Scope>): void {
    this.lingering = lingering;
    if (this.watching) lingering.add(this);
  }
}

const DEFAULT_MAX_BODY = 16 * 1024 * 1024;

/** Settings resolved once per handler. */
/**
 * A protocol's reader and writer, one each per handler: a call is decoded in one synchronous step and
 * its reply encoded in another, so they are reused (the reply's bytes are copied out).
 */
interface Codec {
  readonly protocol: Protocol;
  readonly contentType: string;
  readonly reader: ProtocolReader & ReaderInput;
  writer: ProtocolWriter & { readonly buffer: WriteBuffer };
}

interface Settings {
  readonly codecs: readonly Codec[];
  readonly bodyTimer: BodyTimer;
  readonly processor: Processor;
  readonly logger: ServerLogger;
  readonly protocols: readonly Protocol[];
  readonly path: string | undefined;
  readonly cors: Cors | undefined;
  readonly maxBodySize: number;
  readonly bodyTimeoutMs: number;
  readonly limits: ReaderLimits;
  /** Plain JSON calls at /<Service>/<method> (json-route.ts); undefined when turned off. */
  readonly json: JsonRoutes | undefined;
}

export function createHttpHandler(services: Readonly<Record<string, Registration>>, options: HttpHandlerOptions = {}): HttpHandler {
  const logger = options.logger ?? defaultLogger;
  const bodyTimeoutMs = positiveInteger(options.bodyTimeoutMs, 30_000, "bodyTimeoutMs");
  const processor = new Processor({
    services,
    ...(options.defaultService !== undefined && { defaultService: options.defaultService }),
    ...(options.interceptors !== undefined && { interceptors: options.interceptors }),
    logger,
  });
  const settings: Settings = {
    codecs: [],
    bodyTimer: new BodyTimer(bodyTimeoutMs),
    processor,
    logger,
    protocols: options.protocols ?? [BinaryProtocol, CompactProtocol, JSONProtocol],
    path: options.path,
    cors: options.cors === undefined ? undefined : new Cors(options.cors),
    maxBodySize: positiveInteger(options.maxBodySize, DEFAULT_MAX_BODY, "maxBodySize"),
    bodyTimeoutMs,
    limits: readerLimits(options),
    json: options.json === false ? undefined : new JsonRoutes(processor, options.json === true ? {} : options.json),
  };
  if (settings.protocols.length === 0) throw new Error("protocols must name at least one protocol");
  (settings as { codecs: readonly Codec[] }).codecs = settings.protocols.map((protocol) => ({
    protocol,
    contentType: contentTypeOf(protocol),
    reader: protocol.createReader(new Uint8Array(0), settings.limits),
    writer: protocol.createWriter(new WriteBuffer(1024)),
  }));
  const active = new Roster<RequestScope>();
  /** Answered requests whose handlers still watch their signals (oneway calls): the server going away aborts them too. */
  const lingering = new Set<Scope>();
  const handle = (req: RequestLike, res: ResponseLike): void => {
    const scope = new RequestScope();
    active.add(scope);
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      active.delete(scope);
      // The connection closed before the answer was out: the client went away, calls still running abort.
      if (!res.writableEnded) scope.abort(new TTransportException(TTransportExceptionType.END_OF_FILE, "the client went away"));
      else scope.answered(lingering);
    };
    // A pipelined HTTP/1.1 request queued behind another never sees its response close when the
    // connection dies (Node emits 'close' only for the response on the socket): its socket's does.
    const socket = req.httpVersionMajor === 2 ? undefined : (req.socket as Socket | null | undefined);
    if (socket) {
      const forget = whenClosed(socket, finish);
      res.once("close", () => {
        forget();
        finish();
      });
    } else {
      res.once("close", finish);
    }
    serve(settings, req, res, scope);
  };
  const handler = ((req: HttpRequest, res: HttpResponse) => handle(req as RequestLike, res as ResponseLike)) as HttpHandler;
  Object.defineProperties(handler, {
    stream: {
      value: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
        const exchange = streamExchange(stream, headers);
        handle(exchange, exchange);
      },
    },
    processor: { value: settings.processor },
    activeRequests: { get: () => active.size },
    abortAll: {
      value: (reason: unknown) => {
        for (const scope of active.snapshot()) scope.abort(reason);
        for (const scope of lingering) scope.abort(reason);
      },
    },
  });
  return handler;
}

/** Per HTTP/1.1 connection, what to run when it closes: one 'close' listener, however many requests are queued on it. */
const onClose = new WeakMap<Socket, Set<() => void>>();

/** Runs `fn` when the socket closes; returns a function that forgets it. */
function whenClosed(socket: Socket, fn: () => void): () => void {
  let pending = onClose.get(socket);
  if (pending === undefined) {
    const callbacks = new Set<() => void>();
    pending = callbacks;
    onClose.set(socket, callbacks);
    socket.once("close", () => {
      onClose.delete(socket);
      for (const callback of callbacks) callback();
    });
  }
  const callbacks = pending;
  callbacks.add(fn);
  return () => callbacks.delete(fn);
}


const PEER = Symbol("rpcgen.peer");

/** The request's peer: `address:port` of the socket (made once per connection). */
function peerOf(req: RequestLike): string | undefined {
  const socket = req.socket as { remoteAddress?: string; remotePort?: number; [PEER]?: string } | null | undefined;
  if (socket === null || socket === undefined) return undefined;
  const known = socket[PEER];
  if (known !== undefined) return known;
  const address = socket.remoteAddress;
  if (address === undefined) return undefined;
  return (socket[PEER] = `${address.includes(":") ? `[${address}]` : address}:${socket.remotePort ?? 0}`);
}

/** Certificates read per connection: every request on it shares the one its client presented. */
const certificates = new WeakMap<object, PeerCertificate | null>();

/** The certificate the client presented, over TLS (this server's, or any `node:https` / `http2` one). */
function peerCertificateOfRequest(req: RequestLike): PeerCertificate | undefined {
  const socket = req.socket as Partial<TLSSocket> | null | undefined;
  if (socket === null || socket === undefined || typeof socket.getPeerCertificate !== "function") return undefined;
  // HTTP/2's compatibility requests hand each request a proxy of the session's socket: the session is
  // what lasts (a stream exchange's socket is the session's own proxy, one per session).
  const connection: object = (req as Partial<Http2ServerRequest>).stream?.session ?? socket;
  let cert = certificates.get(connection);
  if (cert === undefined) {
    cert = peerCertificateOf(socket as TLSSocket) ?? null;
    certificates.set(connection, cert);
  }
  return cert ?? undefined;
}

function header(req: RequestLike, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

function serve(s: Settings, req: RequestLike, res: ResponseLike, scope: Scope): void {
  const origin = header(req, "origin");
  // Refusals to an allowed origin carry its CORS headers too, or its browser hides their status.
  const allowedOrigin = origin !== undefined && s.cors !== undefined && s.cors.allows(origin);
  const refusal = allowedOrigin ? s.cors!.response(origin, []) : NO_HEADERS;
  if (s.json?.claims(req) === true) {
    s.json.serve({
      req,
      res,
      scope,
      peer: peerOf(req),
      peerCertificate: peerCertificateOfRequest(req),
      cors: s.cors,
      maxBodySize: s.maxBodySize,
      maxDepth: s.limits.maxDepth,
      headers: () => requestHeaders(req),
      readBody: () => new Promise((resolve, reject) => readBody(s, req, res, refusal, (body, error) => (error !== undefined ? reject(error) : resolve(body)))),
    });
    return;
  }
  const method = req.method ?? "GET";
  // A browser shows a page nothing of a failed preflight, so preflights are answered on every path: the
  // call itself then gets the 404, which the page can read.
  if (method === "OPTIONS" && s.cors !== undefined) {
    preflight(s, req, res, origin);
    return;
  }
  if (s.path !== undefined && pathOf(req.url) !== s.path) {
    refuse(s, req, res, 404, `no Thrift service at ${pathOf(req.url)} (this server serves ${s.path})`, { ...refusal });
    return;
  }
  if (method === "OPTIONS") {
    preflight(s, req, res, origin);
    return;
  }
  if (method !== "POST") {
    refuse(s, req, res, 405, `${method} is not served here: Thrift calls are POST requests`, { ...refusal, allow: allowed(s).join(", ") });
    return;
  }
  if (origin !== undefined && s.cors !== undefined && !allowedOrigin) {
    refuse(s, req, res, 403, `origin ${origin} is not allowed`);
    return;
  }
  const declared = header(req, "content-length");
  if (declared !== undefined && Number(declared) > s.maxBodySize) {
    refuse(s, req, res, 413, `the request body of ${declared} bytes is over the limit of ${s.maxBodySize} bytes`, { ...refusal, connection: "close" });
    return;
  }
  readBody(s, req, res, refusal, (body, error) => {
    if (error !== undefined) {
      if (!res.headersSent) refuse(s, req, res, 400, `the request body could not be read: ${describe(error)}`, { ...refusal, connection: "close" });
    } else if (body !== undefined) {
      answer(s, req, res, scope, body, origin, allowedOrigin);
    }
  });
}

function pathOf(url: string | undefined): string {
  if (url === undefined) return "/";
  const q = url.indexOf("?");
  return q < 0 ? url : url.slice(0, q);
}

function allowed(s: Settings): string[] {
  return s.cors !== undefined ? ["POST", "OPTIONS"] : ["POST"];
}

function preflight(s: Settings, req: RequestLike, res: ResponseLike, origin: string | undefined): void {
  if (s.cors === undefined) {
    refuse(s, req, res, 405, "OPTIONS is not served here: CORS is not enabled on this server", { allow: allowed(s).join(", ") });
    return;
  }
  if (origin === undefined) {
    res.writeHead(204, { allow: allowed(s).join(", ") });
    res.end();
    return;
  }
  if (!s.cors.allows(origin)) {
    refuse(s, req, res, 403, `origin ${origin} is not allowed`);
    return;
  }
  const requested = header(req, "access-control-request-method");
  if (requested !== undefined && requested !== "POST") {
    refuse(s, req, res, 405, `${requested} is not served here: Thrift calls are POST requests`, { allow: allowed(s).join(", ") });
    return;
  }
  res.writeHead(204, s.cors.preflight(origin, ["POST"], header(req, "access-control-request-headers")));
  res.end();
}

/** Receives a body: the bytes, or undefined when the request was answered already (413, 408), or an error. */
type BodyCallback = (body: Uint8Array | undefined, error?: unknown) => void;

/**
 * Reads the body within the size limit and the time limit, then calls `done` (a callback, not a
 * promise: this is on every request's path). Uses a body a framework already read into bytes.
 */
function readBody(s: Settings, req: RequestLike, res: ResponseLike, refusal: Readonly<Record<string, string>>, done: BodyCallback): void {
  const preread = (req as { body?: unknown }).body;
  if (preread instanceof Uint8Array) {
    done(preread);
    return;
  }
  if (req.readableEnded) {
    done(undefined, new Error("the body was already consumed (mount the Thrift handler before body parsers, or use a raw body parser)"));
    return;
  }
  new BodyRead(s, req, res, refusal, done);
}

/** One body being read: its chunks, its deadline (held by the handler's BodyTimer), its listeners. */
class BodyRead implements BodyDeadline {
  prev: Listed | undefined = undefined;
  next: Listed | undefined = undefined;
  listed = false;
  readonly due: number;
  private readonly chunks: Uint8Array[] = [];
  private size = 0;
  private finished = false;

  constructor(
    private readonly s: Settings,
    private readonly req: RequestLike,
    private readonly res: ResponseLike,
    private readonly refusal: Readonly<Record<string, string>>,
    private readonly done: BodyCallback,
  ) {
    this.due = Date.now() + s.bodyTimeoutMs;
    s.bodyTimer.add(this);
    req.on("data", this.onData);
    req.on("end", this.onEnd);
    req.on("error", this.onError);
  }

  private readonly onData = (chunk: Uint8Array): void => {
    if (this.finished) return;
    this.size += chunk.length;
    if (this.size > this.s.maxBodySize) {
      this.finish();
      refuse(this.s, this.req, this.res, 413, `the request body is over the limit of ${this.s.maxBodySize} bytes`, { ...this.refusal, connection: "close" });
      this.req.resume(); // drop the rest; the connection closes after the answer
      this.done(undefined);
      return;
    }
    this.chunks.push(chunk);
  };

  private readonly onEnd = (): void => {
    if (this.finished) return;
    this.finish();
    const chunks = this.chunks;
    this.done(concatBytes(chunks, this.size));
  };

  private readonly onError = (error: Error): void => {
    if (this.finished) return;
    this.finish();
    this.done(undefined, error);
  };

  expire(): void {
    this.finish();
    refuse408(this.s, this.req, this.res, this.refusal);
    this.done(undefined);
  }

  private finish(): void {
    this.finished = true;
    this.s.bodyTimer.delete(this);
    this.req.off("data", this.onData);
    this.req.off("end", this.onEnd);
    this.req.off("error", this.onError);
  }
}

function refuse408(s: Settings, req: RequestLike, res: ResponseLike, refusal: Readonly<Record<string, string>>): void {
  refuse(s, req, res, 408, `the request body did not arrive within ${s.bodyTimeoutMs} ms`, { ...refusal, connection: "close" });
}

interface BodyDeadline extends Listed {
  readonly due: number;
  expire(): void;
}

/**
 * The bodies being read, held to their deadline by one coarse timer per handler rather than a timer per
 * request: a body is refused at most a quarter of the timeout late. The timer runs only while bodies are
 * being read.
 */
class BodyTimer {
  private readonly reads = new Roster<BodyDeadline>();
  private timer: ReturnType<typeof setInterval> | undefined = undefined;
  private readonly periodMs: number;

  constructor(timeoutMs: number) {
    this.periodMs = Math.max(5, Math.min(1000, Math.floor(timeoutMs / 4)));
  }

  add(read: BodyDeadline): void {
    this.reads.add(read);
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.sweep(), this.periodMs);
      this.timer.unref();
    }
  }

  delete(read: BodyDeadline): void {
    this.reads.delete(read);
  }

  private sweep(): void {
    if (this.reads.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    const now = Date.now();
    for (const read of this.reads.snapshot()) if (read.due <= now) read.expire();
  }
}


/** Answers with a plain-text error (a JSON one to a JSON request) and reports it. */
function refuse(s: Settings, req: RequestLike, res: ResponseLike, status: number, reason: string, headers: Readonly<Record<string, string>> = NO_HEADERS): void {
  s.logger({ kind: "request-rejected", peer: peerOf(req), status, reason });
  if (res.headersSent) {
    res.end();
    return;
  }
  const json = s.json?.claims(req) === true;
  const body = json ? jsonErrorBody(status, reason) : `${reason}\n`;
  const isHttp2 = (req as { httpVersionMajor?: number }).httpVersionMajor === 2;
  const out: Record<string, string> = { "content-type": json ? JSON_CONTENT_TYPE : "text/plain; charset=utf-8", "content-length": String(Buffer.byteLength(body)), ...headers };
  if (isHttp2) delete out["connection"]; // HTTP/2 has no connection header
  res.writeHead(status, out);
  res.end(body);
}

/** The codec of the protocol a body is in: the only one served, or the one its first byte tells. */
function codecOf(s: Settings, body: Uint8Array): Codec | undefined {
  const codecs = s.codecs;
  if (codecs.length === 1) return codecs[0];
  const detected = detectProtocol(body);
  if (detected === undefined) return undefined;
  for (const c of codecs) if (c.protocol.name === detected.name) return c;
  return undefined;
}

function answer(s: Settings, req: RequestLike, res: ResponseLike, scope: Scope, body: Uint8Array, origin: string | undefined, cors: boolean): void {
  const codec = codecOf(s, body);
  if (codec === undefined) {
    const refusal = cors ? s.cors!.response(origin!, []) : NO_HEADERS;
    refuse(s, req, res, 400, body.length === 0 ? "empty request body: expected a Thrift call" : `the request body is not a Thrift call in ${s.protocols.map((p) => p.name).join(", ")}`, refusal);
    return;
  }
  const processor = s.processor;
  const r = codec.reader;
  r.reset(body);
  let call: IncomingCall;
  try {
    call = processor.readCall(r);
    if (r.remaining !== 0) throw new Error(`${r.remaining} bytes follow the call`);
  } catch (error) {
    r.reset(EMPTY); // a failed decode may leave the reader mid-struct; and the body is not held
    const refusal = cors ? s.cors!.response(origin!, []) : NO_HEADERS;
    refuse(s, req, res, 400, `the request body is not one Thrift call (${codec.protocol.name}): ${describe(error)}`, refusal);
    return;
  }
  r.reset(EMPTY); // the body is not held until the next request
  const contentType = codec.contentType;
  if (call.oneway) {
    // Answered before the handler runs, as Apache's Python server does: the client waits for nothing.
    send(res, 200, contentType, undefined, cors ? s.cors!.response(origin!, []) : undefined, undefined);
  }
  if (call.method === undefined) {
    if (!call.oneway) {
      const w = fresh(codec);
      processor.writeUnknown(w, call);
      reply(s, res, call, codec, undefined, cors ? origin : undefined);
    }
    return;
  }
  const budget = header(req, DEADLINE_BUDGET_HEADER);
  const ctx = processor.context(call, {
    peer: peerOf(req),
    peerCertificate: peerCertificateOfRequest(req),
    scope,
    headers: () => requestHeaders(req),
    deadline: budget === undefined ? undefined : deadlineOf(budget, Date.now()),
  });
  const settle = (value: unknown, failed: boolean): void => {
    ctx.release();
    if (call.oneway) {
      if (failed) processor.writeError(fresh(codec), call, value, ctx); // logs; nobody waits for an answer
      return;
    }
    if (res.writableEnded || scope.abortReason !== undefined) return; // the client went away
    const w = fresh(codec);
    if (failed) processor.writeError(w, call, value, ctx);
    else processor.writeSuccess(w, call, value);
    reply(s, res, call, codec, ctx.replyHeaders, cors ? origin : undefined);
  };
  processor.run(call, ctx, settle);
}

/** Headers of the request as a `Headers` (HTTP/2 pseudo-headers left out). */
function requestHeaders(req: RequestLike): Headers {
  const headers = new Headers();
  const raw = req.headers;
  for (const name in raw) {
    if (name.charCodeAt(0) === 58) continue; // ':'
    const value = raw[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.append(name, value);
  }
  return headers;
}

const EMPTY = new Uint8Array(0);

/** No headers (a request that refusals answer without CORS headers). */
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** The codec's writer, emptied for a new message. */
function fresh(codec: Codec): ProtocolWriter {
  codec.writer.buffer.reset();
  return codec.writer;
}

/** Sends the reply the codec's writer holds (its bytes copied out: the writer is reused). */
function reply(s: Settings, res: ResponseLike, call: IncomingCall, codec: Codec, replyHeaders: Headers | undefined, origin: string | undefined): void {
  const buffer = codec.writer.buffer;
  const contentType = codec.contentType;
  // Into a Buffer from Node's pool: no ArrayBuffer of its own per reply.
  let bytes: Uint8Array = Buffer.from(buffer.finish());
  if (bytes.length > s.maxBodySize) {
    s.logger({
      kind: "result-error",
      service: call.service ?? "",
      method: call.name,
      error: new TTransportException(TTransportExceptionType.SIZE_LIMIT, `reply of ${bytes.length} bytes exceeds the maximum body size of ${s.maxBodySize} bytes`),
    });
    writeException(fresh(codec), call.name, call.seqid, new TApplicationException(TApplicationExceptionType.INTERNAL_ERROR, "Internal error"));
    bytes = Buffer.from(buffer.finish());
  }
  // A huge reply's storage is not kept for the next one.
  if (buffer.bytes.length > 1024 * 1024) codec.writer = codec.protocol.createWriter(new WriteBuffer(1024));
  send(res, 200, contentType, bytes, origin !== undefined ? s.cors!.response(origin, replyHeaders?.keys() ?? []) : undefined, replyHeaders);
}

function send(
  res: ResponseLike,
  status: number,
  contentType: string,
  body: Uint8Array | undefined,
  cors: Record<string, string> | undefined,
  extra: Headers | undefined,
): void {
  if (res.headersSent || res.writableEnded) return;
  const headers: Record<string, string | string[]> = {};
  if (extra !== undefined) {
    for (const [name, value] of extra) {
      const prev = headers[name];
      headers[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
    }
  }
  if (cors !== undefined) Object.assign(headers, cors);
  headers["content-type"] = contentType;
  headers["content-length"] = String(body?.length ?? 0);
  res.writeHead(status, headers);
  if (body === undefined) res.end();
  else res.end(body);
}
