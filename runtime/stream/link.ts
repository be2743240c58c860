/**
 * A client's hold on its byte stream: opens it through a socket factory (TCP, a Unix socket, TLS, any
 * duplex), bounds each attempt by the connect timeout, spaces failed attempts by an exponential backoff,
 * and tells its owner when the stream opens, carries bytes, and is lost. It knows nothing of messages.
 */
import type { Duplex } from "node:stream";
import { withOptions } from "../options.js";
import { TTransportException, TTransportExceptionType } from "../protocol/errors.js";

/**
 * Opens the byte stream a connection runs on, resolving once it can carry messages (a TCP socket once
 * connected, a TLS socket once its handshake is done). Aborting `signal` (the connect timeout, or the
 * connection being closed) must abandon the attempt. Failures are best rejected with a
 * TTransportException that says what went wrong; other errors are wrapped.
 */
export interface SocketFactory {
  (options: { signal: AbortSignal }): Promise<Duplex>;
  /**
   * Words the loss of an open stream, when the factory knows its transport better than "lost: <error>"
   * (a TLS alert, a close that means the peer refused us). Undefined: the default message.
   */
  describeLoss?: ((socket: Duplex, error: Error | undefined) => string | undefined) | undefined;
}

/**
 * Settles a socket factory's attempt: resolves with `socket` once it emits `readyEvent` ("connect",
 * or "secureConnect" once a TLS handshake is done); on an error or an abort of `signal` destroys the
 * socket and rejects (errors worded by `describeError`).
 */
export function whenOpen<S extends Duplex>(socket: S, readyEvent: "connect" | "secureConnect", signal: AbortSignal, describeError: (error: Error) => Error = (error) => error): Promise<S> {
  return new Promise<S>((resolve, reject) => {
    const onAbort = (): void => {
      socket.destroy();
      reject(signal.reason);
    };
    const onError = (error: Error): void => {
      signal.removeEventListener("abort", onAbort);
      socket.destroy();
      reject(describeError(error));
    };
    socket.once(readyEvent, () => {
      signal.removeEventListener("abort", onAbort);
      socket.off("error", onError);
      resolve(socket);
    });
    socket.once("error", onError);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

export interface ReconnectOptions {
  /** Wait before retrying after a failed connection attempt; grows by `multiplier` per failure. Default 100 ms. */
  initialDelayMs?: number | undefined;
  /** Longest wait between attempts. Default 10,000 ms. */
  maxDelayMs?: number | undefined;
  /** Default 2. */
  multiplier?: number | undefined;
  /** Random spread of each wait, as a fraction of it (0.2 = ±20%). Default 0.2. */
  jitter?: number | undefined;
}

export const DEFAULT_RECONNECT: Readonly<{ [K in keyof ReconnectOptions]-?: number }> = Object.freeze({ initialDelayMs: 100, maxDelayMs: 10_000, multiplier: 2, jitter: 0.2 });

/** What a link tells the connection that owns it. */
export interface LinkOwner {
  /** The stream is open: flush what waits. */
  opened(socket: Duplex): void;
  /** Bytes arrived. */
  received(chunk: Uint8Array): void;
  /** The stream is gone (or could not be opened: `wasOpen` false); `error` says why. */
  lost(error: TTransportException, wasOpen: boolean): void;
  /** True while someone waits for the stream (calls, `ready()`): otherwise a due attempt is skipped. */
  wanted(): boolean;
}

export class Link {
  /** The stream, while open. */
  socket: Duplex | undefined = undefined;
  private attempt: AbortController | undefined = undefined;
  private failures = 0;
  private retryAt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  private closed = false;
  private readonly reconnect: Readonly<{ [K in keyof ReconnectOptions]-?: number }> | undefined;

  constructor(
    private readonly owner: LinkOwner,
    private readonly factory: SocketFactory,
    /** Who the stream goes to, for messages. */
    readonly peer: string,
    private readonly connectTimeoutMs: number,
    reconnect: boolean | ReconnectOptions,
  ) {
    this.reconnect = reconnect === false ? undefined : reconnect === true ? DEFAULT_RECONNECT : withOptions(DEFAULT_RECONNECT, reconnect);
  }

  /** True while the stream is open. */
  get isOpen(): boolean {
    return this.socket !== undefined;
  }

  /** True when a lost stream is opened again on demand. */
  get reconnects(): boolean {
    return this.reconnect !== undefined;
  }

  /** Makes sure the stream is open or opening (after the backoff wait, if one is due). */
  open(): void {
    if (this.socket !== undefined || this.attempt !== undefined || this.retryTimer !== undefined || this.closed) return;
    const wait = this.retryAt - Date.now();
    if (wait > 0) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.dial();
      }, wait);
    } else {
      this.dial();
    }
  }

  /** Drops the stream (if open); the next `open()` makes a new one. */
  drop(): void {
    const socket = this.socket;
    this.socket = undefined;
    socket?.destroy();
  }

  /** Ends the stream after what was written (graceful); resolves once it is closed. */
  end(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (socket === undefined || socket.destroyed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      socket.once("close", () => resolve());
      socket.end(() => socket.destroy());
    });
  }

  /** No more streams: abandons an attempt in progress and a backoff wait. */
  close(): void {
    this.closed = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.attempt?.abort(new TTransportException(TTransportExceptionType.NOT_OPEN, `connection to ${this.peer} closed`));
    this.attempt = undefined;
    this.drop();
  }

  private dial(): void {
    if (this.closed || this.socket !== undefined || this.attempt !== undefined) return;
    if (!this.owner.wanted()) return; // nobody waits any more
    const attempt = new AbortController();
    this.attempt = attempt;
    // The timeout settles the attempt itself: a factory that ignores its signal cannot hold it open.
    const timer = setTimeout(() => {
      if (this.attempt !== attempt) return;
      const reason = new TTransportException(TTransportExceptionType.TIMED_OUT, `connecting to ${this.peer} timed out after ${this.connectTimeoutMs} ms`);
      attempt.abort(reason);
      this.failed(attempt, reason);
    }, this.connectTimeoutMs);
    let opening: Promise<Duplex>;
    try {
      opening = this.factory({ signal: attempt.signal });
    } catch (error) {
      opening = Promise.reject(error);
    }
    opening.then(
      (socket) => {
        clearTimeout(timer);
        if (this.attempt !== attempt) {
          socket.destroy(); // timed out, or closed, meanwhile
          return;
        }
        this.attempt = undefined;
        this.attach(socket);
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (this.attempt === attempt) this.failed(attempt, error);
      },
    );
  }

  private failed(attempt: AbortController, error: unknown): void {
    if (this.attempt === attempt) this.attempt = undefined;
    this.failures++;
    this.retryAt = Date.now() + this.backoff(this.failures);
    const reason =
      error instanceof TTransportException
        ? error
        : new TTransportException(TTransportExceptionType.NOT_OPEN, `cannot connect to ${this.peer}: ${error instanceof Error ? error.message : String(error)}`, {
            cause: error,
          });
    if (this.reconnect === undefined) this.closed = true;
    this.owner.lost(reason, false);
  }

  private attach(socket: Duplex): void {
    this.socket = socket;
    this.failures = 0;
    this.retryAt = 0;
    let lastError: Error | undefined;
    socket.on("data", (chunk: Uint8Array) => {
      if (this.socket === socket) this.owner.received(chunk);
    });
    socket.on("error", (error: Error) => {
      lastError = error;
    });
    const lost = (error: Error | undefined): TTransportException => {
      const message =
        this.factory.describeLoss?.(socket, error) ?? (error ? `connection to ${this.peer} lost: ${error.message}` : `connection to ${this.peer} closed by the server`);
      return new TTransportException(TTransportExceptionType.END_OF_FILE, message, { cause: error });
    };
    socket.on("end", () => {
      // The server ended the stream (a graceful shutdown, say): nothing more will be answered.
      if (this.socket === socket) this.lose(socket, lost(lastError));
    });
    socket.on("close", () => {
      if (this.socket === socket) this.lose(socket, lost(lastError));
    });
    this.owner.opened(socket);
  }

  private lose(socket: Duplex, error: TTransportException): void {
    this.socket = undefined;
    socket.destroy();
    if (this.reconnect === undefined) this.closed = true;
    this.owner.lost(error, true);
  }

  private backoff(failures: number): number {
    const r = this.reconnect;
    if (r === undefined) return 0;
    const base = Math.min(r.maxDelayMs, r.initialDelayMs * r.multiplier ** (failures - 1));
    return Math.max(0, Math.round(base * (1 - r.jitter + 2 * r.jitter * Math.random())));
  }
}
