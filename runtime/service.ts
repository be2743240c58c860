/* eslint-disable @typescript-eslint/no-explicit-any -- descriptors are heterogeneous tables */
/**
 * Descriptors that generated code emits for every service, and the channel interface client stubs
 * call through. Transports (in-memory, TCP, ...) implement ClientChannel; servers dispatch on
 * ServiceDescriptor.methods.
 */
import type { TException } from "./protocol/errors.js";
import type { MessageCodec } from "./codec.js";

/**
 * Headers to send with a call: a `Headers` object, a record, or name/value pairs. Names are
 * case-insensitive (HTTP's rules); transports that carry no headers (framed or buffered TCP) ignore them.
 */
export type HeadersInit = Headers | Readonly<Record<string, string>> | Iterable<readonly [string, string]>;

export interface CallOptions {
  /**
   * Rejects the call with a TTransportException (TIMED_OUT) after this many milliseconds; 0 or
   * Infinity: no timeout. Transports with headers also send the time left as the call's deadline.
   */
  timeoutMs?: number | undefined;
  /** Aborts the call: it rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /** Headers sent with the call (HTTP headers; THeader info headers). */
  headers?: HeadersInit | undefined;
  /** Receives the reply's headers, before the call settles (transports with headers only). */
  onResponseHeaders?: ((headers: Headers) => void) | undefined;
}

/**
 * The certificate a client presented over TLS, as plain data (the server's transport reads it from its
 * TLS socket). Interceptors authorise on it: see `requireClientCertificate`.
 */
export interface PeerCertificate {
  /**
   * True when the certificate verified against the server's trusted CAs (`tls.ca`). A server that only
   * requests certificates (`clientCertificate: "request"`) also lets unverified ones through: check this.
   */
  readonly authorized: boolean;
  /** Why it did not verify (OpenSSL's code: `CERT_HAS_EXPIRED`, `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, ...). */
  readonly authorizationError?: string | undefined;
  /** The subject's attributes (`CN`, `O`, `OU`, ...); an attribute given more than once is a list. */
  readonly subject: Readonly<Record<string, string | readonly string[]>>;
  /** The subject's (first) common name. */
  readonly commonName: string | undefined;
  /** The issuer's attributes. */
  readonly issuer: Readonly<Record<string, string | readonly string[]>>;
  /** Subject alternative names as OpenSSL writes them: `DNS:client.example`, `IP:10.0.0.7`, `URI:spiffe://...`, `email:...`. */
  readonly subjectAltNames: readonly string[];
  /** SHA-256 of the DER certificate, as colon-separated upper-case hex (what `openssl x509 -fingerprint -sha256` prints). */
  readonly fingerprint256: string;
  /** Upper-case hex. */
  readonly serialNumber: string;
  readonly validFrom: Date;
  readonly validTo: Date;
}

/** What a handler receives besides its arguments. */
export interface CallContext {
  readonly service: string;
  readonly method: string;
  /** The peer's address, when the transport has one (`127.0.0.1:51234`, a socket path, ...). */
  readonly peer?: string | undefined;
  /**
   * Aborted when the client goes away, the call's deadline passes, or the server shuts down. Handlers
   * pass it on to what they wait for, so work the client gave up on stops.
   */
  readonly signal: AbortSignal;
  /** When the client stops waiting, in `Date.now()` milliseconds; undefined when the call has no deadline. */
  readonly deadline: number | undefined;
  /** The call's headers (empty on transports that carry none). */
  readonly requestHeaders: Headers;
  /** Headers to send with the reply (on transports that carry headers). */
  readonly responseHeaders: Headers;
  /** The client's certificate, when it presented one over TLS (TCP or HTTPS); undefined otherwise. */
  readonly peerCertificate?: PeerCertificate | undefined;
}

export interface DeclaredException {
  /** Field id in the throws clause. */
  readonly id: number;
  /** Field name in the result struct. */
  readonly name: string;
  readonly type: abstract new (...args: never[]) => TException;
}

export interface ParamDescriptor {
  readonly id: number;
  readonly name: string;
  /** The IDL default, already converted to its TypeScript value; undefined when none. */
  readonly defaultValue?: unknown;
}

/**
 * One method: codecs for its `<name>_args` and `<name>_result` structs, and how to call a handler.
 * `A` is the decoded args struct, `AI` its input form, `R` the decoded result value.
 */
export interface MethodDescriptor<A = any, R = any, H = any, AI = A> {
  readonly name: string;
  /** The handler's method for it, where that is not `name` (an IDL name that clashes in TypeScript). */
  readonly handlerName?: string | undefined;
  readonly oneway: boolean;
  readonly returnsVoid: boolean;
  readonly params: readonly ParamDescriptor[];
  readonly args: MessageCodec<A, AI>;
  readonly result: MessageCodec<any, any>;
  readonly throws: readonly DeclaredException[];
  readonly annotations: Readonly<Record<string, string>>;
  /** Calls the handler; the value (or promise) it returns is the result to encode. */
  invoke(handler: H, args: A, ctx: CallContext): unknown;
  /** Phantom: the decoded result type, for typed clients. */
  readonly __result?: R;
}

export interface ServiceDescriptor<C = unknown, H = unknown> {
  readonly name: string;
  /** Every method, inherited ones included, by IDL name. */
  readonly methods: Readonly<Record<string, MethodDescriptor<any, any, H, any>>>;
  readonly parent?: ServiceDescriptor | undefined;
  readonly annotations: Readonly<Record<string, string>>;
  /** Builds the typed client over a channel. */
  createClient(channel: ClientChannel): C;
}

/** Carries calls: encodes the args, sends them, and resolves with the decoded result. */
export interface ClientChannel {
  call<A, R, AI>(method: MethodDescriptor<A, R, any, AI>, args: AI, options?: CallOptions, service?: string): Promise<R>;
}

/** The client type of a service descriptor. */
export type ClientOf<S> = S extends ServiceDescriptor<infer C, unknown> ? C : never;
/** The handler type of a service descriptor. */
export type HandlerOf<S> = S extends ServiceDescriptor<unknown, infer H> ? H : never;

export function createClient<C>(service: ServiceDescriptor<C, any>, channel: ClientChannel): C {
  return service.createClient(channel);
}

/** Base of generated clients: the channel calls go through and the service name they are made for. */
export class ServiceClient {
  constructor(
    protected readonly channel: ClientChannel,
    /** The service name used on the wire (the multiplexing prefix, when multiplexed). */
    readonly service: string,
  ) {}
}
