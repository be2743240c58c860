/**
 * A ready-made HTTP server for the Thrift request handler: HTTP/1.1 with keep-alive and HTTP/2 on the
 * same port (in clear text, h2c with prior knowledge, told apart by the connection preface; over TLS,
 * by ALPN), and the same lifecycle as the TCP server: `listen()` resolves with the bound address,
 * `close()` drains gracefully, `destroy()` cuts.
 *
 * Over TLS, failed handshakes are logged as `connection-error` events saying why, and a client that
 * speaks plain HTTP to the port is answered 400 saying to use https:.
 */
import { createServer as createHttp1Server, type Server as Http1Server } from "node:http";
import {
  createSecureServer as createHttp2SecureServer,
  createServer as createHttp2Server,
  type Http2SecureServer,
  type Http2Server,
  type Http2Session,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from "node:http2";
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { TTransportException, TTransportExceptionType } from "../protocol/errors.js";
import { defaultLogger } from "../rpc/logger.js";
import type { Processor, ServerLogger } from "../rpc/processor.js";
import { servicesOf, type ServiceRegistrations } from "../rpc/registrations.js";
import type { ServiceDescriptor } from "../service.js";
import type { ListenOptions, ServerAddress } from "../stream/server.js";
import { serverTlsError } from "../tls/errors.js";
import { TlsListener, type TlsListenerHooks } from "../tls/listener.js";
import { serverTlsOptions } from "../tls/settings.js";
import { createHttpHandler, type HttpHandler, type HttpRequest, type HttpResponse } from "./handler.js";
import type { HttpServerOptions } from "./node-options.js";
import { closeOnSignals } from "../stream/signals.js";

/** An HTTP server for one service: `createHttpServer(Calc, handler, options)`. */
export function createHttpServer<H>(descriptor: ServiceDescriptor<any, H>, handler: H, options?: HttpServerOptions): HttpServer;
/** An HTTP server for several services (multiplexed names; bare names go to the default service). */
export function createHttpServer(services: ServiceRegistrations, options?: HttpServerOptions): HttpServer;
export function createHttpServer(first: ServiceDescriptor<any, any> | ServiceRegistrations, second?: unknown, third?: HttpServerOptions): HttpServer {
  const [services, options = {}] = servicesOf(first, second, third);
  return new HttpServer(createHttpHandler(services, options), options);
}

/** The HTTP/2 preface a client with prior knowledge opens with ("PRI * HTTP/2.0..."). */
const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

export class HttpServer {
  /** The request handler, to mount in a server or framework of one's own instead. */
  readonly handler: HttpHandler;
  private readonly listener: NetServer;
  private readonly http1: Http1Server | undefined = undefined;
  private readonly http2: Http2Server | Http2SecureServer | undefined;
  private readonly sockets = new Set<Socket>();
  /** HTTP/1.1 requests in flight, per connection (an idle keep-alive connection has none). */
  private readonly busy = new Map<Socket, number>();
  private readonly sessions = new Set<Http2Session>();
  /** Clear-text connections handed to HTTP/2 (never closed to make room: their streams are not counted). */
  private readonly h2Sockets = new WeakSet<Socket>();
  private readonly shutdownTimeoutMs: number;
  private readonly maxConnections: number;
  private readonly headersTimeoutMs: number;
  private readonly logger: ServerLogger;
  private closing: Promise<void> | undefined = undefined;

  constructor(handler: HttpHandler, options: HttpServerOptions = {}) {
    this.handler = handler;
    this.shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
    this.maxConnections = options.maxConnections ?? 10_000;
    this.headersTimeoutMs = options.headersTimeoutMs ?? 30_000;
    if (!Number.isInteger(this.headersTimeoutMs) || this.headersTimeoutMs < 1) throw new RangeError(`headersTimeoutMs must be a positive integer, got ${this.headersTimeoutMs}`);
    const logger = options.logger ?? defaultLogger;
    this.logger = logger;
    const serve = (req: HttpRequest, res: HttpResponse): void => {
      if ((req as { httpVersionMajor?: number }).httpVersionMajor !== 2) this.countRequest(req.socket as Socket, res);
      handler(req, res);
    };
    const keepAliveTimeout = options.keepAliveTimeoutMs ?? 5_000;
    if (options.tls !== undefined) {
      const tls = serverTlsOptions(options.tls);
      // ALPN picks h2 or http/1.1; without http2 the HTTP/2 server still answers HTTP/1.1 only.
      const secure = createHttp2SecureServer({ ...tls, allowHTTP1: true, ...(options.http2 === false && { ALPNProtocols: ["http/1.1"] }) }, serve);
      this.http2 = secure;
      secure.on("secureConnection", (socket: Socket) => this.track(socket));
      const handshakeTimeoutMs = tls.handshakeTimeout!;
      const hooks: TlsListenerHooks = {
        plain: (socket) => {
          if (!this.track(socket)) return;
          logger({ kind: "request-rejected", peer: peerOf(socket), status: 400, reason: "plain HTTP on this HTTPS port" });
          refusePlainHttp(socket, handshakeTimeoutMs);
        },
        failed: (error, socket, remote) => {
          const peer = remote.address === undefined ? undefined : `${remote.address}:${remote.port ?? 0}`;
          logger({ kind: "connection-error", peer, error: serverTlsError(error, socket, handshakeTimeoutMs) });
        },
      };
      this.listener = new TlsListener(secure, handshakeTimeoutMs, hooks, false);
    } else {
      // A request's head must arrive within headersTimeoutMs of its first byte (or of the connection, for
      // the first request), and the whole request within that plus the body timeout; Node checks both
      // on a coarse interval, here a quarter of the head's bound at most.
      const headersTimeout = this.headersTimeoutMs;
      const http1 = createHttp1Server(
        {
          keepAliveTimeout,
          headersTimeout,
          requestTimeout: headersTimeout + (options.bodyTimeoutMs ?? 30_000),
          connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(headersTimeout / 4))),
        },
        serve,
      );
      // Node starts checking those bounds when a server starts listening; this one never does (the
      // connections are handed to it), so they would never be checked: start them as if it had.
      http1.emit("listening");
      this.http1 = http1;
      // HTTP/2 through the stream API: no compatibility objects per request.
      this.http2 = options.http2 === false ? undefined : createHttp2Server();
      this.http2?.on("stream", (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => handler.stream(stream, headers));
      const h2 = this.http2;
      // noDelay: Nagle's algorithm would hold small replies back (HTTP/2 frames especially) for the peer's delayed ACK.
      this.listener = createNetServer({ noDelay: true }, (socket) => {
        if (!this.track(socket)) return;
        if (h2 === undefined) http1.emit("connection", socket);
        else route(socket, http1, h2, headersTimeout, (s) => this.h2Sockets.add(s));
      });
    }
    this.http2?.on("session", (session: Http2Session) => {
      this.sessions.add(session);
      session.once("close", () => this.sessions.delete(session));
      if (this.closing) session.close();
    });
  }

  /** Listens on a TCP port (0: any free port) and host (default: all interfaces). */
  listen(port?: number, host?: string): Promise<ServerAddress>;
  /** Listens on a TCP port and host, or on a Unix domain socket path. */
  listen(options: ListenOptions): Promise<ServerAddress>;
  listen(first?: number | ListenOptions, host?: string): Promise<ServerAddress> {
    const options: ListenOptions = typeof first === "object" ? first : { port: first ?? 0, ...(host !== undefined && { host }) };
    if (this.closing) return Promise.reject(new Error("the server is closed"));
    return new Promise<ServerAddress>((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.listener.once("error", onError);
      this.listener.listen(options, () => {
        this.listener.off("error", onError);
        resolve(this.address!);
      });
    });
  }

  /** The bound address, while listening. */
  get address(): ServerAddress | undefined {
    const a = this.listener.address();
    if (a === null) return undefined;
    if (typeof a === "string") return { path: a };
    return { host: a.address, port: a.port, family: a.family };
  }

  /** The processor behind the handler. */
  get processor(): Processor {
    return this.handler.processor;
  }

  /** Open connections. */
  get connectionCount(): number {
    return this.sockets.size;
  }

  /**
   * Graceful shutdown: stops accepting, lets requests in flight finish, closes idle keep-alive
   * connections (HTTP/2 sessions get GOAWAY) and the rest as they finish. After `timeoutMs` (default
   * `shutdownTimeoutMs`) the remaining connections are cut and their handlers' signals aborted.
   */
  close(options: { timeoutMs?: number | undefined } = {}): Promise<void> {
    if (this.closing) return this.closing;
    const timeoutMs = options.timeoutMs ?? this.shutdownTimeoutMs;
    this.closing = new Promise<void>((resolve) => {
      const force = setTimeout(() => this.cut(new TTransportException(TTransportExceptionType.END_OF_FILE, "the server shut down")), timeoutMs);
      // Resolves once every connection is gone too.
      this.listener.close(() => {
        clearTimeout(force);
        // Stops its timeout checks (it never listened: the error its callback gets says so).
        this.http1?.close(() => {});
        resolve();
      });
      for (const socket of this.sockets) if (!this.busy.has(socket)) socket.end(); // idle keep-alive connections
      for (const session of this.sessions) session.close(); // GOAWAY: streams in flight finish
    });
    return this.closing;
  }

  /** Immediate shutdown: stops accepting and cuts every connection (handlers' signals abort). */
  destroy(): Promise<void> {
    const closed = this.close({ timeoutMs: 0 });
    this.cut(new TTransportException(TTransportExceptionType.END_OF_FILE, "the server was destroyed"));
    return closed;
  }

  /**
   * Closes the server gracefully on the first of these signals (default SIGTERM and SIGINT); a second
   * signal gets the default behaviour. Returns a function that removes the handlers.
   */
  closeOnSignals(signals?: readonly NodeJS.Signals[], onClosed?: () => void): () => void {
    return closeOnSignals(() => this.close(), signals, onClosed);
  }

  private cut(reason: unknown): void {
    this.handler.abortAll(reason);
    for (const session of this.sessions) session.destroy();
    for (const socket of this.sockets) socket.destroy();
  }

  /** Counts an HTTP/1.1 request on its connection; while closing, the connection ends after its last answer. */
  private countRequest(socket: Socket, res: HttpResponse): void {
    this.busy.set(socket, (this.busy.get(socket) ?? 0) + 1);
    if (this.closing && !res.headersSent) res.setHeader("connection", "close");
    res.once("close", () => {
      const n = (this.busy.get(socket) ?? 1) - 1;
      if (n > 0) {
        this.busy.set(socket, n);
        return;
      }
      this.busy.delete(socket);
      if (this.closing) socket.end();
    });
  }

  /**
   * Takes a new connection. At `maxConnections` it closes the oldest one with no request in flight to
   * make room (slow and idle connections cannot lock new clients out), or refuses the new one when every
   * connection is busy; both are logged.
   */
  private track(socket: Socket): boolean {
    if (this.closing) {
      socket.destroy();
      return false;
    }
    const peer = peerOf(socket);
    if (this.sockets.size >= this.maxConnections && !this.makeRoom(peer)) {
      this.logger({ kind: "connection-rejected", peer, reason: `the server is at its limit of ${this.maxConnections} connections, each with requests in flight` });
      socket.destroy();
      return false;
    }
    this.sockets.add(socket);
    socket.once("close", () => {
      this.sockets.delete(socket);
      this.busy.delete(socket);
    });
    return true;
  }

  private makeRoom(peer: string | undefined): boolean {
    for (const socket of this.sockets) {
      if (this.busy.has(socket) || this.h2Sockets.has(socket) || (socket as { alpnProtocol?: string | false }).alpnProtocol === "h2") continue;
      this.logger({
        kind: "connection-rejected",
        peer: peerOf(socket),
        reason: `closed to admit ${peer ?? "a new connection"}: the server is at its limit of ${this.maxConnections} connections and this was the oldest with no request in flight`,
      });
      this.sockets.delete(socket);
      socket.destroy();
      return true;
    }
    return false;
  }
}

/**
 * Hands a clear-text connection to the HTTP/2 server when it opens with the h2 preface, else to
 * HTTP/1.1. A connection that has not said which within `timeoutMs` is closed.
 */
function route(socket: Socket, http1: Http1Server, http2: Http2Server | Http2SecureServer, timeoutMs: number, toHttp2: (socket: Socket) => void): void {
  let seen: Buffer = Buffer.alloc(0);
  const timer = setTimeout(() => socket.destroy(), timeoutMs);
  const onData = (chunk: Buffer): void => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, H2_PREFACE.length);
    const isH2 = seen.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
    if (isH2 && seen.length < H2_PREFACE.length) return; // could still be either: wait for more
    clearTimeout(timer);
    socket.off("data", onData);
    socket.off("end", onEnd);
    socket.off("close", onClose);
    socket.pause();
    socket.unshift(seen);
    // HTTP/2 takes the bytes already read itself (on its next tick); HTTP/1.1 reads them once resumed.
    if (isH2) {
      toHttp2(socket);
      http2.emit("connection", socket);
    } else {
      http1.emit("connection", socket);
      socket.resume();
    }
  };
  const onEnd = (): void => {
    socket.destroy();
  };
  const onClose = (): void => clearTimeout(timer);
  socket.on("data", onData);
  socket.on("end", onEnd);
  socket.on("close", onClose);
}

/** What a client that speaks plain HTTP to the HTTPS port is told (Go's HTTPS server answers the same way). */
export const HTTPS_REQUIRED_MESSAGE = "this port serves HTTPS: use an https:// URL";

function refusePlainHttp(socket: Socket, lingerMs: number): void {
  const body = `${HTTPS_REQUIRED_MESSAGE}\n`;
  socket.end(`HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  // What the client still sends is read and dropped until it closes (or lingers too long).
  socket.setTimeout(lingerMs, () => socket.destroy());
}

function peerOf(socket: Socket): string | undefined {
  return socket.remoteAddress === undefined ? undefined : `${socket.remoteAddress}:${socket.remotePort ?? 0}`;
}
