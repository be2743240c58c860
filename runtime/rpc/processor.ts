/**
 * The server half of Thrift's RPC, independent of transports: reads one request message, dispatches it
 * to a handler (multiplexed `Service:method` names, with a default service for bare names) and writes
 * the reply. Transport-level failures (undecodable bytes) are thrown so the transport can close that
 * connection; everything a handler does becomes a reply.
 *
 * `process` does all of it for one message. Transports that write replies themselves (framing, batching,
 * concurrent calls on one connection) use the steps: `readCall`, `invoke`, then `writeSuccess` /
 * `writeError` / `writeUnknown`. A handler that returns a plain value is served synchronously, with no
 * promise in between.
 */
import { TApplicationException, TApplicationExceptionType, TProtocolException, TProtocolExceptionType } from "../protocol/errors.js";
import type { ProtocolReader, ProtocolWriter } from "../protocol/protocol.js";
import { MessageType, TType } from "../protocol/ttype.js";
import type { CallContext, MethodDescriptor, PeerCertificate, ServiceDescriptor } from "../service.js";
import { ServerCallContext, type CallScope } from "./context.js";
import { DEADLINE_BUDGET_HEADER, deadlineOf } from "./headers.js";
import { chain, type ServerCall, type ServerInterceptor, type ServerNext } from "./interceptors.js";
import { CallRefused } from "./refused.js";

/** Events a server reports to its logger hook. */
export type ServerEvent =
  | { kind: "handler-error"; service: string; method: string; error: unknown }
  | { kind: "oneway-error"; service: string; method: string; error: unknown }
  | { kind: "connection-error"; peer?: string | undefined; error: unknown }
  | { kind: "connection-rejected"; peer?: string | undefined; reason: string }
  | { kind: "request-rejected"; peer?: string | undefined; status: number; reason: string }
  /** An interceptor refused the call (CallRefused): no handler ran. `reason` never holds a credential. */
  | { kind: "call-refused"; service: string; method: string; peer?: string | undefined; reason: string }
  | { kind: "result-error"; service: string; method: string; error: unknown };

export type ServerLogger = (event: ServerEvent) => void;

export interface Registration {
  readonly descriptor: ServiceDescriptor;
  readonly handler: unknown;
}

export interface ProcessorOptions {
  /** Services by the name clients use as multiplexing prefix. */
  services: Readonly<Record<string, Registration>>;
  /** The service that serves names without a `Service:` prefix; defaults to the only service, if one. */
  defaultService?: string | undefined;
  interceptors?: readonly ServerInterceptor[] | undefined;
  logger?: ServerLogger | undefined;
}

/** Where a request came from: its peer, the scope its calls belong to, its headers and deadline. */
export interface RequestContext {
  peer?: string | undefined;
  /** The certificate the client presented over TLS. */
  peerCertificate?: PeerCertificate | undefined;
  scope: CallScope;
  /** The call's headers, or how to make them when a handler first looks. */
  headers?: Headers | (() => Headers) | undefined;
  deadline?: number | undefined;
  /** Filled by `handle`: the headers the handler set for the reply, if any. */
  replyHeaders?: Headers | undefined;
}

/** What carries a request's headers (a framing's MessageMeta): all of them, made on demand, and one by name. */
export interface HeaderSource {
  readonly headers?: Headers | undefined;
  /** One header's value (names compared case-insensitively), without making `headers`. */
  header?(name: string): string | undefined;
}

/**
 * `base` for a request whose headers come from `source`: they are made only if a handler or interceptor
 * reads them; the deadline is what their `Deadline-Budget` sets. The fields of `base` are copied one by
 * one (a spread costs more than the rest of the call): a field added to RequestContext is added here.
 */
export function withHeaders(base: RequestContext, source: HeaderSource): RequestContext {
  const budget = source.header !== undefined ? source.header(DEADLINE_BUDGET_HEADER) : source.headers?.get(DEADLINE_BUDGET_HEADER);
  return {
    peer: base.peer,
    peerCertificate: base.peerCertificate,
    scope: base.scope,
    headers: () => source.headers ?? new Headers(),
    deadline: deadlineOf(budget, Date.now()),
  };
}

/** What a processed request produced: a reply written to the output, or nothing to send (oneway). */
export const Outcome = { Replied: 0, NoReply: 1 } as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

/** A decoded request. `method` is undefined when no registered service has the method. */
export class IncomingCall {
  constructor(
    readonly seqid: number,
    /** The method name as the reply carries it (without a service prefix). */
    readonly name: string,
    readonly oneway: boolean,
    /** The service name (the prefix, or the default service's name). */
    readonly service: string | undefined,
    readonly registration: Registration | undefined,
    readonly method: MethodDescriptor | undefined,
    readonly args: unknown,
  ) {}
}

/** True for promises and other thenables (what `await` would wait for). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

export class Processor {
  private readonly services: Readonly<Record<string, Registration>>;
  private readonly defaultService: Registration | undefined;
  private readonly defaultName: string | undefined;
  /** The interceptor chain around the handler call; undefined without interceptors (direct calls). */
  private readonly chained: ServerNext | undefined;
  readonly logger: ServerLogger;
  /** Methods a partial handler leaves out, by registration: calls to them get UNKNOWN_METHOD. */
  private readonly unimplemented = new Map<Registration, ReadonlySet<string>>();

  constructor(options: ProcessorOptions) {
    this.services = options.services;
    for (const [name, reg] of Object.entries(options.services)) {
      const missing = checkHandler(name, reg);
      if (missing.length > 0) this.unimplemented.set(reg, new Set(missing));
    }
    const names = Object.keys(options.services);
    this.defaultName = options.defaultService ?? (names.length === 1 ? names[0] : undefined);
    if (this.defaultName !== undefined && !options.services[this.defaultName]) {
      throw new Error(`default service '${this.defaultName}' is not registered`);
    }
    this.defaultService = this.defaultName === undefined ? undefined : options.services[this.defaultName];
    this.logger = options.logger ?? (() => {});
    const services = this.services;
    const interceptors = options.interceptors ?? [];
    this.chained =
      interceptors.length === 0
        ? undefined
        : chain(interceptors, async (call: ServerCall) => {
            const reg = services[call.service]!;
            return call.method.invoke(reg.handler, call.args, call.ctx);
          });
  }

  /** The services served, by the name clients use as multiplexing prefix. */
  get registrations(): Readonly<Record<string, Registration>> {
    return this.services;
  }

  /**
   * The method `method` of the service registered as `service`, when it is declared and its handler
   * implements it (what a call by name dispatches to); undefined otherwise.
   */
  lookup(service: string, method: string): { registration: Registration; method: MethodDescriptor } | undefined {
    if (!Object.hasOwn(this.services, service)) return undefined;
    const registration = this.services[service]!;
    const methods = registration.descriptor.methods;
    if (!Object.hasOwn(methods, method) || this.unimplemented.get(registration)?.has(method) === true) return undefined;
    return { registration, method: methods[method]! };
  }

  /**
   * Reads one request message: header and arguments (the arguments of an unknown method are skipped).
   * Throws TProtocolException when the request cannot be decoded or is not a call.
   */
  readCall(r: ProtocolReader): IncomingCall {
    const header = r.readMessageBegin();
    const type = header.type;
    if (type !== MessageType.CALL && type !== MessageType.ONEWAY) {
      throw new TProtocolException(TProtocolExceptionType.INVALID_DATA, `expected a call but got message type ${type}`);
    }
    const fullName = header.name;
    const colon = fullName.indexOf(":");
    let serviceName: string | undefined;
    let reg: Registration | undefined;
    let methodName: string;
    if (colon >= 0) {
      serviceName = fullName.slice(0, colon);
      methodName = fullName.slice(colon + 1);
      reg = Object.hasOwn(this.services, serviceName) ? this.services[serviceName] : undefined;
    } else {
      serviceName = this.defaultName;
      methodName = fullName;
      reg = this.defaultService;
    }
    // Own properties only: a call to `constructor` or `toString` is an unknown method, not Object's.
    const methods = reg?.descriptor.methods;
    const method: MethodDescriptor | undefined = methods !== undefined && Object.hasOwn(methods, methodName) ? methods[methodName] : undefined;
    const oneway = type === MessageType.ONEWAY;
    if (
      reg === undefined ||
      method === undefined ||
      serviceName === undefined ||
      (this.unimplemented.size !== 0 && this.unimplemented.get(reg)?.has(methodName) === true)
    ) {
      r.skip(TType.STRUCT);
      r.readMessageEnd();
      return new IncomingCall(header.seqid, methodName, oneway, serviceName, reg, undefined, undefined);
    }
    const args = method.args.read(r);
    r.readMessageEnd();
    return new IncomingCall(header.seqid, methodName, oneway, serviceName, reg, method, args);
  }

  /** The context a handler receives for `call` (release it when the call is over). */
  context(call: IncomingCall, request: RequestContext): ServerCallContext {
    return new ServerCallContext(call.service!, call.name, request.peer, request.scope, request.headers, request.deadline, request.peerCertificate);
  }

  /**
   * Calls the handler of a known method (through the interceptors, if any). Returns the handler's value
   * or promise; a synchronous throw propagates.
   */
  invoke(call: IncomingCall, ctx: CallContext): unknown {
    const method = call.method!;
    if (this.chained === undefined) return method.invoke(call.registration!.handler, call.args, ctx);
    return this.chained({ service: call.service!, method, args: call.args, ctx });
  }

  /**
   * Calls the handler (through the interceptors) and hands its outcome to `settle`: at once for a plain
   * value or a throw, when its promise settles otherwise.
   */
  run(call: IncomingCall, ctx: CallContext, settle: (value: unknown, failed: boolean) => void): void {
    let result: unknown;
    try {
      result = this.invoke(call, ctx);
    } catch (error) {
      settle(error, true);
      return;
    }
    if (isThenable(result)) {
      result.then(
        (value) => settle(value, false),
        (error: unknown) => settle(error, true),
      );
    } else {
      settle(result, false);
    }
  }

  /** Writes the reply carrying a handler's value. Oneway calls get none. */
  writeSuccess(w: ProtocolWriter, call: IncomingCall, value: unknown): Outcome {
    if (call.oneway) return Outcome.NoReply;
    const method = call.method!;
    return this.writeResult(w, call, method.returnsVoid ? {} : { success: value });
  }

  /**
   * Writes the reply for an error a handler threw: a declared exception goes in the result struct, a
   * TApplicationException is sent as is, anything else is logged and sent as INTERNAL_ERROR without
   * details. A CallRefused is logged as `call-refused` (with the peer from `ctx`) and sent as is.
   * Oneway calls only log.
   */
  writeError(w: ProtocolWriter, call: IncomingCall, error: unknown, ctx?: CallContext): Outcome {
    const service = call.service ?? "";
    if (error instanceof CallRefused) {
      this.logger({ kind: "call-refused", service, method: call.name, peer: ctx?.peer, reason: error.reason });
      if (call.oneway) return Outcome.NoReply;
      writeException(w, call.name, call.seqid, error);
      return Outcome.Replied;
    }
    if (call.oneway) {
      this.logger({ kind: "oneway-error", service, method: call.name, error });
      return Outcome.NoReply;
    }
    const throws = call.method!.throws;
    for (let i = 0; i < throws.length; i++) {
      const declared = throws[i]!;
      if (error instanceof declared.type) return this.writeResult(w, call, { [declared.name]: error });
    }
    if (error instanceof TApplicationException) {
      writeException(w, call.name, call.seqid, error);
      return Outcome.Replied;
    }
    // Undeclared errors reach the operator's log; the client learns only that it failed.
    this.logger({ kind: "handler-error", service, method: call.name, error });
    writeException(w, call.name, call.seqid, new TApplicationException(TApplicationExceptionType.INTERNAL_ERROR, "Internal error"));
    return Outcome.Replied;
  }

  /** Writes UNKNOWN_METHOD for a call whose method (or service) is not registered; nothing for oneway. */
  writeUnknown(w: ProtocolWriter, call: IncomingCall): Outcome {
    if (call.oneway) return Outcome.NoReply;
    const message =
      call.registration !== undefined
        ? Object.hasOwn(call.registration.descriptor.methods, call.name)
          ? `Unknown function ${call.name} (${call.service} does not implement it here)`
          : `Unknown function ${call.name}`
        : `Unknown service ${call.service ?? "(none)"} for ${call.service === undefined ? call.name : `${call.service}:${call.name}`}`;
    writeException(w, call.name, call.seqid, new TApplicationException(TApplicationExceptionType.UNKNOWN_METHOD, message));
    return Outcome.Replied;
  }

  /**
   * Processes one request read from `r` and writes any reply with `w`: synchronously when the handler
   * returns a plain value, else through the promise it returned. Throws TProtocolException when the
   * request cannot be decoded (the caller should drop the connection).
   */
  handle(r: ProtocolReader, w: ProtocolWriter, request: RequestContext): Outcome | Promise<Outcome> {
    const call = this.readCall(r);
    if (call.method === undefined) return this.writeUnknown(w, call);
    const ctx = this.context(call, request);
    let result: unknown;
    try {
      result = this.invoke(call, ctx);
    } catch (error) {
      finish(ctx, request);
      return this.writeError(w, call, error, ctx);
    }
    if (isThenable(result)) {
      return Promise.resolve(result).then(
        (value) => {
          finish(ctx, request);
          return this.writeSuccess(w, call, value);
        },
        (error: unknown) => {
          finish(ctx, request);
          return this.writeError(w, call, error, ctx);
        },
      );
    }
    finish(ctx, request);
    return this.writeSuccess(w, call, result);
  }

  /** `handle`, always as a promise (a decoding failure rejects it). */
  async process(r: ProtocolReader, w: ProtocolWriter, request: RequestContext): Promise<Outcome> {
    return this.handle(r, w, request);
  }

  private writeResult(w: ProtocolWriter, call: IncomingCall, value: Record<string, unknown>): Outcome {
    const mark = markOf(w);
    try {
      w.writeMessageBegin(call.name, MessageType.REPLY, call.seqid);
      call.method!.result.write(w, value);
      w.writeMessageEnd();
    } catch (error) {
      // The handler's value could not be encoded (e.g. a required field missing): report, don't crash.
      rewind(w, mark);
      this.logger({ kind: "result-error", service: call.service ?? "", method: call.name, error });
      writeException(w, call.name, call.seqid, new TApplicationException(TApplicationExceptionType.INTERNAL_ERROR, "Internal error"));
    }
    return Outcome.Replied;
  }
}

function finish(ctx: ServerCallContext, request: RequestContext): void {
  ctx.release();
  request.replyHeaders = ctx.replyHeaders;
}

/**
 * Checks a registration's handler; returns the methods it leaves out (calls to them get UNKNOWN_METHOD).
 * A handler that leaves methods out and has functions the service does not declare is refused: those
 * are misspellings (`divde` for `divide`), which would otherwise only show per call.
 */
function checkHandler(name: string, reg: Registration): string[] {
  const handler = reg.handler as Record<string, unknown> | null | undefined;
  if (handler === null || (typeof handler !== "object" && typeof handler !== "function")) {
    throw new TypeError(`the handler registered for ${name} is ${handler === null ? "null" : typeof handler}, not an object`);
  }
  const methods = reg.descriptor.methods;
  const handlerNames = new Set(Object.values(methods).map((m) => m.handlerName ?? m.name));
  const missing = Object.keys(methods).filter((m) => typeof handler[methods[m]!.handlerName ?? m] !== "function");
  const extra = Object.keys(handler).filter((k) => typeof handler[k] === "function" && !handlerNames.has(k));
  if (missing.length > 0 && extra.length > 0) {
    throw new TypeError(
      `the handler registered for ${name} has no function ${missing.map((m) => `'${m}'`).join(", ")} ` +
        `(it has ${extra.map((m) => `'${m}'`).join(", ")}, which ${reg.descriptor.name} does not declare)`,
    );
  }
  return missing;
}

export function writeException(w: ProtocolWriter, name: string, seqid: number, e: TApplicationException): void {
  w.writeMessageBegin(name, MessageType.EXCEPTION, seqid);
  TApplicationException.write(w, e);
  w.writeMessageEnd();
}

/** Writers that support rewinding expose their buffer; others are written to fresh each message. */
function markOf(w: ProtocolWriter): number {
  const b = (w as { buffer?: { length: number } }).buffer;
  return b ? b.length : -1;
}

function rewind(w: ProtocolWriter, mark: number): void {
  const b = (w as { buffer?: { pos: number } }).buffer;
  if (b && mark >= 0) b.pos = mark;
}
