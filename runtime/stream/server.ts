/**
 * A server over a stream listener (a `net.Server`; a `tls.Server` is one too): serves registered
 * services through a Processor on every accepted connection (stream/server-connection.ts).
 *
 * `close()` is a graceful shutdown: stop accepting, stop reading requests, let calls in flight finish
 * and their replies go out (bounded by `shutdownTimeoutMs`), then close the connections.
 */
import type { Server as NetServer, Socket } from "node:net";
import { TTransportException, TTransportExceptionType } from "../protocol/errors.js";
import type { ServerInterceptor } from "../rpc/interceptors.js";
import { defaultLogger } from "../rpc/logger.js";
import { Processor, type Registration, type ServerLogger } from "../rpc/processor.js";
import { ServerConnection, type AcceptedConnection, type ServerConnectionSettings } from "./server-connection.js";
import { formatAddress, streamSettings, type TransportOptions } from "./settings.js";
import { closeOnSignals } from "./signals.js";

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

/**
 * Makes the listener, handing each accepted socket to `accept` (a TLS listener once the handshake is
 * done, with the client's certificate), and the server's logger for what fails before that.
 */
export type ListenerFactory = (accept: (socket: Socket, accepted?: AcceptedConnection) => void, logger: ServerLogger) => NetServer;

export class Server {
  readonly processor: Processor;
  private readonly settings: ServerConnectionSettings;
  private readonly maxConnections: number;
  private readonly shutdownTimeoutMs: number;
  private readonly listener: NetServer;
  private readonly connections = new Set<ServerConnection>();
  private closing: Promise<void> | undefined = undefined;
  private listenPath: string | undefined = undefined;
  private emptyWaiters: (() => void)[] = [];

  constructor(services: Readonly<Record<string, Registration>>, options: ServerOptions, createListener: ListenerFactory) {
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
    this.listener = createListener((socket, accepted) => this.accept(socket, accepted), logger);
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
        if ("path" in options) this.listenPath = options.path;
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
      this.listener.close(() => {
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
  closeOnSignals(signals?: readonly NodeJS.Signals[], onClosed?: () => void): () => void {
    return closeOnSignals(() => this.close(), signals, onClosed);
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

  private accept(socket: Socket, accepted?: AcceptedConnection): void {
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
    const connection = new ServerConnection(socket, peer, this.settings, () => this.removeConnection(connection), accepted);
    this.connections.add(connection);
  }
}
