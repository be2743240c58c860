/** Encoding a call and decoding its reply: the client half of Thrift's RPC, shared by every transport. */
import { TApplicationException, TApplicationExceptionType, TProtocolException, TProtocolExceptionType } from "../protocol/errors.js";
import type { MessageHeader, ProtocolReader, ProtocolWriter } from "../protocol/protocol.js";
import { MessageType } from "../protocol/ttype.js";
import type { MethodDescriptor } from "../service.js";

/** Writes one CALL (or ONEWAY) message. `name` is the method name as sent (`Service:method` when multiplexed). */
export function writeCall(w: ProtocolWriter, name: string, seqid: number, method: MethodDescriptor, args: unknown): void {
  w.writeMessageBegin(name, method.oneway ? MessageType.ONEWAY : MessageType.CALL, seqid);
  method.args.write(w, args);
  w.writeMessageEnd();
}

/**
 * Reads the body of a reply whose header was already read: returns the result, or throws the declared
 * exception, a TApplicationException sent by the server, or MISSING_RESULT.
 */
export function readReply(r: ProtocolReader, header: MessageHeader, method: MethodDescriptor): unknown {
  if (header.type === MessageType.EXCEPTION) {
    const e = TApplicationException.read(r);
    r.readMessageEnd();
    throw e;
  }
  if (header.type !== MessageType.REPLY) {
    throw new TProtocolException(TProtocolExceptionType.INVALID_DATA, `expected a reply to ${method.name} but got message type ${header.type}`);
  }
  const result = method.result.read(r) as Record<string, unknown>;
  r.readMessageEnd();
  for (const ex of method.throws) {
    const value = result[ex.name];
    if (value !== undefined) throw value;
  }
  if (method.returnsVoid) return undefined;
  const success = result["success"];
  if (success !== undefined) return success;
  throw new TApplicationException(TApplicationExceptionType.MISSING_RESULT, `${method.name} failed: unknown result`);
}
