/**
 * Onion-style interceptors, as in connect-es: each wraps the next and may inspect or change the call,
 * the result or the error (logging, auth, metrics, retries).
 */
import type { CallContext, CallOptions, HeadersInit, MethodDescriptor } from "../service.js";
import { toHeaders } from "./headers.js";

/** A call on its way out, as client interceptors see it. */
export class ClientCall {
  private headers: Headers | undefined = undefined;
  /** The reply's headers, once a reply with headers arrived (transports with headers only). */
  responseHeaders: Headers | undefined = undefined;

  constructor(
    readonly service: string,
    readonly method: MethodDescriptor,
    public args: unknown,
    public options: CallOptions,
  ) {}

  /** The headers to send; starts as `options.headers`, and interceptors may change it. */
  get requestHeaders(): Headers {
    if (this.headers === undefined) this.headers = toHeaders(this.options.headers);
    return this.headers;
  }

  /** The headers to send: `requestHeaders` when an interceptor looked at them, else `options.headers`. */
  get headersToSend(): HeadersInit | undefined {
    return this.headers ?? this.options.headers;
  }
}
export type ClientNext = (call: ClientCall) => Promise<unknown>;
export type ClientInterceptor = (next: ClientNext) => ClientNext;

export interface ServerCall {
  readonly service: string;
  readonly method: MethodDescriptor;
  readonly args: unknown;
  readonly ctx: CallContext;
}
export type ServerNext = (call: ServerCall) => Promise<unknown>;
export type ServerInterceptor = (next: ServerNext) => ServerNext;

/** Wraps `last` in the interceptors, the first one outermost. */
export function chain<N>(interceptors: readonly ((next: N) => N)[], last: N): N {
  let next = last;
  for (let i = interceptors.length - 1; i >= 0; i--) next = interceptors[i]!(next);
  return next;
}
