/**
 * Onion-style interceptors, as in connect-es: each wraps the next and may inspect or change the call,
 * the result or the error (logging, auth, metrics, retries).
 */
import type { CallContext, CallOptions, MethodDescriptor } from "../service.js";

export interface ClientCall {
  readonly service: string;
  readonly method: MethodDescriptor;
  args: unknown;
  options: CallOptions;
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
