import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  JSONProtocol,
  JSONProtocolFactory,
  MessageType,
  TProtocolException,
  TProtocolExceptionType,
  TType,
  formatDouble17g,
  type ProtocolReader,
  type ProtocolWriter,
} from "./index.js";
import type { JSONReader } from "./json.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

function write(fn: (w: ProtocolWriter) => void): string {
  const w = JSONProtocol.createWriter();
  fn(w);
  return dec.decode(w.buffer.finish());
}

function reader(text: string | Uint8Array, limits?: Parameters<typeof JSONProtocol.createReader>[1]): JSONReader {
  return JSONProtocol.createReader(typeof text === "string" ? enc.encode(text) : text, limits);
}

/** Runs `fn`, expects a TProtocolException and returns it. */
function protocolError(fn: () => unknown): TProtocolException {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof TProtocolException)) throw new Error(`expected a TProtocolException, got ${String(e)}`, { cause: e });
    return e;
  }
  throw new Error("expected a TProtocolException, nothing was thrown");
}

/** Xtruct{string_thing, byte_thing, i32_thing, i64_thing} as generated code writes it. */
function writeXtruct(w: ProtocolWriter, s: string, b: number, i: number, l: bigint): void {
  w.writeStructBegin("Xtruct");
  w.writeFieldBegin("string_thing", TType.STRING, 1);
  w.writeString(s);
  w.writeFieldEnd();
  w.writeFieldBegin("byte_thing", TType.BYTE, 4);
  w.writeByte(b);
  w.writeFieldEnd();
  w.writeFieldBegin("i32_thing", TType.I32, 9);
  w.writeI32(i);
  w.writeFieldEnd();
  w.writeFieldBegin("i64_thing", TType.I64, 11);
  w.writeI64(l);
  w.writeFieldEnd();
  w.writeFieldStop();
  w.writeStructEnd();
}

function readXtruct(r: ProtocolReader): [string, number, number, bigint] {
  const out: [string, number, number, bigint] = ["", 0, 0, 0n];
  r.readStructBegin();
  for (;;) {
    const t = r.readFieldBegin();
    if (t === TType.STOP) break;
    if (r.fieldId === 1 && t === TType.STRING) out[0] = r.readString();
    else if (r.fieldId === 4 && t === TType.BYTE) out[1] = r.readByte();
    else if (r.fieldId === 9 && t === TType.I32) out[2] = r.readI32();
    else if (r.fieldId === 11 && t === TType.I64) out[3] = r.readI64();
    else r.skip(t);
    r.readFieldEnd();
  }
  r.readStructEnd();
  return out;
}

/** A CALL of testI32(-1), as Apache's Python client writes it (thrift-notes 2.4). */
const TEST_I32 = '[1,"testI32",1,0,{"1":{"i32":-1}}]';

describe("JSON protocol: Apache's bytes (thrift-notes 2.4, checked against Python 0.17)", () => {
  it("message, struct, field", () => {
    expect(
      write((w) => {
        w.writeMessageBegin("testI32", MessageType.CALL, 0);
        w.writeStructBegin("testI32_args");
        w.writeFieldBegin("thing", TType.I32, 1);
        w.writeI32(-1);
        w.writeFieldEnd();
        w.writeFieldStop();
        w.writeStructEnd();
        w.writeMessageEnd();
      }),
    ).toBe(TEST_I32);
    expect(write((w) => writeXtruct(w, "Zero", 1, -3, -5n))).toBe(
      '{"1":{"str":"Zero"},"4":{"i8":1},"9":{"i32":-3},"11":{"i64":-5}}',
    );
    expect(
      write((w) => {
        w.writeStructBegin("Empty");
        w.writeFieldStop();
        w.writeStructEnd();
      }),
    ).toBe("{}");
  });

  it("every type name", () => {
    const names: [number, string][] = [
      [TType.BOOL, "tf"],
      [TType.BYTE, "i8"],
      [TType.I16, "i16"],
      [TType.I32, "i32"],
      [TType.I64, "i64"],
      [TType.DOUBLE, "dbl"],
      [TType.STRING, "str"],
      [TType.STRUCT, "rec"],
      [TType.MAP, "map"],
      [TType.SET, "set"],
      [TType.LIST, "lst"],
      [TType.UUID, "uid"],
    ];
    for (const [t, name] of names) {
      expect(write((w) => (w.writeListBegin(t, 0), w.writeListEnd()))).toBe(`["${name}",0]`);
      const r = reader(`["${name}",0]`);
      expect(r.readListBegin()).toBe(0);
      expect(r.elemType).toBe(t);
      r.readListEnd();
    }
  });

  it("lists, sets, maps; map keys are always quoted", () => {
    expect(
      write((w) => {
        w.writeListBegin(TType.I32, 3);
        for (const v of [1, 2, 3]) w.writeI32(v);
        w.writeListEnd();
      }),
    ).toBe('["i32",3,1,2,3]');
    expect(
      write((w) => {
        w.writeSetBegin(TType.STRING, 2);
        w.writeString("a");
        w.writeString("b");
        w.writeSetEnd();
      }),
    ).toBe('["str",2,"a","b"]');
    expect(
      write((w) => {
        w.writeMapBegin(TType.I32, TType.STRING, 2);
        w.writeI32(1);
        w.writeString("a");
        w.writeI32(2);
        w.writeString("b");
        w.writeMapEnd();
      }),
    ).toBe('["i32","str",2,{"1":"a","2":"b"}]');
    // Every key type: numbers, bools and doubles are quoted in key position, values are not.
    expect(
      write((w) => {
        w.writeMapBegin(TType.I64, TType.DOUBLE, 2);
        w.writeI64(-9223372036854775808n);
        w.writeDouble(0.1);
        w.writeI64(5);
        w.writeDouble(NaN);
        w.writeMapEnd();
      }),
    ).toBe('["i64","dbl",2,{"-9223372036854775808":0.10000000000000001,"5":"NaN"}]');
    expect(
      write((w) => {
        w.writeMapBegin(TType.BOOL, TType.BOOL, 1);
        w.writeBool(true);
        w.writeBool(false);
        w.writeMapEnd();
      }),
    ).toBe('["tf","tf",1,{"1":0}]');
    expect(
      write((w) => {
        w.writeMapBegin(TType.DOUBLE, TType.I8, 2);
        w.writeDouble(1.5);
        w.writeByte(-1);
        w.writeDouble(-Infinity);
        w.writeByte(2);
        w.writeMapEnd();
      }),
    ).toBe('["dbl","i8",2,{"1.5":-1,"-Infinity":2}]');
    // A struct as a map key (Python writes the same invalid-JSON-but-Thrift-JSON form).
    expect(
      write((w) => {
        w.writeMapBegin(TType.STRUCT, TType.LIST, 1);
        w.writeStructBegin("K");
        w.writeFieldBegin("a", TType.I32, 1);
        w.writeI32(7);
        w.writeFieldEnd();
        w.writeFieldStop();
        w.writeStructEnd();
        w.writeListBegin(TType.I16, 1);
        w.writeI16(-2);
        w.writeListEnd();
        w.writeMapEnd();
      }),
    ).toBe('["rec","lst",1,{{"1":{"i32":7}}:["i16",1,-2]}]');
    // Nested maps: the inner map's first key is a key of its own object.
    expect(
      write((w) => {
        w.writeMapBegin(TType.I32, TType.MAP, 1);
        w.writeI32(4);
        w.writeMapBegin(TType.I32, TType.I32, 2);
        w.writeI32(1);
        w.writeI32(1);
        w.writeI32(2);
        w.writeI32(2);
        w.writeMapEnd();
        w.writeMapEnd();
      }),
    ).toBe('["i32","map",1,{"4":["i32","i32",2,{"1":1,"2":2}]}]');
  });

  it("bool 1/0, binary base64 with padding, uuid canonical", () => {
    const list = (fn: (w: ProtocolWriter) => void, t: number, n: number) =>
      write((w) => {
        w.writeListBegin(t, n);
        fn(w);
        w.writeListEnd();
      });
    expect(list((w) => (w.writeBool(true), w.writeBool(false)), TType.BOOL, 2)).toBe('["tf",2,1,0]');
    expect(
      list(
        (w) => {
          w.writeBinary(new Uint8Array([]));
          w.writeBinary(Uint8Array.of(0));
          w.writeBinary(Uint8Array.of(0, 0xff));
          w.writeBinary(Uint8Array.of(0xfb, 0xff, 0xbf));
          w.writeBinary(enc.encode("hello"));
        },
        TType.STRING,
        5,
      ),
    ).toBe('["str",5,"","AA==","AP8=","+/+/","aGVsbG8="]');
    expect(list((w) => w.writeUuid("{00112233-4455-6677-8899-AABBCCDDEEFF}"), TType.UUID, 1)).toBe(
      '["uid",1,"00112233-4455-6677-8899-aabbccddeeff"]',
    );
  });

  it("strings: the seven short escapes, \\u00xx for other control characters (as C++ and Go), non-ASCII raw", () => {
    // C++ 0.17 writes exactly these bytes for chr(0..0x20) + '\x7f"\\/é😀' (Python writes the
    // control characters without a short escape raw, which Go's reader refuses).
    const s = Array.from({ length: 0x21 }, (_, i) => String.fromCharCode(i)).join("") + '\x7f"\\/é\u{1F600}';
    const bytes = JSONProtocol.createWriter();
    bytes.writeString(s);
    const u = (c: number): number[] => [...enc.encode(`\\u00${c.toString(16).padStart(2, "0")}`)];
    const expected = [
      0x22,
      ...[0, 1, 2, 3, 4, 5, 6, 7].flatMap(u),
      ...enc.encode("\\b\\t\\n"),
      ...u(0x0b),
      ...enc.encode("\\f\\r"),
      ...Array.from({ length: 0x20 - 0x0e }, (_, i) => 0x0e + i).flatMap(u),
      0x20,
      0x7f,
      ...enc.encode('\\"\\\\/é\u{1F600}'),
      0x22,
    ];
    expect(Array.from(bytes.buffer.finish())).toEqual(expected);
    expect(reader(bytes.buffer.finish()).readString()).toBe(s);
  });

  it("i64 extremes exactly", () => {
    for (const v of [-9223372036854775808n, 9223372036854775807n, 0n, -1n, 9007199254740993n]) {
      const text = write((w) => (w.writeListBegin(TType.I64, 1), w.writeI64(v), w.writeListEnd()));
      expect(text).toBe(`["i64",1,${v}]`);
      const r = reader(text);
      r.readListBegin();
      expect(r.readI64()).toBe(v);
    }
    expect(() => write((w) => w.writeI64(2n ** 63n))).toThrow(TProtocolException);
    expect(() => write((w) => w.writeI64(2 ** 60))).toThrow(TProtocolException);
  });
});

// -------------------------------------------------------------------------------------------------
// doubles

/** Python 0.17's TJSONProtocol output ('{0:.17g}') for these doubles. */
const PYTHON_DOUBLES: [number, string][] = [
  [0, "0"],
  [-0, "-0"],
  [1, "1"],
  [-1, "-1"],
  [1.5, "1.5"],
  [0.1, "0.10000000000000001"],
  [-5.235098235, "-5.2350982349999997"],
  [-0.000341012439638598279, "-0.00034101243963859828"],
  [123456789.125, "123456789.125"],
  [5e-324, "4.9406564584124654e-324"],
  [2.2250738585072014e-308, "2.2250738585072014e-308"],
  [1.7976931348623157e308, "1.7976931348623157e+308"],
  [9007199254740993, "9007199254740992"],
  [1e16, "10000000000000000"],
  [1e17, "1e+17"],
  [1e21, "1e+21"],
  [1e-5, "1.0000000000000001e-05"],
  [1e-4, "0.0001"],
  [1e-7, "9.9999999999999995e-08"],
  [1e300, "1.0000000000000001e+300"],
  // Exact ties at 17 digits: C rounds half to even, JavaScript's toPrecision away from zero.
  [1234567890123456.25, "1234567890123456.2"],
  [1234567890123456.75, "1234567890123456.8"],
  [-1234567890123456.25, "-1234567890123456.2"],
  [0.3, "0.29999999999999999"],
  [100, "100"],
  [1e15, "1000000000000000"],
  [12345678901234567, "12345678901234568"],
];

const PYTHON = "/usr/bin/python3";

describe("JSON protocol: doubles", () => {
  it("are written as C's %.17g (Python's '{0:.17g}'), ties to even", () => {
    for (const [v, s] of PYTHON_DOUBLES) {
      expect(formatDouble17g(v), String(v)).toBe(s);
      expect(write((w) => (w.writeListBegin(TType.DOUBLE, 1), w.writeDouble(v), w.writeListEnd()))).toBe(`["dbl",1,${s}]`);
    }
  });

  it("NaN and infinities are quoted strings (C++ convention), in value and key position", () => {
    expect(
      write((w) => {
        w.writeListBegin(TType.DOUBLE, 3);
        w.writeDouble(NaN);
        w.writeDouble(Infinity);
        w.writeDouble(-Infinity);
        w.writeListEnd();
      }),
    ).toBe('["dbl",3,"NaN","Infinity","-Infinity"]');
  });

  it("format round-trips exactly for any double (fast-check)", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const s = formatDouble17g(x);
        expect(Object.is(Number(s), x)).toBe(true);
        expect(s).toMatch(/^-?\d(\.\d+)?(e[+-]\d{2,3})?$|^-?\d+(\.\d+)?$/);
      }),
      { numRuns: 20_000 },
    );
  });

  it.runIf(existsSync(PYTHON))("format equals Python's '%.17g' for random bit patterns and constructed ties", () => {
    const values: number[] = [];
    const dv = new DataView(new ArrayBuffer(8));
    let seed = 12345;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), seed);
    for (let i = 0; i < 4000; i++) {
      dv.setUint32(0, rnd());
      dv.setUint32(4, rnd());
      const x = dv.getFloat64(0);
      if (Number.isFinite(x)) values.push(x);
    }
    for (let i = 0; i < 2000; i++) {
      // m * 2^-k with 18 significant digits ending in 5: exact ties at 17 digits.
      const m = 2 ** 50 + (rnd() % 2 ** 30) * 1024 + (rnd() % 1024);
      values.push(m * 0.25, -m * 0.25, m * 0.5 * 2 ** -20);
    }
    for (let i = 0; i < 1000; i++) values.push(Number((rnd() / 2 ** 32).toFixed(rnd() % 18)) * 10 ** ((rnd() % 40) - 20));
    const script = "import sys\nfor l in sys.stdin.read().split():\n    print('{0:.17g}'.format(float.fromhex(l)))";
    const hexes = values.map((x) => {
      dv.setFloat64(0, x);
      const bits = dv.getBigUint64(0);
      const sign = bits >> 63n ? "-" : "";
      const exp = Number((bits >> 52n) & 0x7ffn);
      const mant = (bits & ((1n << 52n) - 1n)).toString(16).padStart(13, "0");
      return exp === 0 ? `${sign}0x0.${mant}p-1022` : `${sign}0x1.${mant}p${exp - 1023}`;
    });
    const res = spawnSync(PYTHON, ["-c", script], { input: hexes.join("\n"), encoding: "utf8" });
    expect(res.status, res.stderr).toBe(0);
    const want = res.stdout.trim().split("\n");
    expect(want.length).toBe(values.length);
    const diffs = values.map((x, i) => [x, formatDouble17g(x), want[i]]).filter(([, a, b]) => a !== b);
    expect(diffs.slice(0, 10)).toEqual([]);
  });

  it("the reader takes unquoted numbers, quoted numbers and every spelling of the special values", () => {
    const cases: [string, number][] = [
      ["0.10000000000000001", 0.1],
      ["-0", -0],
      ["1e+21", 1e21],
      ["1E5", 1e5],
      [".5", 0.5],
      ["+2", 2],
      ["1e999", Infinity],
      ['"1.5"', 1.5],
      ['"NaN"', NaN],
      ['"Infinity"', Infinity],
      ['"-Infinity"', -Infinity],
      ['"nan"', NaN],
      ['"-inf"', -Infinity],
      ["NaN", NaN],
      ["Infinity", Infinity],
      ["-Infinity", -Infinity],
      ["nan", NaN],
      ["inf", Infinity],
      ["-inf", -Infinity],
    ];
    for (const [text, v] of cases) {
      const r = reader(`["dbl",2,${text},${text}]`);
      expect(r.readListBegin()).toBe(2);
      expect(Object.is(r.readDouble(), v), text).toBe(true);
      expect(Object.is(r.readDouble(), v), text).toBe(true);
      r.readListEnd();
      expect(r.remaining).toBe(0);
    }
    // Keys: quoted only.
    const r = reader('["dbl","dbl",2,{"1.5":2,"-Infinity":"NaN"}]');
    expect(r.readMapBegin()).toBe(2);
    expect([r.readDouble(), r.readDouble(), r.readDouble(), r.readDouble()]).toEqual([1.5, 2, -Infinity, NaN]);
    r.readMapEnd();
    for (const bad of ["", "-", "1e", "1.2.3", "--1", '"abc"', "nanx", "Inf1"]) {
      const e = protocolError(() => {
        const rr = reader(`["dbl",1,${bad}]`);
        rr.readListBegin();
        rr.readDouble();
        rr.readListEnd();
      });
      expect(e.type, bad).toBe(TProtocolExceptionType.INVALID_DATA);
    }
    const e = protocolError(() => {
      const rr = reader('["dbl","i32",1,{1.5:1}]');
      rr.readMapBegin();
      rr.readDouble();
    });
    expect(e.type).toBe(TProtocolExceptionType.INVALID_DATA);
  });
});

// -------------------------------------------------------------------------------------------------
// reading

describe("JSON protocol: reading", () => {
  it("a message, as Apache writes it", () => {
    const r = reader(TEST_I32);
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
  });

  it("two messages back to back; reset() starts over", () => {
    const two = enc.encode(TEST_I32 + TEST_I32);
    const r = reader(two);
    for (let i = 0; i < 2; i++) {
      r.readMessageBegin();
      r.skip(TType.STRUCT);
      r.readMessageEnd();
    }
    expect(r.remaining).toBe(0);
    r.reset(enc.encode(TEST_I32));
    expect(r.readMessageBegin().name).toBe("testI32");
  });

  it("JSON whitespace between tokens", () => {
    const r = reader(' [ 1 , "testI32" , 1 , 7 , { "1" : { "i32" : -1 } , "2" : { "lst" : [ "i8" , 2 , 1 , 2 ] } } ] ');
    expect(r.readMessageBegin()).toEqual({ name: "testI32", type: 1, seqid: 7 });
    r.skip(TType.STRUCT);
    r.readMessageEnd();
  });

  it("bad version, unknown type names, ids out of range", () => {
    expect(protocolError(() => reader('[2,"x",1,0,{}]').readMessageBegin()).type).toBe(TProtocolExceptionType.BAD_VERSION);
    const e = protocolError(() => {
      const r = reader('{"1":{"xyz":1}}');
      r.readStructBegin();
      r.readFieldBegin();
    });
    expect(e.message).toMatch(/unknown JSON type name "xyz"/);
    for (const [text, read] of [
      ['["i8",1,128]', (r: ProtocolReader) => r.readByte()],
      ['["i16",1,-32769]', (r: ProtocolReader) => r.readI16()],
      ['["i32",1,2147483648]', (r: ProtocolReader) => r.readI32()],
      ['["i64",1,9223372036854775808]', (r: ProtocolReader) => r.readI64()],
      ['["i32",1,1.5]', (r: ProtocolReader) => r.readI32()],
      ['["i32",1,"1"]', (r: ProtocolReader) => r.readI32()],
    ] as const) {
      const err = protocolError(() => {
        const r = reader(text);
        r.readListBegin();
        read(r);
      });
      expect(err.type, text).toBe(TProtocolExceptionType.INVALID_DATA);
    }
    expect(
      protocolError(() => {
        const r = reader('{"40000":{"i32":1}}');
        r.readStructBegin();
        r.readFieldBegin();
      }).type,
    ).toBe(TProtocolExceptionType.INVALID_DATA);
  });

  it("bool: any integer, 0 is false", () => {
    const r = reader('["tf",3,0,1,2]');
    r.readListBegin();
    expect([r.readBool(), r.readBool(), r.readBool()]).toEqual([false, true, true]);
  });

  it("strings: \\uXXXX escapes, surrogate pairs, \\/, raw UTF-8 and control characters", () => {
    const r = reader('["str",4,"a\\u0041\\u00e9\\u4e2d\\ud83d\\ude00\\/\\b\\f\\n\\r\\t\\"\\\\z","\u0001\u00e9\u{1F600}","",""]');
    r.readListBegin();
    expect(r.readString()).toBe('aAé中\u{1F600}/\b\f\n\r\t"\\z');
    expect(r.readString()).toBe("\u0001é\u{1F600}");
    expect(r.readString()).toBe("");
    expect(r.readBinary()).toEqual(new Uint8Array(0));
    for (const bad of ['"\\ud83d"', '"\\ud83dx"', '"\\ude00"', '"\\ud83d\\ud83d"', '"\\x"', '"\\u12"', '"\\u12G4"']) {
      const rr = reader(`["str",1,${bad}]`);
      rr.readListBegin();
      expect(protocolError(() => rr.readString()).type, bad).toBe(TProtocolExceptionType.INVALID_DATA);
    }
  });

  it("binary: padding optional, escaped slashes accepted, garbage rejected", () => {
    const cases: [string, number[]][] = [
      ['"AP8="', [0, 255]],
      ['"AP8"', [0, 255]],
      ['"AA=="', [0]],
      ['"AA="', [0]],
      ['"AA"', [0]],
      ['"+/+/"', [0xfb, 0xff, 0xbf]],
      ['"\\/\\/\\/\\/"', [0xff, 0xff, 0xff]],
      ['"aGVsbG8"', [...enc.encode("hello")]],
    ];
    for (const [text, bytes] of cases) {
      const r = reader(`["str",1,${text}]`);
      r.readListBegin();
      const got = r.readBinary();
      expect(got.constructor).toBe(Uint8Array);
      expect(Array.from(got), text).toEqual(bytes);
      r.readListEnd();
    }
    for (const bad of ['"A"', '"AAAAA"', '"A*=="', '"é"', '"AA==="', '"A=A="']) {
      const r = reader(`["str",1,${bad}]`);
      r.readListBegin();
      expect(protocolError(() => r.readBinary()).type, bad).toBe(TProtocolExceptionType.INVALID_DATA);
    }
  });

  it("uuid: canonical lowercase out, braces and upper case in", () => {
    const r = reader('["uid",2,"{00112233-4455-6677-8899-AABBCCDDEEFF}","00112233-4455-6677-8899-aabbccddeeff"]');
    r.readListBegin();
    expect(r.readUuid()).toBe("00112233-4455-6677-8899-aabbccddeeff");
    expect(r.readUuid()).toBe("00112233-4455-6677-8899-aabbccddeeff");
    expect(protocolError(() => reader('"0011"').readUuid()).type).toBe(TProtocolExceptionType.INVALID_DATA);
    expect(protocolError(() => reader('"00112233-4455-6677-8899-aabbccddeefg"').readUuid()).type).toBe(TProtocolExceptionType.INVALID_DATA);
    // The smallest uuid list element is 38 bytes: a shorter input is truncated before reading it.
    expect(protocolError(() => reader('["uid",1,"0011"]').readListBegin()).truncated).toBe(true);
  });

  it("skip() of nested values of every type, unknown fields included", () => {
    const text =
      '{"1":{"str":"Zero"},"2":{"map":["str","lst",1,{"k":["rec",1,{"5":{"dbl":"NaN"},"6":{"set":["uid",1,"00112233-4455-6677-8899-aabbccddeeff"]}}]}]},' +
      '"3":{"tf":1},"4":{"i8":1},"7":{"i16":-7},"8":{"map":["dbl","i64",2,{"1.5":-9223372036854775808,"Infinity":3}]},"9":{"i32":-3},"10":{"lst":["lst",2,["i8",0],["str",1,"x"]]},"11":{"i64":-5}}';
    const r = reader(text);
    expect(readXtruct(r)).toEqual(["Zero", 1, -3, -5n]);
    expect(r.remaining).toBe(0);
    const whole = reader(text);
    whole.skip(TType.STRUCT);
    expect(whole.remaining).toBe(0);
  });

  it("generated-style round trips of Xtruct (fast-check)", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 40 }).filter((s) => !/[\uD800-\uDFFF]/.test(s)),
        fc.integer({ min: -128, max: 127 }),
        fc.integer({ min: -0x80000000, max: 0x7fffffff }),
        fc.bigInt(-(1n << 63n), (1n << 63n) - 1n),
        (s, b, i, l) => {
          const w = JSONProtocol.createWriter();
          w.writeMessageBegin("testStruct", MessageType.REPLY, i);
          writeXtruct(w, s, b, i, l);
          w.writeMessageEnd();
          const r = JSONProtocol.createReader(w.buffer.finish());
          expect(r.readMessageBegin()).toEqual({ name: "testStruct", type: MessageType.REPLY, seqid: i });
          expect(readXtruct(r)).toEqual([s, b, i, l]);
          r.readMessageEnd();
          expect(r.remaining).toBe(0);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

// -------------------------------------------------------------------------------------------------
// hostile input

/** A message with a bit of everything, for truncation and mutation. */
function sampleMessage(): Uint8Array {
  const w = JSONProtocol.createWriter();
  w.writeMessageBegin("testInsanity", MessageType.REPLY, 42);
  w.writeStructBegin("r");
  w.writeFieldBegin("success", TType.MAP, 0);
  w.writeMapBegin(TType.I64, TType.MAP, 2);
  for (const k of [1n, 2n]) {
    w.writeI64(k);
    w.writeMapBegin(TType.I32, TType.STRUCT, 1);
    w.writeI32(2);
    w.writeStructBegin("Insanity");
    w.writeFieldBegin("xtructs", TType.LIST, 2);
    w.writeListBegin(TType.STRUCT, 2);
    writeXtruct(w, "Hello\n\u00e9\u{1F600}", -1, 77, -9223372036854775808n);
    writeXtruct(w, "", 0, 0, 0n);
    w.writeListEnd();
    w.writeFieldEnd();
    w.writeFieldBegin("d", TType.DOUBLE, 3);
    w.writeDouble(k === 1n ? -0.1 : NaN);
    w.writeFieldEnd();
    w.writeFieldBegin("b", TType.STRING, 4);
    w.writeBinary(Uint8Array.of(1, 2, 3, 4));
    w.writeFieldEnd();
    w.writeFieldBegin("s", TType.SET, 5);
    w.writeSetBegin(TType.BOOL, 2);
    w.writeBool(true);
    w.writeBool(false);
    w.writeSetEnd();
    w.writeFieldEnd();
    w.writeFieldStop();
    w.writeStructEnd();
    w.writeMapEnd();
  }
  w.writeMapEnd();
  w.writeFieldEnd();
  w.writeFieldStop();
  w.writeStructEnd();
  w.writeMessageEnd();
  return w.buffer.finish().slice();
}

function readMessage(bytes: Uint8Array, limits?: Parameters<typeof JSONProtocol.createReader>[1]): void {
  const r = JSONProtocol.createReader(bytes, limits);
  r.readMessageBegin();
  r.skip(TType.STRUCT);
  r.readMessageEnd();
}

describe("JSON protocol: hostile input", () => {
  it("every proper prefix of a message is reported as truncated", () => {
    const msg = sampleMessage();
    readMessage(msg);
    for (let cut = 0; cut < msg.length; cut++) {
      const e = protocolError(() => readMessage(msg.subarray(0, cut)));
      expect(e.truncated, `cut at ${cut}: ${e.message}`).toBe(true);
    }
  });

  it("random mutations only ever throw TProtocolException (fast-check)", () => {
    const msg = sampleMessage();
    const INTERESTING = [...enc.encode('[]{}",:\\-+.0123456789eEuAnNI ')].concat([0, 0x80, 0xff, 0xc3]);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.oneof(fc.constantFrom(...INTERESTING), fc.integer({ min: 0, max: 255 })), fc.constantFrom("set", "insert", "delete")), {
          minLength: 1,
          maxLength: 6,
        }),
        (edits) => {
          let bytes = Array.from(msg);
          for (const [at, b, op] of edits) {
            const i = at % (bytes.length + 1);
            if (op === "set" && i < bytes.length) bytes[i] = b;
            else if (op === "insert") bytes.splice(i, 0, b);
            else if (op === "delete") bytes.splice(i, 1);
          }
          try {
            readMessage(Uint8Array.from(bytes));
          } catch (e) {
            if (!(e instanceof TProtocolException)) throw e;
          }
          bytes = [];
        },
      ),
      { numRuns: 5000 },
    );
  });

  it("random bytes only ever throw TProtocolException (fast-check)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(...[TType.STRUCT, TType.LIST, TType.MAP, TType.STRING, TType.DOUBLE]), (bytes, t) => {
        const prefixed = Uint8Array.from([...enc.encode('[1,"m",1,0,'), ...bytes]);
        for (const input of [bytes, prefixed]) {
          try {
            const r = JSONProtocol.createReader(input);
            if (input === prefixed) r.readMessageBegin();
            r.skip(t);
          } catch (e) {
            if (!(e instanceof TProtocolException)) throw e;
          }
        }
      }),
      { numRuns: 5000 },
    );
  });

  it("nesting deeper than maxDepth: DEPTH_LIMIT, also with a huge depth limit (no RangeError)", () => {
    const deep = (n: number) => '["lst",1,'.repeat(n) + '["i8",0]' + "]".repeat(n);
    const r = reader(deep(100));
    expect(protocolError(() => r.skip(TType.LIST)).type).toBe(TProtocolExceptionType.DEPTH_LIMIT);
    const structs = (n: number) => '{"1":{"rec":'.repeat(n) + "{}" + "}}".repeat(n);
    expect(protocolError(() => reader(structs(100)).skip(TType.STRUCT)).type).toBe(TProtocolExceptionType.DEPTH_LIMIT);
    reader(structs(60)).skip(TType.STRUCT);
    const huge = reader(deep(200_000), { maxDepth: 10_000_000 });
    expect(protocolError(() => huge.skip(TType.LIST)).type).toBe(TProtocolExceptionType.DEPTH_LIMIT);
  });

  it("container sizes are checked against the limit and the bytes left before anything is read", () => {
    const cases: [string, number][] = [
      ['["i32",2147483647]', TProtocolExceptionType.SIZE_LIMIT],
      ['["i32",-1]', TProtocolExceptionType.NEGATIVE_SIZE],
      ['["i32",1000,1,2]', TProtocolExceptionType.INVALID_DATA],
      ['["i32","i32",500000,{}]', TProtocolExceptionType.INVALID_DATA],
      ['["i32","i32",-5,{}]', TProtocolExceptionType.NEGATIVE_SIZE],
      ['["i32",99999999999,1]', TProtocolExceptionType.INVALID_DATA],
    ];
    for (const [text, type] of cases) {
      const e = protocolError(() => reader(text).skip(text.startsWith('["i32","i32"') ? TType.MAP : TType.LIST));
      expect(e.type, text).toBe(type);
    }
    expect(protocolError(() => reader('["i32",1000,1,2]').skip(TType.LIST)).truncated).toBe(true);
    const limited = reader('["i32",3,1,2,3]', { maxContainerElements: 2 });
    expect(protocolError(() => limited.skip(TType.LIST)).type).toBe(TProtocolExceptionType.SIZE_LIMIT);
    // A count that does not match the elements present.
    expect(protocolError(() => reader('["i32",1,1,2]').skip(TType.LIST)).type).toBe(TProtocolExceptionType.INVALID_DATA);
  });

  it("string and binary lengths over maxStringLength: SIZE_LIMIT (decoded length counts)", () => {
    const lim = { maxStringLength: 10 };
    const r1 = reader('"' + "x".repeat(11) + '"', lim);
    expect(protocolError(() => r1.readString()).type).toBe(TProtocolExceptionType.SIZE_LIMIT);
    // 10 escaped characters decode to 10 bytes: within the limit though the text is 60 bytes long.
    expect(reader('"' + "\\u0041".repeat(10) + '"', lim).readString()).toBe("A".repeat(10));
    expect(protocolError(() => reader('"' + "é".repeat(6) + '"', lim).readString()).type).toBe(TProtocolExceptionType.SIZE_LIMIT);
    expect(reader('"' + "A".repeat(12) + '"', lim).readBinary().length).toBe(9);
    expect(protocolError(() => reader('"' + "A".repeat(16) + '"', lim).readBinary()).type).toBe(TProtocolExceptionType.SIZE_LIMIT);
    expect(protocolError(() => reader('"' + "x".repeat(11) + '"', lim).skip(TType.STRING)).type).toBe(TProtocolExceptionType.SIZE_LIMIT);
  });

  it("overlong numbers are rejected without parsing them", () => {
    const long = "1".repeat(100_000);
    for (const [list, t] of [
      [`["i64",1,${long}]`, TType.I64],
      [`["i32",1,${long}]`, TType.I32],
      [`["dbl",1,${long}]`, TType.DOUBLE],
    ] as const) {
      expect(protocolError(() => reader(list).skip(TType.LIST)).type, String(t)).toBe(TProtocolExceptionType.INVALID_DATA);
    }
    // Leading zeros are fine within the limit.
    const r = reader('["i64",1,000000000000000000001]');
    r.readListBegin();
    expect(r.readI64()).toBe(1n);
  });

  it("a top-level number may end with the input; inside a structure that is truncation", () => {
    expect(reader("42").readI32()).toBe(42);
    expect(protocolError(() => reader('["i32",1,42').skip(TType.LIST)).truncated).toBe(true);
  });

  it("factory options set the default limits", () => {
    const P = new JSONProtocolFactory({ maxStringLength: 3 });
    expect(P.name).toBe("json");
    expect(protocolError(() => P.createReader(enc.encode('"abcd"')).readString()).type).toBe(TProtocolExceptionType.SIZE_LIMIT);
    expect(P.createReader(enc.encode('"abcd"'), { maxStringLength: 4 }).readString()).toBe("abcd");
  });
});
