/**
 * A channel that carries calls to a Processor in the same process, through real encoding and decoding
 * (no sockets). Used by tests and for wiring services together in one process.
 */
import { TProtocolException, TProtocolExceptionType } from "../protocol/errors.js";
import { BinaryProtocol } from "../protocol/binary.js";
import type { Protocol } from "../protocol/protocol.js";
import type { CallOptions, ClientChannel, MethodDescriptor } from "../service.js";
import { readReply, writeCall } from "./call.js";
import { chain, type ClientCall, type ClientInterceptor, type ClientNext } from "./interceptors.js";
import { Outcome, type Processor } from "./processor.js";

export interface InMemoryOptions {
  protocol?: Protocol;
  /** Prefix method names with `Service:` (Thrift's multiplexed protocol). */
  multiplexed?: boolean;
  interceptors?: readonly ClientInterceptor[];
}

export function createInMemoryChannel(processor: Processor, options: InMemoryOptions = {}): ClientChannel {
  const protocol = options.protocol ?? BinaryProtocol;
  let seqid = 0;
  const send: ClientNext = async (call: ClientCall) => {
    call.options.signal?.throwIfAborted();
    const id = (seqid = (seqid + 1) | 0);
    const w = protocol.createWriter();
    writeCall(w, options.multiplexed ? `${call.service}:${call.method.name}` : call.method.name, id, call.method, call.args);
    const request = w.buffer.finish();
    const out = protocol.createWriter();
    const outcome = await processor.process(protocol.createReader(request), out, { signal: call.options.signal ?? new AbortController().signal });
    if (call.method.oneway || outcome === Outcome.NoReply) return undefined;
    const r = protocol.createReader(out.buffer.finish());
    const header = r.readMessageBegin();
    if (header.seqid !== id) throw new TProtocolException(TProtocolExceptionType.INVALID_DATA, `reply seqid ${header.seqid} does not match call ${id}`);
    return readReply(r, header, call.method);
  };
  const next = chain(options.interceptors ?? [], send);
  return {
    call<A, R, AI>(method: MethodDescriptor<A, R, unknown, AI>, args: AI, callOptions?: CallOptions, service?: string): Promise<R> {
      return next({ service: service ?? "", method: method as MethodDescriptor, args, options: callOptions ?? {} }) as Promise<R>;
    },
  };
}
