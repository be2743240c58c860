/**
 * The resumable message scanners and the framed/buffered decoders, without sockets: random messages of
 * every wire type, fed whole, byte by byte and in random splits, must come out exactly, with each byte
 * examined at most once; hostile input must be rejected as soon as it is seen.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { BinaryProtocol } from "../protocol/binary.js";
import { CompactProtocol } from "../protocol/compact.js";
import { TProtocolException, TProtocolExceptionType, TTransportException, TTransportExceptionType } from "../protocol/errors.js";
import type { Protocol, ProtocolWriter } from "../protocol/protocol.js";
import { MessageType, TType } from "../protocol/ttype.js";
import { BufferedDecoder, FramedDecoder } from "./decoder.js";
import { createScanner, JsonScanner, type ScannerLimits } from "./scanner.js";

// ---------------------------------------------------------------------------------------------------
// Random Thrift values of random types, written with the protocol writers.

type Ty =
  | { k: "base"; t: number; binary?: boolean }
  | { k: "list" | "set"; elem: Ty }
  | { k: "map"; key: Ty; value: Ty }
  | { k: "struct"; fields: { id: number; ty: Ty }[] };

const BASE_TYPES = [TType.BOOL, TType.BYTE, TType.I16, TType.I32, TType.I64, TType.DOUBLE, TType.STRING, TType.UUID, TType.FLOAT];

const tyArb: fc.Arbitrary<Ty> = fc.letrec<{ ty: Ty }>((tie) => ({
  ty: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({ k: fc.constant("base" as const), t: fc.constantFrom(...BASE_TYPES), binary: fc.boolean() }),
    fc.record({ k: fc.constantFrom("list" as const, "set" as const), elem: tie("ty") }),
    fc.record({ k: fc.constant("map" as const), key: tie("ty"), value: tie("ty") }),
    fc.record({
      k: fc.constant("struct" as const),
      // Any i16 id, so compact writes short (delta 1..15) and long (varint) field headers.
      fields: fc.uniqueArray(fc.record({ id: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: -32768, max: 32767 })), ty: tie("ty") }), {
        selector: (f) => f.id,
        maxLength: 5,
      }),
    }),
  ),
})).ty;

function valueArb(ty: Ty): fc.Arbitrary<unknown> {
  switch (ty.k) {
    case "base":
      switch (ty.t) {
        case TType.BOOL:
          return fc.boolean();
        case TType.BYTE:
          return fc.integer({ min: -128, max: 127 });
        case TType.I16:
          return fc.integer({ min: -32768, max: 32767 });
        case TType.I32:
          return fc.integer({ min: -0x80000000, max: 0x7fffffff });
        case TType.I64:
          return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
        case TType.DOUBLE:
        case TType.FLOAT:
          return fc.double();
        case TType.STRING:
          return ty.binary ? fc.uint8Array({ maxLength: 100 }) : fc.string({ maxLength: 20 });
        default:
          return fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("").replace(/^(.{8})(.{4})(.{4})(.{4})/, "$1-$2-$3-$4-"));
      }
    case "list":
    case "set":
      return fc.array(valueArb(ty.elem), { maxLength: 8 });
    case "map":
      return fc.array(fc.tuple(valueArb(ty.key), valueArb(ty.value)), { maxLength: 5 });
    case "struct":
      return fc.tuple(...ty.fields.map((f) => valueArb(f.ty)));
  }
}

function ttypeOf(ty: Ty): number {
  switch (ty.k) {
    case "base":
      return ty.t;
    case "list":
      return TType.LIST;
    case "set":
      return TType.SET;
    case "map":
      return TType.MAP;
    case "struct":
      return TType.STRUCT;
  }
}

function writeValue(w: ProtocolWriter, ty: Ty, v: unknown): void {
  switch (ty.k) {
    case "base":
      switch (ty.t) {
        case TType.BOOL:
          return w.writeBool(v as boolean);
        case TType.BYTE:
          return w.writeByte(v as number);
        case TType.I16:
          return w.writeI16(v as number);
        case TType.I32:
          return w.writeI32(v as number);
        case TType.I64:
          return w.writeI64(v as bigint);
        case TType.DOUBLE:
          return w.writeDouble(v as number);
        case TType.FLOAT:
          return w.writeFloat(v as number);
        case TType.STRING:
          return ty.binary ? w.writeBinary(v as Uint8Array) : w.writeString(v as string);
        default:
          return w.writeUuid(v as string);
      }
    case "list":
    case "set": {
      const items = v as unknown[];
      if (ty.k === "list") w.writeListBegin(ttypeOf(ty.elem), items.length);
      else w.writeSetBegin(ttypeOf(ty.elem), items.length);
      for (const item of items) writeValue(w, ty.elem, item);
      return;
    }
    case "map": {
      const entries = v as [unknown, unknown][];
      w.writeMapBegin(ttypeOf(ty.key), ttypeOf(ty.value), entries.length);
      for (const [k, x] of entries) {
        writeValue(w, ty.key, k);
        writeValue(w, ty.value, x);
      }
      return;
    }
    case "struct": {
      const values = v as unknown[];
      w.writeStructBegin("S");
      ty.fields.forEach((f, i) => {
        w.writeFieldBegin("f", ttypeOf(f.ty), f.id);
        writeValue(w, f.ty, values[i]);
        w.writeFieldEnd();
      });
      w.writeFieldStop();
      w.writeStructEnd();
      return;
    }
  }
}

/** A message arbitrary: a header and a random struct body, encoded with `protocol`. */
function messageArb(protocol: Protocol): fc.Arbitrary<Uint8Array> {
  const body = fc.array(fc.record({ id: fc.integer({ min: -40, max: 40 }), ty: tyArb }), { maxLength: 5 }).map((fields) => {
    const seen = new Set<number>();
    return { k: "struct" as const, fields: fields.filter((f) => !seen.has(f.id) && seen.add(f.id)) };
  });
  return fc
    .tuple(fc.string({ maxLength: 12 }), fc.constantFrom(MessageType.CALL, MessageType.REPLY, MessageType.EXCEPTION, MessageType.ONEWAY), fc.integer({ min: -0x80000000, max: 0x7fffffff }), body)
    .chain(([name, type, seqid, ty]) =>
      valueArb(ty).map((value) => {
        const w = protocol.createWriter();
        w.writeMessageBegin(name, type, seqid);
        writeValue(w, ty, value);
        w.writeMessageEnd();
        return w.buffer.finish().slice();
      }),
    );
}

/** Cuts `bytes` at the given offsets (sorted, deduplicated). */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const p of points) {
    chunks.push(bytes.slice(at, p));
    at = p;
  }
  chunks.push(bytes.slice(at));
  return chunks;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Byte-wise equality of two lists of byte arrays (much faster than a deep toEqual). */
function expectSameBytes(actual: readonly Uint8Array[], expected: readonly Uint8Array[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    if (!Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(expected[i]!.buffer, expected[i]!.byteOffset, expected[i]!.length))) {
      expect(a).toEqual(expected[i]); // shows the difference
    }
  });
}

function collectBuffered(protocol: Protocol, chunks: readonly Uint8Array[], limits?: Partial<ScannerLimits>) {
  const messages: Uint8Array[] = [];
  const scanner = createScanner(protocol.name, limits);
  const decoder = new BufferedDecoder((b, s, e) => messages.push(b.slice(s, e)), scanner, limits?.maxMessageSize);
  for (const c of chunks) decoder.push(c);
  return { messages, scanner, decoder };
}

describe.each([
  ["binary", BinaryProtocol],
  ["compact", CompactProtocol],
] as const)("%s scanner", (_name, protocol) => {
  test("random streams in random chunk splits yield exactly the messages; no byte is examined twice", () => {
    fc.assert(
      fc.property(fc.array(messageArb(protocol), { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 12 }), (msgs, cuts) => {
        const stream = concat(msgs);
        const { messages, scanner, decoder } = collectBuffered(protocol, split(stream, cuts));
        expectSameBytes(messages, msgs);
        expect(decoder.partial).toBe(0);
        expect(scanner.examined).toBeLessThanOrEqual(stream.length);
        // The reader agrees on where each message ends.
        for (const m of msgs) {
          const r = protocol.createReader(m);
          r.readMessageBegin();
          r.skip(TType.STRUCT);
          expect(r.remaining).toBe(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  test("byte by byte: the same messages, each decoded once, linear work", () => {
    fc.assert(
      fc.property(fc.array(messageArb(protocol), { minLength: 1, maxLength: 3 }), (msgs) => {
        const stream = concat(msgs);
        const chunks = Array.from(stream, (b) => Uint8Array.of(b));
        const { messages, scanner } = collectBuffered(protocol, chunks);
        expectSameBytes(messages, msgs);
        expect(scanner.examined).toBeLessThanOrEqual(stream.length);
      }),
      { numRuns: 100 },
    );
  });

  test("a large message fed in small chunks is scanned once: payload bytes are skipped, not examined", () => {
    const w = protocol.createWriter();
    w.writeMessageBegin("big", MessageType.CALL, 7);
    w.writeStructBegin("args");
    w.writeFieldBegin("blob", TType.STRING, 1);
    w.writeBinary(new Uint8Array(1 << 20).fill(0xab));
    w.writeFieldBegin("list", TType.LIST, 2);
    w.writeListBegin(TType.I64, 10_000);
    for (let i = 0; i < 10_000; i++) w.writeI64(BigInt(i) * 1_000_003n);
    w.writeFieldStop();
    w.writeStructEnd();
    const msg = w.buffer.finish().slice();
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < msg.length; at += 7) chunks.push(msg.subarray(at, at + 7));
    let decoded = 0;
    const scanner = createScanner(protocol.name);
    const decoder = new BufferedDecoder(
      (b, s, e) => {
        decoded++;
        expectSameBytes([b.subarray(s, e)], [msg]);
      },
      scanner,
    );
    for (const c of chunks) decoder.push(c);
    expect(decoded).toBe(1);
    // Binary skips the fixed-width i64s too; compact walks their varints. Never the 1 MiB blob.
    expect(scanner.examined).toBeLessThan(protocol.name === "binary" ? 100 : msg.length - (1 << 20) + 100);
  });

  test("a message completed inside one chunk is handed out in place (no copy)", () => {
    const w = protocol.createWriter();
    w.writeMessageBegin("m", MessageType.CALL, 1);
    w.writeStructBegin("a");
    w.writeFieldStop();
    w.writeStructEnd();
    const one = w.buffer.finish().slice();
    const chunk = concat([one, one, one]);
    const seen: Uint8Array[] = [];
    const decoder = new BufferedDecoder((b) => seen.push(b), createScanner(protocol.name));
    decoder.push(chunk);
    expect(seen).toHaveLength(3);
    for (const b of seen) expect(b.buffer).toBe(chunk.buffer);
  });

  function header(w: ProtocolWriter): void {
    w.writeMessageBegin("divide", MessageType.CALL, 1);
    w.writeStructBegin("args");
  }

  function bytesOf(build: (w: ProtocolWriter & { buffer: { writeI32BE(n: number): void; writeVarint32(n: number): void } }) => void): Uint8Array {
    const w = protocol.createWriter();
    build(w);
    return w.buffer.finish().slice();
  }

  function rawLength(w: { buffer: { writeI32BE(n: number): void; writeVarint32(n: number): void } }, n: number): void {
    if (protocol.name === "binary") w.buffer.writeI32BE(n);
    else w.buffer.writeVarint32(n);
  }

  function rejects(bytes: Uint8Array, limits: Partial<ScannerLimits>, check: (e: unknown) => void): void {
    const scanner = createScanner(protocol.name, limits);
    let error: unknown;
    try {
      // Byte by byte: the rejection must come as soon as the offending bytes are in, not at the end.
      for (let i = 0; i < bytes.length; i++) scanner.scan(bytes, i, i + 1);
    } catch (e) {
      error = e;
    }
    check(error);
  }

  test("a string claiming more than maxStringLength is rejected at its length, before its bytes arrive", () => {
    const bytes = bytesOf((w) => {
      header(w);
      w.writeFieldBegin("s", TType.STRING, 1);
      rawLength(w, 0x7ffffff0);
    });
    rejects(bytes, { maxStringLength: 1024 }, (e) => {
      expect(e).toBeInstanceOf(TProtocolException);
      expect((e as TProtocolException).type).toBe(TProtocolExceptionType.SIZE_LIMIT);
    });
  });

  test("a huge container count is rejected at its header", () => {
    const bytes = bytesOf((w) => {
      header(w);
      w.writeFieldBegin("l", TType.LIST, 1);
      w.writeListBegin(TType.STRING, 0x7fffffff);
    });
    rejects(bytes, {}, (e) => expect((e as TProtocolException).type).toBe(TProtocolExceptionType.SIZE_LIMIT));
  });

  test("nesting deeper than maxDepth is rejected", () => {
    const bytes = bytesOf((w) => {
      header(w);
      for (let i = 0; i < 100; i++) {
        w.writeFieldBegin("s", TType.STRUCT, 1);
        w.writeStructBegin("s");
      }
    });
    rejects(bytes, { maxDepth: 10 }, (e) => expect((e as TProtocolException).type).toBe(TProtocolExceptionType.DEPTH_LIMIT));
  });

  test("a message growing past maxMessageSize is rejected before it completes", () => {
    const bytes = bytesOf((w) => {
      header(w);
      for (let i = 0; i < 10; i++) {
        w.writeFieldBegin("s", TType.STRING, i + 1);
        w.writeString("x".repeat(500));
      }
    });
    rejects(bytes, { maxMessageSize: 2000 }, (e) => {
      expect(e).toBeInstanceOf(TTransportException);
      expect((e as TTransportException).type).toBe(TTransportExceptionType.SIZE_LIMIT);
    });
  });

  test("garbage is rejected at the first bytes", () => {
    const scanner = createScanner(protocol.name);
    const http = new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n");
    expect(() => scanner.scan(http, 0, http.length)).toThrow(TProtocolException);
  });

  test("an invalid field type is rejected", () => {
    const bytes = bytesOf((w) => header(w));
    const bad = concat([bytes, Uint8Array.of(protocol.name === "binary" ? 0x55 : 0x1f, 0, 1)]);
    expect(() => createScanner(protocol.name).scan(bad, 0, bad.length)).toThrow(/invalid/);
  });
});

describe("json scanner", () => {
  const messages = [
    `[1,"testString",1,0,{"1":{"str":"brackets ] } [ { and \\"quotes\\" \\\\"}}]`,
    `[1,"testList",1,1,{"1":{"lst":["i32",3,1,2,3]}}]`,
    `  \n[1,"x",2,2,{"0":{"map":["str","rec",1,{"k":{"1":{"str":"}"}}}]}}]`,
  ].map((s) => new TextEncoder().encode(s));

  test("finds each message at every split point", () => {
    const stream = concat(messages);
    for (let cut = 0; cut <= stream.length; cut++) {
      const { messages: got, scanner } = collectBuffered({ name: "json" } as Protocol, [stream.subarray(0, cut), stream.subarray(cut)]);
      expectSameBytes(got, messages);
      expect(scanner.examined).toBe(stream.length);
    }
  });

  test("rejects what is not a JSON array", () => {
    const s = new JsonScanner();
    const b = new TextEncoder().encode("{}");
    expect(() => s.scan(b, 0, b.length)).toThrow(TProtocolException);
  });
});

describe("framed decoder", () => {
  function frame(body: Uint8Array): Uint8Array {
    const out = new Uint8Array(body.length + 4);
    new DataView(out.buffer).setInt32(0, body.length);
    out.set(body, 4);
    return out;
  }

  test("frames split anywhere come out whole; frames inside one chunk are handed out in place", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 200 }), { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 8 }), (bodies, cuts) => {
        const got: Uint8Array[] = [];
        const d = new FramedDecoder((b, s, e) => got.push(b.slice(s, e)));
        for (const c of split(concat(bodies.map(frame)), cuts)) d.push(c);
        expectSameBytes(got, bodies);
        expect(d.partial).toBe(0);
      }),
    );
    const views: Uint8Array[] = [];
    const chunk = concat([frame(Uint8Array.of(1, 2)), frame(Uint8Array.of(3))]);
    new FramedDecoder((b) => views.push(b)).push(chunk);
    expect(views.map((v) => v.buffer)).toEqual([chunk.buffer, chunk.buffer]);
  });

  test("a length over maxFrameSize, negative or zero is rejected from the 4 length bytes alone", () => {
    const d = () => new FramedDecoder(() => {}, 1024);
    expect(() => d().push(Uint8Array.of(0x7f, 0xff, 0xff, 0xff))).toThrow(/exceeds the maximum frame size/);
    expect(() => d().push(Uint8Array.of(0, 0, 4, 1))).toThrow(TTransportException);
    expect(() => d().push(Uint8Array.of(0xff, 0xff, 0xff, 0xff))).toThrow(/negative/);
    expect(() => d().push(Uint8Array.of(0, 0, 0, 0))).toThrow(/empty frame/);
    // Split length prefix: rejected when its last byte arrives.
    const split = d();
    split.push(Uint8Array.of(0x7f, 0xff));
    expect(() => split.push(Uint8Array.of(0xff, 0xff))).toThrow(TTransportException);
  });

  test("memory for an incomplete frame grows with the bytes received, not with the claimed length", () => {
    const d = new FramedDecoder(() => {}, 16 * 1024 * 1024);
    d.push(Uint8Array.of(0x00, 0xff, 0xff, 0xff)); // claims ~16 MiB
    for (let i = 0; i < 100; i++) d.push(new Uint8Array(100));
    expect(d.partial).toBe(4 + 100 * 100);
    expect(d.capacity).toBeLessThanOrEqual(64 * 1024);
  });
});
