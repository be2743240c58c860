/**
 * The TCP / Unix-socket client: a Connection is a ClientChannel that pipelines calls on one socket.
 *
 * - Every call gets a seqid and a pending-call record; replies are matched by seqid, in any order.
 * - Calls made in the same tick are encoded into one buffer and sent in one socket write.
 * - Timeouts: one timer per connection, armed for the earliest deadline (not one timer per call).
 * - A call that times out or is aborted rejects at once; its late reply is dropped quietly. A reply
 *   nobody asked for, or bytes that do not decode, close the connection.
 * - Connection lost: every pending call rejects with a TTransportException; the next call reconnects,
 *   with exponential backoff after failed attempts.
 */
import { connect as netConnect, type Socket } from "node:net";
import { TProtocolException } from "../protocol/errors.js";
import { readReply, writeCall } from "../rpc/call.js";
import { chain, type ClientCall, type ClientInterceptor, type ClientNext } from "../rpc/interceptors.js";
import type { CallOptions, ClientChannel, MethodDescriptor } from "../service.js";
import { withOptions } from "../options.js";
import { TTransportException, TTransportExceptionType } from "./errors.js";
import { formatAddress, MessageStream, streamSettings, type StreamSettings, type TransportOptions } from "./stream.js";

/** Where to connect: a TCP host and port, or a Unix domain socket path. */
export type ConnectTarget = { host?: string | undefined; port: number } | { path: string };

export interface ReconnectOptions {
  /** Wait before retrying after a failed connection attempt; doubles (see `multiplier`) per failure. Default 100 ms. */
  initialDelayMs?: number | undefined;
  /** Longest wait between attempts. Default 10,000 ms. */
  maxDelayMs?: number | undefined;
  /** Default 2. */
  multiplier?: number | undefined;
  /** Random spread of each wait, as a fraction of it (0.2 = ±20%). Default 0.2. */
  jitter?: number | undefined;
}

/** Reconnection settings in force: every ReconnectOptions value, defaulted. */
type Backoff = { [K in keyof ReconnectOptions]-?: number };

const DEFAULT_BACKOFF: Readonly<Backoff> = Object.freeze({ initialDelayMs: 100, maxDelayMs: 10_000, multiplier: 2, jitter: 0.2 });

export interface ConnectionOptions extends TransportOptions {
  /** Default timeout of every call, in ms (0: none). Calls override it with `CallOptions.timeoutMs`. Default 30,000. */
  timeoutMs?: number | undefined;
  /** Limit on each connection attempt, in ms. Default 10,000. */
  connectTimeoutMs?: number | undefined;
  /** Send `Service:method` names (Thrift's multiplexed protocol). Default false. */
  multiplexed?: boolean | undefined;
  interceptors?: readonly ClientInterceptor[] | undefined;
  /** Reconnect on the next call after the connection is lost (default true), with these backoff settings. */
  reconnect?: boolean | ReconnectOptions | undefined;
  /** Disable Nagle's algorithm. Default true. */
  noDelay?: boolean | undefined;
}

/** Waiting for its reply (or, for oneway, for its bytes to be written). */
class PendingCall {
  resolve!: (value: unknown) => void;
  reject!: (error: unknown) => void;
  deadline = Infinity;
  timeoutMs = 0;
  signal: AbortSignal | undefined = undefined;

  constructor(
    readonly connection: Connection,
    readonly seqid: number,
    readonly method: MethodDescriptor,
  ) {}

  /** The abort listener (the record itself listens, so no closure per call). */
  handleEvent(): void {
    this.connection.abandonCall(this, this.signal!.reason);
  }

  detach(): void {
    if (this.signal !== undefined) {
      this.signal.removeEventListener("abort", this);
      this.signal = undefined;
    }
  }
}

/**
 * The calls waiting for replies, by seqid. Seqids are handed out in sequence, so a ring indexed by their
 * low bits finds nearly every call directly (no hashing, no allocation); a call still waiting when its
 * slot comes round again moves to an overflow map, and the ring doubles when the overflow outgrows it.
 */
class CallTable {
  private slots: (PendingCall | undefined)[] = new Array<PendingCall | undefined>(1024).fill(undefined);
  private mask = 1023;
  private readonly overflow = new Map<number, PendingCall>();
  size = 0;

  get(seqid: number): PendingCall | undefined {
    const call = this.slots[seqid & this.mask];
    if (call !== undefined && call.seqid === seqid) return call;
    return this.overflow.size === 0 ? undefined : this.overflow.get(seqid);
  }

  add(call: PendingCall): void {
    const i = call.seqid & this.mask;
    const old = this.slots[i];
    this.slots[i] = call;
    this.size++;
    if (old !== undefined) {
      this.overflow.set(old.seqid, old);
      if (this.overflow.size > this.mask) this.grow();
    }
  }

  delete(call: PendingCall): boolean {
    const i = call.seqid & this.mask;
    if (this.slots[i] === call) {
      this.slots[i] = undefined;
      this.size--;
      return true;
    }
    if (this.overflow.size !== 0 && this.overflow.get(call.seqid) === call) {
      this.overflow.delete(call.seqid);
      this.size--;
      return true;
    }
    return false;
  }

  /** Every call, in no particular order. */
  all(): PendingCall[] {
    const calls: PendingCall[] = [];
    for (const c of this.slots) if (c !== undefined) calls.push(c);
    for (const c of this.overflow.values()) calls.push(c);
    return calls;
  }

  clear(): void {
    this.slots.fill(undefined);
    this.overflow.clear();
    this.size = 0;
  }

  private grow(): void {
    const calls = this.all();
    this.mask = this.mask * 2 + 1;
    this.slots = new Array<PendingCall | undefined>(this.mask + 1).fill(undefined);
    this.overflow.clear();
    this.size = 0;
    for (const c of calls) this.add(c);
  }
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/** How many seqids of abandoned calls are remembered, to drop their late replies quietly. */
const MAX_ABANDONED = 65536;

export class Connection implements ClientChannel {
  /** `host:port` or the socket path. */
  readonly peer: string;
  private readonly target: ConnectTarget;
  private readonly settings: StreamSettings;
  private readonly stream: MessageStream;
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly multiplexed: boolean;
  private readonly noDelay: boolean;
  private readonly reconnect: Readonly<Backoff> | undefined;
  private readonly next: ClientNext | undefined;

  private socket: Socket | undefined = undefined;
  private connected = false;
  private closing = false;
  private closed = false;
  private closeResult: Promise<void> | undefined = undefined;
  private resolveClose: (() => void) | undefined = undefined;

  private readonly pending = new CallTable();
  /** Oneway calls not written yet. */
  private readonly oneways = new Set<PendingCall>();
  /** Oneway calls whose bytes are in the output buffer. */
  private onewayBatch: PendingCall[] = [];
  private readonly abandoned = new Set<number>();
  private seqid = 0;
  private flushScheduled = false;
  /** Date.now() when the current batch began: one clock read per batch stamps every call's deadline. */
  private batchTime = 0;
  private readonly flushNow = (): void => this.flush();

  private timer: ReturnType<typeof setTimeout> | undefined = undefined;
  private timerAt = Infinity;
  private readonly sweepNow = (): void => this.sweep();

  private failures = 0;
  private retryAt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  private waiters: Waiter[] = [];
  private readonly wireNames = new Map<string, Map<MethodDescriptor, string>>();

  constructor(target: ConnectTarget, options: ConnectionOptions = {}) {
    this.target = target;
    this.peer = "path" in target ? target.path : formatAddress(target.host, target.port);
    this.settings = streamSettings(options);
    this.stream = new MessageStream(this.settings, (bytes, start, end) => this.onMessage(bytes, start, end));
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.multiplexed = options.multiplexed ?? false;
    this.noDelay = options.noDelay ?? true;
    const r = options.reconnect ?? true;
    this.reconnect = r === false ? undefined : r === true ? DEFAULT_BACKOFF : withOptions(DEFAULT_BACKOFF, r);
    const interceptors = options.interceptors ?? [];
    this.next =
      interceptors.length === 0
        ? undefined
        : chain(interceptors, (call: ClientCall) => this.send(call.method, call.args, call.options, call.service));
  }

  /** True while the socket is connected. */
  get isConnected(): boolean {
    return this.connected;
  }

  /** Calls waiting for a reply or to be written. */
  get pendingCalls(): number {
    return this.pending.size + this.oneways.size;
  }

  call<A, R, AI>(method: MethodDescriptor<A, R, any, AI>, args: AI, options?: CallOptions, service?: string): Promise<R> {
    if (this.next !== undefined) {
      return this.next({ service: service ?? "", method: method as MethodDescriptor, args, options: options ?? {} }) as Promise<R>;
    }
    return this.send(method as MethodDescriptor, args, options, service ?? "") as Promise<R>;
  }

  /** Resolves once connected (connecting now if needed); rejects when this connection attempt fails. */
  ready(): Promise<void> {
    if (this.closing) return Promise.reject(this.notOpen());
    if (this.connected) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.link();
    });
  }

  /**
   * Stops taking calls, waits for the calls in flight to settle (each within its timeout), then closes
   * the socket. Calls made after `close()` reject with NOT_OPEN.
   */
  close(): Promise<void> {
    if (this.closeResult !== undefined) return this.closeResult;
    this.closing = true;
    this.closeResult = new Promise<void>((resolve) => {
      this.resolveClose = resolve;
    });
    this.finishClose();
    return this.closeResult;
  }

  /** Closes at once: every pending call rejects with `reason` (default NOT_OPEN "connection destroyed"). */
  destroy(reason?: unknown): void {
    const error = reason ?? new TTransportException(TTransportExceptionType.NOT_OPEN, `connection to ${this.peer} destroyed`);
    this.closing = true;
    if (this.closeResult === undefined) this.closeResult = Promise.resolve();
    this.closed = true;
    this.stopTimers();
    this.drop(error);
    this.rejectWaiters(error);
    this.resolveClose?.();
    this.resolveClose = undefined;
  }

  private send(method: MethodDescriptor, args: unknown, options: CallOptions | undefined, service: string): Promise<unknown> {
    if (this.closing) return Promise.reject(this.notOpen());
    const signal = options?.signal;
    if (signal !== undefined && signal.aborted) return Promise.reject(signal.reason);
    const seqid = this.nextSeqid();
    const out = this.stream.output;
    const mark = out.begin();
    try {
      writeCall(out.writer, this.multiplexed && service !== "" ? this.wireName(service, method) : method.name, seqid, method, args);
    } catch (error) {
      out.abort(mark);
      return Promise.reject(error);
    }
    const size = out.end(mark);
    if (size > this.settings.maxFrameSize) {
      out.abort(mark);
      return Promise.reject(
        new TTransportException(
          TTransportExceptionType.SIZE_LIMIT,
          `${method.name} request of ${size} bytes exceeds the maximum frame size of ${this.settings.maxFrameSize} bytes`,
        ),
      );
    }
    const call = new PendingCall(this, seqid, method);
    const promise = new Promise<unknown>((resolve, reject) => {
      call.resolve = resolve;
      call.reject = reject;
    });
    if (method.oneway) {
      this.oneways.add(call);
      this.onewayBatch.push(call);
    } else {
      this.pending.add(call);
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      this.batchTime = Date.now();
      setImmediate(this.flushNow);
    }
    const timeoutMs = options?.timeoutMs ?? this.timeoutMs;
    if (timeoutMs > 0 && timeoutMs !== Infinity) {
      call.timeoutMs = timeoutMs;
      call.deadline = this.batchTime + timeoutMs;
      if (call.deadline < this.timerAt) this.arm(call.deadline);
    }
    if (signal !== undefined) {
      call.signal = signal;
      signal.addEventListener("abort", call);
    }
    if (!this.connected) this.link();
    return promise;
  }

  private nextSeqid(): number {
    let s = this.seqid;
    do s = (s + 1) | 0;
    while (this.pending.get(s) !== undefined || (this.abandoned.size !== 0 && this.abandoned.has(s)));
    this.seqid = s;
    return s;
  }

  private wireName(service: string, method: MethodDescriptor): string {
    let names = this.wireNames.get(service);
    if (names === undefined) this.wireNames.set(service, (names = new Map()));
    let name = names.get(method);
    if (name === undefined) names.set(method, (name = `${service}:${method.name}`));
    return name;
  }

  private flush(): void {
    this.flushScheduled = false;
    const socket = this.socket;
    if (!this.connected || socket === undefined) return;
    const out = this.stream.output;
    if (out.length === 0) return;
    const batch = this.onewayBatch;
    if (batch.length === 0) {
      out.flushTo(socket);
    } else {
      this.onewayBatch = [];
      out.flushTo(socket, (error) => this.onewaysWritten(batch, error));
    }
  }

  private onewaysWritten(batch: PendingCall[], error: Error | null | undefined): void {
    for (const call of batch) {
      if (!this.oneways.delete(call)) continue; // already timed out, aborted or rejected
      call.detach();
      if (error) call.reject(new TTransportException(TTransportExceptionType.END_OF_FILE, `${call.method.name} could not be sent: ${error.message}`, { cause: error }));
      else call.resolve(undefined);
    }
    if (this.closing) this.finishClose();
  }

  /** Handles one reply. Throwing closes the connection. */
  private onMessage(bytes: Uint8Array, start: number, end: number): void {
    const r = this.stream.load(bytes, start, end);
    const header = r.readMessageBegin();
    const call = this.pending.get(header.seqid);
    if (call === undefined) {
      if (this.abandoned.delete(header.seqid)) return; // the late reply of a call that timed out or was aborted
      throw new TTransportException(
        TTransportExceptionType.CORRUPTED_DATA,
        `reply '${header.name}' with seqid ${header.seqid} matches no call in flight`,
      );
    }
    this.pending.delete(call);
    call.detach();
    const method = call.method;
    if (header.name !== method.name && !header.name.endsWith(`:${method.name}`)) {
      const error = new TTransportException(
        TTransportExceptionType.CORRUPTED_DATA,
        `reply with seqid ${header.seqid} is for '${header.name}' but the call was '${method.name}'`,
      );
      call.reject(error);
      throw error;
    }
    let value: unknown;
    try {
      value = readReply(r, header, method);
    } catch (error) {
      call.reject(error);
      if (error instanceof TProtocolException) throw error; // undecodable: the stream is not trustworthy
      if (this.closing) this.finishClose();
      return;
    }
    call.resolve(value);
    if (this.closing) this.finishClose();
  }

  /** A call timed out or was aborted: reject it now; its reply, if one comes, is dropped. */
  abandonCall(call: PendingCall, reason: unknown): void {
    if (call.method.oneway) {
      if (!this.oneways.delete(call)) return;
    } else {
      if (!this.pending.delete(call)) return;
      if (this.abandoned.size >= MAX_ABANDONED) this.abandoned.delete(this.abandoned.values().next().value!);
      this.abandoned.add(call.seqid);
    }
    call.detach();
    call.reject(reason);
    if (this.closing) this.finishClose();
  }

  private arm(deadline: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = deadline;
    this.timer = setTimeout(this.sweepNow, Math.max(1, deadline - Date.now()));
    this.timer.unref();
  }

  /** Rejects the calls past their deadline and re-arms the timer for the earliest one left. */
  private sweep(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = Date.now();
    let next = Infinity;
    for (const call of this.pending.all()) {
      if (call.deadline <= now) this.expire(call);
      else if (call.deadline < next) next = call.deadline;
    }
    for (const call of this.oneways) {
      if (call.deadline <= now) this.expire(call);
      else if (call.deadline < next) next = call.deadline;
    }
    if (next !== Infinity) this.arm(next);
  }

  private expire(call: PendingCall): void {
    this.abandonCall(
      call,
      new TTransportException(TTransportExceptionType.TIMED_OUT, `${call.method.name} timed out after ${call.timeoutMs} ms (${this.peer})`),
    );
  }

  /** Makes sure a socket is connecting or connected (after the backoff wait, if one is due). */
  private link(): void {
    if (this.socket !== undefined || this.retryTimer !== undefined || this.closed) return;
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

  private dial(): void {
    if (this.closed || this.socket !== undefined) return;
    if (this.pending.size === 0 && this.oneways.size === 0 && this.waiters.length === 0) return; // nobody waits any more
    const target = this.target;
    const socket = "path" in target ? netConnect({ path: target.path }) : netConnect({ host: target.host ?? "localhost", port: target.port });
    if (this.noDelay) socket.setNoDelay(true);
    this.socket = socket;
    this.connected = false;
    let lastError: Error | undefined;
    const connectTimer = setTimeout(() => {
      socket.destroy(
        new TTransportException(TTransportExceptionType.TIMED_OUT, `connecting to ${this.peer} timed out after ${this.connectTimeoutMs} ms`),
      );
    }, this.connectTimeoutMs);
    socket.once("connect", () => {
      clearTimeout(connectTimer);
      if (this.socket !== socket) return;
      this.connected = true;
      this.failures = 0;
      this.retryAt = 0;
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w.resolve();
      this.flush();
      if (this.closing) this.finishClose();
    });
    socket.on("data", (chunk: Buffer) => {
      if (this.socket !== socket) return;
      try {
        this.stream.decoder.push(chunk);
      } catch (error) {
        this.lose(socket, corrupted(this.peer, error));
      }
    });
    socket.on("error", (error) => {
      lastError = error;
    });
    socket.on("end", () => {
      // The server ended the stream (e.g. a graceful shutdown): nothing more will be answered.
      if (this.socket === socket && this.connected) {
        this.lose(socket, new TTransportException(TTransportExceptionType.END_OF_FILE, `connection to ${this.peer} closed by the server`));
      }
    });
    socket.on("close", () => {
      clearTimeout(connectTimer);
      if (this.socket !== socket) return;
      if (!this.connected) {
        this.failures++;
        this.retryAt = Date.now() + this.backoff(this.failures);
        const error =
          lastError instanceof TTransportException
            ? lastError
            : new TTransportException(
                TTransportExceptionType.NOT_OPEN,
                `cannot connect to ${this.peer}: ${lastError?.message ?? "connection closed"}`,
                { cause: lastError },
              );
        this.rejectWaiters(error);
        this.lose(socket, error);
      } else {
        this.lose(
          socket,
          new TTransportException(
            TTransportExceptionType.END_OF_FILE,
            lastError ? `connection to ${this.peer} lost: ${lastError.message}` : `connection to ${this.peer} closed by the server`,
            { cause: lastError },
          ),
        );
      }
    });
  }

  private backoff(failures: number): number {
    const r = this.reconnect;
    if (r === undefined) return 0;
    const base = Math.min(r.maxDelayMs, r.initialDelayMs * r.multiplier ** (failures - 1));
    return Math.max(0, Math.round(base * (1 - r.jitter + 2 * r.jitter * Math.random())));
  }

  /** The socket is gone (or must go): every call in flight rejects with `error`. */
  private lose(socket: Socket, error: unknown): void {
    if (this.socket !== socket) return;
    this.drop(error);
    if (this.reconnect === undefined) this.closed = this.closing = true;
    if (this.closing) this.finishClose();
  }

  private drop(error: unknown): void {
    const socket = this.socket;
    this.socket = undefined;
    this.connected = false;
    socket?.destroy();
    this.stream.decoder.reset();
    this.stream.output.discard();
    this.onewayBatch = [];
    this.abandoned.clear();
    this.failAll(error);
  }

  private failAll(error: unknown): void {
    if (this.pending.size === 0 && this.oneways.size === 0) return;
    const calls = [...this.pending.all(), ...this.oneways];
    this.pending.clear();
    this.oneways.clear();
    for (const call of calls) {
      call.detach();
      call.reject(error);
    }
  }

  private rejectWaiters(error: unknown): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(error);
  }

  /** While closing: once nothing is in flight, flush and end the socket; resolve `close()` when it is gone. */
  private finishClose(): void {
    if (this.pending.size !== 0 || this.oneways.size !== 0) return;
    this.closed = true;
    this.stopTimers();
    const socket = this.socket;
    if (socket !== undefined && this.connected) {
      this.flush();
      this.socket = undefined;
      this.connected = false;
      socket.end(() => socket.destroy());
      socket.once("close", () => this.settleClose());
      return;
    }
    if (socket !== undefined) {
      this.socket = undefined;
      socket.destroy();
    }
    this.rejectWaiters(this.notOpen());
    this.settleClose();
  }

  private settleClose(): void {
    const resolve = this.resolveClose;
    this.resolveClose = undefined;
    resolve?.();
  }

  private stopTimers(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private notOpen(): TTransportException {
    return new TTransportException(TTransportExceptionType.NOT_OPEN, `connection to ${this.peer} is closed`);
  }
}

function corrupted(peer: string, error: unknown): TTransportException {
  if (error instanceof TTransportException) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new TTransportException(TTransportExceptionType.CORRUPTED_DATA, `bad data from ${peer}: ${message}`, { cause: error });
}

/** A connection that connects on its first call (or `ready()`). */
export function createConnection(target: ConnectTarget, options?: ConnectionOptions): Connection {
  return new Connection(target, options);
}

/** Connects, and resolves with the open connection (rejects if this first attempt fails). */
export async function connect(target: ConnectTarget, options?: ConnectionOptions): Promise<Connection> {
  const connection = new Connection(target, options);
  try {
    await connection.ready();
  } catch (error) {
    connection.destroy();
    throw error;
  }
  return connection;
}
