/**
 * The base of every client channel (TCP connection, HTTP client, in-memory channel): the one place
 * where calls enter, pass through the interceptors and get their wire names. Transports implement
 * `send`, with a CallTracker applying the call's timeout and signal.
 */
import type { CallOptions, ClientChannel, HeadersInit, MethodDescriptor } from "../service.js";
import { chain, ClientCall, type ClientInterceptor, type ClientNext } from "./interceptors.js";

/** Options every client channel takes. */
export interface ChannelOptions {
  /** Default timeout of every call, in ms (0: none). Calls override it with `CallOptions.timeoutMs`. Default 30,000. */
  timeoutMs?: number | undefined;
  interceptors?: readonly ClientInterceptor[] | undefined;
  /** Send `Service:method` names (Thrift's multiplexed protocol). Default false. */
  multiplexed?: boolean | undefined;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

export abstract class BaseChannel implements ClientChannel {
  protected readonly multiplexed: boolean;
  private readonly next: ClientNext | undefined;
  private readonly wireNames = new Map<string, Map<MethodDescriptor, string>>();

  constructor(options: ChannelOptions) {
    this.multiplexed = options.multiplexed ?? false;
    const interceptors = options.interceptors ?? [];
    this.next =
      interceptors.length === 0 ? undefined : chain(interceptors, (call: ClientCall) => this.send(call.method, call.args, call.options, call.service, call));
  }

  call<A, R, AI>(method: MethodDescriptor<A, R, any, AI>, args: AI, options?: CallOptions, service?: string): Promise<R> {
    if (this.next === undefined) return this.send(method as MethodDescriptor, args, options, service ?? "", undefined) as Promise<R>;
    return this.next(new ClientCall(service ?? "", method as MethodDescriptor, args, options ?? {})) as Promise<R>;
  }

  /**
   * Encodes and carries one call; resolves with the decoded result. `call` is the interceptors' view of
   * it, when there are interceptors (its `requestHeaders` may have been changed).
   */
  protected abstract send(method: MethodDescriptor, args: unknown, options: CallOptions | undefined, service: string, call: ClientCall | undefined): Promise<unknown>;

  /** The method's name on the wire: `Service:method` when multiplexed (and the service is known). */
  protected wireName(service: string, method: MethodDescriptor): string {
    if (!this.multiplexed || service === "") return method.name;
    let names = this.wireNames.get(service);
    if (names === undefined) this.wireNames.set(service, (names = new Map()));
    let name = names.get(method);
    if (name === undefined) names.set(method, (name = `${service}:${method.name}`));
    return name;
  }
}

/** The headers a call sends: what interceptors made of them, else its options' own. */
export function headersToSend(options: CallOptions | undefined, call: ClientCall | undefined): HeadersInit | undefined {
  return call !== undefined ? call.headersToSend : options?.headers;
}
