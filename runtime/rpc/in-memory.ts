/**
 * A channel that carries calls to a Processor in the same process, through real encoding and decoding
 * (no sockets). Used by tests and for wiring services together in one process.
 */
import { TProtocolException, TProtocolExceptionType } from "../protocol/errors.js";
import { BinaryProtocol } from "../protocol/binary.js";
import type { Protocol, ProtocolWriter } from "../protocol/protocol.js";
import type { CallOptions, ClientChannel, MethodDescriptor } from "../service.js";
import { readReply, writeCall } from "./call.js";
import { chain, type ClientCall, type ClientInterceptor, type ClientNext } from "./interceptors.js";
import { Outcome, type Processor } from "./processor.js";

export interface InMemoryOptions {
  protocol?: Protocol | undefined;
  /** Prefix method names with `Service:` (Thrift's multiplexed protocol). */
  multiplexed?: boolean | undefined;
  interceptors?: readonly ClientInterceptor[] | undefined;
}

export function createInMemoryChannel(processor: Processor, options: InMemoryOptions = {}): ClientChannel {
  const protocol = options.protocol ?? BinaryProtocol;
  const never = new AbortController().signal;
  // Requests are encoded and decoded in one synchronous step, so one writer and one reader serve them all.
  let requestWriter = protocol.createWriter();
  const reader = protocol.createReader(new Uint8Array(0));
  let seqid = 0;

  const readResult = (call: ClientCall, id: number, outcome: Outcome, w: ProtocolWriter & { buffer: { finish(): Uint8Array } }): unknown => {
    if (call.method.oneway || outcome === Outcome.NoReply) return undefined;
    const r = protocol.createReader(w.buffer.finish());
    const header = r.readMessageBegin();
    if (header.seqid !== id) throw new TProtocolException(TProtocolExceptionType.INVALID_DATA, `reply seqid ${header.seqid} does not match call ${id}`);
    return readReply(r, header, call.method);
  };

  const send: ClientNext = (call: ClientCall) => {
    try {
      call.options.signal?.throwIfAborted();
      const id = (seqid = (seqid + 1) | 0);
      const request = requestWriter;
      request.buffer.reset();
      try {
        writeCall(request, options.multiplexed ? `${call.service}:${call.method.name}` : call.method.name, id, call.method, call.args);
      } catch (error) {
        requestWriter = protocol.createWriter(); // a failed encode may leave the writer mid-struct
        throw error;
      }
      reader.reset(request.buffer.finish());
      // Replies may be written after an await, so each call gets its own output.
      const out = protocol.createWriter();
      const outcome = processor.handle(reader, out, { signal: call.options.signal ?? never });
      if (outcome instanceof Promise) return outcome.then((o) => readResult(call, id, o, out));
      return Promise.resolve(readResult(call, id, outcome, out));
    } catch (error) {
      return Promise.reject(error);
    }
  };
  const next = chain(options.interceptors ?? [], send);
  return {
    call<A, R, AI>(method: MethodDescriptor<A, R, unknown, AI>, args: AI, callOptions?: CallOptions, service?: string): Promise<R> {
      return next({ service: service ?? "", method: method as MethodDescriptor, args, options: callOptions ?? {} }) as Promise<R>;
    },
  };
}
