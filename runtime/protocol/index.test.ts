import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as api from "./index.js";
import {
  BinaryProtocol,
  BinaryProtocolFactory,
  CompactProtocol,
  JSONProtocol,
  MessageType,
  TProtocolException,
  TType,
  type Protocol,
  type ProtocolReader,
  type ProtocolWriter,
} from "./index.js";

const protocols: [string, Protocol][] = [
  ["binary", BinaryProtocol],
  ["binary (old headers)", new BinaryProtocolFactory({ strictWrite: false })],
  ["compact", CompactProtocol],
  ["json", JSONProtocol],
];

const I8 = fc.integer({ min: -128, max: 127 });
const I16 = fc.integer({ min: -0x8000, max: 0x7fff });
const I32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const I64 = fc.bigInt(-(1n << 63n), (1n << 63n) - 1n);
const DOUBLE = fc.oneof(
  fc.double(),
  fc.constantFrom(NaN, -0, 0, Infinity, -Infinity, Number.MIN_VALUE, Number.MAX_VALUE),
);
const FLOAT = fc.oneof(
  fc.float(),
  fc.constantFrom(NaN, -0, Infinity, -Infinity, 3.4028234663852886e38, 1.401298464324817e-45),
);
const STRING = fc.oneof(
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
);
const BINARY = fc.uint8Array({ maxLength: 100 });
const UUID = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => {
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
});

// ---------------------------------------------------------------------------------------------------
// A schema-directed value model: random schemas (nested structs, lists, sets, maps of any type) and
// values for them, written and read the way generated code would.

type Schema =
  | { t: "bool" | "byte" | "i16" | "i32" | "i64" | "double" | "float" | "string" | "binary" | "uuid" }
  | { t: "list" | "set"; elem: Schema }
  | { t: "map"; key: Schema; val: Schema }
  | { t: "struct"; fields: { id: number; s: Schema }[] };

const TTYPE: Record<Schema["t"], number> = {
  bool: TType.BOOL,
  byte: TType.BYTE,
  i16: TType.I16,
  i32: TType.I32,
  i64: TType.I64,
  double: TType.DOUBLE,
  float: TType.FLOAT,
  string: TType.STRING,
  binary: TType.STRING,
  uuid: TType.UUID,
  list: TType.LIST,
  set: TType.SET,
  map: TType.MAP,
  struct: TType.STRUCT,
};

const schemaArb: fc.Arbitrary<Schema> = fc.letrec<{ schema: Schema }>((tie) => ({
  schema: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom(
      ...(["bool", "byte", "i16", "i32", "i64", "double", "float", "string", "binary", "uuid"] as const).map(
        (t) => ({ t }) as Schema,
      ),
    ),
    fc.record({ t: fc.constantFrom("list" as const, "set" as const), elem: tie("schema") }),
    fc.record({ t: fc.constant("map" as const), key: tie("schema"), val: tie("schema") }),
    fc.record({
      t: fc.constant("struct" as const),
      fields: fc.uniqueArray(fc.record({ id: fc.oneof(fc.integer({ min: 1, max: 20 }), I16), s: tie("schema") }), {
        selector: (f) => f.id,
        maxLength: 6,
      }),
    }),
  ),
})).schema;

function valueArb(s: Schema): fc.Arbitrary<unknown> {
  switch (s.t) {
    case "bool":
      return fc.boolean();
    case "byte":
      return I8;
    case "i16":
      return I16;
    case "i32":
      return I32;
    case "i64":
      return I64;
    case "double":
      return DOUBLE;
    case "float":
      return FLOAT;
    case "string":
      return STRING;
    case "binary":
      return BINARY;
    case "uuid":
      return UUID;
    case "list":
    case "set":
      return fc.array(valueArb(s.elem), { maxLength: 20 });
    case "map":
      return fc.array(fc.tuple(valueArb(s.key), valueArb(s.val)), { maxLength: 20 });
    case "struct":
      // Each field present or absent.
      return fc.tuple(...s.fields.map((f) => fc.option(valueArb(f.s), { nil: undefined })));
  }
}

function writeValue(w: ProtocolWriter, s: Schema, v: unknown): void {
  switch (s.t) {
    case "bool":
      return w.writeBool(v as boolean);
    case "byte":
      return w.writeByte(v as number);
    case "i16":
      return w.writeI16(v as number);
    case "i32":
      return w.writeI32(v as number);
    case "i64":
      return w.writeI64(v as bigint);
    case "double":
      return w.writeDouble(v as number);
    case "float":
      return w.writeFloat(v as number);
    case "string":
      return w.writeString(v as string);
    case "binary":
      return w.writeBinary(v as Uint8Array);
    case "uuid":
      return w.writeUuid(v as string);
    case "list":
    case "set": {
      const items = v as unknown[];
      if (s.t === "list") w.writeListBegin(TTYPE[s.elem.t], items.length);
      else w.writeSetBegin(TTYPE[s.elem.t], items.length);
      for (const item of items) writeValue(w, s.elem, item);
      if (s.t === "list") w.writeListEnd();
      else w.writeSetEnd();
      return;
    }
    case "map": {
      const entries = v as [unknown, unknown][];
      w.writeMapBegin(TTYPE[s.key.t], TTYPE[s.val.t], entries.length);
      for (const [k, x] of entries) {
        writeValue(w, s.key, k);
        writeValue(w, s.val, x);
      }
      w.writeMapEnd();
      return;
    }
    case "struct": {
      const vals = v as unknown[];
      w.writeStructBegin("S");
      s.fields.forEach((f, i) => {
        if (vals[i] === undefined) return;
        w.writeFieldBegin(`f${f.id}`, TTYPE[f.s.t], f.id);
        writeValue(w, f.s, vals[i]);
        w.writeFieldEnd();
      });
      w.writeFieldStop();
      w.writeStructEnd();
      return;
    }
  }
}

/** Reads a value like generated code. `skipEvery` > 0 skips struct fields whose index % skipEvery === 0 (result: undefined). */
function readValue(r: ProtocolReader, s: Schema, skipEvery = 0): unknown {
  switch (s.t) {
    case "bool":
      return r.readBool();
    case "byte":
      return r.readByte();
    case "i16":
      return r.readI16();
    case "i32":
      return r.readI32();
    case "i64":
      return r.readI64();
    case "double":
      return r.readDouble();
    case "float":
      return r.readFloat();
    case "string":
      return r.readString();
    case "binary":
      return r.readBinary();
    case "uuid":
      return r.readUuid();
    case "list":
    case "set": {
      const n = s.t === "list" ? r.readListBegin() : r.readSetBegin();
      if (n > 0) expect(r.elemType).toBe(TTYPE[s.elem.t]);
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(readValue(r, s.elem, skipEvery));
      if (s.t === "list") r.readListEnd();
      else r.readSetEnd();
      return out;
    }
    case "map": {
      const n = r.readMapBegin();
      if (n > 0) expect([r.keyType, r.valueType]).toEqual([TTYPE[s.key.t], TTYPE[s.val.t]]);
      const out: [unknown, unknown][] = [];
      for (let i = 0; i < n; i++) out.push([readValue(r, s.key, skipEvery), readValue(r, s.val, skipEvery)]);
      r.readMapEnd();
      return out;
    }
    case "struct": {
      const out: unknown[] = s.fields.map(() => undefined);
      r.readStructBegin();
      for (;;) {
        const t = r.readFieldBegin();
        if (t === TType.STOP) break;
        const i = s.fields.findIndex((f) => f.id === r.fieldId);
        if (i < 0 || t !== TTYPE[s.fields[i]!.s.t]) throw new Error(`unexpected field ${r.fieldId} of type ${t}`);
        if (skipEvery > 0 && i % skipEvery === 0) r.skip(t);
        else out[i] = readValue(r, s.fields[i]!.s, skipEvery);
        r.readFieldEnd();
      }
      r.readStructEnd();
      return out;
    }
  }
}

/** Drops the fields readValue(…, skipEvery) skips. */
function withoutSkipped(s: Schema, v: unknown, skipEvery: number): unknown {
  switch (s.t) {
    case "list":
    case "set":
      return (v as unknown[]).map((x) => withoutSkipped(s.elem, x, skipEvery));
    case "map":
      return (v as [unknown, unknown][]).map(([k, x]) => [
        withoutSkipped(s.key, k, skipEvery),
        withoutSkipped(s.val, x, skipEvery),
      ]);
    case "struct":
      return (v as unknown[]).map((x, i) =>
        x === undefined || (skipEvery > 0 && i % skipEvery === 0)
          ? undefined
          : withoutSkipped(s.fields[i]!.s, x, skipEvery),
      );
    default:
      return v;
  }
}

/** Comparable form: numbers via Object.is semantics (-0, NaN), floats after Math.fround, bytes as arrays. */
function canon(s: Schema, v: unknown): unknown {
  if (v === undefined) return undefined;
  switch (s.t) {
    case "double":
      return Object.is(v, -0) ? "-0" : String(v);
    case "float": {
      const f = Math.fround(v as number);
      return Object.is(f, -0) ? "-0" : String(f);
    }
    case "binary":
      return Array.from(v as Uint8Array);
    case "i64":
      return `${v as bigint}n`;
    case "list":
    case "set":
      return (v as unknown[]).map((x) => canon(s.elem, x));
    case "map":
      return (v as [unknown, unknown][]).map(([k, x]) => [canon(s.key, k), canon(s.val, x)]);
    case "struct":
      return (v as unknown[]).map((x, i) => canon(s.fields[i]!.s, x));
    default:
      return v;
  }
}

const schemaAndValue = schemaArb.chain((s) => valueArb(s).map((v) => ({ s, v })));
/** A struct at the top, as in a message's args. */
const structAndValue = fc
  .uniqueArray(fc.record({ id: fc.oneof(fc.integer({ min: 1, max: 20 }), I16), s: schemaArb }), {
    selector: (f) => f.id,
    maxLength: 6,
  })
  .map((fields): Schema => ({ t: "struct", fields }))
  .chain((s) => valueArb(s).map((v) => ({ s, v })));

// ---------------------------------------------------------------------------------------------------

describe.each(protocols)("%s protocol: round trips", (_label, P) => {
  function roundTrip<T>(write: (w: ProtocolWriter, v: T) => void, read: (r: ProtocolReader) => T, v: T): T {
    const w = P.createWriter();
    write(w, v);
    const r = P.createReader(w.buffer.finish());
    const out = read(r);
    expect(r.remaining).toBe(0);
    return out;
  }

  it("bool, i8, i16, i32", () => {
    fc.assert(
      fc.property(fc.boolean(), I8, I16, I32, (b, i8, i16, i32) => {
        if (P.name === "json") {
          // JSON writes consecutive top-level numbers with no separator ("15" for 1 then 5), exactly as
          // Apache's writer does, so each goes alone here; json.test.ts covers them inside containers.
          expect(roundTrip((w, x: boolean) => w.writeBool(x), (r) => r.readBool(), b)).toBe(b);
          expect(roundTrip((w, x: number) => w.writeByte(x), (r) => r.readByte(), i8)).toBe(i8);
          expect(roundTrip((w, x: number) => w.writeI16(x), (r) => r.readI16(), i16)).toBe(i16);
          expect(roundTrip((w, x: number) => w.writeI32(x), (r) => r.readI32(), i32)).toBe(i32);
          return;
        }
        const w = P.createWriter();
        w.writeBool(b);
        w.writeByte(i8);
        w.writeI16(i16);
        w.writeI32(i32);
        const r = P.createReader(w.buffer.finish());
        expect([r.readBool(), r.readByte(), r.readI16(), r.readI32()]).toEqual([b, i8, i16, i32]);
        expect(r.remaining).toBe(0);
      }),
      { numRuns: 1000 },
    );
    for (const v of [-128, 127, 0, -1])
      expect(
        roundTrip(
          (w, x) => w.writeByte(x),
          (r) => r.readByte(),
          v,
        ),
      ).toBe(v);
    for (const v of [-0x8000, 0x7fff])
      expect(
        roundTrip(
          (w, x) => w.writeI16(x),
          (r) => r.readI16(),
          v,
        ),
      ).toBe(v);
    for (const v of [-0x80000000, 0x7fffffff])
      expect(
        roundTrip(
          (w, x) => w.writeI32(x),
          (r) => r.readI32(),
          v,
        ),
      ).toBe(v);
  });

  it("i64 over the full range", () => {
    fc.assert(
      fc.property(I64, (v) => {
        expect(
          roundTrip(
            (w, x) => w.writeI64(x),
            (r) => r.readI64(),
            v,
          ),
        ).toBe(v);
      }),
      { numRuns: 2000 },
    );
    const edges = [
      0n,
      -1n,
      1n,
      -(1n << 63n),
      (1n << 63n) - 1n,
      1n << 53n,
      -(1n << 53n),
      (1n << 53n) + 1n,
      -(1n << 53n) - 1n,
      1n << 31n,
      -(1n << 31n) - 1n,
      1n << 32n,
    ];
    for (const v of edges)
      expect(
        roundTrip(
          (w, x) => w.writeI64(x),
          (r) => r.readI64(),
          v,
        ),
      ).toBe(v);
  });

  it("doubles incl. NaN, -0, ±Infinity (Object.is)", () => {
    fc.assert(
      fc.property(DOUBLE, (v) => {
        expect(
          Object.is(
            roundTrip(
              (w, x) => w.writeDouble(x),
              (r) => r.readDouble(),
              v,
            ),
            v,
          ),
        ).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("floats (Math.fround), incl. NaN, -0, ±Infinity", () => {
    fc.assert(
      fc.property(fc.oneof(FLOAT, fc.double()), (v) => {
        expect(
          Object.is(
            roundTrip(
              (w, x) => w.writeFloat(x),
              (r) => r.readFloat(),
              v,
            ),
            Math.fround(v),
          ),
        ).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("strings with arbitrary unicode, surrogate pairs included", () => {
    fc.assert(
      fc.property(STRING, (v) => {
        expect(
          roundTrip(
            (w, x) => w.writeString(x),
            (r) => r.readString(),
            v,
          ),
        ).toBe(v);
      }),
      { numRuns: 2000 },
    );
    for (const v of ["", "😀", "a😀", "\ufeffbom", "x".repeat(100_000), "日本".repeat(20_000)]) {
      expect(
        roundTrip(
          (w, x) => w.writeString(x),
          (r) => r.readString(),
          v,
        ),
      ).toBe(v);
    }
  });

  it("lone surrogates become U+FFFD", () => {
    expect(
      roundTrip(
        (w, x) => w.writeString(x),
        (r) => r.readString(),
        "a\ud800b\udc00",
      ),
    ).toBe("a\ufffdb\ufffd");
  });

  it("binaries", () => {
    fc.assert(
      fc.property(BINARY, (v) => {
        expect(
          Array.from(
            roundTrip<Uint8Array>(
              (w, x) => w.writeBinary(x),
              (r) => r.readBinary(),
              v,
            ),
          ),
        ).toEqual(Array.from(v));
      }),
      { numRuns: 1000 },
    );
  });

  it("uuids (canonical lowercase out)", () => {
    fc.assert(
      fc.property(fc.oneof(UUID, fc.uuid()), fc.boolean(), (v, upper) => {
        expect(
          roundTrip(
            (w, x) => w.writeUuid(x),
            (r) => r.readUuid(),
            upper ? v.toUpperCase() : v,
          ),
        ).toBe(v.toLowerCase());
      }),
      { numRuns: 1000 },
    );
  });

  it("nested containers and struct field sequences", () => {
    fc.assert(
      fc.property(schemaAndValue, ({ s, v }) => {
        const out = roundTrip(
          (w, x) => writeValue(w, s, x),
          (r) => readValue(r, s),
          v,
        );
        expect(canon(s, out)).toEqual(canon(s, v));
      }),
      { numRuns: 500 },
    );
  });

  it("messages with struct args; skip() of every other field and of the whole struct", () => {
    fc.assert(
      fc.property(
        structAndValue,
        fc.string({ maxLength: 20 }),
        fc.constantFrom(MessageType.CALL, MessageType.REPLY, MessageType.EXCEPTION, MessageType.ONEWAY),
        I32,
        ({ s, v }, name, type, seqid) => {
          const w = P.createWriter();
          w.writeMessageBegin(name, type, seqid);
          writeValue(w, s, v);
          w.writeMessageEnd();
          const bytes = w.buffer.finish();

          const r = P.createReader(bytes);
          expect(r.readMessageBegin()).toEqual({ name, type, seqid });
          expect(canon(s, readValue(r, s))).toEqual(canon(s, v));
          r.readMessageEnd();
          expect(r.remaining).toBe(0);

          for (const skipEvery of [1, 2, 3]) {
            const rs = P.createReader(bytes);
            rs.readMessageBegin();
            const partial = readValue(rs, s, skipEvery);
            expect(canon(s, partial)).toEqual(canon(s, withoutSkipped(s, v, skipEvery)));
            rs.readMessageEnd();
            expect(rs.remaining).toBe(0);
          }

          const whole = P.createReader(bytes);
          whole.readMessageBegin();
          whole.skip(TType.STRUCT);
          whole.readMessageEnd();
          expect(whole.remaining).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("accepts a Node Buffer as input; readBinary returns a plain Uint8Array copy", () => {
    const w = P.createWriter();
    w.writeBinary(Uint8Array.of(1, 2, 3));
    w.writeString("hé");
    w.writeI32(-7);
    const nodeBuf = Buffer.concat([Buffer.from([9, 9, 9]), Buffer.from(w.buffer.finish())]).subarray(3);
    const r = P.createReader(nodeBuf);
    const bin = r.readBinary();
    expect(bin.constructor).toBe(Uint8Array);
    expect(r.readString()).toBe("hé");
    expect(r.readI32()).toBe(-7);
    expect(r.remaining).toBe(0);
    nodeBuf.fill(0);
    expect(Array.from(bin)).toEqual([1, 2, 3]);
  });

  it("a writer can be reused after buffer.reset()", () => {
    const w = P.createWriter();
    w.writeMessageBegin("a", MessageType.CALL, 1);
    const first = w.buffer.finish().slice();
    w.buffer.reset();
    w.writeMessageBegin("a", MessageType.CALL, 1);
    expect(Array.from(w.buffer.finish())).toEqual(Array.from(first));
  });

  it("truncating any generated message throws TProtocolException", () => {
    fc.assert(
      fc.property(structAndValue, fc.nat(), ({ s, v }, cutSeed) => {
        const w = P.createWriter();
        w.writeMessageBegin("m", MessageType.CALL, 0);
        writeValue(w, s, v);
        const bytes = w.buffer.finish();
        const cut = cutSeed % bytes.length;
        const r = P.createReader(bytes.slice(0, cut));
        expect(() => {
          r.readMessageBegin();
          r.skip(TType.STRUCT);
        }).toThrow(TProtocolException);
      }),
      { numRuns: 500 },
    );
  });
});

describe("index exports", () => {
  it("exports the whole public API", () => {
    expect(Object.keys(api).sort()).toEqual(
      [
        "BinaryProtocol",
        "BinaryProtocolFactory",
        "BinaryReader",
        "BinaryWriter",
        "CompactProtocol",
        "CompactProtocolFactory",
        "CompactReader",
        "CompactType",
        "CompactWriter",
        "DEFAULT_READER_LIMITS",
        "JSONProtocol",
        "JSONProtocolFactory",
        "JSONReader",
        "JSONWriter",
        "formatDouble17g",
        "MessageType",
        "ReaderBase",
        "TApplicationException",
        "TApplicationExceptionType",
        "TException",
        "TProtocolException",
        "TProtocolExceptionType",
        "TTransportException",
        "TTransportExceptionType",
        "TType",
        "WriteBuffer",
        "decodeUtf8",
        "utf8Length",
      ].sort(),
    );
  });

  it("no Node Buffer in the runtime sources (must run in browsers)", () => {
    const dir = dirname(fileURLToPath(import.meta.url));
    const sources = readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
    expect(sources.length).toBeGreaterThanOrEqual(9);
    for (const f of sources) {
      const text = readFileSync(join(dir, f), "utf8");
      expect(text, f).not.toMatch(/(?<![A-Za-z])Buffer\b/);
      expect(text, f).not.toMatch(/from "node:/);
    }
  });
});
