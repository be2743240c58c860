/**
 * The calls a client channel has in flight, and the one place their timeouts and abort signals are
 * applied, whatever carries them (a pipelined socket, HTTP requests, the in-memory channel).
 *
 * - Every call gets a seqid and a record, found again by seqid when its reply comes (in any order).
 * - One timer per channel, armed for the earliest deadline (not one timer per call); it rejects the
 *   calls past their deadline with TIMED_OUT.
 * - An aborted signal rejects its call at once with the signal's reason.
 * - A call settles exactly once; the transport hears of calls given up (`CallHost.abandoned`) so it can
 *   drop their late replies or cancel their requests.
 */
import { TTransportException, TTransportExceptionType } from "../protocol/errors.js";
import type { CallOptions, MethodDescriptor } from "../service.js";
import type { ClientCall } from "./interceptors.js";

/** What a tracker tells the transport that owns it. */
export interface CallHost {
  /** Who the calls go to, for error messages (`host:port`, a URL, ...). */
  readonly peer: string;
  /**
   * A call was given up before its reply: it timed out (`timedOut`) or its signal aborted. It has
   * already been rejected; the transport cleans up after it.
   */
  abandoned(call: PendingCall, timedOut: boolean): void;
}

/** One call waiting for its reply (or, for oneway calls on a stream, for its bytes to be written). */
export class PendingCall {
  resolve!: (value: unknown) => void;
  reject!: (error: unknown) => void;
  readonly promise: Promise<unknown>;
  /** When the call times out, in Date.now() ms (Infinity: never). */
  deadline = Infinity;
  timeoutMs = 0;
  signal: AbortSignal | undefined = undefined;
  /** Aborted when the call is given up (an HTTP request's controller, the in-memory call's scope). */
  cancel: { abort(reason?: unknown): void } | undefined = undefined;

  constructor(
    readonly tracker: CallTracker,
    readonly seqid: number,
    readonly method: MethodDescriptor,
    /** The interceptors' view of the call, when there are interceptors. */
    readonly call: ClientCall | undefined,
    readonly options: CallOptions | undefined,
  ) {
    this.promise = new Promise<unknown>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** The abort listener (the record itself listens, so no closure per call). */
  handleEvent(): void {
    this.tracker.abandon(this, this.signal!.reason, false);
  }

  detach(): void {
    if (this.signal !== undefined) {
      this.signal.removeEventListener("abort", this);
      this.signal = undefined;
    }
  }
}

/**
 * The calls in flight, by seqid. Seqids are handed out in sequence, so a ring indexed by their low bits
 * finds nearly every call directly (no hashing, no allocation); a call still waiting when its slot comes
 * round again moves to an overflow map, and the ring doubles when the overflow outgrows it.
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

/** How many seqids of abandoned calls are remembered, to drop their late replies quietly. */
const MAX_ABANDONED = 65536;

export class CallTracker {
  private readonly table = new CallTable();
  private seqid = 0;
  /** Seqids of calls given up on whose replies may still come (stream transports only). */
  private readonly abandonedSeqids = new Set<number>();
  private timer: ReturnType<typeof setTimeout> | undefined = undefined;
  private timerAt = Infinity;
  private readonly sweepNow = (): void => this.sweep();

  constructor(
    private readonly host: CallHost,
    /** The timeout of calls whose options give none (0: none). */
    readonly defaultTimeoutMs: number,
    /** Remember the seqids of abandoned calls so their late replies are recognised (pipelined streams). */
    private readonly rememberAbandoned: boolean,
  ) {
    if (!(defaultTimeoutMs >= 0)) throw new RangeError(`timeoutMs must be 0 or more, got ${defaultTimeoutMs}`);
  }

  /** Calls in flight. */
  get size(): number {
    return this.table.size;
  }

  /** The next free seqid (skipping those in flight or abandoned). */
  nextSeqid(): number {
    let s = this.seqid;
    do s = (s + 1) | 0;
    while (this.table.get(s) !== undefined || (this.abandonedSeqids.size !== 0 && this.abandonedSeqids.has(s)));
    this.seqid = s;
    return s;
  }

  /**
   * Registers a call made at `now` (Date.now() ms): its deadline from its options (or the default), and
   * its abort signal. The caller has checked that the signal is not already aborted.
   */
  open(seqid: number, method: MethodDescriptor, options: CallOptions | undefined, call: ClientCall | undefined, now: number): PendingCall {
    const pending = new PendingCall(this, seqid, method, call, options);
    this.table.add(pending);
    const timeoutMs = options?.timeoutMs ?? this.defaultTimeoutMs;
    if (timeoutMs > 0 && timeoutMs !== Infinity) {
      pending.timeoutMs = timeoutMs;
      pending.deadline = now + timeoutMs;
      if (pending.deadline < this.timerAt) this.arm(pending.deadline);
    }
    const signal = options?.signal;
    if (signal !== undefined) {
      pending.signal = signal;
      signal.addEventListener("abort", pending);
    }
    return pending;
  }

  /** Every call in flight (a snapshot, in no particular order). */
  all(): PendingCall[] {
    return this.table.all();
  }

  /** The call in flight with this seqid. */
  get(seqid: number): PendingCall | undefined {
    return this.table.get(seqid);
  }

  /** True while `call` waits (not settled, timed out or aborted). */
  isPending(call: PendingCall): boolean {
    return this.table.get(call.seqid) === call;
  }

  /** True once for the seqid of a call given up on: its late reply is to be dropped. */
  takeAbandoned(seqid: number): boolean {
    return this.abandonedSeqids.delete(seqid);
  }

  /** Settles `call` with its value; `headers` are the reply's, when the transport carries headers. */
  resolve(call: PendingCall, value: unknown, headers?: Headers): void {
    if (!this.table.delete(call)) return;
    call.detach();
    if (headers !== undefined) {
      try {
        this.deliverHeaders(call, headers);
      } catch (error) {
        call.reject(error); // the caller's own onResponseHeaders threw: that is the call's outcome
        return;
      }
    }
    call.resolve(value);
  }

  /** Settles `call` with an error. */
  fail(call: PendingCall, error: unknown, headers?: Headers): void {
    if (!this.table.delete(call)) return;
    call.detach();
    if (headers !== undefined) {
      try {
        this.deliverHeaders(call, headers);
      } catch {
        // The call fails with its own error either way.
      }
    }
    call.reject(error);
  }

  /** Rejects every call in flight with `error` (the connection is gone). */
  failAll(error: unknown): void {
    if (this.table.size === 0) return;
    const calls = this.table.all();
    this.table.clear();
    for (const call of calls) {
      call.detach();
      call.reject(error);
    }
  }

  /** Forgets the abandoned seqids (a new connection gets no late replies). */
  forgetAbandoned(): void {
    this.abandonedSeqids.clear();
  }

  /** A call timed out or was aborted: reject it now and tell the transport. */
  abandon(call: PendingCall, reason: unknown, timedOut: boolean): void {
    if (!this.table.delete(call)) return;
    if (this.rememberAbandoned && !call.method.oneway) {
      if (this.abandonedSeqids.size >= MAX_ABANDONED) this.abandonedSeqids.delete(this.abandonedSeqids.values().next().value!);
      this.abandonedSeqids.add(call.seqid);
    }
    call.detach();
    call.reject(reason);
    call.cancel?.abort(reason);
    this.host.abandoned(call, timedOut);
  }

  /** Stops the timer (the channel is closed). */
  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private deliverHeaders(call: PendingCall, headers: Headers): void {
    if (call.call !== undefined) call.call.responseHeaders = headers;
    const listener = call.options?.onResponseHeaders;
    if (listener !== undefined) listener(headers);
  }

  private arm(deadline: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = deadline;
    this.timer = setTimeout(this.sweepNow, Math.max(1, deadline - Date.now()));
    // The timer alone must not keep a process alive (pending calls hold their own promise chains).
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** Rejects the calls past their deadline and re-arms the timer for the earliest one left. */
  private sweep(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = Date.now();
    let next = Infinity;
    for (const call of this.table.all()) {
      if (call.deadline <= now) this.expire(call);
      else if (call.deadline < next) next = call.deadline;
    }
    if (next !== Infinity) this.arm(next);
  }

  /**
   * True (and the call rejected with TIMED_OUT) when its deadline has passed: an outcome that arrives
   * after it, such as the failure of a handler whose signal the deadline aborted, is a timeout.
   */
  expireIfDue(call: PendingCall): boolean {
    if (call.deadline > Date.now()) return false;
    this.expire(call);
    return true;
  }

  private expire(call: PendingCall): void {
    this.abandon(
      call,
      new TTransportException(TTransportExceptionType.TIMED_OUT, `${call.method.name} timed out after ${call.timeoutMs} ms (${this.host.peer})`),
      true,
    );
  }
}
