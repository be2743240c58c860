/**
 * A client channel that pipelines calls on one byte stream (a TCP or Unix socket, a TLS socket, any
 * duplex a socket factory opens):
 *
 * - calls made in the same tick are encoded into one buffer, in the connection's framing, and sent in
 *   one write; replies are matched to calls by seqid, in any order (the CallTracker, which also applies
 *   timeouts and abort signals);
 * - a call that timed out or was aborted rejects at once and its late reply is dropped quietly; a reply
 *   nobody asked for, or bytes that do not decode, drop the stream;
 * - when the stream is lost every pending call rejects with a TTransportException, and the next call
 *   opens a new one (the Link, with its backoff);
 * - a stream that stops delivering is replaced, so later calls do not wait behind it:
 *   - when a call times out while part of a reply has sat unfinished for half that call's timeout (the
 *     server stalled mid-frame, and every reply behind that one is stuck too), the stream is dropped at
 *     once: the calls on it reject, the next call reconnects;
 *   - when `maxConsecutiveTimeouts` calls in a row time out with no reply in between (failure accrual,
 *     as in Finagle), the stream is retired: new calls wait, unsent, while the calls already on it run
 *     to their own deadlines (no call is cut short), then the stream is closed and the waiting calls go
 *     out on a new one. A reply meanwhile shows the stream is alive, and it is kept.
 *
 * Framed and buffered streams carry no call headers: `CallOptions.headers` are not sent. Framings that
 * carry headers (THeader) get each call's headers and its time budget (`Deadline-Budget`) with the
 * message, and hand the reply's headers to `onResponseHeaders`.
 */
import type { Duplex } from "node:stream";
import type { MessageMeta } from "../framing/decoder.js";
import type { OutgoingMeta } from "../framing/output.js";
import { TProtocolException, TTransportException, TTransportExceptionType } from "../protocol/errors.js";
import { readReply, writeCall } from "../rpc/call.js";
import { BaseChannel, DEFAULT_TIMEOUT_MS, headersToSend, type ChannelOptions } from "../rpc/channel.js";
import { callHeaders } from "../rpc/headers.js";
import type { ClientCall } from "../rpc/interceptors.js";
import { CallTracker, type CallHost, type PendingCall } from "../rpc/pending.js";
import type { CallOptions, MethodDescriptor } from "../service.js";
import { Link, type LinkOwner, type ReconnectOptions, type SocketFactory } from "./link.js";
import { MessageStream, streamSettings, type StreamSettings, type TransportOptions } from "./settings.js";

export interface ConnectionOptions extends TransportOptions, ChannelOptions {
  /** Limit on each connection attempt, in ms. Default 10,000. */
  connectTimeoutMs?: number | undefined;
  /** Reconnect on the next call after the connection is lost (default true), with these backoff settings. */
  reconnect?: boolean | ReconnectOptions | undefined;
  /**
   * Replace the connection after this many calls in a row time out with no reply between (0: never):
   * the calls on it run to their own deadlines, later ones go out on a new connection. Default 3.
   */
  maxConsecutiveTimeouts?: number | undefined;
}

/** The default of `ConnectionOptions.maxConsecutiveTimeouts`. */
export const DEFAULT_MAX_CONSECUTIVE_TIMEOUTS = 3;

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

export class Connection extends BaseChannel implements CallHost, LinkOwner {
  /** Who the connection goes to: `host:port`, a socket path, ... */
  readonly peer: string;
  private readonly settings: StreamSettings;
  private readonly stream: MessageStream;
  private readonly tracker: CallTracker;
  private readonly link: Link;
  /** The framing carries headers: calls send theirs (and their deadline) with the message. */
  private readonly sendsHeaders: boolean;
  private readonly maxConsecutiveTimeouts: number;
  /** Calls timed out since the last reply on this stream. */
  private consecutiveTimeouts = 0;
  /** Date.now() when bytes last arrived. */
  private lastReceivedAt = 0;
  /** The stream is being replaced (failure accrual): calls are not flushed onto it. */
  private retiring = false;
  /** The seqid of the last call made, and of the last call written to the stream. */
  private lastSeqid = 0;
  private flushedThrough = 0;

  private closing = false;
  private closeResult: Promise<void> | undefined = undefined;
  private resolveClose: (() => void) | undefined = undefined;
  private waiters: Waiter[] = [];

  /** Oneway calls whose bytes are in the output buffer: they resolve once written. */
  private onewayBatch: PendingCall[] = [];
  private flushScheduled = false;
  /** Date.now() when the current batch began: one clock read per batch stamps every call's deadline. */
  private batchTime = 0;
  private readonly flushNow = (): void => this.flush();

  constructor(factory: SocketFactory, peer: string, options: ConnectionOptions = {}) {
    super(options);
    this.peer = peer;
    this.settings = streamSettings(options);
    this.stream = new MessageStream(this.settings, (bytes, start, end, meta) => this.onMessage(bytes, start, end, meta));
    this.sendsHeaders = this.settings.framing.carriesHeaders === true;
    this.tracker = new CallTracker(this, options.timeoutMs ?? DEFAULT_TIMEOUT_MS, true);
    this.link = new Link(this, factory, peer, options.connectTimeoutMs ?? 10_000, options.reconnect ?? true);
    const max = options.maxConsecutiveTimeouts ?? DEFAULT_MAX_CONSECUTIVE_TIMEOUTS;
    if (!Number.isInteger(max) || max < 0) throw new RangeError(`maxConsecutiveTimeouts must be an integer of at least 0, got ${max}`);
    this.maxConsecutiveTimeouts = max;
  }

  /** True while the stream is open. */
  get isConnected(): boolean {
    return this.link.isOpen;
  }

  /** Calls waiting for a reply or to be written. */
  get pendingCalls(): number {
    return this.tracker.size;
  }

  /** Resolves with `connection` once open; if its first attempt fails, destroys it and rejects. */
  static async opened(connection: Connection): Promise<Connection> {
    try {
      await connection.ready();
    } catch (error) {
      connection.destroy();
      throw error;
    }
    return connection;
  }

  /** Resolves once connected (connecting now if needed); rejects when this connection attempt fails. */
  ready(): Promise<void> {
    if (this.closing) return Promise.reject(this.notOpen());
    if (this.link.isOpen) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.link.open();
    });
  }

  /**
   * Stops taking calls, waits for the calls in flight to settle (each within its timeout), then closes
   * the stream. Calls made after `close()` reject with NOT_OPEN.
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
    this.tracker.stop();
    this.link.close();
    this.reset(error);
    this.rejectWaiters(error);
    this.settleClose();
  }

  protected send(method: MethodDescriptor, args: unknown, options: CallOptions | undefined, service: string, call: ClientCall | undefined): Promise<unknown> {
    if (this.closing) return Promise.reject(this.notOpen());
    const signal = options?.signal;
    if (signal !== undefined && signal.aborted) return Promise.reject(signal.reason);
    const tracker = this.tracker;
    const seqid = tracker.nextSeqid();
    const out = this.stream.output;
    let mark = -1;
    try {
      mark = out.begin(this.sendsHeaders ? this.metaOf(seqid, options, call) : undefined);
      writeCall(out.writer, this.wireName(service, method), seqid, method, args);
    } catch (error) {
      if (mark >= 0) out.abort(mark);
      return Promise.reject(error);
    }
    const size = out.end(mark);
    const maxFrameSize = this.settings.limits.maxFrameSize;
    if (size > maxFrameSize) {
      out.abort(mark);
      return Promise.reject(
        new TTransportException(TTransportExceptionType.SIZE_LIMIT, `${method.name} request of ${size} bytes exceeds the maximum frame size of ${maxFrameSize} bytes`),
      );
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      this.batchTime = Date.now();
      setImmediate(this.flushNow);
    }
    const pending = tracker.open(seqid, method, options, call, this.batchTime);
    this.lastSeqid = seqid;
    if (method.oneway) this.onewayBatch.push(pending);
    if (!this.link.isOpen) this.link.open();
    return pending.promise;
  }

  /** What a framing that carries headers sends with a call: its headers, and its timeout as its budget. */
  private metaOf(seqid: number, options: CallOptions | undefined, call: ClientCall | undefined): OutgoingMeta {
    return { seqid, headers: callHeaders(headersToSend(options, call), options?.timeoutMs ?? this.tracker.defaultTimeoutMs) };
  }

  // LinkOwner

  opened(): void {
    this.consecutiveTimeouts = 0;
    this.lastReceivedAt = Date.now();
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve();
    this.flush();
    if (this.closing) this.finishClose();
  }

  received(chunk: Uint8Array): void {
    this.lastReceivedAt = Date.now();
    try {
      this.stream.decoder.push(chunk);
    } catch (error) {
      // Undecodable input: the stream is not trustworthy any more.
      this.link.drop();
      this.lost(corrupted(this.peer, error), true);
    }
  }

  lost(error: TTransportException, wasOpen: boolean): void {
    if (!wasOpen) this.rejectWaiters(error);
    this.reset(error);
    if (!this.link.reconnects) this.closing = true;
    if (this.closing) this.finishClose();
  }

  wanted(): boolean {
    return this.tracker.size !== 0 || this.waiters.length !== 0;
  }

  // CallHost

  abandoned(call: PendingCall, timedOut: boolean): void {
    if (timedOut && this.link.isOpen && this.written(call)) this.timedOut(call);
    if (this.retiring) this.retireIfDone();
    if (this.closing) this.finishClose();
  }

  /** True when the call's bytes went out on the stream (seqids are handed out in order, wrapping). */
  private written(call: PendingCall): boolean {
    return ((call.seqid - this.flushedThrough) | 0) <= 0;
  }

  /** A call sent on the open stream timed out: drop or retire the stream if it looks stuck. */
  private timedOut(call: PendingCall): void {
    this.consecutiveTimeouts++;
    const partial = this.stream.partial;
    const silentMs = Date.now() - this.lastReceivedAt;
    if (partial > 0 && silentMs >= call.timeoutMs / 2) {
      this.link.drop();
      this.lost(
        new TTransportException(TTransportExceptionType.TIMED_OUT, `connection to ${this.peer} dropped: it stalled, ${partial} bytes into a reply, with nothing more for ${silentMs} ms`),
        true,
      );
      return;
    }
    if (this.maxConsecutiveTimeouts > 0 && this.consecutiveTimeouts >= this.maxConsecutiveTimeouts) this.retiring = true;
  }

  /**
   * Retiring: once no call written to the stream waits for its deadline any more, close it and open a
   * new one for the calls held back. Calls on it with no deadline would wait forever: they reject.
   */
  private retireIfDone(): void {
    if (!this.link.isOpen) {
      this.retiring = false;
      return;
    }
    const written = this.tracker.all().filter((call) => this.written(call));
    if (written.some((call) => call.deadline !== Infinity)) return;
    const error = new TTransportException(TTransportExceptionType.TIMED_OUT, `connection to ${this.peer} replaced: ${this.consecutiveTimeouts} calls in a row timed out`);
    for (const call of written) this.tracker.fail(call, error);
    this.retiring = false;
    this.consecutiveTimeouts = 0;
    this.link.drop();
    this.stream.resetInput();
    this.tracker.forgetAbandoned();
    if (this.wanted() || this.stream.unflushed !== 0) this.link.open();
  }

  private flush(): void {
    this.flushScheduled = false;
    const socket = this.link.socket;
    if (socket === undefined || this.retiring) return;
    if (this.stream.unflushed === 0) return;
    this.flushedThrough = this.lastSeqid;
    const out = this.stream.output;
    const batch = this.onewayBatch;
    if (batch.length === 0) {
      out.flushTo(socket);
    } else {
      this.onewayBatch = [];
      out.flushTo(socket, (error) => this.onewaysWritten(batch, error));
    }
  }

  private onewaysWritten(batch: PendingCall[], error: Error | null | undefined): void {
    const tracker = this.tracker;
    for (const call of batch) {
      if (error) tracker.fail(call, new TTransportException(TTransportExceptionType.END_OF_FILE, `${call.method.name} could not be sent: ${error.message}`, { cause: error }));
      else tracker.resolve(call, undefined);
    }
    if (this.closing) this.finishClose();
  }

  /** Handles one reply. Throwing drops the stream. */
  private onMessage(bytes: Uint8Array, start: number, end: number, meta: MessageMeta | undefined): void {
    this.consecutiveTimeouts = 0;
    if (this.retiring) {
      // A reply: the stream is alive after all. Keep it, and send what was held back.
      this.retiring = false;
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(this.flushNow);
      }
    }
    const r = this.stream.load(bytes, start, end, meta?.protocol);
    const header = r.readMessageBegin();
    const tracker = this.tracker;
    const call = tracker.get(header.seqid);
    if (call === undefined || call.method.oneway) {
      if (tracker.takeAbandoned(header.seqid)) return; // the late reply of a call that timed out or was aborted
      throw new TTransportException(TTransportExceptionType.CORRUPTED_DATA, `reply '${header.name}' with seqid ${header.seqid} matches no call in flight`);
    }
    const method = call.method;
    if (header.name !== method.name && !header.name.endsWith(`:${method.name}`)) {
      const error = new TTransportException(
        TTransportExceptionType.CORRUPTED_DATA,
        `reply with seqid ${header.seqid} is for '${header.name}' but the call was '${method.name}'`,
      );
      tracker.fail(call, error);
      throw error;
    }
    // The reply's headers, when it carries some and someone listens (made on demand: most calls never look).
    const headers = meta !== undefined && (call.call !== undefined || call.options?.onResponseHeaders !== undefined) ? meta.headers : undefined;
    let value: unknown;
    try {
      value = readReply(r, header, method);
    } catch (error) {
      tracker.fail(call, error, headers);
      if (error instanceof TProtocolException) throw error; // undecodable: the stream is not trustworthy
      if (this.closing) this.finishClose();
      return;
    }
    tracker.resolve(call, value, headers);
    if (this.closing) this.finishClose();
  }

  /** Forgets the stream's state: partial input, unsent output; every call in flight rejects with `error`. */
  private reset(error: unknown): void {
    this.stream.reset();
    this.consecutiveTimeouts = 0;
    this.retiring = false;
    this.onewayBatch = [];
    this.tracker.forgetAbandoned();
    this.tracker.failAll(error);
  }

  private rejectWaiters(error: unknown): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(error);
  }

  /** While closing: once nothing is in flight, flush and end the stream; resolve `close()` when it is gone. */
  private finishClose(): void {
    if (this.tracker.size !== 0) return;
    this.tracker.stop();
    if (this.link.isOpen) {
      this.flush();
      const ended = this.link.end();
      this.link.close();
      void ended.then(() => this.settleClose());
      return;
    }
    this.link.close();
    this.rejectWaiters(this.notOpen());
    this.settleClose();
  }

  private settleClose(): void {
    const resolve = this.resolveClose;
    this.resolveClose = undefined;
    resolve?.();
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

/** The stream type a socket factory resolves with. */
export type { Duplex };
