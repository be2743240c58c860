/**
 * Thrift over HTTP, client side, for every environment: each call is one POST whose body is the call
 * message and whose response body is the reply. What carries the request is left to subclasses: `fetch`
 * (browsers, and anywhere by choice: fetch-channel.ts) or `node:http` / `node:http2` (client.ts).
 *
 * Call headers are HTTP headers; a call with a timeout also sends its time left as `Deadline-Budget`.
 * A response that is not 2xx rejects with an HttpError (status, start of the body); a timeout or an
 * abort cancels the request. A oneway call resolves when the (empty) response arrives.
 */
import { BinaryProtocol } from "../protocol/binary.js";
import { TProtocolException, TProtocolExceptionType, TTransportException, TTransportExceptionType } from "../protocol/errors.js";
import type { Protocol, ProtocolReader, ProtocolWriter, ReaderInput, ReaderLimits } from "../protocol/protocol.js";
import { WriteBuffer } from "../protocol/write-buffer.js";
import { readerLimits } from "../limits.js";
import { readReply, writeCall } from "../rpc/call.js";
import { BaseChannel, DEFAULT_TIMEOUT_MS, headersToSend } from "../rpc/channel.js";
import { budgetOf, DEADLINE_BUDGET_HEADER } from "../rpc/headers.js";
import type { ClientCall } from "../rpc/interceptors.js";
import { CallTracker, type CallHost, type PendingCall } from "../rpc/pending.js";
import type { CallOptions, HeadersInit, MethodDescriptor } from "../service.js";
import { contentTypeOf } from "./content-type.js";
import { HttpError } from "./errors.js";
import type { HttpChannelOptions } from "./options.js";

/** What a subclass hands back for one request. */
export interface HttpReply {
  readonly status: number;
  readonly statusText: string;
  /** The response headers (made on demand: most calls never look at them). */
  headers(): Headers;
  readonly body: Uint8Array;
}

const EMPTY = new Uint8Array(0);
const DEFAULT_MAX_RESPONSE = 16 * 1024 * 1024;

export abstract class HttpChannelBase extends BaseChannel implements CallHost {
  /** The URL calls are posted to. */
  readonly url: string;
  readonly peer: string;
  protected readonly protocol: Protocol;
  protected readonly maxResponseSize: number;
  private readonly tracker: CallTracker;
  /** The headers every request carries (lower-case names), before the call's own. */
  private readonly baseHeaders: Readonly<Record<string, string>>;
  private readonly contentType: string;
  private writer: ProtocolWriter & { readonly buffer: WriteBuffer };
  /** Replies are decoded in one synchronous step, so one reader serves them all. */
  private readonly reader: ProtocolReader & ReaderInput;
  private readonly limits: ReaderLimits;
  private closing = false;
  private closeWaiter: (() => void) | undefined = undefined;

  constructor(url: string | URL, options: HttpChannelOptions & Partial<ReaderLimits>) {
    super(options);
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new TypeError(`an HTTP channel needs an http: or https: URL, got ${parsed.href}`);
    this.url = parsed.href;
    this.peer = parsed.href;
    this.protocol = options.protocol ?? BinaryProtocol;
    this.maxResponseSize = options.maxResponseSize ?? DEFAULT_MAX_RESPONSE;
    this.tracker = new CallTracker(this, options.timeoutMs ?? DEFAULT_TIMEOUT_MS, false);
    this.contentType = contentTypeOf(this.protocol);
    this.writer = this.protocol.createWriter(new WriteBuffer(256));
    const base: Record<string, string> = {};
    for (const [name, value] of headerPairs(options.headers)) base[name.toLowerCase()] = value;
    base["content-type"] = this.contentType;
    base["accept"] = this.contentType;
    this.baseHeaders = base;
    this.limits = readerLimits(options);
    this.reader = this.protocol.createReader(EMPTY, this.limits);
  }

  /** Calls waiting for their response. */
  get pendingCalls(): number {
    return this.tracker.size;
  }

  /** Stops taking calls; resolves once the calls in flight have settled, then releases connections. */
  close(): Promise<void> {
    this.closing = true;
    return new Promise<void>((resolve) => {
      if (this.tracker.size === 0) resolve();
      else this.closeWaiter = resolve;
    }).then(() => this.release());
  }

  /** Closes at once: calls in flight reject with `reason` and their requests are cancelled. */
  destroy(reason?: unknown): void {
    this.closing = true;
    this.tracker.stop();
    this.tracker.failAll(reason ?? new TTransportException(TTransportExceptionType.NOT_OPEN, `HTTP channel to ${this.url} destroyed`));
    void this.release();
  }

  abandoned(): void {
    this.settled();
  }

  /**
   * Sends one request (headers with lower-case names, a fresh object the subclass may add to); rejects
   * on network failure. It hands the outcome to `replied` or `failed` (callbacks, not a promise: this is
   * every call's path). Sets
   * `pending.cancel` to what cancels the request when the call is given up (its timeout or signal).
   */
  protected abstract post(body: Uint8Array, headers: Record<string, string>, pending: PendingCall): void;

  /** A call's bytes, copied out of the writer every call reuses. */
  protected copyOut(bytes: Uint8Array): Uint8Array {
    return bytes.slice();
  }

  /** Releases connections (agents, sessions) once closed. */
  protected abstract release(): Promise<void>;

  protected send(method: MethodDescriptor, args: unknown, options: CallOptions | undefined, service: string, call: ClientCall | undefined): Promise<unknown> {
    if (this.closing) return Promise.reject(new TTransportException(TTransportExceptionType.NOT_OPEN, `HTTP channel to ${this.url} is closed`));
    const signal = options?.signal;
    if (signal !== undefined && signal.aborted) return Promise.reject(signal.reason);
    const tracker = this.tracker;
    const seqid = tracker.nextSeqid();
    // One writer serves every call: a call is encoded in one synchronous step, its bytes copied out.
    const w = this.writer;
    w.buffer.reset();
    try {
      writeCall(w, this.wireName(service, method), seqid, method, args);
    } catch (error) {
      this.writer = this.protocol.createWriter(new WriteBuffer(256)); // a failed encode may leave it mid-struct
      return Promise.reject(error);
    }
    const body = this.copyOut(w.buffer.finish());
    if (w.buffer.bytes.length > 1024 * 1024) this.writer = this.protocol.createWriter(new WriteBuffer(256)); // not kept after a huge call
    const now = Date.now();
    const pending = tracker.open(seqid, method, options, call, now);
    // A plain record: cheaper than a Headers per call, and what node:http takes as it is.
    const own = headersToSend(options, call);
    // Copied name by name, not spread: V8 (Node 20) adds properties to a spread copy on a slow path
    // (once optimized, a new map per object): microseconds per call where this takes tens of nanoseconds.
    const headers: Record<string, string> = {};
    const base = this.baseHeaders;
    for (const name in base) headers[name] = base[name]!;
    if (own !== undefined) {
      for (const [name, value] of headerPairs(own)) headers[name.toLowerCase()] = value;
      headers["content-type"] = this.contentType;
    }
    if (pending.deadline !== Infinity) headers[DEADLINE_BUDGET_HEADER] = budgetOf(pending.deadline, now);
    this.post(body, headers, pending);
    return pending.promise;
  }

  /** A request failed before any response (refused, reset, TLS): the call fails, unless it was given up already. */
  protected failed(pending: PendingCall, error: unknown): void {
    if (!this.tracker.isPending(pending)) return; // already timed out or aborted: that is its outcome
    this.tracker.fail(pending, networkError(this.url, error));
    this.settled();
  }

  /** A response arrived: the call settles with its result, declared exception, or an HttpError. */
  protected replied(pending: PendingCall, reply: HttpReply): void {
    const tracker = this.tracker;
    if (!tracker.isPending(pending)) return;
    const headers = pending.call !== undefined || pending.options?.onResponseHeaders !== undefined ? reply.headers() : undefined;
    if (reply.status < 200 || reply.status > 299) {
      tracker.fail(pending, new HttpError(reply.status, reply.statusText, new TextDecoder().decode(reply.body.subarray(0, 4096)), this.url), headers);
      this.settled();
      return;
    }
    const method = pending.method;
    if (method.oneway) {
      tracker.resolve(pending, undefined, headers);
      this.settled();
      return;
    }
    let value: unknown;
    const r = this.reader;
    try {
      r.reset(reply.body);
      const header = r.readMessageBegin();
      if (header.seqid !== pending.seqid) {
        throw new TTransportException(TTransportExceptionType.CORRUPTED_DATA, `reply '${header.name}' has seqid ${header.seqid}, the call had ${pending.seqid}`);
      }
      if (header.name !== method.name && !header.name.endsWith(`:${method.name}`)) {
        throw new TTransportException(TTransportExceptionType.CORRUPTED_DATA, `reply is for '${header.name}' but the call was '${method.name}'`);
      }
      value = readReply(r, header, method);
      r.reset(EMPTY); // the body is not held until the next reply
    } catch (error) {
      r.reset(EMPTY);
      tracker.fail(pending, reply.body.length === 0 ? new TProtocolException(TProtocolExceptionType.INVALID_DATA, `empty reply to ${method.name} from ${this.url}`) : error, headers);
      this.settled();
      return;
    }
    tracker.resolve(pending, value, headers);
    this.settled();
  }

  private settled(): void {
    if (this.closeWaiter !== undefined && this.tracker.size === 0) {
      const waiter = this.closeWaiter;
      this.closeWaiter = undefined;
      this.tracker.stop();
      waiter();
    }
  }
}

/** Name/value pairs of headers given in any of the accepted forms. */
function* headerPairs(init: HeadersInit | undefined): Iterable<[string, string]> {
  if (init === undefined) return;
  if (init instanceof Headers) {
    yield* init;
    return;
  }
  if (typeof (init as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function") {
    for (const [k, v] of init as Iterable<readonly [string, string]>) yield [k, v];
    return;
  }
  for (const [k, v] of Object.entries(init as Record<string, string>)) yield [k, v];
}

/** A failure to get any response (refused, reset, DNS, TLS): a transport error naming the URL. */
function networkError(url: string, error: unknown): unknown {
  if (error instanceof TTransportException) return error;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const detail = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
  return new TTransportException(TTransportExceptionType.NOT_OPEN, `HTTP request to ${url} failed: ${detail}`, { cause: error });
}
