/**
 * The server half of Thrift's RPC, independent of transports: reads one request message, dispatches it
 * to a handler (multiplexed `Service:method` names, with a default service for bare names) and writes
 * the reply. Transport-level failures (undecodable bytes) are thrown so the transport can close that
 * connection; everything a handler does becomes a reply.
 */
import { TApplicationException, TApplicationExceptionType, TProtocolException, TProtocolExceptionType } from "../protocol/errors.js";
import type { ProtocolReader, ProtocolWriter } from "../protocol/protocol.js";
import { MessageType, TType } from "../protocol/ttype.js";
import type { CallContext, MethodDescriptor, ServiceDescriptor } from "../service.js";
import { chain, type ServerCall, type ServerInterceptor, type ServerNext } from "./interceptors.js";

/** Events a server reports to its logger hook. */
export type ServerEvent =
  | { kind: "handler-error"; service: string; method: string; error: unknown }
  | { kind: "oneway-error"; service: string; method: string; error: unknown }
  | { kind: "connection-error"; peer?: string; error: unknown }
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
  defaultService?: string;
  interceptors?: readonly ServerInterceptor[];
  logger?: ServerLogger;
}

export interface RequestContext {
  peer?: string;
  signal: AbortSignal;
}

/** What a processed request produced: a reply written to the output, or nothing to send (oneway). */
export const Outcome = { Replied: 0, NoReply: 1 } as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

export class Processor {
  private readonly services: Readonly<Record<string, Registration>>;
  private readonly defaultService: Registration | undefined;
  private readonly defaultName: string | undefined;
  private readonly invoke: ServerNext;
  readonly logger: ServerLogger;

  constructor(options: ProcessorOptions) {
    this.services = options.services;
    const names = Object.keys(options.services);
    this.defaultName = options.defaultService ?? (names.length === 1 ? names[0] : undefined);
    if (this.defaultName !== undefined && !options.services[this.defaultName]) {
      throw new Error(`default service '${this.defaultName}' is not registered`);
    }
    this.defaultService = this.defaultName === undefined ? undefined : options.services[this.defaultName];
    this.logger = options.logger ?? (() => {});
    const services = this.services;
    this.invoke = chain(options.interceptors ?? [], async (call: ServerCall) => {
      const reg = services[call.service]!;
      return call.method.invoke(reg.handler, call.args, call.ctx);
    });
  }

  /**
   * Processes one request read from `r` and writes any reply with `w`. Throws TProtocolException when
   * the request cannot be decoded (the caller should drop the connection).
   */
  async process(r: ProtocolReader, w: ProtocolWriter, request: RequestContext): Promise<Outcome> {
    const header = r.readMessageBegin();
    if (header.type !== MessageType.CALL && header.type !== MessageType.ONEWAY) {
      throw new TProtocolException(TProtocolExceptionType.INVALID_DATA, `expected a call but got message type ${header.type}`);
    }
    const colon = header.name.indexOf(":");
    let serviceName: string | undefined;
    let reg: Registration | undefined;
    let methodName: string;
    if (colon >= 0) {
      serviceName = header.name.slice(0, colon);
      methodName = header.name.slice(colon + 1);
      reg = this.services[serviceName];
    } else {
      serviceName = this.defaultName;
      methodName = header.name;
      reg = this.defaultService;
    }
    const method: MethodDescriptor | undefined = reg?.descriptor.methods[methodName];
    const oneway = header.type === MessageType.ONEWAY;
    if (!reg || !method || serviceName === undefined) {
      r.skip(TType.STRUCT);
      r.readMessageEnd();
      if (oneway) return Outcome.NoReply;
      const message = reg ? `Unknown function ${methodName}` : `Unknown service ${serviceName ?? "(none)"} for ${header.name}`;
      writeException(w, methodName, header.seqid, new TApplicationException(TApplicationExceptionType.UNKNOWN_METHOD, message));
      return Outcome.Replied;
    }
    const args = method.args.read(r);
    r.readMessageEnd();
    const ctx: CallContext = { service: serviceName, method: methodName, signal: request.signal, ...(request.peer !== undefined && { peer: request.peer }) };

    let result: unknown;
    try {
      result = await this.invoke({ service: serviceName, method, args, ctx });
    } catch (error) {
      if (oneway) {
        this.logger({ kind: "oneway-error", service: serviceName, method: methodName, error });
        return Outcome.NoReply;
      }
      const declared = method.throws.find((t) => error instanceof t.type);
      if (declared) {
        return this.writeResult(w, methodName, header.seqid, method, { [declared.name]: error }, serviceName);
      }
      if (error instanceof TApplicationException) {
        writeException(w, methodName, header.seqid, error);
        return Outcome.Replied;
      }
      // Undeclared errors reach the operator's log; the client learns only that it failed.
      this.logger({ kind: "handler-error", service: serviceName, method: methodName, error });
      writeException(w, methodName, header.seqid, new TApplicationException(TApplicationExceptionType.INTERNAL_ERROR, "Internal error"));
      return Outcome.Replied;
    }
    if (oneway) return Outcome.NoReply;
    return this.writeResult(w, methodName, header.seqid, method, method.returnsVoid ? {} : { success: result }, serviceName);
  }

  private writeResult(w: ProtocolWriter, name: string, seqid: number, method: MethodDescriptor, value: Record<string, unknown>, service: string): Outcome {
    const mark = markOf(w);
    try {
      w.writeMessageBegin(name, MessageType.REPLY, seqid);
      method.result.write(w, value);
      w.writeMessageEnd();
    } catch (error) {
      // The handler's value could not be encoded (e.g. a required field missing): report, don't crash.
      rewind(w, mark);
      this.logger({ kind: "result-error", service, method: name, error });
      writeException(w, name, seqid, new TApplicationException(TApplicationExceptionType.INTERNAL_ERROR, "Internal error"));
    }
    return Outcome.Replied;
  }
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
