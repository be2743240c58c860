/**
 * The TCP / Unix-socket server: serves registered services through a Processor on many connections.
 *
 * - Calls on one connection run concurrently; each reply carries its request's seqid. A handler that
 *   returns a plain value is answered synchronously, and every reply produced while one chunk of input
 *   is processed goes out in one socket write (later async replies are batched per tick).
 * - Bad input (garbage, oversized frames or values, truncated messages, non-call messages) closes only
 *   that connection and is reported to the logger hook.
 * - Backpressure: a connection stops being read while it has too many calls in flight or too many reply
 *   bytes the client has not taken.
 * - `close()` is a graceful shutdown: stop accepting, stop reading requests, let calls in flight finish
 *   and their replies go out (bounded by `shutdownTimeoutMs`), then close the connections.
 */
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { TApplicationException, TApplicationExceptionType } from "../protocol/errors.js";
import type { ServerInterceptor } from "../rpc/interceptors.js";
import { IncomingCall, isThenable, Processor, writeException, type Registration, type ServerEvent, type ServerLogger } from "../rpc/processor.js";
import type { CallContext, ServiceDescriptor } from "../service.js";
import { TTransportException, TTransportExceptionType } from "./errors.js";
import { formatAddress, MessageStream, streamSettings, type StreamSettings, type TransportOptions } from "./stream.js";

export interface ServerOptions extends TransportOptions {
  /** The service that serves method names without a `Service:` prefix (default: the only service, if one). */
  defaultService?: string | undefined;
  interceptors?: readonly ServerInterceptor[] | undefined;
  /** Receives handler errors (sent to clients as INTERNAL_ERROR) and bad connections. Default: console.error. */
  logger?: ServerLogger | undefined;
  /** Close connections that have had no traffic and no call in flight for this long, in ms (0: never). Default 0. */
  idleTimeoutMs?: number | undefined;
  /** Connections beyond this many are closed on accept. Default 10,000. */
  maxConnections?: number | undefined;
  /** A connection is not read while it has this many calls in flight. Default 1,024. */
  maxConcurrentCalls?: number | undefined;
  /** A connection is not read while this many reply bytes wait for the client to take them. Default 4 MiB. */
  maxPendingOutput?: number | undefined;
  /** How long `close()` lets calls in flight finish before cutting connections, in ms. Default 10,000. */
  shutdownTimeoutMs?: number | undefined;
  /** Disable Nagle's algorithm on accepted sockets. Default true. */
  noDelay?: boolean | undefined;
}

/** The bound address: TCP host and port, or the socket path. */
export type ServerAddress = { host: string; port: number; family: string } | { path: string };

export type ListenOptions = { port?: number | undefined; host?: string | undefined; backlog?: number | undefined } | { path: string; backlog?: number | undefined };

/** Registers `handler` for `descriptor`, type-checking the handler against the service. */
export function implement<H>(descriptor: ServiceDescriptor<any, H>, handler: H): Registration {
  return { descriptor: descriptor as ServiceDescriptor, handler };
}

/** Services by name (`{ Calc: implement(Calc, handler) }`), or a list named by their descriptors. */
export type ServiceRegistrations = Readonly<Record<string, Registration>> | readonly Registration[];

/** A server for one service: `createServer(Calc, handler, options)`. */
export function createServer<H>(descriptor: ServiceDescriptor<any, H>, handler: H, options?: ServerOptions): Server;
/** A server for several services (Thrift's multiplexed protocol; bare names go to the default service). */
export function createServer(services: ServiceRegistrations, options?: ServerOptions): Server;
export function createServer(
  first: ServiceDescriptor<any, any> | ServiceRegistrations,
  second?: unknown,
  third?: ServerOptions,
): Server {
  if (isDescriptor(first)) {
    return new Server({ [first.name]: implement(first, second) }, third ?? {});
  }
  const options = (second as ServerOptions | undefined) ?? {};
  if (Array.isArray(first)) {
    const services: Record<string, Registration> = {};
    for (const reg of first as readonly Registration[]) services[reg.descriptor.name] = reg;
    return new Server(services, options);
  }
  return new Server(first as Readonly<Record<string, Registration>>, options);
}

function isDescriptor(value: unknown): value is ServiceDescriptor<any, any> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as ServiceDescriptor).createClient === "function" &&
    typeof (value as ServiceDescriptor).methods === "object"
  );
}

function defaultLogger(event: ServerEvent): void {
  switch (event.kind) {
    case "connection-rejected":
      console.error(`rpcgen server: connection from ${event.peer ?? "?"} rejected: ${event.reason}`);
      break;
    case "connection-error":
      console.error(`rpcgen server: closed connection from ${event.peer ?? "?"}:`, describe(event.error));
      break;
    default:
      console.error(`rpcgen server: ${event.kind} in ${event.service}.${event.method}:`, event.error);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

interface ServerSettings {
  readonly stream: StreamSettings;
  readonly processor: Processor;
  readonly logger: ServerLogger;
  readonly idleTimeoutMs: number;
  readonly maxConcurrentCalls: number;
  readonly maxPendingOutput: number;
  readonly noDelay: boolean;
}

export class Server {
  readonly processor: Processor;
  private readonly settings: ServerSettings;
  private readonly maxConnections: number;
  private readonly shutdownTimeoutMs: number;
  private readonly net: NetServer;
  private readonly connections = new Set<ServerConnection>();
  private closing: Promise<void> | undefined = undefined;
  private listenPath: string | undefined = undefined;
  private emptyWaiters: (() => void)[] = [];

  constructor(services: Readonly<Record<string, Registration>>, options: ServerOptions = {}) {
    const logger = options.logger ?? defaultLogger;
    this.processor = new Processor({
      services,
      ...(options.defaultService !== undefined && { defaultService: options.defaultService }),
      ...(options.interceptors !== undefined && { interceptors: options.interceptors }),
      logger,
    });
    this.settings = {
      stream: streamSettings(options),
      processor: this.processor,
      logger,
      idleTimeoutMs: options.idleTimeoutMs ?? 0,
      maxConcurrentCalls: options.maxConcurrentCalls ?? 1024,
      maxPendingOutput: options.maxPendingOutput ?? 4 * 1024 * 1024,
      noDelay: options.noDelay ?? true,
    };
    this.maxConnections = options.maxConnections ?? 10_000;
    this.shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
    // Half-open: a client may end its side after its last request and still get the replies.
    this.net = createNetServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
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
      this.net.once("error", onError);
      this.net.listen(options, () => {
        this.net.off("error", onError);
        if ("path" in options) this.listenPath = options.path;
        resolve(this.address!);
      });
    });
  }

  /** The bound address, while listening. */
  get address(): ServerAddress | undefined {
    const a = this.net.address();
    if (a === null) return undefined;
    if (typeof a === "string") return { path: a };
    return { host: a.address, port: a.port, family: a.family };
  }

  /** Open connections. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Graceful shutdown: stops accepting, stops reading new requests, lets calls in flight finish and
   * their replies go out, and closes each connection as it becomes idle. After `timeoutMs` (default
   * `shutdownTimeoutMs`) the remaining connections are cut and their handlers' signals aborted.
   */
  close(options: { timeoutMs?: number | undefined } = {}): Promise<void> {
    if (this.closing) return this.closing;
    const timeoutMs = options.timeoutMs ?? this.shutdownTimeoutMs;
    this.closing = new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        const reason = new TTransportException(TTransportExceptionType.END_OF_FILE, "the server shut down");
        for (const c of this.connections) c.kill(reason);
      }, timeoutMs);
      // net.Server's callback can come before the sockets' 'close' events: wait for both.
      this.net.close(() => {
        this.whenEmpty(() => {
          clearTimeout(force);
          resolve();
        });
      });
      for (const c of this.connections) c.drain();
    });
    return this.closing;
  }

  /** Immediate shutdown: stops accepting and cuts every connection (handlers' signals abort). */
  destroy(): Promise<void> {
    const closed = this.close({ timeoutMs: 0 });
    const reason = new TTransportException(TTransportExceptionType.END_OF_FILE, "the server was destroyed");
    for (const c of this.connections) c.kill(reason);
    return closed;
  }

  /**
   * Closes the server gracefully on the first of these signals (default SIGTERM and SIGINT); a second
   * signal gets the default behaviour. Returns a function that removes the handlers.
   */
  closeOnSignals(signals: readonly NodeJS.Signals[] = ["SIGTERM", "SIGINT"], onClosed?: () => void): () => void {
    const remove = (): void => {
      for (const s of signals) process.off(s, handler);
    };
    const handler = (): void => {
      remove();
      void this.close().then(onClosed);
    };
    for (const s of signals) process.on(s, handler);
    return remove;
  }

  private whenEmpty(callback: () => void): void {
    if (this.connections.size === 0) callback();
    else this.emptyWaiters.push(callback);
  }

  private removeConnection(connection: ServerConnection): void {
    this.connections.delete(connection);
    if (this.connections.size === 0 && this.emptyWaiters.length > 0) {
      const waiters = this.emptyWaiters;
      this.emptyWaiters = [];
      for (const w of waiters) w();
    }
  }

  private accept(socket: Socket): void {
    const peer = socket.remoteAddress !== undefined ? formatAddress(socket.remoteAddress, socket.remotePort) : (this.listenPath ?? "unix");
    if (this.closing) {
      socket.destroy();
      return;
    }
    if (this.connections.size >= this.maxConnections) {
      this.settings.logger({ kind: "connection-rejected", peer, reason: `over the limit of ${this.maxConnections} connections` });
      socket.destroy();
      return;
    }
    const connection = new ServerConnection(socket, peer, this.settings, () => this.removeConnection(connection));
    this.connections.add(connection);
  }
}

/**
 * A handler's context. Its signal is the call's own, made on first use (calls that never look at it cost
 * nothing), and aborted when the client goes away or a shutdown's grace period ends. A per-call signal
 * keeps listeners that handlers add from piling up on a long-lived connection.
 */
class HandlerContext implements CallContext {
  private controller: AbortController | undefined = undefined;
  private done = false;

  constructor(
    readonly service: string,
    readonly method: string,
    readonly peer: string,
    private readonly connection: ServerConnection,
  ) {}

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      const reason = this.connection.abortReason;
      if (reason !== undefined) this.controller.abort(reason);
      else if (!this.done) this.connection.watch(this);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    this.controller?.abort(reason);
  }

  /** The call is over: stop watching the connection. */
  release(): void {
    this.done = true;
    if (this.controller !== undefined) this.connection.unwatch(this);
  }
}

/** One accepted socket. */
class ServerConnection {
  private readonly socket: Socket;
  private readonly peer: string;
  private readonly settings: ServerSettings;
  private readonly processor: Processor;
  private readonly stream: MessageStream;
  /** Contexts whose signal a handler asked for, while their calls run. */
  private readonly watched = new Set<HandlerContext>();
  /** Why the connection ended, once it has. */
  abortReason: unknown = undefined;
  private inFlight = 0;
  private closed = false;
  private draining = false;
  private paused = false;
  private waitingForDrain = false;
  private flushScheduled = false;
  private readonly flushNow = (): void => this.flush();

  constructor(socket: Socket, peer: string, settings: ServerSettings, onClose: () => void) {
    this.socket = socket;
    this.peer = peer;
    this.settings = settings;
    this.processor = settings.processor;
    this.stream = new MessageStream(settings.stream, (bytes, start, end) => this.onMessage(bytes, start, end));
    if (settings.noDelay) socket.setNoDelay(true);
    if (settings.idleTimeoutMs > 0) {
      // Not setTimeout's callback argument: that listens once, and a busy connection must be checked again.
      socket.setTimeout(settings.idleTimeoutMs);
      socket.on("timeout", () => {
        if (this.inFlight === 0) this.kill(new TTransportException(TTransportExceptionType.TIMED_OUT, "idle timeout"));
      });
    }
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("drain", () => {
      this.waitingForDrain = false;
      this.updateFlow();
    });
    socket.on("error", () => {
      // Resets and the like: 'close' follows and does the cleanup.
    });
    socket.on("end", () => {
      // The client sent its last byte. TCP cannot tell "went away" from "done sending", so the calls in
      // flight see their signals abort, but replies of handlers that finish anyway are still sent (a
      // client that half-closed gets them); then our side ends too.
      if (this.closed) return;
      const partial = this.stream.decoder.partial;
      if (partial > 0 && !this.draining) {
        this.reject(new TTransportException(TTransportExceptionType.END_OF_FILE, `connection closed in the middle of a message (${partial} bytes received)`));
        return;
      }
      this.draining = true;
      this.abortAll(new TTransportException(TTransportExceptionType.END_OF_FILE, "the client went away"));
      if (this.inFlight === 0) this.finishDrain();
    });
    socket.on("close", () => {
      const partial = this.stream.decoder.partial;
      if (!this.closed && !this.draining && partial > 0) {
        this.settings.logger({
          kind: "connection-error",
          peer,
          error: new TTransportException(TTransportExceptionType.END_OF_FILE, `connection closed in the middle of a message (${partial} bytes received)`),
        });
      }
      this.closed = true;
      this.abortAll(new TTransportException(TTransportExceptionType.END_OF_FILE, "the client went away"));
      this.stream.decoder.reset();
      onClose();
    });
  }

  private onData(chunk: Buffer): void {
    if (this.closed || this.draining) return;
    try {
      this.stream.decoder.push(chunk);
    } catch (error) {
      this.reject(error);
      return;
    }
    this.flush();
    this.updateFlow();
  }

  /** Handles one request; throwing closes the connection. */
  private onMessage(bytes: Uint8Array, start: number, end: number): void {
    if (this.closed || this.draining) return;
    const processor = this.processor;
    const call = processor.readCall(this.stream.load(bytes, start, end));
    if (call.method === undefined) {
      this.writeReply(call, undefined, UNKNOWN);
      return;
    }
    const ctx = new HandlerContext(call.service!, call.name, this.peer, this);
    let result: unknown;
    try {
      result = processor.invoke(call, ctx);
    } catch (error) {
      ctx.release();
      this.writeReply(call, error, FAILED);
      return;
    }
    if (isThenable(result)) {
      this.inFlight++;
      result.then(
        (value) => this.settle(call, ctx, value, SUCCEEDED),
        (error: unknown) => this.settle(call, ctx, error, FAILED),
      );
      return;
    }
    ctx.release();
    this.writeReply(call, result, SUCCEEDED);
  }

  watch(ctx: HandlerContext): void {
    this.watched.add(ctx);
  }

  unwatch(ctx: HandlerContext): void {
    this.watched.delete(ctx);
  }

  private abortAll(reason: unknown): void {
    if (this.abortReason !== undefined) return;
    this.abortReason = reason;
    if (this.watched.size === 0) return;
    const contexts = [...this.watched];
    this.watched.clear();
    for (const ctx of contexts) ctx.abort(reason);
  }

  private settle(call: IncomingCall, ctx: HandlerContext, value: unknown, how: number): void {
    ctx.release();
    this.inFlight--;
    if (this.closed) return;
    this.writeReply(call, value, how);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushNow);
    }
    if (this.draining) {
      if (this.inFlight === 0) this.finishDrain();
    } else if (this.paused) {
      this.updateFlow();
    }
  }

  private writeReply(call: IncomingCall, value: unknown, how: number): void {
    const out = this.stream.output;
    const processor = this.processor;
    if (call.oneway) {
      if (how === FAILED) processor.writeError(out.writer, call, value); // logs; oneway calls get no reply
      return;
    }
    const mark = out.begin();
    if (how === SUCCEEDED) processor.writeSuccess(out.writer, call, value);
    else if (how === FAILED) processor.writeError(out.writer, call, value);
    else processor.writeUnknown(out.writer, call);
    const size = out.end(mark);
    if (size > this.settings.stream.maxFrameSize) {
      out.abort(mark);
      this.settings.logger({
        kind: "result-error",
        service: call.service ?? "",
        method: call.name,
        error: new TTransportException(
          TTransportExceptionType.SIZE_LIMIT,
          `reply of ${size} bytes exceeds the maximum frame size of ${this.settings.stream.maxFrameSize} bytes`,
        ),
      });
      const again = out.begin();
      writeException(out.writer, call.name, call.seqid, new TApplicationException(TApplicationExceptionType.INTERNAL_ERROR, "Internal error"));
      out.end(again);
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const out = this.stream.output;
    if (out.length === 0 || this.closed) return;
    if (!out.flushTo(this.socket)) this.waitingForDrain = this.socket.writableLength > this.settings.maxPendingOutput;
    else this.waitingForDrain = false;
  }

  /** Pauses reading while too much is in flight or unsent; resumes when it clears. */
  private updateFlow(): void {
    if (this.closed || this.draining) return;
    const stop = this.inFlight >= this.settings.maxConcurrentCalls || this.waitingForDrain;
    if (stop !== this.paused) {
      this.paused = stop;
      if (stop) this.socket.pause();
      else this.socket.resume();
    }
  }

  /** Bad input: report it and cut the connection (replies already produced are sent first). */
  private reject(error: unknown): void {
    if (this.closed) return;
    this.settings.logger({ kind: "connection-error", peer: this.peer, error });
    this.flush();
    this.kill(new TTransportException(TTransportExceptionType.CORRUPTED_DATA, "the connection was closed after bad input"));
  }

  /** Graceful shutdown of this connection: no new requests; close once the calls in flight are answered. */
  drain(): void {
    if (this.closed || this.draining) return;
    this.draining = true;
    this.socket.pause();
    if (this.inFlight === 0) this.finishDrain();
  }

  private finishDrain(): void {
    this.flush();
    // Read again (requests are ignored now) so the client's end of the stream is seen and the socket closes.
    this.socket.resume();
    if (!this.socket.writableEnded) this.socket.end();
  }

  /** Cuts the connection now; handlers still running see their signal abort with `reason`. */
  kill(reason: unknown): void {
    this.abortAll(reason);
    this.closed = true;
    this.socket.destroy();
  }
}

const SUCCEEDED = 0;
const FAILED = 1;
const UNKNOWN = 2;
