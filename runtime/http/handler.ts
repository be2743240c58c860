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
 * Call headers are the HTTP headers; `Deadline-Budget` sets the call's deadline; headers a handler sets
 * on `ctx.responseHeaders` go out with the reply. Over HTTPS, the certificate the client presented is
 * `ctx.peerCertificate`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { TLSSocket } from "node:tls";
import { BinaryProtocol } from "../protocol/binary.js";
import { CompactProtocol } from "../protocol/compact.js";
import { TApplicationException, TApplicationExceptionType, TTransportException, TTransportExceptionType } from "../protocol/errors.js";
import { JSONProtocol } from "../protocol/json.js";
import type { Protocol, ReaderLimits } from "../protocol/protocol.js";
import { DEFAULT_READER_LIMITS } from "../protocol/protocol.js";
import { WriteBuffer } from "../protocol/write-buffer.js";
import { Scope } from "../rpc/context.js";
import { DEADLINE_BUDGET_HEADER, deadlineOf } from "../rpc/headers.js";
import { defaultLogger, describe } from "../rpc/logger.js";
import { isThenable, Processor, writeException, type IncomingCall, type Registration, type ServerLogger } from "../rpc/processor.js";
import type { PeerCertificate } from "../service.js";
import { peerCertificateOf } from "../tls/identity.js";
import { contentTypeOf, detectProtocol } from "./content-type.js";
import { Cors } from "./cors.js";
import type { HttpHandlerOptions } from "./options.js";

export type HttpRequest = IncomingMessage | Http2ServerRequest;
export type HttpResponse = ServerResponse | Http2ServerResponse;

/** A Node request handler serving Thrift calls. */
export interface HttpHandler {
  (req: HttpRequest, res: HttpResponse): void;
  /** The processor behind it (its services, interceptors and logger). */
  readonly processor: Processor;
  /** Requests being answered now. */
  readonly activeRequests: number;
  /** Aborts the handlers' signals of every request in flight (the server is going away). */
  abortAll(reason: unknown): void;
}

const DEFAULT_MAX_BODY = 16 * 1024 * 1024;

/** Settings resolved once per handler. */
interface Settings {
  readonly processor: Processor;
  readonly logger: ServerLogger;
  readonly protocols: readonly Protocol[];
  readonly path: string | undefined;
  readonly cors: Cors | undefined;
  readonly maxBodySize: number;
  readonly bodyTimeoutMs: number;
  readonly limits: ReaderLimits;
}

export function createHttpHandler(services: Readonly<Record<string, Registration>>, options: HttpHandlerOptions = {}): HttpHandler {
  const logger = options.logger ?? defaultLogger;
  const settings: Settings = {
    processor: new Processor({
      services,
      ...(options.defaultService !== undefined && { defaultService: options.defaultService }),
      ...(options.interceptors !== undefined && { interceptors: options.interceptors }),
      logger,
    }),
    logger,
    protocols: options.protocols ?? [BinaryProtocol, CompactProtocol, JSONProtocol],
    path: options.path,
    cors: options.cors === undefined ? undefined : new Cors(options.cors),
    maxBodySize: positive(options.maxBodySize, DEFAULT_MAX_BODY, "maxBodySize"),
    bodyTimeoutMs: positive(options.bodyTimeoutMs, 30_000, "bodyTimeoutMs"),
    limits: {
      maxStringLength: positive(options.maxStringLength, DEFAULT_READER_LIMITS.maxStringLength, "maxStringLength"),
      maxContainerElements: positive(options.maxContainerElements, DEFAULT_READER_LIMITS.maxContainerElements, "maxContainerElements"),
      maxDepth: positive(options.maxDepth, DEFAULT_READER_LIMITS.maxDepth, "maxDepth"),
    },
  };
  if (settings.protocols.length === 0) throw new Error("protocols must name at least one protocol");
  const active = new Set<Scope>();
  const handler = ((req: HttpRequest, res: HttpResponse) => {
    const scope = new Scope();
    active.add(scope);
    res.once("close", () => {
      active.delete(scope);
      // The client went away before its answer (or the answer is out): calls still running abort.
      scope.abort(new TTransportException(TTransportExceptionType.END_OF_FILE, "the client went away"));
    });
    serve(settings, req, res, scope);
  }) as HttpHandler;
  Object.defineProperties(handler, {
    processor: { value: settings.processor },
    activeRequests: { get: () => active.size },
    abortAll: {
      value: (reason: unknown) => {
        for (const scope of active) scope.abort(reason);
      },
    },
  });
  return handler;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value > 0) || !Number.isInteger(value)) throw new Error(`${name} must be a positive integer, got ${value}`);
  return value;
}

/** The request's peer: `address:port` of the socket. */
function peerOf(req: HttpRequest): string | undefined {
  const socket = req.socket as { remoteAddress?: string; remotePort?: number } | undefined;
  const address = socket?.remoteAddress;
  if (address === undefined) return undefined;
  return `${address.includes(":") ? `[${address}]` : address}:${socket?.remotePort ?? 0}`;
}

/** Certificates read per connection: every request on it shares the one its client presented. */
const certificates = new WeakMap<object, PeerCertificate | null>();

/** The certificate the client presented, over TLS (this server's, or any `node:https` / `http2` one). */
function peerCertificateOfRequest(req: HttpRequest): PeerCertificate | undefined {
  const socket = req.socket as Partial<TLSSocket> | undefined;
  if (socket === undefined || typeof socket.getPeerCertificate !== "function") return undefined;
  // HTTP/2 hands each request a proxy of the session's socket: the session is what lasts.
  const connection: object = (req as Partial<Http2ServerRequest>).stream?.session ?? socket;
  let cert = certificates.get(connection);
  if (cert === undefined) {
    cert = peerCertificateOf(socket as TLSSocket) ?? null;
    certificates.set(connection, cert);
  }
  return cert ?? undefined;
}

function header(req: HttpRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

function serve(s: Settings, req: HttpRequest, res: HttpResponse, scope: Scope): void {
  const origin = header(req, "origin");
  const method = req.method ?? "GET";
  if (s.path !== undefined && pathOf(req.url) !== s.path) {
    refuse(s, req, res, 404, `no Thrift service at ${pathOf(req.url)} (this server serves ${s.path})`);
    return;
  }
  if (method === "OPTIONS") {
    preflight(s, req, res, origin);
    return;
  }
  if (method !== "POST") {
    refuse(s, req, res, 405, `${method} is not served here: Thrift calls are POST requests`, { allow: allowed(s).join(", ") });
    return;
  }
  let cors: Record<string, string> | undefined;
  if (origin !== undefined && s.cors !== undefined) {
    if (!s.cors.allows(origin)) {
      refuse(s, req, res, 403, `origin ${origin} is not allowed`);
      return;
    }
    cors = {};
  }
  const declared = header(req, "content-length");
  if (declared !== undefined && Number(declared) > s.maxBodySize) {
    refuse(s, req, res, 413, `the request body of ${declared} bytes is over the limit of ${s.maxBodySize} bytes`, { connection: "close" });
    return;
  }
  readBody(s, req, res).then(
    (body) => {
      if (body !== undefined) answer(s, req, res, scope, body, origin, cors !== undefined);
    },
    (error: unknown) => {
      if (!res.headersSent) refuse(s, req, res, 400, `the request body could not be read: ${describe(error)}`, { connection: "close" });
    },
  );
}

function pathOf(url: string | undefined): string {
  if (url === undefined) return "/";
  const q = url.indexOf("?");
  return q < 0 ? url : url.slice(0, q);
}

function allowed(s: Settings): string[] {
  return s.cors !== undefined ? ["POST", "OPTIONS"] : ["POST"];
}

function preflight(s: Settings, req: HttpRequest, res: HttpResponse, origin: string | undefined): void {
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

/**
 * Reads the body within the size limit and the time limit. Resolves with undefined when it answered
 * the request itself (413, 408). Uses a body a framework already read into bytes (`req.body`).
 */
function readBody(s: Settings, req: HttpRequest, res: HttpResponse): Promise<Uint8Array | undefined> {
  const preread = (req as { body?: unknown }).body;
  if (preread instanceof Uint8Array) return Promise.resolve(preread);
  if (req.readableEnded) {
    return Promise.reject(new Error("the body was already consumed (mount the Thrift handler before body parsers, or use a raw body parser)"));
  }
  return new Promise<Uint8Array | undefined>((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    let done = false;
    const finish = (): void => {
      done = true;
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
    };
    const timer = setTimeout(() => {
      finish();
      refuse408(s, req, res);
      resolve(undefined);
    }, s.bodyTimeoutMs);
    const onData = (chunk: Uint8Array): void => {
      if (done) return;
      size += chunk.length;
      if (size > s.maxBodySize) {
        finish();
        refuse(s, req, res, 413, `the request body is over the limit of ${s.maxBodySize} bytes`, { connection: "close" });
        req.resume(); // drop the rest; the connection closes after the answer
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      if (done) return;
      finish();
      resolve(chunks.length === 1 ? chunks[0]! : concat(chunks, size));
    };
    const onError = (error: Error): void => {
      if (done) return;
      finish();
      reject(error);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
}

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function refuse408(s: Settings, req: HttpRequest, res: HttpResponse): void {
  refuse(s, req, res, 408, `the request body did not arrive within ${s.bodyTimeoutMs} ms`, { connection: "close" });
}

/** Answers with a plain-text error and reports it. */
function refuse(s: Settings, req: HttpRequest, res: HttpResponse, status: number, reason: string, headers: Record<string, string> = {}): void {
  s.logger({ kind: "request-rejected", peer: peerOf(req), status, reason });
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = `${reason}\n`;
  const isHttp2 = (req as { httpVersionMajor?: number }).httpVersionMajor === 2;
  if (isHttp2) delete headers["connection"]; // HTTP/2 has no connection header
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "content-length": String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

function protocolOf(s: Settings, body: Uint8Array): Protocol | undefined {
  if (s.protocols.length === 1) return s.protocols[0];
  const detected = detectProtocol(body);
  return detected !== undefined && s.protocols.some((p) => p.name === detected.name) ? s.protocols.find((p) => p.name === detected.name) : undefined;
}

function answer(s: Settings, req: HttpRequest, res: HttpResponse, scope: Scope, body: Uint8Array, origin: string | undefined, cors: boolean): void {
  const protocol = protocolOf(s, body);
  if (protocol === undefined) {
    refuse(s, req, res, 400, body.length === 0 ? "empty request body: expected a Thrift call" : `the request body is not a Thrift call in ${s.protocols.map((p) => p.name).join(", ")}`);
    return;
  }
  const processor = s.processor;
  const r = protocol.createReader(body, s.limits);
  let call: IncomingCall;
  try {
    call = processor.readCall(r);
    if (r.remaining !== 0) throw new Error(`${r.remaining} bytes follow the call`);
  } catch (error) {
    refuse(s, req, res, 400, `the request body is not one Thrift call (${protocol.name}): ${describe(error)}`);
    return;
  }
  const contentType = contentTypeOf(protocol);
  if (call.oneway) {
    // Answered before the handler runs, as Apache's Python server does: the client waits for nothing.
    send(res, 200, contentType, undefined, cors ? s.cors!.response(origin!, []) : undefined, undefined);
  }
  const w = protocol.createWriter(new WriteBuffer(256));
  if (call.method === undefined) {
    if (!call.oneway) {
      processor.writeUnknown(w, call);
      reply(s, res, call, w.buffer, contentType, undefined, cors ? origin : undefined);
    }
    return;
  }
  const headers = requestHeaders(req);
  const ctx = processor.context(call, {
    peer: peerOf(req),
    peerCertificate: peerCertificateOfRequest(req),
    scope,
    headers,
    deadline: deadlineOf(headers.get(DEADLINE_BUDGET_HEADER), Date.now()),
  });
  const settle = (value: unknown, failed: boolean): void => {
    ctx.release();
    if (call.oneway) {
      if (failed) processor.writeError(w, call, value, ctx); // logs; nobody waits for an answer
      return;
    }
    if (res.writableEnded || scope.abortReason !== undefined) return; // the client went away
    if (failed) processor.writeError(w, call, value, ctx);
    else processor.writeSuccess(w, call, value);
    reply(s, res, call, w.buffer, contentType, ctx.replyHeaders, cors ? origin : undefined);
  };
  let result: unknown;
  try {
    result = processor.invoke(call, ctx);
  } catch (error) {
    settle(error, true);
    return;
  }
  if (isThenable(result)) {
    result.then(
      (value) => settle(value, false),
      (error: unknown) => settle(error, true),
    );
  } else {
    settle(result, false);
  }
}

/** Headers of the request as a `Headers` (HTTP/2 pseudo-headers left out). */
function requestHeaders(req: HttpRequest): Headers {
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

function reply(
  s: Settings,
  res: HttpResponse,
  call: IncomingCall,
  buffer: WriteBuffer,
  contentType: string,
  replyHeaders: Headers | undefined,
  origin: string | undefined,
): void {
  let bytes = buffer.finish();
  if (bytes.length > s.maxBodySize) {
    s.logger({
      kind: "result-error",
      service: call.service ?? "",
      method: call.name,
      error: new TTransportException(TTransportExceptionType.SIZE_LIMIT, `reply of ${bytes.length} bytes exceeds the maximum body size of ${s.maxBodySize} bytes`),
    });
    buffer.reset();
    const w = s.protocols.find((p) => contentTypeOf(p) === contentType) ?? BinaryProtocol;
    const writer = w.createWriter(buffer);
    writeException(writer, call.name, call.seqid, new TApplicationException(TApplicationExceptionType.INTERNAL_ERROR, "Internal error"));
    bytes = buffer.finish();
  }
  send(res, 200, contentType, bytes, origin !== undefined ? s.cors!.response(origin, replyHeaders?.keys() ?? []) : undefined, replyHeaders);
}

function send(
  res: HttpResponse,
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
