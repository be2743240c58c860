/**
 * A server over a stream listener (a `net.Server`; a `tls.Server` is one too): serves registered
 * services through a Processor on every accepted connection (stream/server-connection.ts).
 *
 * `close()` is a graceful shutdown: stop accepting, stop reading requests, let calls in flight finish
 * and their replies go out (bounded by `shutdownTimeoutMs`), then close the connections.
 *
 * Hostile or broken clients cannot lock others out (the defaults are in SERVER_DEFAULTS, and the
 * README says why each is what it is):
 * - one sweep timer per server checks every connection's frame and idle timeouts;
 * - at `maxConnections`, a new connection is admitted by closing the least recently active one that has
 *   nothing in flight (a slow or idle one, typically); only when every connection is busy is the new
 *   one refused;
 * - `maxConnectionsPerAddress` (off by default: clients behind one NAT share an address) caps what a
 *   single remote address may hold.
 */
import type { Server as NetServer, Socket } from "node:net";
import { TTransportException, TTransportExceptionType } from "../protocol/errors.js";
import type { ServerInterceptor } from "../rpc/interceptors.js";
import { defaultLogger } from "../rpc/logger.js";
import { Processor, type Registration, type ServerLogger } from "../rpc/processor.js";
import { type AcceptedConnection, type ConnectionHost, ServerConnection, type ServerConnectionSettings } from "./server-connection.js";
import { formatAddress, streamSettings, type TransportOptions } from "./settings.js";
import { closeOnSignals } from "./signals.js";

export interface ServerOptions extends TransportOptions {
  /** The service that serves method names without a `Service:` prefix (default: the only service, if one). */
  defaultService?: string | undefined;
  interceptors?: readonly ServerInterceptor[] | undefined;
  /** Receives handler errors (sent to clients as INTERNAL_ERROR) and bad connections. Default: console.error. */
  logger?: ServerLogger | undefined;
  /**
   * Once a message has started arriving, it must be complete within this many ms; replies must be taken
   * by the client within it too (0: no limit). Default 30,000.
   */
  frameTimeoutMs?: number | undefined;
  /** Close connections that have had no traffic and no call in flight for this long, in ms (0: never). Default 120,000. */
  idleTimeoutMs?: number | undefined;
  /**
   * Most connections at once. Past it, a new connection closes the least recently active connection
   * that has no call in flight, or is refused when there is none. Default 10,000.
   */
  maxConnections?: number | undefined;
  /** Most connections from one remote address (0: no limit). Default 0. */
  maxConnectionsPerAddress?: number | undefined;
  /** A connection is not read while it has this many calls in flight. Default 1,024. */
  maxConcurrentCalls?: number | undefined;
  /** A connection is not read while this many reply bytes wait for the client to take them. Default 4 MiB. */
  maxPendingOutput?: number | undefined;
  /** How long `close()` lets calls in flight finish before cutting connections, in ms. Default 10,000. */
  shutdownTimeoutMs?: number | undefined;
  /** Disable Nagle's algorithm on accepted sockets. Default true. */
  noDelay?: boolean | undefined;
}

/** The defaults of the server's limits and timeouts (README, "Safe defaults", says why). */
export const SERVER_DEFAULTS = Object.freeze({
  frameTimeoutMs: 30_000,
  idleTimeoutMs: 120_000,
  maxConnections: 10_000,
  maxConnectionsPerAddress: 0,
  maxConcurrentCalls: 1024,
  maxPendingOutput: 4 * 1024 * 1024,
  shutdownTimeoutMs: 10_000,
});

/** The sweep runs this often, at most: a timeout fires up to this late. */
const MAX_SWEEP_INTERVAL_MS = 1000;
const MIN_SWEEP_INTERVAL_MS = 10;

/** The bound address: TCP host and port, or the socket path. */
export type ServerAddress = { host: string; port: number; family: string } | { path: string };

export type ListenOptions = { port?: number | undefined; host?: string | undefined; backlog?: number | undefined } | { path: string; backlog?: number | undefined };

/**
 * Makes the listener, handing each accepted socket to `accept` (a TLS listener once the handshake is
 * done, with the client's certificate), and the server's logger for what fails before that.
 */
export type ListenerFactory = (accept: (socket: Socket, accepted?: AcceptedConnection) => void, logger: ServerLogger) => NetServer;

export class Server implements ConnectionHost {
  readonly processor: Processor;
  private readonly settings: ServerConnectionSettings;
  private readonly maxConnections: number;
  private readonly maxConnectionsPerAddress: number;
  private readonly shutdownTimeoutMs: number;
  private readonly listener: NetServer;
  /** Open connections, least recently active first (a connection moves to the back as it completes messages). */
  private readonly connections = new Set<ServerConnection>();
  /** Connections per remote address, when they are capped. */
  private readonly perAddress = new Map<string, number>();
  private readonly addresses = new Map<ServerConnection, string>();
  private sweepTimer: ReturnType<typeof setInterval> | undefined = undefined;
  private sweepCount = 0;
  private readonly sweepIntervalMs: number;
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
    const d = SERVER_DEFAULTS;
    this.settings = {
      stream: streamSettings(options),
      processor: this.processor,
      logger,
      frameTimeoutMs: atLeast(0, options.frameTimeoutMs, d.frameTimeoutMs, "frameTimeoutMs"),
      idleTimeoutMs: atLeast(0, options.idleTimeoutMs, d.idleTimeoutMs, "idleTimeoutMs"),
      maxConcurrentCalls: atLeast(1, options.maxConcurrentCalls, d.maxConcurrentCalls, "maxConcurrentCalls"),
      maxPendingOutput: atLeast(1, options.maxPendingOutput, d.maxPendingOutput, "maxPendingOutput"),
      noDelay: options.noDelay ?? true,
    };
    this.maxConnections = atLeast(1, options.maxConnections, d.maxConnections, "maxConnections");
    this.maxConnectionsPerAddress = atLeast(0, options.maxConnectionsPerAddress, d.maxConnectionsPerAddress, "maxConnectionsPerAddress");
    this.shutdownTimeoutMs = atLeast(0, options.shutdownTimeoutMs, d.shutdownTimeoutMs, "shutdownTimeoutMs");
    // A quarter of the shortest timeout, so each fires at most a quarter late (and at most a second late).
    const timeouts = [this.settings.frameTimeoutMs, this.settings.idleTimeoutMs].filter((t) => t > 0);
    this.sweepIntervalMs = Math.max(MIN_SWEEP_INTERVAL_MS, Math.min(MAX_SWEEP_INTERVAL_MS, ...timeouts.map((t) => Math.floor(t / 4))));
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

  // ConnectionHost

  get sweeps(): number {
    return this.sweepCount;
  }

  active(connection: ServerConnection): void {
    // Re-inserting moves it to the back: the Set's order is the eviction order.
    this.connections.delete(connection);
    this.connections.add(connection);
  }

  closed(connection: ServerConnection): void {
    this.removeConnection(connection);
  }

  private sweep(): void {
    this.sweepCount++;
    const now = Date.now();
    for (const c of this.connections) c.sweep(now);
  }

  private whenEmpty(callback: () => void): void {
    if (this.connections.size === 0) callback();
    else this.emptyWaiters.push(callback);
  }

  private removeConnection(connection: ServerConnection): void {
    if (!this.connections.delete(connection)) return;
    const address = this.addresses.get(connection);
    if (address !== undefined) {
      this.addresses.delete(connection);
      const n = this.perAddress.get(address)! - 1;
      if (n === 0) this.perAddress.delete(address);
      else this.perAddress.set(address, n);
    }
    if (this.connections.size === 0 && this.sweepTimer !== undefined) {
      clearInterval(this.sweepTimer);
      this.sweepTimer = undefined;
    }
    if (this.connections.size === 0 && this.emptyWaiters.length > 0) {
      const waiters = this.emptyWaiters;
      this.emptyWaiters = [];
      for (const w of waiters) w();
    }
  }

  private accept(socket: Socket, accepted?: AcceptedConnection): void {
    const address = socket.remoteAddress;
    const peer = address !== undefined ? formatAddress(address, socket.remotePort) : (this.listenPath ?? "unix");
    if (this.closing) {
      socket.destroy();
      return;
    }
    const capAddress = this.maxConnectionsPerAddress > 0 && address !== undefined;
    if (capAddress && (this.perAddress.get(address) ?? 0) >= this.maxConnectionsPerAddress) {
      this.refuse(socket, peer, `${address} already has ${this.maxConnectionsPerAddress} connections, the limit per address`);
      return;
    }
    if (this.connections.size >= this.maxConnections && !this.makeRoom(peer)) {
      this.refuse(socket, peer, `the server is at its limit of ${this.maxConnections} connections, each with calls in flight`);
      return;
    }
    const connection = new ServerConnection(socket, peer, this.settings, this, Date.now(), accepted);
    this.connections.add(connection);
    if (capAddress) {
      this.addresses.set(connection, address);
      this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    }
    if (this.sweepTimer === undefined) {
      // Runs while there are connections (timeouts, and releasing the buffers of quiet ones).
      this.sweepTimer = setInterval(() => this.sweep(), this.sweepIntervalMs);
      this.sweepTimer.unref();
    }
  }

  /** Closes the least recently active connection with nothing in flight; false when every one is busy. */
  private makeRoom(peer: string): boolean {
    for (const c of this.connections) {
      if (!c.evictable) continue;
      this.settings.logger({
        kind: "connection-rejected",
        peer: c.peer,
        reason: `closed to admit ${peer}: the server is at its limit of ${this.maxConnections} connections and this one was the least recently active, with nothing in flight`,
      });
      c.close();
      // Its 'close' comes later: count it out now, so the new connection fits.
      this.removeConnection(c);
      return true;
    }
    return false;
  }

  private refuse(socket: Socket, peer: string, reason: string): void {
    this.settings.logger({ kind: "connection-rejected", peer, reason });
    socket.destroy();
  }
}

/** `value`, or `fallback` when undefined; an integer of at least `min`, else a clear error. */
function atLeast(min: number, value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer of at least ${min}, got ${value}`);
  return value;
}
