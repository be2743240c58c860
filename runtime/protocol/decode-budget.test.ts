/**
 * The decode budget (decode-cost.ts, ReaderBase): in every protocol, messages whose decoded values
 * would cost far more memory than their bytes are refused with SIZE_LIMIT before the values are built,
 * legitimate large messages are not, and the budget is per message on a reused reader.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BinaryProtocol } from "./binary.js";
import { CompactProtocol } from "./compact.js";
import { TProtocolException, TProtocolExceptionType } from "./errors.js";
import { JSONProtocol } from "./json.js";
import { DEFAULT_READER_LIMITS, type Protocol, type ProtocolReader, type ProtocolWriter, type ReaderLimits } from "./protocol.js";
import type { ReaderBase } from "./reader-base.js";
import { MessageType, TType } from "./ttype.js";

/** A value's type, enough to write and read values the way generated code does. */
type Shape =
  | "bool"
  | "i32"
  | "i64"
  | "double"
  | "string"
  | "binary"
  | { list: Shape }
  | { set: Shape }
  | { map: [Shape, Shape] }
  | { struct: Record<number, Shape> };

function ttype(s: Shape): number {
  if (typeof s === "string") {
    return { bool: TType.BOOL, i32: TType.I32, i64: TType.I64, double: TType.DOUBLE, string: TType.STRING, binary: TType.STRING }[s];
  }
  if ("list" in s) return TType.LIST;
  if ("set" in s) return TType.SET;
  if ("map" in s) return TType.MAP;
  return TType.STRUCT;
}

function write(w: ProtocolWriter, s: Shape, v: unknown): void {
  switch (s) {
    case "bool":
      return w.writeBool(v as boolean);
    case "i32":
      return w.writeI32(v as number);
    case "i64":
      return w.writeI64(v as bigint);
    case "double":
      return w.writeDouble(v as number);
    case "string":
      return w.writeString(v as string);
    case "binary":
      return w.writeBinary(v as Uint8Array);
  }
  if ("list" in s || "set" in s) {
    const elem = "list" in s ? s.list : s.set;
    const items = [...(v as Iterable<unknown>)];
    if ("list" in s) w.writeListBegin(ttype(elem), items.length);
    else w.writeSetBegin(ttype(elem), items.length);
    for (const e of items) write(w, elem, e);
    return "list" in s ? w.writeListEnd() : w.writeSetEnd();
  }
  if ("map" in s) {
    const m = v as Map<unknown, unknown>;
    w.writeMapBegin(ttype(s.map[0]), ttype(s.map[1]), m.size);
    for (const [k, x] of m) {
      write(w, s.map[0], k);
      write(w, s.map[1], x);
    }
    return w.writeMapEnd();
  }
  const o = v as Record<number, unknown>;
  w.writeStructBegin("S");
  for (const [id, f] of Object.entries(s.struct)) {
    if (o[Number(id)] === undefined) continue;
    w.writeFieldBegin(`f${id}`, ttype(f), Number(id));
    write(w, f, o[Number(id)]);
    w.writeFieldEnd();
  }
  w.writeFieldStop();
  w.writeStructEnd();
}

/** Reads as generated code does: every declared field present in the object, unknown fields skipped. */
function read(r: ProtocolReader, s: Shape): unknown {
  switch (s) {
    case "bool":
      return r.readBool();
    case "i32":
      return r.readI32();
    case "i64":
      return r.readI64();
    case "double":
      return r.readDouble();
    case "string":
      return r.readString();
    case "binary":
      return r.readBinary();
  }
  if ("list" in s) {
    const n = r.readListBegin();
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) out.push(read(r, s.list));
    r.readListEnd();
    return out;
  }
  if ("set" in s) {
    const n = r.readSetBegin();
    const out = new Set<unknown>();
    for (let i = 0; i < n; i++) out.add(read(r, s.set));
    r.readSetEnd();
    return out;
  }
  if ("map" in s) {
    const n = r.readMapBegin();
    const out = new Map<unknown, unknown>();
    for (let i = 0; i < n; i++) {
      const k = read(r, s.map[0]);
      out.set(k, read(r, s.map[1]));
    }
    r.readMapEnd();
    return out;
  }
  const o: Record<number, unknown> = {};
  for (const id of Object.keys(s.struct)) o[Number(id)] = undefined;
  r.readStructBegin();
  for (;;) {
    const t = r.readFieldBegin();
    if (t === TType.STOP) break;
    const f = s.struct[r.fieldId];
    if (f !== undefined && ttype(f) === t) o[r.fieldId] = read(r, f);
    else r.skip(t);
    r.readFieldEnd();
  }
  r.readStructEnd();
  return o;
}

/** A call message `name(args)` with `args` of shape `{ struct: fields }`, as a client sends it. */
function callMessage(p: Protocol, fields: Record<number, Shape>, args: Record<number, unknown>): Uint8Array {
  const w = p.createWriter();
  w.writeMessageBegin("testInsanity", MessageType.CALL, 1);
  write(w, { struct: fields }, args);
  w.writeMessageEnd();
  return w.buffer.finish().slice();
}

type Reader = ProtocolReader & ReaderBase;

/** Reads the call back; returns the arguments, or the TProtocolException it was refused with. */
function readCall(p: Protocol, bytes: Uint8Array, fields: Record<number, Shape>, limits?: Partial<ReaderLimits>): { args?: unknown; error?: TProtocolException; reader: Reader } {
  const r = p.createReader(bytes, limits) as unknown as Reader;
  try {
    r.readMessageBegin();
    const args = read(r, { struct: fields });
    r.readMessageEnd();
    return { args, reader: r };
  } catch (e) {
    if (!(e instanceof TProtocolException)) throw e;
    return { error: e, reader: r };
  }
}

const PROTOCOLS: [string, Protocol][] = [
  ["binary", BinaryProtocol],
  ["compact", CompactProtocol],
  ["json", JSONProtocol],
];

const MILLION = 1_000_000;
const Xtruct: Shape = { struct: { 1: "string", 4: "i32", 9: "i32", 11: "i64" } };
/** testInsanity's argument: Insanity { 1: map<i32, i64> userMap, 2: list<Xtruct> xtructs }. */
const INSANITY_ARGS = { 1: { struct: { 1: { map: ["i32", "i64"] }, 2: { list: Xtruct } } } } satisfies Record<number, Shape>;

function times<T>(n: number, f: (i: number) => T): T[] {
  return Array.from({ length: n }, (_, i) => f(i));
}

function refused(result: { error?: TProtocolException }, limits: Partial<ReaderLimits> = {}): TProtocolException {
  const { decodeBudgetRatio: ratio, decodeBudgetFloor: floor } = { ...DEFAULT_READER_LIMITS, ...limits };
  expect(result.error, "refused").toBeInstanceOf(TProtocolException);
  expect(result.error!.type).toBe(TProtocolExceptionType.SIZE_LIMIT);
  expect(result.error!.message).toMatch(
    new RegExp(`exceeds the message's decode budget: its values would take an estimated \\d+ bytes of memory or more, over the budget of \\d+ for its \\d+ bytes \\(decodeBudgetRatio ${ratio}, decodeBudgetFloor ${floor}\\)$`),
  );
  return result.error!;
}

/** Accepted, and within the bound the budget promises: the estimated cost is at most 48× the bytes (or the floor). */
function accepted(result: { args?: unknown; error?: TProtocolException; reader: Reader }, bytes: Uint8Array): void {
  expect(result.error).toBeUndefined();
  expect(result.reader.decodeCost).toBeLessThanOrEqual(Math.max(DEFAULT_READER_LIMITS.decodeBudgetFloor, DEFAULT_READER_LIMITS.decodeBudgetRatio * bytes.length));
}

describe.each(PROTOCOLS)("decode budget, %s", (name, p) => {
  it("refuses testInsanity carrying 1,000,000 empty structs (binary, compact) at the list header; JSON's 3 bytes per struct keep it within the bound", () => {
    const bytes = callMessage(p, INSANITY_ARGS, { 1: { 2: times(MILLION, () => ({})) } });
    const result = readCall(p, bytes, INSANITY_ARGS);
    if (name === "json") {
      accepted(result, bytes);
      // A tighter ratio refuses it too.
      refused(readCall(p, bytes, INSANITY_ARGS, { decodeBudgetRatio: 16 }), { decodeBudgetRatio: 16 });
      return;
    }
    const e = refused(result);
    expect(e.message).toMatch(/^a list of 1000000 struct elements at offset \d+ exceeds/);
    // Refused at the list header, before decoding any element.
    expect(result.reader.pos).toBeLessThan(48);
  });

  it("refuses 100,000 empty binary values (an array and buffer object each), in every protocol", () => {
    const fields = { 1: { list: "binary" } } satisfies Record<number, Shape>;
    const bytes = callMessage(p, fields, { 1: times(100_000, () => new Uint8Array(0)) });
    expect(refused(readCall(p, bytes, fields)).message).toMatch(/^a binary at offset/);
  });

  it("nested containers of empty containers: refused where one byte is a whole Set or Map (compact), within the bound elsewhere", () => {
    for (const inner of [{ set: "i32" }, { map: ["i32", "i32"] }] satisfies Shape[]) {
      const fields = { 1: { list: { list: inner } } } satisfies Record<number, Shape>;
      const empty = (): unknown => ("set" in inner ? new Set() : new Map());
      const bytes = callMessage(p, fields, { 1: times(200, () => times(1000, empty)) });
      const result = readCall(p, bytes, fields);
      if (name === "compact") expect(refused(result).message).toMatch(/^a list of 1000 (set|map) elements/);
      else accepted(result, bytes);
    }
  });

  it("maps of empty strings: one-entry maps refused in compact (four bytes each), within the bound elsewhere; one map repeating its empty key is within it", () => {
    const listOfMaps = { 1: { list: { map: ["string", "string"] } } } satisfies Record<number, Shape>;
    const bytes = callMessage(p, listOfMaps, { 1: times(100_000, () => new Map([["", ""]])) });
    const result = readCall(p, bytes, listOfMaps);
    if (name === "compact") refused(result);
    else accepted(result, bytes);

    // The same empty key a million times (no writer sends that; the Map keeps one entry).
    const oneMap = { 1: { map: ["string", "string"] } } satisfies Record<number, Shape>;
    const w = p.createWriter();
    w.writeMessageBegin("m", MessageType.CALL, 1);
    w.writeStructBegin("args");
    w.writeFieldBegin("m", TType.MAP, 1);
    w.writeMapBegin(TType.STRING, TType.STRING, 100_000);
    for (let i = 0; i < 100_000; i++) {
      w.writeString("");
      w.writeString("");
    }
    w.writeMapEnd();
    w.writeFieldEnd();
    w.writeFieldStop();
    w.writeStructEnd();
    w.writeMessageEnd();
    const same = w.buffer.finish().slice();
    accepted(readCall(p, same, oneMap), same);
  });

  it("skipped values are charged alike: an unknown field holding 100,000 empty structs is refused in binary and compact", () => {
    const bytes = callMessage(p, INSANITY_ARGS, { 1: { 2: times(100_000, () => ({})) } });
    const result = readCall(p, bytes, { 7: "i32" }); // reads the args with field 1 unknown
    if (name === "json") accepted(result, bytes);
    else refused(result);
  });

  it("accepts large legitimate messages: a 10 MB binary, a list of 1,000,000 i32, dense lists of small numbers and small structs, 50,000 Xtructs", () => {
    const big = new Uint8Array(10 * MILLION).map((_, i) => i & 0xff);
    const cases: [Record<number, Shape>, Record<number, unknown>][] = [
      [{ 1: "binary" }, { 1: big }],
      [{ 1: { list: "i32" } }, { 1: times(MILLION, (i) => i * 7919) }],
      [{ 1: { list: "i32" } }, { 1: times(MILLION / 4, (i) => i & 63) }],
      [{ 1: { list: "i64" } }, { 1: times(MILLION / 4, (i) => BigInt(i & 31)) }],
      [{ 1: { list: "bool" } }, { 1: times(MILLION / 4, (i) => (i & 1) === 0) }],
      [{ 1: { list: "double" } }, { 1: times(MILLION / 4, (i) => i / 3) }],
      [INSANITY_ARGS, { 1: { 1: new Map(times(1000, (i) => [i, BigInt(i)])), 2: times(50_000, (i) => ({ 1: `name ${i}`, 4: i & 0x7f, 9: i, 11: BigInt(i) * 1000n })) } }],
      // Structs with one small field set: the densest struct lists a writer produces for real data.
      [{ 1: { list: { struct: { 1: "bool" } } } }, { 1: times(MILLION / 4, (i) => ({ 1: (i & 1) === 0 })) }],
      [{ 1: { list: { struct: { 1: "i32" } } } }, { 1: times(MILLION / 4, (i) => ({ 1: i & 15 })) }],
      [{ 1: { map: ["i64", "i64"] } }, { 1: new Map(times(MILLION / 4, (i) => [BigInt(i), BigInt(i & 7)])) }],
      [{ 1: { list: "string" } }, { 1: times(MILLION / 4, (i) => i.toString(36)) }],
      [{ 1: { list: { list: "i32" } } }, { 1: times(MILLION / 4, (i) => [i & 7]) }],
    ];
    for (const [fields, args] of cases) {
      const bytes = callMessage(p, fields, args);
      const result = readCall(p, bytes, fields);
      accepted(result, bytes);
    }
  });

  it("small messages get the floor: a struct of many empty containers is fine however few its bytes", () => {
    const fields: Record<number, Shape> = {};
    const args: Record<number, unknown> = {};
    for (let id = 1; id <= 100; id++) {
      fields[id] = { map: ["i32", "i32"] };
      args[id] = new Map();
    }
    const bytes = callMessage(p, fields, args);
    accepted(readCall(p, bytes, fields), bytes);
    // Without the floor, a ratio of a few bytes per byte refuses it.
    const tight = { decodeBudgetFloor: 1, decodeBudgetRatio: 4 };
    refused(readCall(p, bytes, fields, tight), tight);
  });

  it("is per message: a reused reader gets a fresh budget on reset, and Infinity turns it off", () => {
    const fields = { 1: { list: { struct: {} } } } satisfies Record<number, Shape>;
    const structs = (n: number): Uint8Array => callMessage(p, fields, { 1: times(n, () => ({})) });
    // Each message alone costs most of the floor; two in a row on one reader would not fit one budget.
    const one = structs(12_000);
    const r = p.createReader(one) as unknown as Reader;
    for (let i = 0; i < 3; i++) {
      r.reset(one);
      r.readMessageBegin();
      read(r, { struct: fields });
      expect(r.decodeCost).toBeGreaterThan(DEFAULT_READER_LIMITS.decodeBudgetFloor / 2);
    }
    const huge = structs(100_000);
    expect(readCall(p, huge, fields, { decodeBudgetRatio: Infinity }).error).toBeUndefined();
  });
});

/**
 * Reasonable data at scale: a big list whose elements are drawn (as a cycled template) from values a
 * real service sends. Not reasonable, and refused at scale on purpose: lists dominated by empty structs,
 * empty or tiny containers of tiny values, or tiny binaries (each a whole object for a byte or two).
 */
const tiny = fc.integer({ min: -64, max: 63 });
const scalars = {
  i32: fc.oneof(fc.integer(), tiny),
  i64: fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: -64n, max: 63n })),
  double: fc.double(),
  bool: fc.boolean(),
  string: fc.string({ maxLength: 24 }),
  binary: fc.uint8Array({ minLength: 8, maxLength: 64 }),
} satisfies Record<string, fc.Arbitrary<unknown>>;
type Scalar = keyof typeof scalars;

/** An element shape and the values of it. */
const elements: fc.Arbitrary<[Shape, fc.Arbitrary<unknown>]> = fc.oneof(
  fc.constantFrom(...(Object.keys(scalars) as Scalar[])).map((k): [Shape, fc.Arbitrary<unknown>] => [k, scalars[k]]),
  // A struct of one to four small fields, all set.
  fc.array(fc.constantFrom<Scalar>("i32", "bool", "string"), { minLength: 1, maxLength: 4 }).map((types): [Shape, fc.Arbitrary<unknown>] => [
    { struct: Object.fromEntries(types.map((t, i) => [i + 1, t])) },
    fc.tuple(...types.map((t) => (t === "i32" ? tiny : scalars[t]))).map((vs) => Object.fromEntries(vs.map((v, i) => [i + 1, v]))),
  ]),
  fc.constant<[Shape, fc.Arbitrary<unknown>]>([{ list: "i32" }, fc.array(tiny, { minLength: 1, maxLength: 8 })]),
  fc.constant<[Shape, fc.Arbitrary<unknown>]>([{ set: "i32" }, fc.uniqueArray(fc.integer(), { minLength: 8, maxLength: 16 }).map((v) => new Set(v))]),
  fc.constant<[Shape, fc.Arbitrary<unknown>]>([
    { map: ["i32", "string"] },
    fc.uniqueArray(tiny, { minLength: 8, maxLength: 16 }).map((keys) => new Map(keys.map((k) => [k, "x".repeat(k & 3)]))),
  ]),
);

/** A big list of one element shape: a template of up to eight values, cycled. */
const bigList = fc
  .tuple(elements, fc.integer({ min: 20_000, max: 60_000 }))
  .chain(([[shape, values], count]) => fc.tuple(fc.constant(shape), fc.array(values, { minLength: 1, maxLength: 8 }), fc.constant(count)));

describe("decode budget: what our writers produce for reasonable data decodes under the default budget", () => {
  it.each(PROTOCOLS)("%s", (_, p) => {
    fc.assert(
      fc.property(bigList, ([shape, template, count]) => {
        const fields = { 1: { list: shape } } satisfies Record<number, Shape>;
        const bytes = callMessage(p, fields, { 1: times(count, (i) => template[i % template.length]) });
        accepted(readCall(p, bytes, fields), bytes);
      }),
      { numRuns: 25, seed: 0x5eed },
    );
  });
});
