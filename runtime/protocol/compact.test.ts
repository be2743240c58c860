import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CompactProtocol, CompactProtocolFactory, CompactReader, CompactType, CompactWriter } from "./compact.js";
import {
  TApplicationException,
  TApplicationExceptionType,
  TProtocolException,
  TProtocolExceptionType,
} from "./errors.js";
import type { ProtocolReader, ProtocolWriter } from "./protocol.js";
import { MessageType, TType } from "./ttype.js";
import { WriteBuffer } from "./write-buffer.js";

/** Parses `82 21 "abc" 00` (hex byte pairs and quoted ASCII strings) into bytes. */
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
const enc = new TextEncoder();

function writer(): CompactWriter {
  return new CompactWriter(new WriteBuffer(16));
}

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

/** Unsigned LEB128 reference encoder (bigint). */
function varintRef(v: bigint): string {
  const out: number[] = [];
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return hex(Uint8Array.from(out));
}
const zigzag64 = (v: bigint): bigint => BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));

interface Xtruct {
  string_thing?: string;
  byte_thing?: number;
  i32_thing?: number;
  i64_thing?: bigint;
}

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
  w.writeI64(-(1n << 60n));
  w.writeFieldBegin("d", TType.DOUBLE, 6);
  w.writeDouble(Math.PI);
  w.writeFieldBegin("f", TType.FLOAT, 7);
  w.writeFloat(1.5);
  w.writeFieldBegin("s", TType.STRING, 8);
  w.writeString("héllo wörld, this is longer than forty-three bytes, for the long path");
  w.writeFieldBegin("bin", TType.STRING, 9);
  w.writeBinary(Uint8Array.of(0, 1, 2, 255));
  w.writeFieldBegin("u", TType.UUID, 10);
  w.writeUuid("00112233-4455-6677-8899-aabbccddeeff");
  w.writeFieldBegin("m", TType.MAP, 30);
  w.writeMapBegin(TType.STRING, TType.LIST, 2);
  for (const k of ["a", "b"]) {
    w.writeString(k);
    w.writeListBegin(TType.I32, 3);
    w.writeI32(1);
    w.writeI32(-2);
    w.writeI32(300);
    w.writeListEnd();
  }
  w.writeMapEnd();
  w.writeFieldBegin("st", TType.SET, -2);
  w.writeSetBegin(TType.STRUCT, 2);
  writeXtruct(w, { string_thing: "Zero", byte_thing: 1, i32_thing: -3, i64_thing: -5n });
  writeXtruct(w, {});
  w.writeSetEnd();
  w.writeFieldBegin("bools", TType.LIST, 3);
  w.writeListBegin(TType.BOOL, 16);
  for (let i = 0; i < 16; i++) w.writeBool(i % 3 === 0);
  w.writeListEnd();
  w.writeFieldBegin("fixed", TType.MAP, 4);
  w.writeMapBegin(TType.DOUBLE, TType.UUID, 1);
  w.writeDouble(2);
  w.writeUuid("ffffffff-4455-6677-8899-aabbccddeeff");
  w.writeMapEnd();
  w.writeFieldBegin("empty", TType.MAP, 5);
  w.writeMapBegin(TType.STRING, TType.STRING, 0);
  w.writeMapEnd();
  w.writeFieldBegin("f2", TType.BOOL, 6);
  w.writeBool(false);
  w.writeFieldStop();
  w.writeStructEnd();
  w.writeMessageEnd();
  return w.buffer.finish().slice();
}

describe("CompactWriter / CompactReader: reference bytes (notes 2.3)", () => {
  it("testI32(-1) CALL", () => {
    const expected = '82 21 00 07 "testI32" 15 01 00';
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

    const r = new CompactReader(wire(expected));
    expect(r.readMessageBegin()).toEqual({ name: "testI32", type: MessageType.CALL, seqid: 0 });
    r.readStructBegin();
    expect(r.readFieldBegin()).toBe(TType.I32);
    expect(r.fieldId).toBe(1);
    expect(r.readI32()).toBe(-1);
    r.readFieldEnd();
    expect(r.readFieldBegin()).toBe(TType.STOP);
    r.readStructEnd();
    expect(r.remaining).toBe(0);
    expect(r.depth).toBe(0);
  });

  it('testStruct(Xtruct{"Zero",1,-3,-5}) CALL', () => {
    const expected = '82 21 00 0a "testStruct" 1c  18 04 "Zero" 33 01 55 05 26 09 00  00';
    const w = writer();
    w.writeMessageBegin("testStruct", MessageType.CALL, 0);
    w.writeStructBegin("testStruct_args");
    w.writeFieldBegin("thing", TType.STRUCT, 1);
    writeXtruct(w, { string_thing: "Zero", byte_thing: 1, i32_thing: -3, i64_thing: -5n });
    w.writeFieldEnd();
    w.writeFieldStop();
    w.writeStructEnd();
    w.writeMessageEnd();
    expect(hex(w.buffer.finish())).toBe(wireHex(expected));

    const r = new CompactReader(wire(expected));
    expect(r.readMessageBegin()).toEqual({ name: "testStruct", type: MessageType.CALL, seqid: 0 });
    r.readStructBegin();
    expect(r.readFieldBegin()).toBe(TType.STRUCT);
    expect(r.fieldId).toBe(1);
    expect(readXtruct(r)).toEqual({ string_thing: "Zero", byte_thing: 1, i32_thing: -3, i64_thing: -5n });
    r.readFieldEnd();
    expect(r.readFieldBegin()).toBe(TType.STOP);
    r.readStructEnd();
    expect(r.remaining).toBe(0);
  });

  it("Bools{true,false}", () => {
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
    expect(hex(w.buffer.finish())).toBe("11 12 00");
    const r = new CompactReader(wire("11 12 00"));
    r.readStructBegin();
    expect(r.readFieldBegin()).toBe(TType.BOOL);
    expect(r.fieldId).toBe(1);
    expect(r.readBool()).toBe(true);
    expect(r.readFieldBegin()).toBe(TType.BOOL);
    expect(r.fieldId).toBe(2);
    expect(r.readBool()).toBe(false);
    expect(r.readFieldBegin()).toBe(TType.STOP);
    expect(r.remaining).toBe(0);
  });

  it("testList([1,-1]) argument field", () => {
    const w = writer();
    w.writeFieldBegin("thing", TType.LIST, 1);
    w.writeListBegin(TType.I32, 2);
    w.writeI32(1);
    w.writeI32(-1);
    w.writeListEnd();
    expect(hex(w.buffer.finish())).toBe("19 25 02 01");
    const r = new CompactReader(wire("19 25 02 01"));
    expect(r.readFieldBegin()).toBe(TType.LIST);
    expect(r.readListBegin()).toBe(2);
    expect(r.elemType).toBe(TType.I32);
    expect([r.readI32(), r.readI32()]).toEqual([1, -1]);
  });

  it("testMap({0:1,-1:-2}) argument field", () => {
    const w = writer();
    w.writeFieldBegin("thing", TType.MAP, 1);
    w.writeMapBegin(TType.I32, TType.I32, 2);
    w.writeI32(0);
    w.writeI32(1);
    w.writeI32(-1);
    w.writeI32(-2);
    w.writeMapEnd();
    expect(hex(w.buffer.finish())).toBe("1b 02 55 00 02 01 03");
    const r = new CompactReader(wire("1b 02 55 00 02 01 03"));
    expect(r.readFieldBegin()).toBe(TType.MAP);
    expect(r.readMapBegin()).toBe(2);
    expect([r.keyType, r.valueType]).toEqual([TType.I32, TType.I32]);
    expect([r.readI32(), r.readI32(), r.readI32(), r.readI32()]).toEqual([0, 1, -1, -2]);
    r.readMapEnd();
    expect(r.depth).toBe(0);
  });

  it("testDouble(1.5) argument field (little-endian)", () => {
    const w = writer();
    w.writeFieldBegin("thing", TType.DOUBLE, 1);
    w.writeDouble(1.5);
    expect(hex(w.buffer.finish())).toBe("17 00 00 00 00 00 00 f8 3f");
    const r = new CompactReader(wire("17 00 00 00 00 00 00 f8 3f"));
    expect(r.readFieldBegin()).toBe(TType.DOUBLE);
    expect(r.readDouble()).toBe(1.5);
  });

  it("testUuid argument field", () => {
    const expected = "1d 00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff";
    const w = writer();
    w.writeFieldBegin("thing", TType.UUID, 1);
    w.writeUuid("{00112233-4455-6677-8899-aabbccddeeff}");
    expect(hex(w.buffer.finish())).toBe(wireHex(expected));
    const r = new CompactReader(wire(expected));
    expect(r.readFieldBegin()).toBe(TType.UUID);
    expect(r.readUuid()).toBe("00112233-4455-6677-8899-aabbccddeeff");
  });

  it("message type bytes and a multiplexed name", () => {
    for (const [type, byte] of [
      [MessageType.CALL, "21"],
      [MessageType.REPLY, "41"],
      [MessageType.EXCEPTION, "61"],
      [MessageType.ONEWAY, "81"],
    ] as const) {
      const w = writer();
      w.writeMessageBegin("ThriftTest:testVoid", type, 0);
      const expected = `82 ${byte} 00 13 "ThriftTest:testVoid"`;
      expect(hex(w.buffer.finish())).toBe(wireHex(expected));
      expect(new CompactReader(wire(expected)).readMessageBegin()).toEqual({
        name: "ThriftTest:testVoid",
        type,
        seqid: 0,
      });
    }
  });

  it("TApplicationException reply to unknown method nope, seqid 7", () => {
    const expected = '82 61 07 04 "nope" 18 15 "Unknown function nope" 15 02 00';
    const w = writer();
    w.writeMessageBegin("nope", MessageType.EXCEPTION, 7);
    TApplicationException.write(
      w,
      new TApplicationException(TApplicationExceptionType.UNKNOWN_METHOD, "Unknown function nope"),
    );
    w.writeMessageEnd();
    expect(hex(w.buffer.finish())).toBe(wireHex(expected));
    const r = new CompactReader(wire(expected));
    expect(r.readMessageBegin()).toEqual({ name: "nope", type: MessageType.EXCEPTION, seqid: 7 });
    const e = TApplicationException.read(r);
    expect([e.type, e.message]).toEqual([1, "Unknown function nope"]);
    expect(r.remaining).toBe(0);
  });

  it("float (rpcgen extension): compact type 14, 4 bytes little-endian", () => {
    const w = writer();
    w.writeFieldBegin("f", TType.FLOAT, 1);
    w.writeFloat(1.5);
    w.writeListBegin(TType.FLOAT, 1);
    w.writeFloat(-2);
    expect(hex(w.buffer.finish())).toBe("1e 00 00 c0 3f 1e 00 00 00 c0");
    const r = new CompactReader(w.buffer.finish());
    expect(r.readFieldBegin()).toBe(TType.FLOAT);
    expect(r.readFloat()).toBe(1.5);
    expect(r.readListBegin()).toBe(1);
    expect(r.elemType).toBe(TType.FLOAT);
    expect(r.readFloat()).toBe(-2);
    expect(CompactType.FLOAT).toBe(14);
    expect(CompactType.UUID).toBe(13);
  });
});

describe("compact field headers", () => {
  it("uses the long form for deltas outside 1..15, negative and decreasing ids", () => {
    const w = writer();
    w.writeStructBegin("s");
    w.writeFieldBegin("a", TType.I32, 15); // delta 15: short
    w.writeI32(0);
    w.writeFieldBegin("b", TType.I32, 31); // delta 16: long
    w.writeI32(0);
    w.writeFieldBegin("c", TType.I32, 30); // delta -1: long
    w.writeI32(0);
    w.writeFieldBegin("d", TType.I32, -1); // negative
    w.writeI32(0);
    w.writeFieldBegin("e", TType.BOOL, 1000); // bool, long form, value in the type nibble
    w.writeBool(true);
    w.writeFieldBegin("f", TType.BOOL, 1001);
    w.writeBool(false);
    w.writeFieldBegin("g", TType.I16, 32767);
    w.writeI16(-32768);
    w.writeFieldBegin("h", TType.I16, -32768);
    w.writeI16(32767);
    w.writeFieldStop();
    w.writeStructEnd();
    expect(hex(w.buffer.finish())).toBe(
      wireHex("f5 00  05 3e 00  05 3c 00  05 01 00  01 d0 0f  12  04 fe ff 03 ff ff 03  04 ff ff 03 fe ff 03  00"),
    );
    const r = new CompactReader(w.buffer.finish());
    r.readStructBegin();
    const seen: [number, number, unknown][] = [];
    for (;;) {
      const t = r.readFieldBegin();
      if (t === TType.STOP) break;
      seen.push([r.fieldId, t, t === TType.BOOL ? r.readBool() : t === TType.I16 ? r.readI16() : r.readI32()]);
    }
    r.readStructEnd();
    expect(seen).toEqual([
      [15, TType.I32, 0],
      [31, TType.I32, 0],
      [30, TType.I32, 0],
      [-1, TType.I32, 0],
      [1000, TType.BOOL, true],
      [1001, TType.BOOL, false],
      [32767, TType.I16, -32768],
      [-32768, TType.I16, 32767],
    ]);
  });

  it("keeps a field-id delta stack per nested struct", () => {
    const w = writer();
    w.writeStructBegin("outer");
    w.writeFieldBegin("a", TType.STRUCT, 3);
    w.writeStructBegin("inner");
    w.writeFieldBegin("x", TType.I32, 10);
    w.writeI32(1);
    w.writeFieldBegin("y", TType.STRUCT, 12);
    w.writeStructBegin("innermost");
    w.writeFieldBegin("z", TType.BOOL, 1);
    w.writeBool(true);
    w.writeFieldStop();
    w.writeStructEnd();
    w.writeFieldStop();
    w.writeStructEnd();
    w.writeFieldBegin("b", TType.I32, 4); // delta 1 from the outer id 3, not from the inner ids
    w.writeI32(2);
    w.writeFieldStop();
    w.writeStructEnd();
    expect(hex(w.buffer.finish())).toBe("3c a5 02 2c 11 00 00 15 04 00");
    const r = new CompactReader(w.buffer.finish());
    r.readStructBegin();
    expect([r.readFieldBegin(), r.fieldId]).toEqual([TType.STRUCT, 3]);
    r.readStructBegin();
    expect([r.readFieldBegin(), r.fieldId, r.readI32()]).toEqual([TType.I32, 10, 1]);
    expect([r.readFieldBegin(), r.fieldId]).toEqual([TType.STRUCT, 12]);
    r.readStructBegin();
    expect([r.readFieldBegin(), r.fieldId, r.readBool()]).toEqual([TType.BOOL, 1, true]);
    expect(r.readFieldBegin()).toBe(TType.STOP);
    r.readStructEnd();
    expect(r.readFieldBegin()).toBe(TType.STOP);
    r.readStructEnd();
    expect([r.readFieldBegin(), r.fieldId, r.readI32()]).toEqual([TType.I32, 4, 2]);
    expect(r.readFieldBegin()).toBe(TType.STOP);
    r.readStructEnd();
    expect(r.remaining).toBe(0);
  });

  it("a bool field value the caller never read does not leak into later bool reads", () => {
    // field 1: bool true (never read); field 2: list<bool> [false]
    const r = new CompactReader(wire("11 19 12 02 00"));
    r.readStructBegin();
    expect(r.readFieldBegin()).toBe(TType.BOOL);
    expect(r.readFieldBegin()).toBe(TType.LIST);
    expect(r.readListBegin()).toBe(1);
    expect(r.readBool()).toBe(false);
    r.readListEnd();
    expect(r.readFieldBegin()).toBe(TType.STOP);
  });

  it("a skipped bool field consumes its packed value", () => {
    const r = new CompactReader(wire("11 12 15 04 00"));
    r.readStructBegin();
    expect(r.readFieldBegin()).toBe(TType.BOOL);
    r.skip(TType.BOOL);
    expect(r.readFieldBegin()).toBe(TType.BOOL);
    r.skip(TType.BOOL);
    expect([r.readFieldBegin(), r.fieldId, r.readI32()]).toEqual([TType.I32, 3, 2]);
    expect(r.readFieldBegin()).toBe(TType.STOP);
  });

  it("rejects field types the compact protocol cannot encode", () => {
    const w = writer();
    for (const t of [TType.STOP, TType.VOID, 5, 7, 9, 17, 20, 300, -1]) {
      protocolError(() => w.writeFieldBegin("x", t, 1), TProtocolExceptionType.INVALID_DATA);
      protocolError(() => w.writeListBegin(t, 1), TProtocolExceptionType.INVALID_DATA);
      protocolError(() => w.writeMapBegin(TType.I32, t, 1), TProtocolExceptionType.INVALID_DATA);
    }
    expect(w.buffer.length).toBe(0);
    const e = protocolError(
      () => new CompactReader(wire("1f 00")).readFieldBegin(),
      TProtocolExceptionType.INVALID_DATA,
    );
    expect(e.message).toBe("invalid compact field type 15 at offset 0");
  });
});

describe("compact containers", () => {
  it("bool elements are bytes 1/2; readers take == 1 as true and accept element type 1 or 2", () => {
    const w = writer();
    w.writeListBegin(TType.BOOL, 3);
    w.writeBool(true);
    w.writeBool(false);
    w.writeBool(true);
    w.writeMapBegin(TType.BOOL, TType.BOOL, 1);
    w.writeBool(false);
    w.writeBool(true);
    expect(hex(w.buffer.finish())).toBe("31 01 02 01 01 11 02 01");
    const r = new CompactReader(w.buffer.finish());
    expect(r.readListBegin()).toBe(3);
    expect(r.elemType).toBe(TType.BOOL);
    expect([r.readBool(), r.readBool(), r.readBool()]).toEqual([true, false, true]);
    r.readListEnd();
    expect(r.readMapBegin()).toBe(1);
    expect([r.keyType, r.valueType]).toEqual([TType.BOOL, TType.BOOL]);
    expect([r.readBool(), r.readBool()]).toEqual([false, true]);

    const r2 = new CompactReader(wire("42 01 00 02 ff"));
    expect(r2.readListBegin()).toBe(4);
    expect(r2.elemType).toBe(TType.BOOL);
    expect([r2.readBool(), r2.readBool(), r2.readBool(), r2.readBool()]).toEqual([true, false, false, false]);
  });

  it("list/set headers: short up to 14 elements, long from 15; map empty is 00", () => {
    const w = writer();
    w.writeListBegin(TType.BYTE, 14);
    w.writeSetBegin(TType.BYTE, 15);
    w.writeListBegin(TType.STRUCT, 0);
    w.writeSetBegin(TType.I64, 300);
    w.writeMapBegin(TType.STRING, TType.I32, 0);
    w.writeMapBegin(TType.STRING, TType.I32, 200);
    expect(hex(w.buffer.finish())).toBe("e3 f3 0f 0c f6 ac 02 00 c8 01 85");
    const r = new CompactReader(wire("e3" + " 00".repeat(14) + " f3 0f" + " 00".repeat(15) + " 0c 00"));
    expect([r.readListBegin(), r.elemType]).toEqual([14, TType.BYTE]);
    r.pos += 14;
    r.readListEnd();
    expect([r.readSetBegin(), r.elemType]).toEqual([15, TType.BYTE]);
    r.pos += 15;
    r.readSetEnd();
    expect([r.readListBegin(), r.elemType]).toEqual([0, TType.STRUCT]);
    r.readListEnd();
    expect([r.readMapBegin(), r.keyType, r.valueType]).toEqual([0, TType.STOP, TType.STOP]);
    r.readMapEnd();
    expect(r.remaining).toBe(0);
    expect(r.depth).toBe(0);
  });
});

describe("compact varints", () => {
  it("zigzag i16/i32 known values", () => {
    const cases: [number, string][] = [
      [0, "00"],
      [-1, "01"],
      [1, "02"],
      [-2, "03"],
      [63, "7e"],
      [-64, "7f"],
      [64, "80 01"],
      [2147483647, "fe ff ff ff 0f"],
      [-2147483648, "ff ff ff ff 0f"],
    ];
    for (const [v, h] of cases) {
      const w = writer();
      w.writeI32(v);
      expect(hex(w.buffer.finish()), String(v)).toBe(h);
      expect(new CompactReader(w.buffer.finish()).readI32()).toBe(v);
    }
    const w = writer();
    w.writeI16(-32768);
    w.writeI16(32767);
    expect(hex(w.buffer.finish())).toBe("ff ff 03 fe ff 03");
  });

  it("zigzag i64 known values", () => {
    const cases: [bigint, string][] = [
      [0n, "00"],
      [-1n, "01"],
      [1n, "02"],
      [2147483647n, "fe ff ff ff 0f"],
      [2147483648n, "80 80 80 80 10"],
      [-2147483649n, "81 80 80 80 10"],
      [(1n << 53n) - 1n, "fe ff ff ff ff ff ff 1f"],
      [1n << 53n, "80 80 80 80 80 80 80 20"],
      [(1n << 63n) - 1n, "fe ff ff ff ff ff ff ff ff 01"],
      [-(1n << 63n), "ff ff ff ff ff ff ff ff ff 01"],
    ];
    for (const [v, h] of cases) {
      const w = writer();
      w.writeI64(v);
      expect(hex(w.buffer.finish()), String(v)).toBe(h);
      expect(new CompactReader(w.buffer.finish()).readI64()).toBe(v);
    }
  });

  it("i32 and i64 match a bigint reference encoder", () => {
    fc.assert(
      fc.property(
        fc.bigInt(-(1n << 63n), (1n << 63n) - 1n),
        fc.integer({ min: -0x80000000, max: 0x7fffffff }),
        (l, i) => {
          const w = writer();
          w.writeI64(l);
          w.writeI32(i);
          expect(hex(w.buffer.finish())).toBe(varintRef(zigzag64(l)) + " " + varintRef(zigzag64(BigInt(i))));
          const r = new CompactReader(w.buffer.finish());
          expect(r.readI64()).toBe(l);
          expect(r.readI32()).toBe(i);
          expect(r.remaining).toBe(0);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("seqids and lengths are plain (not zigzag) varints", () => {
    const w = writer();
    w.writeMessageBegin("", MessageType.REPLY, 300);
    w.writeMessageBegin("", MessageType.REPLY, -1);
    w.writeBinary(new Uint8Array(200));
    expect(hex(w.buffer.finish().subarray(0, 14))).toBe("82 41 ac 02 00 82 41 ff ff ff ff 0f 00 c8");
    const r = new CompactReader(w.buffer.finish());
    expect(r.readMessageBegin().seqid).toBe(300);
    expect(r.readMessageBegin().seqid).toBe(-1);
    expect(r.readBinary().length).toBe(200);
  });

  it("rejects over-long varints with INVALID_DATA", () => {
    let e = protocolError(
      () => new CompactReader(wire("ff ff ff ff ff 01")).readI32(),
      TProtocolExceptionType.INVALID_DATA,
    );
    expect(e.message).toBe("varint at offset 0 is longer than 5 bytes (the most a 32-bit value takes)");
    // Also near the end of the input (checked path).
    protocolError(() => new CompactReader(wire("80 80 80 80 80")).readI32(), TProtocolExceptionType.INVALID_DATA);
    // Exactly 5 bytes is fine.
    expect(new CompactReader(wire("ff ff ff ff 0f")).readI32()).toBe(-2147483648);
    e = protocolError(
      () => new CompactReader(wire("ff ff ff ff ff ff ff ff ff ff 01")).readI64(),
      TProtocolExceptionType.INVALID_DATA,
    );
    expect(e.message).toBe("varint at offset 0 is longer than 10 bytes (the most a 64-bit value takes)");
    expect(new CompactReader(wire("80 80 80 80 80 80 80 80 80 00")).readI64()).toBe(0n);
    // Over-long lengths, sizes, seqids, field ids.
    protocolError(() => new CompactReader(wire("80 80 80 80 80 00")).readString(), TProtocolExceptionType.INVALID_DATA);
    protocolError(
      () => new CompactReader(wire("f5 80 80 80 80 80 00")).readListBegin(),
      TProtocolExceptionType.INVALID_DATA,
    );
    protocolError(
      () => new CompactReader(wire("80 80 80 80 80 00")).readMapBegin(),
      TProtocolExceptionType.INVALID_DATA,
    );
    protocolError(
      () => new CompactReader(wire("82 21 80 80 80 80 80 00")).readMessageBegin(),
      TProtocolExceptionType.INVALID_DATA,
    );
    protocolError(
      () => new CompactReader(wire("05 80 80 80 80 80 00")).readFieldBegin(),
      TProtocolExceptionType.INVALID_DATA,
    );
    protocolError(
      () => new CompactReader(wire("ff ff ff ff ff ff ff ff ff ff 01")).skip(TType.I64),
      TProtocolExceptionType.INVALID_DATA,
    );
  });

  it("a varint cut short is a truncation", () => {
    for (const spec of ["", "80", "ff ff ff ff"]) {
      const e = protocolError(() => new CompactReader(wire(spec)).readI32(), TProtocolExceptionType.INVALID_DATA);
      expect(e.truncated).toBe(true);
      const e64 = protocolError(
        () => new CompactReader(wire(spec + " ff ff ff ff")).readI64(),
        TProtocolExceptionType.INVALID_DATA,
      );
      expect(e64.truncated).toBe(true);
    }
  });
});

describe("compact strings", () => {
  it("length prefixes are exact for every length class (incl. multi-byte text)", () => {
    const samples = [
      "",
      "a",
      "x".repeat(42),
      "x".repeat(43),
      "é".repeat(42),
      "€".repeat(43),
      "x".repeat(127),
      "x".repeat(128),
      "😀".repeat(50),
      "x".repeat(0x4000),
      "é".repeat(0x2000),
      "x".repeat(70_000),
    ];
    for (const s of samples) {
      const w = writer();
      w.writeByte(1);
      w.writeString(s);
      w.writeByte(2);
      const body = enc.encode(s);
      const expected = "01 " + varintRef(BigInt(body.length)) + (body.length ? " " + hex(body) : "") + " 02";
      expect(hex(w.buffer.finish()), `length ${s.length}`).toBe(expected);
      const r = new CompactReader(w.buffer.finish());
      expect(r.readByte()).toBe(1);
      expect(r.readString()).toBe(s);
      expect(r.readByte()).toBe(2);
    }
  });
});

describe("compact message headers", () => {
  it("rejects a bad protocol id or version with BAD_VERSION", () => {
    let e = protocolError(
      () => new CompactReader(wire("80 01 00 01")).readMessageBegin(),
      TProtocolExceptionType.BAD_VERSION,
    );
    expect(e.message).toBe("bad compact protocol id 0x80 in message header at offset 0 (expected 0x82)");
    e = protocolError(
      () => new CompactReader(wire("82 22 00 00")).readMessageBegin(),
      TProtocolExceptionType.BAD_VERSION,
    );
    expect(e.message).toBe("bad compact protocol version 2 in message header at offset 1 (expected 1)");
  });

  it("round-trips every message type and seqid", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(MessageType.CALL, MessageType.REPLY, MessageType.EXCEPTION, MessageType.ONEWAY),
        fc.integer({ min: -0x80000000, max: 0x7fffffff }),
        fc.string({ unit: "binary", maxLength: 60 }),
        (type, seqid, name) => {
          const w = writer();
          w.writeMessageBegin(name, type, seqid);
          const r = new CompactReader(w.buffer.finish());
          expect(r.readMessageBegin()).toEqual({ name, type, seqid });
          expect(r.remaining).toBe(0);
        },
      ),
    );
  });
});

describe("compact writer checks", () => {
  it("rejects out-of-range i64 and malformed uuids", () => {
    const w = writer();
    protocolError(() => w.writeI64(1n << 63n), TProtocolExceptionType.INVALID_DATA);
    protocolError(() => w.writeI64(-(1n << 64n)), TProtocolExceptionType.INVALID_DATA);
    protocolError(() => w.writeI64(2 ** 60), TProtocolExceptionType.INVALID_DATA);
    protocolError(() => w.writeI64("5" as unknown as bigint), TProtocolExceptionType.INVALID_DATA);
    protocolError(() => w.writeUuid("00112233-4455-6677-8899-aabbccddeefx"), TProtocolExceptionType.INVALID_DATA);
    expect(w.buffer.length).toBe(0);
  });

  it("writes safe-integer numbers as i64 exactly like the bigint", () => {
    for (const n of [0, 1, -1, 63, -64, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 - 1, -(2 ** 53 - 1)]) {
      const a = writer();
      a.writeI64(n);
      const b = writer();
      b.writeI64(BigInt(n));
      expect(hex(a.buffer.finish())).toBe(hex(b.buffer.finish()));
    }
  });

  it("reset() clears the buffer and the struct state", () => {
    const w = writer();
    w.writeStructBegin("a");
    w.writeFieldBegin("x", TType.I32, 5);
    w.writeStructBegin("b");
    w.reset();
    w.writeStructBegin("a");
    w.writeFieldBegin("x", TType.I32, 1);
    w.writeI32(0);
    expect(hex(w.buffer.finish())).toBe("15 00");
    const r = new CompactReader(wire("1c 15 00"));
    r.readStructBegin();
    r.readFieldBegin();
    r.readStructBegin();
    r.reset(wire("15 00"));
    r.readStructBegin();
    expect([r.readFieldBegin(), r.fieldId]).toEqual([TType.I32, 1]);
    expect(r.depth).toBe(1);
  });
});

describe("compact hostile input", () => {
  it("throws INVALID_DATA naming the offset when reading past the end (never RangeError)", () => {
    const reads: [string, (r: CompactReader) => unknown][] = [
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
      ["skip double", (r) => r.skip(TType.DOUBLE)],
      ["skip struct", (r) => r.skip(TType.STRUCT)],
    ];
    for (const [label, read] of reads) {
      const r = new CompactReader(new Uint8Array(1).fill(1));
      r.pos = 1;
      const e = protocolError(() => read(r), TProtocolExceptionType.INVALID_DATA);
      expect(e.truncated, label).toBe(true);
      expect(e.message, label).toMatch(/^truncated: .* at offset 1 but the input ends there$/);
    }
    const e = protocolError(
      () => new CompactReader(Uint8Array.of(0, 1)).readDouble(),
      TProtocolExceptionType.INVALID_DATA,
    );
    expect(e.message).toBe("truncated: double needs 8 bytes at offset 0 but only 2 remain");
  });

  it("every cut point of a valid message throws a truncation TProtocolException", () => {
    const msg = richMessage();
    const full = new CompactReader(msg);
    expect(full.readMessageBegin()).toEqual({ name: "rich", type: MessageType.REPLY, seqid: 0x01020304 });
    full.skip(TType.STRUCT);
    expect(full.remaining).toBe(0);
    expect(full.depth).toBe(0);
    for (let cut = 0; cut < msg.length; cut++) {
      const r = new CompactReader(msg.slice(0, cut));
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
    const bytes = wire('15 0a  18 ff ff ff ff 07 "abcdefghij"');
    const read = (r: CompactReader): unknown => {
      r.readStructBegin();
      r.readFieldBegin();
      r.readI32();
      r.readFieldBegin();
      return r.readString();
    };
    let e = protocolError(() => read(new CompactReader(bytes)), TProtocolExceptionType.SIZE_LIMIT);
    expect(e.message).toBe("string length 2147483647 exceeds the limit of 16777216 bytes at offset 8");
    e = protocolError(
      () => read(new CompactReader(bytes, { maxStringLength: Infinity })),
      TProtocolExceptionType.INVALID_DATA,
    );
    expect(e.message).toBe("truncated: string length 2147483647 exceeds the 10 bytes remaining at offset 8");
    protocolError(() => new CompactReader(bytes).skip(TType.STRUCT), TProtocolExceptionType.SIZE_LIMIT);
    protocolError(() => new CompactReader(wire("ff ff ff ff 07 00")).readBinary(), TProtocolExceptionType.SIZE_LIMIT);
  });

  it("a list claiming 2^31-1 elements", () => {
    const bytes = wire("19 f5 ff ff ff ff 07 02 04 06");
    const read = (r: CompactReader): unknown => {
      r.readStructBegin();
      r.readFieldBegin();
      return r.readListBegin();
    };
    let e = protocolError(() => read(new CompactReader(bytes)), TProtocolExceptionType.SIZE_LIMIT);
    expect(e.message).toBe("list size 2147483647 exceeds the limit of 1000000 elements at offset 7");
    e = protocolError(
      () => read(new CompactReader(bytes, { maxContainerElements: Infinity })),
      TProtocolExceptionType.INVALID_DATA,
    );
    expect(e.message).toBe(
      "truncated: list of 2147483647 elements needs at least 2147483647 bytes but only 3 remain at offset 7",
    );
    // Within the limit: element size times count against the remaining bytes.
    protocolError(
      () => new CompactReader(wire("f7 e8 07 00 00 00 00 00 00 00 00")).readListBegin(),
      TProtocolExceptionType.INVALID_DATA,
    );
    protocolError(() => new CompactReader(wire("e8 07 dd 00")).readMapBegin(), TProtocolExceptionType.INVALID_DATA);
    protocolError(() => new CompactReader(wire("ff ff ff ff 07 55")).readMapBegin(), TProtocolExceptionType.SIZE_LIMIT);
    protocolError(() => new CompactReader(bytes).skip(TType.STRUCT), TProtocolExceptionType.SIZE_LIMIT);
  });

  it("negative sizes", () => {
    for (const [spec, read, what] of [
      ["ff ff ff ff 0f", (r: CompactReader) => r.readString(), "negative string length -1 at offset 5"],
      ["fe ff ff ff 0f", (r: CompactReader) => r.readBinary(), "negative binary length -2 at offset 5"],
      ["f5 ff ff ff ff 0f", (r: CompactReader) => r.readListBegin(), "negative list size -1 at offset 6"],
      ["fa 80 80 80 80 08", (r: CompactReader) => r.readSetBegin(), "negative set size -2147483648 at offset 6"],
      ["fb ff ff ff 0f 55", (r: CompactReader) => r.readMapBegin(), "negative map size -5 at offset 5"],
      ["f5 ff ff ff ff 0f", (r: CompactReader) => r.skip(TType.LIST), "negative list size -1 at offset 6"],
      ["1b ff ff ff ff 0f 55 00", (r: CompactReader) => r.skip(TType.STRUCT), "negative map size -1 at offset 6"],
    ] as const) {
      const e = protocolError(() => read(new CompactReader(wire(spec))), TProtocolExceptionType.NEGATIVE_SIZE);
      expect(e.message).toBe(what);
    }
  });

  it("invalid container element types with elements are INVALID_DATA", () => {
    let e = protocolError(() => new CompactReader(wire("1f 00")).readListBegin(), TProtocolExceptionType.INVALID_DATA);
    expect(e.message).toBe("invalid compact list element type 0x0f at offset 0");
    e = protocolError(() => new CompactReader(wire("10 00")).readSetBegin(), TProtocolExceptionType.INVALID_DATA);
    expect(e.message).toBe("invalid compact set element type 0x00 at offset 0");
    e = protocolError(() => new CompactReader(wire("01 5f 00")).readMapBegin(), TProtocolExceptionType.INVALID_DATA);
    expect(e.message).toBe("invalid compact map key/value type 0x5f at offset 1");
    expect(new CompactReader(wire("0f")).readListBegin()).toBe(0);
  });

  it("depth bombs: 1000 nested lists or structs → DEPTH_LIMIT", () => {
    const lists = new Uint8Array(1 + 1000 + 1 + 1).fill(0x19);
    lists[1001] = 0x05; // innermost: empty list<i32>
    lists[1002] = 0x00;
    let e = protocolError(() => new CompactReader(lists).skip(TType.STRUCT), TProtocolExceptionType.DEPTH_LIMIT);
    expect(e.message).toMatch(/^nesting depth 65 exceeds the limit of 64 at offset \d+$/);
    const r = new CompactReader(lists);
    r.readStructBegin();
    r.readFieldBegin();
    protocolError(() => {
      for (;;) r.readListBegin();
    }, TProtocolExceptionType.DEPTH_LIMIT);
    const deep = new CompactReader(lists, { maxDepth: 1002 });
    deep.skip(TType.STRUCT);
    expect(deep.remaining).toBe(0);
    expect(deep.depth).toBe(0);

    const structs = new Uint8Array(2001).fill(0); // 1000 field headers "struct, id 1", then 1001 stops
    structs.fill(0x1c, 0, 1000);
    e = protocolError(() => new CompactReader(structs).skip(TType.STRUCT), TProtocolExceptionType.DEPTH_LIMIT);
    const okStructs = new CompactReader(structs, { maxDepth: 1001 });
    okStructs.skip(TType.STRUCT);
    expect(okStructs.pos).toBe(2001);
    const maps = new Uint8Array(3000);
    for (let i = 0; i < 1000; i++) maps.set([0x01, 0x5b, 0x00], i * 3);
    protocolError(() => new CompactReader(maps).skip(TType.MAP), TProtocolExceptionType.DEPTH_LIMIT);
  });

  it("with maxDepth: Infinity, a bomb deeper than the call stack is still DEPTH_LIMIT (not RangeError)", () => {
    const bytes = new Uint8Array(500_001).fill(0x19);
    bytes[500_000] = 0x05;
    const e = protocolError(
      () => new CompactReader(bytes, { maxDepth: Infinity }).skip(TType.LIST),
      TProtocolExceptionType.DEPTH_LIMIT,
    );
    expect(e.message).toContain("exceeds the call stack");
  });

  it("skip() of an unknown type is INVALID_DATA", () => {
    protocolError(() => new CompactReader(new Uint8Array(4)).skip(TType.VOID), TProtocolExceptionType.INVALID_DATA);
    protocolError(() => new CompactReader(new Uint8Array(4)).skip(5), TProtocolExceptionType.INVALID_DATA);
  });

  it("random bytes: readMessageBegin + skip(STRUCT) only throw TProtocolException", () => {
    const check = (bytes: Uint8Array): void => {
      const r = new CompactReader(bytes);
      try {
        r.readMessageBegin();
        r.skip(TType.STRUCT);
      } catch (e) {
        if (!(e instanceof TProtocolException)) throw e;
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), check), { numRuns: 3000 });
    const header = wire('82 21 00 01 "x"');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        const bytes = new Uint8Array(header.length + b.length);
        bytes.set(header);
        bytes.set(b, header.length);
        check(bytes);
      }),
      { numRuns: 3000 },
    );
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

describe("compact skip()", () => {
  it("skips unknown nested values and keeps reading known fields", () => {
    const w = writer();
    w.writeStructBegin("Future");
    w.writeFieldBegin("unknownStruct", TType.STRUCT, 100);
    writeXtruct(w, { string_thing: "x", i64_thing: 1n << 62n });
    w.writeFieldBegin("string_thing", TType.STRING, 1);
    w.writeString("kept");
    w.writeFieldBegin("unknownBool", TType.BOOL, 2);
    w.writeBool(true);
    w.writeFieldBegin("unknownMap", TType.MAP, 101);
    w.writeMapBegin(TType.STRING, TType.MAP, 1);
    w.writeString("k");
    w.writeMapBegin(TType.I32, TType.SET, 1);
    w.writeI32(1);
    w.writeSetBegin(TType.UUID, 1);
    w.writeUuid("00112233-4455-6677-8899-aabbccddeeff");
    w.writeFieldBegin("i32_thing", TType.STRING, 9);
    w.writeString("not an i32");
    w.writeFieldBegin("unknownList", TType.LIST, -3);
    w.writeListBegin(TType.LIST, 3);
    w.writeListBegin(TType.FLOAT, 2);
    w.writeFloat(1);
    w.writeFloat(2);
    w.writeListBegin(TType.BOOL, 2);
    w.writeBool(true);
    w.writeBool(false);
    w.writeListBegin(TType.I64, 2);
    w.writeI64(-1n);
    w.writeI64(1n << 62n);
    w.writeFieldBegin("byte_thing", TType.BYTE, 4);
    w.writeByte(-128);
    w.writeFieldBegin("unknownBool2", TType.BOOL, 5);
    w.writeBool(false);
    w.writeFieldBegin("unknownDouble", TType.DOUBLE, 103);
    w.writeDouble(1);
    w.writeFieldBegin("unknownI16", TType.I16, 104);
    w.writeI16(-1);
    w.writeFieldBegin("unknownBin", TType.STRING, 105);
    w.writeBinary(new Uint8Array(300));
    w.writeFieldStop();
    w.writeStructEnd();
    const r = new CompactReader(w.buffer.finish());
    expect(readXtruct(r)).toEqual({ string_thing: "kept", byte_thing: -128 });
    expect(r.remaining).toBe(0);
    expect(r.depth).toBe(0);
  });
});

describe("CompactProtocol", () => {
  it("implements Protocol with reader options", () => {
    expect(CompactProtocol.name).toBe("compact");
    const w = CompactProtocol.createWriter();
    expect(w).toBeInstanceOf(CompactWriter);
    const out = new WriteBuffer();
    expect(CompactProtocol.createWriter(out).buffer).toBe(out);
    const r = CompactProtocol.createReader(new Uint8Array(0), { maxContainerElements: 7 });
    expect(r).toBeInstanceOf(CompactReader);
    expect([r.maxStringLength, r.maxContainerElements, r.maxDepth]).toEqual([16 * 1024 * 1024, 7, 64]);
    const custom = new CompactProtocolFactory({ maxDepth: 4 });
    expect(custom.createReader(new Uint8Array(0)).maxDepth).toBe(4);
    expect(custom.createReader(new Uint8Array(0), { maxStringLength: 1 }).maxDepth).toBe(4);
  });
});
