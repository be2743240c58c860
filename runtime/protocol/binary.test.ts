import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BinaryProtocol, BinaryProtocolFactory, BinaryReader, BinaryWriter } from "./binary.js";
import {
  TApplicationException,
  TApplicationExceptionType,
  TProtocolException,
  TProtocolExceptionType,
} from "./errors.js";
import type { ProtocolReader, ProtocolWriter } from "./protocol.js";
import { MessageType, TType } from "./ttype.js";
import { WriteBuffer } from "./write-buffer.js";

/** Parses `80 01 "abc" 00` (hex byte pairs and quoted ASCII strings) into bytes. */
function wire(spec: string): Uint8Array {
  const out: number[] = [];
  for (const m of spec.matchAll(/"([^"]*)"|([0-9a-fA-F]{2})|(\S+)/g)) {
    if (m[1] !== undefined) for (const ch of m[1]) out.push(ch.charCodeAt(0));
    else if (m[2] !== undefined) out.push(parseInt(m[2], 16));
    else throw new Error(`bad wire token ${m[3]}`);
  }
  return Uint8Array.from(out);
}
const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");
const wireHex = (spec: string): string => hex(wire(spec));

function writer(): BinaryWriter {
  return new BinaryWriter(new WriteBuffer(16));
}

/** Catches what `fn` throws (fails if it returns). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected an exception");
}

function protocolError(fn: () => unknown, type: number): TProtocolException {
  const e = thrown(fn);
  expect(e).toBeInstanceOf(TProtocolException);
  expect((e as TProtocolException).type).toBe(type);
  return e as TProtocolException;
}

interface Xtruct {
  string_thing?: string;
  byte_thing?: number;
  i32_thing?: number;
  i64_thing?: bigint;
}

/** What generated code for ThriftTest's Xtruct does. */
function writeXtruct(w: ProtocolWriter, v: Xtruct): void {
  w.writeStructBegin("Xtruct");
  if (v.string_thing !== undefined) {
    w.writeFieldBegin("string_thing", TType.STRING, 1);
    w.writeString(v.string_thing);
    w.writeFieldEnd();
  }
  if (v.byte_thing !== undefined) {
    w.writeFieldBegin("byte_thing", TType.BYTE, 4);
    w.writeByte(v.byte_thing);
    w.writeFieldEnd();
  }
  if (v.i32_thing !== undefined) {
    w.writeFieldBegin("i32_thing", TType.I32, 9);
    w.writeI32(v.i32_thing);
    w.writeFieldEnd();
  }
  if (v.i64_thing !== undefined) {
    w.writeFieldBegin("i64_thing", TType.I64, 11);
    w.writeI64(v.i64_thing);
    w.writeFieldEnd();
  }
  w.writeFieldStop();
  w.writeStructEnd();
}

function readXtruct(r: ProtocolReader): Xtruct {
  const v: Xtruct = {};
  r.readStructBegin();
  for (;;) {
    const t = r.readFieldBegin();
    if (t === TType.STOP) break;
    switch (r.fieldId) {
      case 1:
        if (t === TType.STRING) v.string_thing = r.readString();
        else r.skip(t);
        break;
      case 4:
        if (t === TType.BYTE) v.byte_thing = r.readByte();
        else r.skip(t);
        break;
      case 9:
        if (t === TType.I32) v.i32_thing = r.readI32();
        else r.skip(t);
        break;
      case 11:
        if (t === TType.I64) v.i64_thing = r.readI64();
        else r.skip(t);
        break;
      default:
        r.skip(t);
    }
    r.readFieldEnd();
  }
  r.readStructEnd();
  return v;
}

/** A message using every type, nested containers included. */
function richMessage(): Uint8Array {
  const w = writer();
  w.writeMessageBegin("rich", MessageType.REPLY, 0x01020304);
  w.writeStructBegin("result");
  w.writeFieldBegin("b", TType.BOOL, 1);
  w.writeBool(true);
  w.writeFieldBegin("y", TType.BYTE, 2);
  w.writeByte(-7);
  w.writeFieldBegin("s16", TType.I16, 3);
  w.writeI16(-300);
  w.writeFieldBegin("i", TType.I32, 4);
  w.writeI32(123456);
  w.writeFieldBegin("l", TType.I64, 5);
  w.writeI64(-(1n << 40n));
  w.writeFieldBegin("d", TType.DOUBLE, 6);
  w.writeDouble(Math.PI);
  w.writeFieldBegin("f", TType.FLOAT, 7);
  w.writeFloat(1.5);
  w.writeFieldBegin("s", TType.STRING, 8);
  w.writeString("héllo wörld, this is longer than twenty-four bytes");
  w.writeFieldBegin("bin", TType.STRING, 9);
  w.writeBinary(Uint8Array.of(0, 1, 2, 255));
  w.writeFieldBegin("u", TType.UUID, 10);
  w.writeUuid("00112233-4455-6677-8899-aabbccddeeff");
  w.writeFieldBegin("m", TType.MAP, 11);
  w.writeMapBegin(TType.STRING, TType.LIST, 2);
  for (const k of ["a", "b"]) {
    w.writeString(k);
    w.writeListBegin(TType.I32, 3);
    w.writeI32(1);
    w.writeI32(2);
    w.writeI32(3);
    w.writeListEnd();
  }
  w.writeMapEnd();
  w.writeFieldBegin("st", TType.SET, 12);
  w.writeSetBegin(TType.STRUCT, 2);
  writeXtruct(w, { string_thing: "Zero", byte_thing: 1, i32_thing: -3, i64_thing: -5n });
  writeXtruct(w, {});
  w.writeSetEnd();
  w.writeFieldBegin("fixed", TType.MAP, 13);
  w.writeMapBegin(TType.I64, TType.DOUBLE, 2);
  w.writeI64(1n);
  w.writeDouble(2);
  w.writeI64(3n);
  w.writeDouble(4);
  w.writeMapEnd();
  w.writeFieldBegin("empty", TType.LIST, 14);
  w.writeListBegin(TType.STRING, 0);
  w.writeListEnd();
  w.writeFieldStop();
  w.writeStructEnd();
  w.writeMessageEnd();
  return w.buffer.finish().slice();
}

describe("BinaryWriter / BinaryReader: reference bytes (notes 2.2)", () => {
  it("testI32(-1) CALL", () => {
    const expected = '80 01 00 01  00 00 00 07 "testI32"  00 00 00 00  08 00 01 ff ff ff ff  00';
    const w = writer();
    w.writeMessageBegin("testI32", MessageType.CALL, 0);
    w.writeStructBegin("testI32_args");
    w.writeFieldBegin("thing", TType.I32, 1);
    w.writeI32(-1);
    w.writeFieldEnd();
    w.writeFieldStop();
    w.writeStructEnd();
    w.writeMessageEnd();
    expect(hex(w.buffer.finish())).toBe(wireHex(expected));

    const r = new BinaryReader(wire(expected));
    expect(r.readMessageBegin()).toEqual({ name: "testI32", type: MessageType.CALL, seqid: 0 });
    r.readStructBegin();
    expect(r.readFieldBegin()).toBe(TType.I32);
    expect(r.fieldId).toBe(1);
    expect(r.readI32()).toBe(-1);
    r.readFieldEnd();
    expect(r.readFieldBegin()).toBe(TType.STOP);
    r.readStructEnd();
    r.readMessageEnd();
    expect(r.remaining).toBe(0);
    expect(r.depth).toBe(0);
  });

  it('testStruct(Xtruct{"Zero",1,-3,-5}) args', () => {
    const expected =
      '0c 00 01  0b 00 01 00 00 00 04 "Zero"  03 00 04 01  08 00 09 ff ff ff fd  0a 00 0b ff ff ff ff ff ff ff fb  00  00';
    const w = writer();
    w.writeStructBegin("testStruct_args");
    w.writeFieldBegin("thing", TType.STRUCT, 1);
    writeXtruct(w, { string_thing: "Zero", byte_thing: 1, i32_thing: -3, i64_thing: -5n });
    w.writeFieldEnd();
    w.writeFieldStop();
    w.writeStructEnd();
    expect(hex(w.buffer.finish())).toBe(wireHex(expected));

    const r = new BinaryReader(wire(expected));
    r.readStructBegin();
    expect(r.readFieldBegin()).toBe(TType.STRUCT);
    expect(r.fieldId).toBe(1);
    expect(readXtruct(r)).toEqual({ string_thing: "Zero", byte_thing: 1, i32_thing: -3, i64_thing: -5n });
    r.readFieldEnd();
    expect(r.readFieldBegin()).toBe(TType.STOP);
    r.readStructEnd();
    expect(r.remaining).toBe(0);
  });

  it("testDouble(1.5) argument field", () => {
    const expected = "04 00 01 3f f8 00 00 00 00 00 00";
    const w = writer();
    w.writeFieldBegin("thing", TType.DOUBLE, 1);
    w.writeDouble(1.5);
    expect(hex(w.buffer.finish())).toBe(wireHex(expected));
    const r = new BinaryReader(wire(expected));
    expect(r.readFieldBegin()).toBe(TType.DOUBLE);
    expect(r.fieldId).toBe(1);
    expect(r.readDouble()).toBe(1.5);
  });

  it("testUuid argument field", () => {
    const expected = "10 00 01 00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff";
    const w = writer();
    w.writeFieldBegin("thing", TType.UUID, 1);
    w.writeUuid("00112233-4455-6677-8899-AABBCCDDEEFF");
    expect(hex(w.buffer.finish())).toBe(wireHex(expected));
    const r = new BinaryReader(wire(expected));
    expect(r.readFieldBegin()).toBe(TType.UUID);
    expect(r.readUuid()).toBe("00112233-4455-6677-8899-aabbccddeeff");
  });

  it("Bools{true,false}", () => {
    const expected = "02 00 01 01  02 00 02 00  00";
    const w = writer();
    w.writeStructBegin("Bools");
    w.writeFieldBegin("im_true", TType.BOOL, 1);
    w.writeBool(true);
    w.writeFieldEnd();
    w.writeFieldBegin("im_false", TType.BOOL, 2);
    w.writeBool(false);
    w.writeFieldEnd();
    w.writeFieldStop();
    w.writeStructEnd();
    expect(hex(w.buffer.finish())).toBe(wireHex(expected));
    const r = new BinaryReader(wire(expected));
    r.readStructBegin();
    expect(r.readFieldBegin()).toBe(TType.BOOL);
    expect(r.readBool()).toBe(true);
    expect(r.readFieldBegin()).toBe(TType.BOOL);
    expect(r.fieldId).toBe(2);
    expect(r.readBool()).toBe(false);
    expect(r.readFieldBegin()).toBe(TType.STOP);
  });

  it("multiplexed testVoid name", () => {
    const expected = '80 01 00 01  00 00 00 13 "ThriftTest:testVoid"  00 00 00 00  00';
    const w = writer();
    w.writeMessageBegin("ThriftTest:testVoid", MessageType.CALL, 0);
    w.writeStructBegin("testVoid_args");
    w.writeFieldStop();
    w.writeStructEnd();
    w.writeMessageEnd();
    expect(hex(w.buffer.finish())).toBe(wireHex(expected));
    const r = new BinaryReader(wire(expected));
    expect(r.readMessageBegin()).toEqual({ name: "ThriftTest:testVoid", type: MessageType.CALL, seqid: 0 });
    r.skip(TType.STRUCT);
    expect(r.remaining).toBe(0);
  });

  it("TApplicationException reply to unknown method nope, seqid 7", () => {
    const expected =
      '80 01 00 03  00 00 00 04 "nope"  00 00 00 07  0b 00 01 00 00 00 15 "Unknown function nope"  08 00 02 00 00 00 01  00';
    const w = writer();
    w.writeMessageBegin("nope", MessageType.EXCEPTION, 7);
    TApplicationException.write(
      w,
      new TApplicationException(TApplicationExceptionType.UNKNOWN_METHOD, "Unknown function nope"),
    );
    w.writeMessageEnd();
    expect(hex(w.buffer.finish())).toBe(wireHex(expected));

    const r = new BinaryReader(wire(expected));
    expect(r.readMessageBegin()).toEqual({ name: "nope", type: MessageType.EXCEPTION, seqid: 7 });
    const e = TApplicationException.read(r);
    expect(e.type).toBe(TApplicationExceptionType.UNKNOWN_METHOD);
    expect(e.message).toBe("Unknown function nope");
    expect(r.remaining).toBe(0);
  });

  it("float (TType 19) is 4 bytes big-endian", () => {
    const w = writer();
    w.writeFieldBegin("f", TType.FLOAT, 1);
    w.writeFloat(1.5);
    expect(hex(w.buffer.finish())).toBe("13 00 01 3f c0 00 00");
    const r = new BinaryReader(w.buffer.finish());
    expect(r.readFieldBegin()).toBe(TType.FLOAT);
    expect(r.readFloat()).toBe(1.5);
  });

  it("containers: list/set header, map header", () => {
    const w = writer();
    w.writeListBegin(TType.I32, 2);
    w.writeI32(1);
    w.writeI32(-1);
    w.writeSetBegin(TType.STRING, 0);
    w.writeMapBegin(TType.I32, TType.I32, 1);
    w.writeI32(0);
    w.writeI32(1);
    expect(hex(w.buffer.finish())).toBe(
      wireHex("08 00 00 00 02 00 00 00 01 ff ff ff ff  0b 00 00 00 00  08 08 00 00 00 01 00 00 00 00 00 00 00 01"),
    );
    const r = new BinaryReader(w.buffer.finish());
    expect(r.readListBegin()).toBe(2);
    expect(r.elemType).toBe(TType.I32);
    expect([r.readI32(), r.readI32()]).toEqual([1, -1]);
    r.readListEnd();
    expect(r.readSetBegin()).toBe(0);
    expect(r.elemType).toBe(TType.STRING);
    r.readSetEnd();
    expect(r.readMapBegin()).toBe(1);
    expect([r.keyType, r.valueType]).toEqual([TType.I32, TType.I32]);
    expect([r.readI32(), r.readI32()]).toEqual([0, 1]);
    r.readMapEnd();
    expect(r.depth).toBe(0);
    expect(r.remaining).toBe(0);
  });
});

describe("binary message headers", () => {
  const oldStyle = '00 00 00 07 "testI32"  01  00 00 00 00  08 00 01 ff ff ff ff  00';

  it("reads the old (non-strict) header", () => {
    const r = new BinaryReader(wire(oldStyle));
    expect(r.readMessageBegin()).toEqual({ name: "testI32", type: MessageType.CALL, seqid: 0 });
    r.readStructBegin();
    expect(r.readFieldBegin()).toBe(TType.I32);
    expect(r.readI32()).toBe(-1);
    expect(r.readFieldBegin()).toBe(TType.STOP);
    expect(r.remaining).toBe(0);
  });

  it("writes the old header with strictWrite: false", () => {
    const w = new BinaryWriter(undefined, { strictWrite: false });
    expect(w.strictWrite).toBe(false);
    w.writeMessageBegin("testI32", MessageType.CALL, 0);
    w.writeStructBegin("a");
    w.writeFieldBegin("thing", TType.I32, 1);
    w.writeI32(-1);
    w.writeFieldEnd();
    w.writeFieldStop();
    w.writeStructEnd();
    expect(hex(w.buffer.finish())).toBe(wireHex(oldStyle));
  });

  it("strictRead rejects the old header with BAD_VERSION", () => {
    const r = new BinaryReader(wire(oldStyle), { strictRead: true });
    const e = protocolError(() => r.readMessageBegin(), TProtocolExceptionType.BAD_VERSION);
    expect(e.message).toContain("offset 0");
    // Strict headers are still fine.
    const ok = new BinaryReader(wire('80 01 00 02 00 00 00 01 "x" ff ff ff ff'), { strictRead: true });
    expect(ok.readMessageBegin()).toEqual({ name: "x", type: MessageType.REPLY, seqid: -1 });
  });

  it("rejects a bad version with BAD_VERSION", () => {
    for (const bad of ["80 02 00 01 00 00 00 00 00 00 00 00", "ff ff ff ff", "80 00 00 01"]) {
      const e = protocolError(() => new BinaryReader(wire(bad)).readMessageBegin(), TProtocolExceptionType.BAD_VERSION);
      expect(e.message).toMatch(/bad binary protocol version 0x[0-9a-f]{8} in message header at offset 0/);
    }
  });

  it("round-trips every message type and seqid", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(MessageType.CALL, MessageType.REPLY, MessageType.EXCEPTION, MessageType.ONEWAY),
        fc.integer({ min: -0x80000000, max: 0x7fffffff }),
        fc.string({ unit: "binary", maxLength: 40 }),
        fc.boolean(),
        (type, seqid, name, strict) => {
          const w = new BinaryWriter(undefined, { strictWrite: strict });
          w.writeMessageBegin(name, type, seqid);
          const r = new BinaryReader(w.buffer.finish());
          expect(r.readMessageBegin()).toEqual({ name, type, seqid });
          expect(r.remaining).toBe(0);
        },
      ),
    );
  });
});

describe("binary encodings of primitives", () => {
  it("matches DataView big-endian layouts", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -0x8000, max: 0x7fff }),
        fc.integer({ min: -0x80000000, max: 0x7fffffff }),
        fc.bigInt(-(1n << 63n), (1n << 63n) - 1n),
        fc.double(),
        (i16, i32, i64, d) => {
          const w = writer();
          w.writeI16(i16);
          w.writeI32(i32);
          w.writeI64(i64);
          w.writeDouble(d);
          const dv = new DataView(new ArrayBuffer(22));
          dv.setInt16(0, i16);
          dv.setInt32(2, i32);
          dv.setBigInt64(6, i64);
          dv.setFloat64(14, d);
          expect(hex(w.buffer.finish())).toBe(hex(new Uint8Array(dv.buffer)));
        },
      ),
    );
  });

  it("writes strings and binaries with an i32 length", () => {
    const w = writer();
    w.writeString("");
    w.writeString("é😀");
    w.writeBinary(Uint8Array.of(1, 2, 3));
    expect(hex(w.buffer.finish())).toBe(wireHex("00 00 00 00  00 00 00 06 c3 a9 f0 9f 98 80  00 00 00 03 01 02 03"));
  });

  it("reads any nonzero bool byte as true", () => {
    const r = new BinaryReader(Uint8Array.of(0, 1, 2, 0xff));
    expect([r.readBool(), r.readBool(), r.readBool(), r.readBool()]).toEqual([false, true, true, true]);
  });

  it("rejects out-of-range i64 with INVALID_DATA", () => {
    const w = writer();
    w.writeI64((1n << 63n) - 1n);
    w.writeI64(-(1n << 63n));
    expect(hex(w.buffer.finish())).toBe("7f ff ff ff ff ff ff ff 80 00 00 00 00 00 00 00");
    protocolError(() => w.writeI64(1n << 63n), TProtocolExceptionType.INVALID_DATA);
    protocolError(() => w.writeI64(-(1n << 63n) - 1n), TProtocolExceptionType.INVALID_DATA);
    protocolError(() => w.writeI64(1n << 100n), TProtocolExceptionType.INVALID_DATA);
    const e = protocolError(() => w.writeI64(2 ** 53), TProtocolExceptionType.INVALID_DATA);
    expect(e.message).toBe("i64 value 9007199254740992 is not a safe integer; pass a bigint");
    protocolError(() => w.writeI64(1.5), TProtocolExceptionType.INVALID_DATA);
    protocolError(() => w.writeI64("5" as unknown as bigint), TProtocolExceptionType.INVALID_DATA);
    expect(w.buffer.length).toBe(16);
  });

  it("writes safe-integer numbers as i64 exactly like the bigint", () => {
    for (const n of [0, 1, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 - 1, -(2 ** 53 - 1), 123456789012]) {
      const a = new BinaryWriter();
      a.writeI64(n);
      const b = new BinaryWriter();
      b.writeI64(BigInt(n));
      expect(hex(a.buffer.finish())).toBe(hex(b.buffer.finish()));
    }
  });

  it("rejects malformed uuids with INVALID_DATA", () => {
    const w = writer();
    const e = protocolError(() => w.writeUuid("not-a-uuid"), TProtocolExceptionType.INVALID_DATA);
    expect(e.message).toContain('"not-a-uuid"');
    expect(w.buffer.length).toBe(0);
  });

  it("readBinary returns a copy; readers honour byteOffset", () => {
    const backing = new Uint8Array(64).fill(0xee);
    const msg = wire("00 00 00 03 0a 0b 0c 00 00 00 02 68 69 00 05");
    backing.set(msg, 10);
    const r = new BinaryReader(backing.subarray(10, 10 + msg.length));
    const bin = r.readBinary();
    expect(Array.from(bin)).toEqual([10, 11, 12]);
    backing[14] = 99;
    expect(bin[0]).toBe(10);
    expect(r.readString()).toBe("hi");
    expect(r.readI16()).toBe(5);
    protocolError(() => r.readByte(), TProtocolExceptionType.INVALID_DATA); // 0xee bytes follow, but are outside the view
  });

  it("reset() starts over on new input", () => {
    const r = new BinaryReader(Uint8Array.of(0, 0, 0, 1));
    expect(r.readI32()).toBe(1);
    r.reset(Uint8Array.of(0, 2));
    expect(r.pos).toBe(0);
    expect(r.readI16()).toBe(2);
    expect(r.remaining).toBe(0);
  });
});

describe("binary hostile input", () => {
  it("throws INVALID_DATA naming the offset when reading past the end (never RangeError)", () => {
    const reads: [string, (r: BinaryReader) => unknown][] = [
      ["bool", (r) => r.readBool()],
      ["byte", (r) => r.readByte()],
      ["i16", (r) => r.readI16()],
      ["i32", (r) => r.readI32()],
      ["i64", (r) => r.readI64()],
      ["double", (r) => r.readDouble()],
      ["float", (r) => r.readFloat()],
      ["string", (r) => r.readString()],
      ["binary", (r) => r.readBinary()],
      ["uuid", (r) => r.readUuid()],
      ["field", (r) => r.readFieldBegin()],
      ["list", (r) => r.readListBegin()],
      ["set", (r) => r.readSetBegin()],
      ["map", (r) => r.readMapBegin()],
      ["message", (r) => r.readMessageBegin()],
      ["skip i64", (r) => r.skip(TType.I64)],
      ["skip struct", (r) => r.skip(TType.STRUCT)],
    ];
    for (const [label, read] of reads) {
      // The input is the whole ArrayBuffer, so a missing check would surface as a RangeError.
      const r = new BinaryReader(new Uint8Array(1).fill(1));
      r.pos = 1;
      const e = protocolError(() => read(r), TProtocolExceptionType.INVALID_DATA);
      expect(e.truncated, label).toBe(true);
      expect(e.message, label).toMatch(/^truncated: .* at offset 1 but the input ends there$/);
    }
    const e = protocolError(() => new BinaryReader(Uint8Array.of(0, 1)).readI32(), TProtocolExceptionType.INVALID_DATA);
    expect(e.message).toBe("truncated: i32 needs 4 bytes at offset 0 but only 2 remain");
  });

  it("every cut point of a valid message throws a truncation TProtocolException", () => {
    const msg = richMessage();
    // The whole message decodes.
    const full = new BinaryReader(msg);
    expect(full.readMessageBegin()).toEqual({ name: "rich", type: MessageType.REPLY, seqid: 0x01020304 });
    full.skip(TType.STRUCT);
    expect(full.remaining).toBe(0);
    for (let cut = 0; cut < msg.length; cut++) {
      const r = new BinaryReader(msg.slice(0, cut));
      const e = thrown(() => {
        r.readMessageBegin();
        r.skip(TType.STRUCT);
      });
      expect(e, `cut ${cut}`).toBeInstanceOf(TProtocolException);
      expect((e as TProtocolException).type, `cut ${cut}`).toBe(TProtocolExceptionType.INVALID_DATA);
      expect((e as TProtocolException).truncated, `cut ${cut}`).toBe(true);
    }
  });

  it("a string length of 0x7fffffff", () => {
    const bytes = wire('08 00 02 00 00 00 05  0b 00 01 7f ff ff ff "abcdefghij"');
    const read = (r: BinaryReader): unknown => {
      r.readStructBegin();
      r.readFieldBegin();
      r.readI32();
      r.readFieldBegin();
      return r.readString();
    };
    let e = protocolError(() => read(new BinaryReader(bytes)), TProtocolExceptionType.SIZE_LIMIT);
    expect(e.message).toBe("string length 2147483647 exceeds the limit of 16777216 bytes at offset 14");
    e = protocolError(
      () => read(new BinaryReader(bytes, { maxStringLength: Infinity })),
      TProtocolExceptionType.INVALID_DATA,
    );
    expect(e.message).toBe("truncated: string length 2147483647 exceeds the 10 bytes remaining at offset 14");
    expect(e.truncated).toBe(true);
    // Same through skip and readBinary.
    protocolError(() => new BinaryReader(bytes).skip(TType.STRUCT), TProtocolExceptionType.SIZE_LIMIT);
    protocolError(() => new BinaryReader(wire("7f ff ff ff 00")).readBinary(), TProtocolExceptionType.SIZE_LIMIT);
  });

  it("lengths over the configured limit are SIZE_LIMIT even when the bytes are there", () => {
    const bytes = wire('00 00 00 05 "hello"');
    expect(new BinaryReader(bytes, { maxStringLength: 5 }).readString()).toBe("hello");
    protocolError(
      () => new BinaryReader(bytes, { maxStringLength: 4 }).readString(),
      TProtocolExceptionType.SIZE_LIMIT,
    );
    const list = wire("08 00 00 00 02 00 00 00 01 00 00 00 02");
    expect(new BinaryReader(list, { maxContainerElements: 2 }).readListBegin()).toBe(2);
    protocolError(
      () => new BinaryReader(list, { maxContainerElements: 1 }).readListBegin(),
      TProtocolExceptionType.SIZE_LIMIT,
    );
  });

  it("a list claiming 2^31-1 elements", () => {
    const bytes = wire("0f 00 01 08 7f ff ff ff 00 00 00 01");
    const read = (r: BinaryReader): unknown => {
      r.readStructBegin();
      r.readFieldBegin();
      return r.readListBegin();
    };
    let e = protocolError(() => read(new BinaryReader(bytes)), TProtocolExceptionType.SIZE_LIMIT);
    expect(e.message).toBe("list size 2147483647 exceeds the limit of 1000000 elements at offset 8");
    e = protocolError(
      () => read(new BinaryReader(bytes, { maxContainerElements: Infinity })),
      TProtocolExceptionType.INVALID_DATA,
    );
    expect(e.message).toBe(
      "truncated: list of 2147483647 elements needs at least 8589934588 bytes but only 4 remain at offset 8",
    );
    // Within the limit but more elements than bytes: rejected before any allocation.
    e = protocolError(
      () => new BinaryReader(wire("0b 00 00 03 e8 00 00")).readListBegin(),
      TProtocolExceptionType.INVALID_DATA,
    );
    expect(e.message).toContain("list of 1000 elements needs at least 4000 bytes but only 2 remain");
    protocolError(
      () => new BinaryReader(wire("0c 0c 00 0f 42 40 00")).readMapBegin(),
      TProtocolExceptionType.INVALID_DATA,
    );
    protocolError(() => new BinaryReader(bytes).skip(TType.STRUCT), TProtocolExceptionType.SIZE_LIMIT);
  });

  it("negative sizes", () => {
    for (const [spec, read, what] of [
      ["ff ff ff ff", (r: BinaryReader) => r.readString(), "negative string length -1 at offset 4"],
      ["ff ff ff fe", (r: BinaryReader) => r.readBinary(), "negative binary length -2 at offset 4"],
      ["08 ff ff ff ff", (r: BinaryReader) => r.readListBegin(), "negative list size -1 at offset 5"],
      ["08 80 00 00 00", (r: BinaryReader) => r.readSetBegin(), "negative set size -2147483648 at offset 5"],
      ["08 08 ff ff ff fb", (r: BinaryReader) => r.readMapBegin(), "negative map size -5 at offset 6"],
      ["0f ff ff ff ff", (r: BinaryReader) => r.skip(TType.LIST), "negative list size -1 at offset 5"],
      ["0d 00 01 08 08 ff ff ff ff 00", (r: BinaryReader) => r.skip(TType.STRUCT), "negative map size -1 at offset 9"],
    ] as const) {
      const e = protocolError(() => read(new BinaryReader(wire(spec))), TProtocolExceptionType.NEGATIVE_SIZE);
      expect(e.message).toBe(what);
    }
  });

  it("invalid container element types with elements are INVALID_DATA", () => {
    protocolError(
      () => new BinaryReader(wire("07 00 00 00 01 00")).readListBegin(),
      TProtocolExceptionType.INVALID_DATA,
    );
    protocolError(
      () => new BinaryReader(wire("08 01 00 00 00 01 00 00")).readMapBegin(),
      TProtocolExceptionType.INVALID_DATA,
    );
    // Empty containers may carry any type byte.
    expect(new BinaryReader(wire("00 00 00 00 00")).readListBegin()).toBe(0);
  });

  it("depth bombs: 1000 nested lists or structs → DEPTH_LIMIT", () => {
    const lists = new Uint8Array(3 + 1000 * 5 + 5 + 1);
    lists.set([0x0f, 0x00, 0x01]);
    for (let i = 0; i < 1000; i++) lists.set([0x0f, 0, 0, 0, 1], 3 + i * 5);
    lists.set([0x08, 0, 0, 0, 0], 3 + 5000);
    let e = protocolError(() => new BinaryReader(lists).skip(TType.STRUCT), TProtocolExceptionType.DEPTH_LIMIT);
    expect(e.message).toMatch(/^nesting depth 65 exceeds the limit of 64 at offset \d+$/);
    // Reading by hand (as generated code for list<list<...>> would).
    const r = new BinaryReader(lists);
    r.readStructBegin();
    r.readFieldBegin();
    e = protocolError(() => {
      for (;;) r.readListBegin();
    }, TProtocolExceptionType.DEPTH_LIMIT);
    // A higher limit lets the same input through.
    const deep = new BinaryReader(lists, { maxDepth: 1002 });
    deep.skip(TType.STRUCT);
    expect(deep.remaining).toBe(0);
    expect(deep.depth).toBe(0);

    const structs = new Uint8Array(1000 * 3 + 1000);
    for (let i = 0; i < 1000; i++) structs.set([0x0c, 0x00, 0x01], i * 3);
    protocolError(() => new BinaryReader(structs).skip(TType.STRUCT), TProtocolExceptionType.DEPTH_LIMIT);
    protocolError(
      () => new BinaryReader(structs, { maxDepth: 10 }).skip(TType.STRUCT),
      TProtocolExceptionType.DEPTH_LIMIT,
    );
    const maps = new Uint8Array(1000 * 10 + 6);
    for (let i = 0; i < 1000; i++) maps.set([0x08, 0x0d, 0, 0, 0, 1, 0, 0, 0, 0], i * 10);
    protocolError(() => new BinaryReader(maps).skip(TType.MAP), TProtocolExceptionType.DEPTH_LIMIT);
  });

  it("with maxDepth: Infinity, a bomb deeper than the call stack is still DEPTH_LIMIT (not RangeError)", () => {
    const levels = 200_000;
    const bytes = new Uint8Array(levels * 5 + 5);
    for (let i = 0; i < levels; i++) bytes.set([0x0f, 0, 0, 0, 1], i * 5);
    bytes.set([0x08, 0, 0, 0, 0], levels * 5);
    const e = protocolError(
      () => new BinaryReader(bytes, { maxDepth: Infinity }).skip(TType.LIST),
      TProtocolExceptionType.DEPTH_LIMIT,
    );
    expect(e.message).toContain("exceeds the call stack");
  });

  it("skip() of an unknown type is INVALID_DATA", () => {
    const e = protocolError(
      () => new BinaryReader(wire("05 00 01 00 00")).skip(TType.STRUCT),
      TProtocolExceptionType.INVALID_DATA,
    );
    expect(e.message).toBe("cannot skip a value of unknown type 5 at offset 3");
    protocolError(() => new BinaryReader(new Uint8Array(4)).skip(TType.VOID), TProtocolExceptionType.INVALID_DATA);
    protocolError(() => new BinaryReader(new Uint8Array(4)).skip(TType.STOP), TProtocolExceptionType.INVALID_DATA);
  });

  it("random bytes: readMessageBegin + skip(STRUCT) only throw TProtocolException", () => {
    const check = (bytes: Uint8Array): void => {
      const r = new BinaryReader(bytes);
      try {
        r.readMessageBegin();
        r.skip(TType.STRUCT);
      } catch (e) {
        if (!(e instanceof TProtocolException)) throw e;
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), check), { numRuns: 3000 });
    // Random bodies behind a valid header, with small size fields to get deep into skip().
    const header = wire('80 01 00 01 00 00 00 01 "x" 00 00 00 00');
    const body = fc.array(
      fc.oneof(fc.constantFrom(0, 1, 2, 3, 4, 6, 8, 10, 11, 12, 13, 14, 15, 16, 19), fc.integer({ min: 0, max: 255 })),
      {
        maxLength: 300,
      },
    );
    fc.assert(
      fc.property(body, (b) => {
        const bytes = new Uint8Array(header.length + b.length);
        bytes.set(header);
        bytes.set(b, header.length);
        check(bytes);
      }),
      { numRuns: 3000 },
    );
    // Mutations of a valid message.
    const msg = richMessage();
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(msg.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (muts) => {
          const bytes = msg.slice();
          for (const [i, v] of muts) bytes[i] = v;
          check(bytes);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe("binary skip()", () => {
  it("skips unknown nested values and keeps reading known fields", () => {
    const w = writer();
    w.writeStructBegin("Future");
    w.writeFieldBegin("unknownStruct", TType.STRUCT, 100);
    writeXtruct(w, { string_thing: "x", i64_thing: 1n });
    w.writeFieldBegin("string_thing", TType.STRING, 1);
    w.writeString("kept");
    w.writeFieldBegin("unknownMap", TType.MAP, 101);
    w.writeMapBegin(TType.STRING, TType.MAP, 1);
    w.writeString("k");
    w.writeMapBegin(TType.I32, TType.SET, 1);
    w.writeI32(1);
    w.writeSetBegin(TType.UUID, 1);
    w.writeUuid("00112233-4455-6677-8899-aabbccddeeff");
    w.writeFieldBegin("i32_thing", TType.STRING, 9); // known id, unexpected type: skipped
    w.writeString("not an i32");
    w.writeFieldBegin("unknownList", TType.LIST, -3);
    w.writeListBegin(TType.LIST, 2);
    w.writeListBegin(TType.FLOAT, 2);
    w.writeFloat(1);
    w.writeFloat(2);
    w.writeListBegin(TType.BOOL, 1);
    w.writeBool(true);
    w.writeFieldBegin("byte_thing", TType.BYTE, 4);
    w.writeByte(-128);
    w.writeFieldBegin("unknownBin", TType.STRING, 102);
    w.writeBinary(new Uint8Array(300));
    w.writeFieldBegin("unknownDouble", TType.DOUBLE, 103);
    w.writeDouble(1);
    w.writeFieldBegin("unknownI16", TType.I16, 104);
    w.writeI16(1);
    w.writeFieldStop();
    w.writeStructEnd();
    const r = new BinaryReader(w.buffer.finish());
    expect(readXtruct(r)).toEqual({ string_thing: "kept", byte_thing: -128 });
    expect(r.remaining).toBe(0);
    expect(r.depth).toBe(0);
  });
});

describe("BinaryProtocol", () => {
  it("implements Protocol with options", () => {
    expect(BinaryProtocol.name).toBe("binary");
    const w = BinaryProtocol.createWriter();
    expect(w).toBeInstanceOf(BinaryWriter);
    expect(w.strictWrite).toBe(true);
    expect(w.buffer).toBeInstanceOf(WriteBuffer);
    const out = new WriteBuffer();
    expect(BinaryProtocol.createWriter(out).buffer).toBe(out);
    expect(BinaryProtocol.createWriter(undefined, { strictWrite: false }).strictWrite).toBe(false);

    const r = BinaryProtocol.createReader(new Uint8Array(0));
    expect(r.strictRead).toBe(false);
    expect([r.maxStringLength, r.maxContainerElements, r.maxDepth]).toEqual([16 * 1024 * 1024, 1_000_000, 64]);
    const r2 = BinaryProtocol.createReader(new Uint8Array(0), { maxDepth: 5, strictRead: true });
    expect([r2.maxDepth, r2.strictRead, r2.maxStringLength]).toEqual([5, true, 16 * 1024 * 1024]);

    const custom = new BinaryProtocolFactory({ strictWrite: false, strictRead: true, maxStringLength: 10 });
    expect(custom.createWriter().strictWrite).toBe(false);
    const r3 = custom.createReader(new Uint8Array(0), { maxDepth: 3 });
    expect([r3.strictRead, r3.maxStringLength, r3.maxDepth]).toEqual([true, 10, 3]);
  });
});
