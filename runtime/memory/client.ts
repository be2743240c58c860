/**
 * A channel that carries calls to services in the same process, through real encoding and decoding
 * (no sockets): for tests, and for wiring services together in one process. Timeouts, abort signals,
 * headers, deadlines and interceptors work as over the network.
 */
import { BinaryProtocol } from "../protocol/binary.js";
import { TProtocolException, TProtocolExceptionType } from "../protocol/errors.js";
import type { Protocol, ProtocolReader, ProtocolWriter, ReaderInput, ReaderLimits } from "../protocol/protocol.js";
import { readerLimits } from "../limits.js";
import { readReply, writeCall } from "../rpc/call.js";
import { BaseChannel, DEFAULT_TIMEOUT_MS, headersToSend } from "../rpc/channel.js";
import { Scope } from "../rpc/context.js";
import { toHeaders } from "../rpc/headers.js";
import type { ClientCall } from "../rpc/interceptors.js";
import { CallTracker, type CallHost, type PendingCall } from "../rpc/pending.js";
import { Outcome, Processor, type RequestContext } from "../rpc/processor.js";
import { servicesOf, type ServiceRegistrations } from "../rpc/registrations.js";
import type { CallOptions, MethodDescriptor, PeerCertificate, ServiceDescriptor } from "../service.js";
import type { InMemoryOptions } from "./options.js";

/** A channel to services in this process: `createInMemoryChannel(Calc, handler)`. */
export function createInMemoryChannel<H>(descriptor: ServiceDescriptor<any, H>, handler: H, options?: InMemoryOptions): InMemoryChannel;
/** A channel to several services (`{ Calc: implement(Calc, handler), ... }`), or to a Processor. */
export function createInMemoryChannel(services: ServiceRegistrations | Processor, options?: InMemoryOptions): InMemoryChannel;
export function createInMemoryChannel(first: ServiceDescriptor<any, any> | ServiceRegistrations | Processor, second?: unknown, third?: InMemoryOptions): InMemoryChannel {
  if (first instanceof Processor) return new InMemoryChannel(first, (second as InMemoryOptions | undefined) ?? {});
  const [services, options = {}] = servicesOf(first, second, third);
  const processor = new Processor({
    services,
    ...(options.defaultService !== undefined && { defaultService: options.defaultService }),
    ...(options.serverInterceptors !== undefined && { interceptors: options.serverInterceptors }),
    ...(options.logger !== undefined && { logger: options.logger }),
  });
  return new InMemoryChannel(processor, options);
}

type Writer = ProtocolWriter & { buffer: { finish(): Uint8Array; reset(): void } };

export class InMemoryChannel extends BaseChannel implements CallHost {
  readonly peer = "in-memory";
  private readonly processor: Processor;
  private readonly protocol: Protocol;
  private readonly tracker: CallTracker;
  // Requests are encoded and decoded in one synchronous step, so one writer and one reader serve them all.
  private requestWriter: Writer;
  private readonly reader: ProtocolReader & ReaderInput;
  private readonly limits: ReaderLimits;
  private readonly peerCertificate: PeerCertificate | undefined;

  constructor(processor: Processor, options: InMemoryOptions) {
    super(options);
    this.processor = processor;
    this.peerCertificate = options.peerCertificate;
    this.protocol = options.protocol ?? BinaryProtocol;
    this.tracker = new CallTracker(this, options.timeoutMs ?? DEFAULT_TIMEOUT_MS, false);
    this.requestWriter = this.protocol.createWriter();
    this.limits = readerLimits(options);
    this.reader = this.protocol.createReader(new Uint8Array(0), this.limits);
  }

  abandoned(): void {
    // The call's scope (its `cancel`) aborts the handler's signal; nothing else holds on to it.
  }

  protected send(method: MethodDescriptor, args: unknown, options: CallOptions | undefined, service: string, call: ClientCall | undefined): Promise<unknown> {
    const signal = options?.signal;
    if (signal !== undefined && signal.aborted) return Promise.reject(signal.reason);
    const tracker = this.tracker;
    const seqid = tracker.nextSeqid();
    const request = this.requestWriter;
    request.buffer.reset();
    try {
      writeCall(request, this.wireName(service, method), seqid, method, args);
    } catch (error) {
      this.requestWriter = this.protocol.createWriter(); // a failed encode may leave the writer mid-struct
      return Promise.reject(error);
    }
    this.reader.reset(request.buffer.finish());
    const pending = tracker.open(seqid, method, options, call, Date.now());
    const scope = new Scope();
    pending.cancel = scope;
    const headers = headersToSend(options, call);
    const context: RequestContext = {
      peer: this.peer,
      peerCertificate: this.peerCertificate,
      scope,
      headers: headers === undefined ? undefined : toHeaders(headers),
      deadline: pending.deadline === Infinity ? undefined : pending.deadline,
    };
    // Replies may be written after an await, so each call gets its own output.
    const out = this.protocol.createWriter() as Writer;
    let outcome: Outcome | Promise<Outcome>;
    try {
      outcome = this.processor.handle(this.reader, out, context);
    } catch (error) {
      tracker.fail(pending, error); // the request did not decode (a limit, say)
      return pending.promise;
    }
    if (outcome instanceof Promise) outcome.then((o) => this.finish(pending, o, out, context), (error: unknown) => tracker.fail(pending, error));
    else this.finish(pending, outcome, out, context);
    return pending.promise;
  }

  private finish(pending: PendingCall, outcome: Outcome, out: Writer, context: RequestContext): void {
    const tracker = this.tracker;
    if (!tracker.isPending(pending)) return; // timed out or aborted meanwhile
    // The handler may have failed because the deadline aborted it, just before the tracker's timer.
    if (pending.deadline !== Infinity && tracker.expireIfDue(pending)) return;
    const headers = context.replyHeaders;
    if (pending.method.oneway || outcome === Outcome.NoReply) {
      tracker.resolve(pending, undefined, headers);
      return;
    }
    let value: unknown;
    try {
      const r = this.protocol.createReader(out.buffer.finish(), this.limits);
      const header = r.readMessageBegin();
      if (header.seqid !== pending.seqid) {
        throw new TProtocolException(TProtocolExceptionType.INVALID_DATA, `reply seqid ${header.seqid} does not match call ${pending.seqid}`);
      }
      value = readReply(r, header, pending.method);
    } catch (error) {
      tracker.fail(pending, error, headers);
      return;
    }
    tracker.resolve(pending, value, headers);
  }
}
