/**
 * A handler's context on the server, for every transport: the call's headers, its deadline, headers for
 * the reply, and a signal that aborts when the client goes away, the deadline passes or the server shuts
 * down.
 *
 * Costs are paid on use: the signal (and the deadline's timer) is made when a handler first asks for
 * it, headers when first read or set. A per-call signal keeps listeners that handlers add from piling up
 * on a long-lived connection.
 */
import { TTransportException, TTransportExceptionType } from "../protocol/errors.js";
import type { CallContext, PeerCertificate } from "../service.js";

/** What a call's context belongs to (a connection, an HTTP request): it ends, and its calls abort with it. */
export interface CallScope {
  /** Why the scope ended, once it has (undefined while it is live). */
  readonly abortReason: unknown;
  /** Asks to be aborted when the scope ends. */
  watch(ctx: ServerCallContext): void;
  unwatch(ctx: ServerCallContext): void;
}

/** A scope of its own, for transports that have no connection to hang calls on (HTTP requests, in-memory calls). */
export class Scope implements CallScope {
  abortReason: unknown = undefined;
  /** Made when a handler first asks for its signal (most calls never do). */
  private watched: Set<ServerCallContext> | undefined = undefined;

  /** True while a handler watches the scope (its call asked for a signal and is not over). */
  get watching(): boolean {
    return this.watched !== undefined && this.watched.size > 0;
  }

  watch(ctx: ServerCallContext): void {
    (this.watched ??= new Set()).add(ctx);
  }

  unwatch(ctx: ServerCallContext): void {
    this.watched?.delete(ctx);
  }

  /** Ends the scope: every watching context aborts with `reason`. */
  abort(reason: unknown): void {
    if (this.abortReason !== undefined) return;
    this.abortReason = reason;
    const watched = this.watched;
    if (watched === undefined || watched.size === 0) return;
    this.watched = undefined;
    for (const ctx of [...watched]) ctx.abort(reason);
  }
}

/** Why a call's signal aborts when its deadline passes. */
function deadlineExceeded(deadline: number): TTransportException {
  return new TTransportException(TTransportExceptionType.TIMED_OUT, `the call's deadline passed (${new Date(deadline).toISOString()})`);
}

export class ServerCallContext implements CallContext {
  private controller: AbortController | undefined = undefined;
  private timer: ReturnType<typeof setTimeout> | undefined = undefined;
  private done = false;
  /** The call's headers, or how to make them (on first use: most handlers never look). */
  private requestHeadersValue: Headers | (() => Headers) | undefined;
  private responseHeadersValue: Headers | undefined = undefined;

  constructor(
    readonly service: string,
    readonly method: string,
    readonly peer: string | undefined,
    private readonly scope: CallScope,
    requestHeaders: Headers | (() => Headers) | undefined,
    readonly deadline: number | undefined,
    readonly peerCertificate: PeerCertificate | undefined = undefined,
  ) {
    this.requestHeadersValue = requestHeaders;
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      const reason = this.scope.abortReason;
      const deadline = this.deadline;
      if (reason !== undefined) {
        this.controller.abort(reason);
      } else if (deadline !== undefined && deadline <= Date.now()) {
        this.controller.abort(deadlineExceeded(deadline));
      } else if (!this.done) {
        this.scope.watch(this);
        if (deadline !== undefined) {
          this.timer = setTimeout(() => this.abort(deadlineExceeded(deadline)), deadline - Date.now());
          (this.timer as { unref?: () => void }).unref?.();
        }
      }
    }
    return this.controller.signal;
  }

  get requestHeaders(): Headers {
    const value = this.requestHeadersValue;
    if (value instanceof Headers) return value;
    const headers = value === undefined ? new Headers() : value();
    this.requestHeadersValue = headers;
    return headers;
  }

  get responseHeaders(): Headers {
    if (this.responseHeadersValue === undefined) this.responseHeadersValue = new Headers();
    return this.responseHeadersValue;
  }

  /** The reply's headers, if a handler or interceptor set any. */
  get replyHeaders(): Headers | undefined {
    return this.responseHeadersValue;
  }

  abort(reason: unknown): void {
    this.controller?.abort(reason);
  }

  /** The call is over: stop watching the scope and the deadline. */
  release(): void {
    this.done = true;
    if (this.controller !== undefined) {
      this.scope.unwatch(this);
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
    }
  }
}
