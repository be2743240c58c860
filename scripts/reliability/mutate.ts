/**
 * Hostile input for the decoder fuzzing: valid calls mutated (bit flips, interesting values, bytes
 * inserted or deleted, spliced), truncated, with bad frame lengths, huge container and string headers,
 * deep nesting, wrong message types, and plain garbage. Everything is built with the protocol's own
 * writer, so each protocol gets its own encoding of each attack.
 */
import { MessageType, TType, type Protocol, type ProtocolWriter, WriteBuffer } from "../../runtime/index.js";
import { sample, type Random } from "./service.js";

export const ATTACKS = ["mutated", "truncated", "bad length", "huge container", "huge string", "deep nesting", "wrong type", "spliced", "garbage"] as const;
export type Attack = (typeof ATTACKS)[number];

/** Encodes one message with `protocol` (no frame length). */
function encode(protocol: Protocol, write: (w: ProtocolWriter) => void): Uint8Array {
  const w = protocol.createWriter(new WriteBuffer(256));
  write(w);
  return w.buffer.bytes.slice(0, w.buffer.pos);
}

/** A valid call to one of ThriftTest's echo methods, with random arguments. */
export function validCall(protocol: Protocol, rnd: Random, seqid: number): Uint8Array {
  const s = sample(rnd);
  return encode(protocol, (w) => {
    w.writeMessageBegin(s.method.name, MessageType.CALL, seqid);
    s.method.args.write(w, s.args);
    w.writeMessageEnd();
  });
}

const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x0b, 0x0c, 0x0d, 0x0f, 0x22, 0x5b, 0x7b, 0x5d, 0x7d];
const INTERESTING_I32 = [0, 1, -1, 0x7fffffff, -0x80000000, 0x10000, 0x1000000, 65535, 1_000_001, 16 * 1024 * 1024 + 1];

/** Small random edits of a valid message. */
export function mutated(body: Uint8Array, rnd: Random): Uint8Array {
  let bytes = Array.from(body);
  const edits = 1 + rnd.int(4);
  for (let e = 0; e < edits && bytes.length > 0; e++) {
    const at = rnd.int(bytes.length);
    switch (rnd.int(6)) {
      case 0:
        bytes[at] = bytes[at]! ^ (1 << rnd.int(8));
        break;
      case 1:
        bytes[at] = rnd.pick(INTERESTING_BYTES);
        break;
      case 2: {
        const v = rnd.pick(INTERESTING_I32);
        for (let k = 0; k < 4 && at + k < bytes.length; k++) bytes[at + k] = (v >>> (24 - 8 * k)) & 0xff;
        break;
      }
      case 3:
        bytes.splice(at, 0, ...rnd.bytes(1 + rnd.int(8)));
        break;
      case 4:
        bytes.splice(at, 1 + rnd.int(8));
        break;
      default:
        bytes = bytes.concat(bytes.slice(at));
    }
  }
  return Uint8Array.from(bytes);
}

/** A call whose argument is a container claiming far more elements than follow. */
function hugeContainer(protocol: Protocol, rnd: Random, seqid: number): Uint8Array {
  const size = rnd.pick([0x7fffffff, 1_000_001, 0x10000000, 65536, -1]);
  return encode(protocol, (w) => {
    const kind = rnd.int(3);
    w.writeMessageBegin(kind === 0 ? "testList" : kind === 1 ? "testMap" : "testSet", MessageType.CALL, seqid);
    w.writeStructBegin("args");
    w.writeFieldBegin("thing", kind === 0 ? TType.LIST : kind === 1 ? TType.MAP : TType.SET, 1);
    if (kind === 1) w.writeMapBegin(TType.I32, TType.I32, size);
    else if (kind === 0) w.writeListBegin(rnd.pick([TType.I32, TType.STRING, TType.STRUCT, TType.LIST]), size);
    else w.writeSetBegin(TType.I32, size);
    for (let i = rnd.int(4); i > 0; i--) w.writeI32(i);
  });
}

/** A call whose string (or binary) claims far more bytes than follow. */
function hugeString(protocol: Protocol, rnd: Random, seqid: number): Uint8Array {
  const body = encode(protocol, (w) => {
    w.writeMessageBegin("testString", MessageType.CALL, seqid);
    w.writeStructBegin("args");
    w.writeFieldBegin("thing", TType.STRING, 1);
    w.writeString("xxxxxxxx");
  });
  // Overwrite the string's length (binary: i32 before the 8 bytes; compact: a varint; JSON: the quotes
  // stay, so the string is cut short instead).
  const out = Uint8Array.from(body);
  const at = Math.max(0, out.length - 12);
  const v = rnd.pick([0x7fffffff, 0x1000000, 0x1000001, -2]);
  for (let k = 0; k < 4; k++) out[at + k] = (v >>> (24 - 8 * k)) & 0xff;
  return out;
}

/** Structs in structs, or lists in lists, far deeper than the depth limit; sometimes never closed. */
function deepNesting(protocol: Protocol, rnd: Random, seqid: number): Uint8Array {
  const depth = rnd.pick([65, 100, 1000, 5000]);
  const close = rnd.int(2) === 0;
  const lists = rnd.int(2) === 0;
  return encode(protocol, (w) => {
    w.writeMessageBegin(lists ? "testList" : "testStruct", MessageType.CALL, seqid);
    w.writeStructBegin("args");
    if (lists) {
      w.writeFieldBegin("thing", TType.LIST, 1);
      for (let d = 0; d < depth; d++) w.writeListBegin(TType.LIST, 1);
      w.writeListBegin(TType.I32, 0);
      if (close) for (let d = 0; d <= depth; d++) w.writeListEnd();
    } else {
      w.writeFieldBegin("thing", TType.STRUCT, 1);
      for (let d = 0; d < depth; d++) {
        w.writeStructBegin("s");
        w.writeFieldBegin("s", TType.STRUCT, 1);
      }
      w.writeStructBegin("s");
      w.writeFieldStop();
      w.writeStructEnd();
      if (close)
        for (let d = 0; d < depth; d++) {
          w.writeFieldEnd();
          w.writeFieldStop();
          w.writeStructEnd();
        }
    }
    if (close) {
      w.writeFieldEnd();
      w.writeFieldStop();
      w.writeStructEnd();
      w.writeMessageEnd();
    }
  });
}

/** A well-formed message of the wrong type (a reply, an exception, an unknown type) or unknown method. */
function wrongType(protocol: Protocol, rnd: Random, seqid: number): Uint8Array {
  const type = rnd.pick([MessageType.REPLY, MessageType.EXCEPTION, 0, 5, 7]) as MessageType;
  return encode(protocol, (w) => {
    w.writeMessageBegin(rnd.int(2) === 0 ? "testI32" : rnd.string(12), type, seqid);
    w.writeStructBegin("args");
    w.writeFieldBegin("thing", TType.I32, 1);
    w.writeI32(1);
    w.writeFieldEnd();
    w.writeFieldStop();
    w.writeStructEnd();
    w.writeMessageEnd();
  });
}

function frame(body: Uint8Array, length = body.length): Uint8Array {
  const out = new Uint8Array(body.length + 4);
  new DataView(out.buffer).setInt32(0, length);
  out.set(body, 4);
  return out;
}

/** One hostile message, as the bytes to send (framed: with its length prefix, itself possibly hostile). */
export function hostile(protocol: Protocol, framed: boolean, rnd: Random, seqid: number): { attack: Attack; bytes: Uint8Array } {
  const attack = rnd.pick(ATTACKS);
  const valid = validCall(protocol, rnd, seqid);
  let body: Uint8Array;
  switch (attack) {
    case "mutated":
      body = mutated(valid, rnd);
      break;
    case "truncated": {
      const cut = valid.subarray(0, rnd.int(valid.length));
      // Framed: either a complete frame holding a cut message, or a frame whose length promises more.
      if (framed && rnd.int(2) === 0) return { attack, bytes: frame(cut, valid.length) };
      body = cut;
      break;
    }
    case "bad length":
      if (!framed) {
        body = mutated(valid, rnd);
        break;
      }
      return { attack, bytes: frame(valid, rnd.pick([-1, 0, -0x80000000, 0x7fffffff, 16 * 1024 * 1024 + 1, valid.length + 1 + rnd.int(64), Math.max(1, valid.length - 1 - rnd.int(8))])) };
    case "huge container":
      body = hugeContainer(protocol, rnd, seqid);
      break;
    case "huge string":
      body = hugeString(protocol, rnd, seqid);
      break;
    case "deep nesting":
      body = deepNesting(protocol, rnd, seqid);
      break;
    case "wrong type":
      body = wrongType(protocol, rnd, seqid);
      break;
    case "spliced": {
      const other = validCall(protocol, rnd, seqid + 1);
      body = Uint8Array.from([...valid.subarray(0, rnd.int(valid.length)), ...other.subarray(rnd.int(other.length))]);
      break;
    }
    case "garbage":
      body = rnd.bytes(1 + rnd.int(200));
      if (framed && rnd.int(2) === 0) return { attack, bytes: body };
      break;
  }
  return { attack, bytes: framed ? frame(body) : body };
}

export { frame };
