/**
 * THeader without sockets: golden frames written by Apache's Python library (python3-thrift 0.17,
 * `ping()` CALL seqid 7, empty args) decoded and produced byte for byte; the dialects a header server
 * detects; transforms; and properties: random headers round trip, and random or mutated frames are
 * refused only with the runtime's own exceptions.
 */
import fc from "fast-check";
import { inflateSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import type { MessageMeta } from "../framing/decoder.js";
import type { FrameLimits } from "../framing/framing.js";
import type { FramingOutput, OutgoingMeta } from "../framing/output.js";
import { BinaryProtocol } from "../protocol/binary.js";
import { CompactProtocol } from "../protocol/compact.js";
import { TApplicationException, TApplicationExceptionType, TException, TTransportException, TTransportExceptionType } from "../protocol/errors.js";
import { JSONProtocol } from "../protocol/json.js";
import type { Protocol } from "../protocol/protocol.js";
import { DEFAULT_READER_LIMITS } from "../protocol/protocol.js";
import { MessageType } from "../protocol/ttype.js";
import { Dialect, HeaderMeta } from "./codec.js";
import { Header, headerFraming } from "./framing.js";

const hex = (s: string): Uint8Array => Uint8Array.from(s.replace(/[^0-9a-f]/g, "").match(/../g)!, (b) => parseInt(b, 16));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** python3-thrift 0.17: THeaderProtocol over a TMemoryBuffer, `ping` CALL seqid 7. */
const GOLDEN = {
  plain: "0000001f 0fff 0000 00000007 0001 00000000 800100010000000470696e670000000700",
  keyValue: "00000023 0fff 0000 00000007 0002 0000 0101 016b 0176 800100010000000470696e670000000700",
  zlib: "00000025 0fff 0000 00000007 0001 00010100 789c6b6064606460606029c8cc4b07d2ec0c001589023c",
  compact: "00000017 0fff 0000 00000007 0001 02000000 8221070470696e6700",
  // Names as Python sent them (case kept), two pairs in one block.
  twoHeaders:
    "0000003f 0fff 0000 00000007 0009 0000 0102 0f446561646c696e652d427564676574 03323530 07782d7472616365 03616263 800100010000000470696e670000000700",
  compactZlibKeyValue: "00000027 0fff 0000 00000007 0003 0201 0101 0101 6b01 7600 0000 789c6b52646729c8cc4b6700000bd8025d",
};

const PING_BINARY = "800100010000000470696e670000000700";
const PING_COMPACT = "8221070470696e6700";

const LIMITS: FrameLimits = { ...DEFAULT_READER_LIMITS, maxFrameSize: 16 * 1024 * 1024 };

interface Received {
  payload: string;
  meta: HeaderMeta;
}

function decodeAll(chunks: Uint8Array[], options: Parameters<typeof headerFraming>[0] = {}, limits: FrameLimits = LIMITS, protocol: Protocol = BinaryProtocol): Received[] {
  const out: Received[] = [];
  const decoder = headerFraming(options).createDecoder(protocol, limits, (bytes, start, end, meta?: MessageMeta) => {
    expect(meta).toBeInstanceOf(HeaderMeta);
    out.push({ payload: toHex(bytes.subarray(start, end)), meta: meta as HeaderMeta });
  });
  for (const c of chunks) decoder.push(c);
  expect(decoder.partial).toBe(0);
  return out;
}

/** Writes `ping` (seqid from meta, default 7) through `out`; returns the message's size as `end` reports it. */
function writePing(out: FramingOutput, meta: OutgoingMeta = { seqid: 7 }): number {
  const mark = out.begin(meta);
  const w = out.writer;
  w.writeMessageBegin("ping", MessageType.CALL, meta.seqid);
  w.writeStructBegin("ping_args");
  w.writeFieldStop();
  w.writeStructEnd();
  w.writeMessageEnd();
  return out.end(mark);
}

function flushed(out: FramingOutput): Uint8Array {
  const parts: Uint8Array[] = [];
  out.flushTo({ write: (data) => (parts.push(data.slice()), true), writableLength: 0 });
  return Buffer.concat(parts);
}

describe("golden frames from python3-thrift 0.17", () => {
  test("decoded: plain, one info header, zlib, compact, two headers, compact + zlib + header", () => {
    const [plain] = decodeAll([hex(GOLDEN.plain)]);
    expect(plain!.payload).toBe(PING_BINARY);
    expect(plain!.meta).toMatchObject({ dialect: Dialect.Header, protocol: BinaryProtocol, seqid: 7, flags: 0, transforms: [], entries: [] });
    expect([...plain!.meta.headers!]).toEqual([]);

    const [kv] = decodeAll([hex(GOLDEN.keyValue)]);
    expect(kv!.payload).toBe(PING_BINARY);
    expect(kv!.meta.entries).toEqual([["k", "v"]]);
    expect(kv!.meta.headers!.get("k")).toBe("v");

    const [z] = decodeAll([hex(GOLDEN.zlib)]);
    expect(z!.payload).toBe(PING_BINARY);
    expect(z!.meta.transforms).toEqual([1]);

    const [compact] = decodeAll([hex(GOLDEN.compact)]);
    expect(compact!.payload).toBe(PING_COMPACT);
    expect(compact!.meta.protocol).toBe(CompactProtocol);

    const [two] = decodeAll([hex(GOLDEN.twoHeaders)]);
    expect(two!.meta.entries).toEqual([
      ["Deadline-Budget", "250"],
      ["x-trace", "abc"],
    ]);
    expect(two!.meta.headers!.get("deadline-budget")).toBe("250");
    expect(two!.meta.header("deadline-budget")).toBe("250");
    expect(two!.meta.header("x-missing")).toBeUndefined();

    const [czk] = decodeAll([hex(GOLDEN.compactZlibKeyValue)]);
    expect(czk!.payload).toBe(PING_COMPACT);
    expect(czk!.meta).toMatchObject({ protocol: CompactProtocol, transforms: [1], entries: [["k", "v"]] });
  });

  test("decoded byte by byte and all in one chunk alike", () => {
    const all = Object.values(GOLDEN).map(hex);
    const whole = decodeAll([Buffer.concat(all)]).map((r) => r.payload);
    const bytes = decodeAll(all.flatMap((f) => [...f].map((b) => Uint8Array.of(b)))).map((r) => r.payload);
    expect(bytes).toEqual(whole);
    expect(whole).toEqual([PING_BINARY, PING_BINARY, PING_BINARY, PING_COMPACT, PING_BINARY, PING_COMPACT]);
  });

  test("produced byte for byte", () => {
    const produce = (protocol: Protocol, options: Parameters<typeof headerFraming>[0], headers?: Headers): string => {
      const out = headerFraming(options).createOutput(protocol);
      writePing(out, { seqid: 7, headers });
      return toHex(flushed(out));
    };
    const clean = (s: string): string => s.replace(/ /g, "");
    expect(produce(BinaryProtocol, {})).toBe(clean(GOLDEN.plain));
    expect(produce(BinaryProtocol, {}, new Headers({ k: "v" }))).toBe(clean(GOLDEN.keyValue));
    expect(produce(CompactProtocol, {})).toBe(clean(GOLDEN.compact));
    // zlib: the frame header byte for byte; the compressed payload is whatever this zlib writes (zlib
    // 1.3 chooses other matches than Python's 1.2.13 for the same input), so it must inflate to the same.
    const sameAsGolden = (ours: string, golden: string, headerBytes: number): void => {
      const [a, b] = [hex(ours), hex(golden)];
      expect(toHex(a.subarray(4, headerBytes))).toBe(toHex(b.subarray(4, headerBytes)));
      expect(new DataView(a.buffer, a.byteOffset).getInt32(0)).toBe(a.length - 4);
      expect(toHex(inflateSync(a.subarray(headerBytes)))).toBe(toHex(inflateSync(b.subarray(headerBytes))));
    };
    sameAsGolden(produce(BinaryProtocol, { transforms: ["zlib"] }), GOLDEN.zlib, 18);
    sameAsGolden(produce(CompactProtocol, { transforms: ["zlib"] }, new Headers({ k: "v" })), GOLDEN.compactZlibKeyValue, 26);
    // Empty headers: no info block at all, as Python writes a frame without headers.
    expect(produce(BinaryProtocol, {}, new Headers())).toBe(clean(GOLDEN.plain));
  });

  test("framed option: each THeader frame inside a frame of the framed transport (two length prefixes)", () => {
    const out = headerFraming({ framed: true }).createOutput(BinaryProtocol);
    expect(writePing(out)).toBe(0x23);
    expect(toHex(flushed(out))).toBe("00000023" + GOLDEN.plain.replace(/ /g, ""));
    const [r] = decodeAll([hex("00000023" + GOLDEN.plain)], { framed: true });
    expect(r!.payload).toBe(PING_BINARY);
    expect(r!.meta.dialect).toBe(Dialect.Header);
  });
});

describe("dialects a header server detects, and answers in", () => {
  const framedBinary = "00000011" + PING_BINARY;
  const framedCompact = "00000009" + PING_COMPACT;
  const cases: [string, string, number, Protocol][] = [
    ["header", GOLDEN.plain, Dialect.Header, BinaryProtocol],
    ["framed binary", framedBinary, Dialect.Framed, BinaryProtocol],
    ["unframed binary", PING_BINARY, Dialect.Unframed, BinaryProtocol],
    ["framed compact", framedCompact, Dialect.Framed, CompactProtocol],
    ["unframed compact", PING_COMPACT, Dialect.Unframed, CompactProtocol],
  ];

  for (const [name, wire, dialect, protocol] of cases) {
    test(`${name}: detected, and a reply goes out in kind`, () => {
      const bytes = hex(wire);
      const got = [...decodeAll([bytes, bytes]), ...decodeAll([Buffer.concat([bytes, bytes])])];
      expect(got).toHaveLength(4);
      for (const r of got) {
        expect(r.meta.dialect).toBe(dialect);
        expect(r.meta.protocol).toBe(protocol);
        expect(r.payload).toBe(protocol === BinaryProtocol ? PING_BINARY : PING_COMPACT);
      }
      // A server configured for binary answers in the request's dialect and protocol.
      const out = Header.createOutput(BinaryProtocol);
      writePing(out, { seqid: 7, replyTo: got[0]!.meta });
      expect(toHex(flushed(out))).toBe(wire.replace(/ /g, ""));
    });
  }

  test("each message is told apart on its own, so a stream may switch dialects (Apache's Node server does)", () => {
    const wire = [PING_BINARY, GOLDEN.plain, framedCompact, PING_COMPACT, framedBinary].map(hex);
    const expected = [
      [Dialect.Unframed, "binary"],
      [Dialect.Header, "binary"],
      [Dialect.Framed, "compact"],
      [Dialect.Unframed, "compact"],
      [Dialect.Framed, "binary"],
    ];
    expect(decodeAll([Buffer.concat(wire)]).map((r) => [r.meta.dialect, r.meta.protocol.name])).toEqual(expected);
    const bytes = Buffer.concat(wire);
    expect(decodeAll([...bytes].map((b) => Uint8Array.of(b))).map((r) => [r.meta.dialect, r.meta.protocol.name])).toEqual(expected);
  });

  test("with the framed option, plain framed clients (one length) and header clients (two) are told apart", () => {
    const got = decodeAll([hex("00000011" + PING_BINARY), hex("00000023" + GOLDEN.plain), hex("00000009" + PING_COMPACT)], { framed: true });
    expect(got.map((r) => [r.meta.dialect, r.meta.protocol.name])).toEqual([
      [Dialect.Unframed, "binary"],
      [Dialect.Header, "binary"],
      [Dialect.Unframed, "compact"],
    ]);
    const out = headerFraming({ framed: true }).createOutput(BinaryProtocol);
    writePing(out, { seqid: 7, replyTo: got[0]!.meta });
    expect(toHex(flushed(out))).toBe("00000011" + PING_BINARY);
  });

  test("a reply echoes the request's protocol id, transforms and flags, and carries the headers given", () => {
    const [req] = decodeAll([hex(GOLDEN.compactZlibKeyValue.replace("0fff 0000", "0fff 0001"))]);
    expect(req!.meta.flags).toBe(1);
    const out = Header.createOutput(BinaryProtocol);
    writePing(out, { seqid: 7, replyTo: req!.meta, headers: new Headers({ answer: "42" }) });
    const [reply] = decodeAll([flushed(out)]);
    expect(reply!.meta).toMatchObject({ protocol: CompactProtocol, transforms: [1], flags: 1, seqid: 7, entries: [["answer", "42"]] });
    expect(reply!.payload).toBe(PING_COMPACT);
  });

  test("the configured protocol object is used for its id (it keeps its options)", () => {
    const custom: Protocol = { name: "compact", createWriter: (o) => CompactProtocol.createWriter(o), createReader: (b, l) => CompactProtocol.createReader(b, l) };
    const [r] = decodeAll([hex(GOLDEN.compact)], {}, LIMITS, custom);
    expect(r!.meta.protocol).toBe(custom);
    const [j] = decodeAll([hex(GOLDEN.plain.replace("0001 00000000", "0001 01000000"))]);
    expect(j!.meta.protocol).toBe(JSONProtocol);
  });

  test("reset drops a message in progress", () => {
    const got: number[] = [];
    const decoder = Header.createDecoder(BinaryProtocol, LIMITS, (_b, _s, _e, meta) => got.push((meta as HeaderMeta).dialect));
    decoder.push(hex(PING_BINARY));
    decoder.push(hex("0000"));
    expect(decoder.partial).toBe(2);
    decoder.reset();
    expect(decoder.partial).toBe(0);
    decoder.push(hex(GOLDEN.plain));
    expect(got).toEqual([Dialect.Unframed, Dialect.Header]);
  });
});

describe("refusals, each with an error that says what and where", () => {
  const refuse = (wire: string | Uint8Array, options: Parameters<typeof headerFraming>[0] = {}, limits = LIMITS): unknown => {
    try {
      decodeAll([typeof wire === "string" ? hex(wire) : wire], options, limits);
    } catch (error) {
      return error;
    }
    throw new Error("not refused");
  };

  test("an unknown transform is refused with INVALID_TRANSFORM, naming it", () => {
    const e = refuse("00000025 0fff 0000 00000007 0001 00010300 789c6b6064606460606029c8cc4b07d2ec0c001589023c");
    expect(e).toBeInstanceOf(TApplicationException);
    expect(e).toMatchObject({ type: TApplicationExceptionType.INVALID_TRANSFORM });
    expect((e as Error).message).toBe("THeader frame (seqid 7) uses transform 3 (snappy), which this side does not implement; it supports zlib (1)");
  });

  test("an unknown protocol id, a client type that cannot be told, a header larger than its frame", () => {
    expect(refuse(GOLDEN.plain.replace("0001 00000000", "0001 05000000"))).toMatchObject({
      type: TApplicationExceptionType.INVALID_PROTOCOL,
      message: "THeader frame uses protocol id 5; binary (0), json (1) and compact (2) are supported",
    });
    expect(refuse("00000004 12345678")).toMatchObject({
      type: TTransportExceptionType.INVALID_CLIENT_TYPE,
      message: "cannot tell the client type from a frame starting with 12 34 56 78: expected a THeader frame (0f ff) or a binary (80 01) or compact (82) message",
    });
    expect(refuse("0000000c 0fff 0000 00000007 0002 0000")).toMatchObject({
      type: TTransportExceptionType.CORRUPTED_DATA,
      message: "THeader header of 8 bytes does not fit in its 12-byte frame",
    });
    expect(refuse("00000012 0fff 0000 00000007 0002 0000 0103 016b 0000")).toMatchObject({
      type: TTransportExceptionType.CORRUPTED_DATA,
      message: "THeader info header count of 3 is more than its header holds",
    });
  });

  test("a zlib payload that inflates past the frame limit is refused (a zlib bomb)", () => {
    const out = headerFraming({ transforms: ["zlib"] }).createOutput(BinaryProtocol);
    const mark = out.begin({ seqid: 1 });
    out.writer.writeMessageBegin("big", MessageType.CALL, 1);
    out.writer.writeBinary(new Uint8Array(1024 * 1024));
    out.end(mark);
    const frame = flushed(out);
    expect(frame.length).toBeLessThan(2048);
    const e = refuse(frame, {}, { ...LIMITS, maxFrameSize: 64 * 1024 });
    expect(e).toBeInstanceOf(TTransportException);
    expect(e).toMatchObject({ type: TTransportExceptionType.SIZE_LIMIT });
    expect((e as Error).message).toMatch(/^THeader zlib payload of \d+ bytes inflates past the maximum frame size of 65536 bytes$/);
  });

  test("headers that do not fit in a THeader header are refused before anything is written", () => {
    const out = Header.createOutput(BinaryProtocol);
    writePing(out);
    const before = out.length;
    expect(() => out.begin({ seqid: 1, headers: new Headers({ big: "x".repeat(300_000) }) })).toThrow(
      /^THeader headers take 300\d{3} bytes; a THeader frame holds at most 262140$/,
    );
    expect(out.length).toBe(before);
  });

  test("a protocol THeader has no id for is refused when the transport is set up", () => {
    const own: Protocol = { name: "mine", createWriter: (o) => BinaryProtocol.createWriter(o), createReader: (b, l) => BinaryProtocol.createReader(b, l) };
    expect(() => Header.createDecoder(own, LIMITS, () => {})).toThrow("THeader carries the binary, compact or json protocol, not 'mine'");
    expect(() => headerFraming({ transforms: ["snappy" as "zlib"] })).toThrow("unknown THeader transform 'snappy' (supported: zlib)");
  });
});

describe("properties", () => {
  const name = fc.stringMatching(/^[a-z0-9!#$%&'*+.^_`|~-]{1,20}$/);
  const value = fc.string({ maxLength: 40, unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)) }).map((s) => s.trim());
  const headersArb = fc.uniqueArray(fc.tuple(name, value), { selector: ([n]) => n, maxLength: 12 });

  test("random headers, seqids, protocols and transforms round trip, fed in random pieces", () => {
    fc.assert(
      fc.property(
        headersArb,
        fc.integer({ min: -0x80000000, max: 0x7fffffff }),
        fc.constantFrom<Protocol>(BinaryProtocol, CompactProtocol, JSONProtocol),
        fc.boolean(),
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 20 }),
        (pairs, seqid, protocol, zlib, framed, cuts) => {
          const framing = headerFraming({ transforms: zlib ? ["zlib"] : [], framed });
          const out = framing.createOutput(protocol);
          writePing(out, { seqid, headers: new Headers(pairs) });
          writePing(out, { seqid: seqid ^ 1 });
          const wire = flushed(out);
          const pieces: Uint8Array[] = [];
          let at = 0;
          for (const c of cuts) {
            if (at >= wire.length) break;
            pieces.push(wire.subarray(at, Math.min(wire.length, at + c)));
            at += c;
          }
          pieces.push(wire.subarray(at));
          const got = decodeAll(pieces, { framed }, LIMITS, protocol);
          expect(got).toHaveLength(2);
          expect(got[0]!.meta).toMatchObject({ protocol, seqid, transforms: zlib ? [1] : [] });
          expect([...got[0]!.meta.headers!]).toEqual([...new Headers(pairs)]);
          expect(got[1]!.meta.seqid).toBe(seqid ^ 1);
          const r = protocol.createReader(hex(got[0]!.payload));
          expect(r.readMessageBegin()).toEqual({ name: "ping", type: MessageType.CALL, seqid });
        },
      ),
      { numRuns: 200 },
    );
  });

  test("UTF-8 names and values travel as sent; those a Headers cannot hold stay in entries", () => {
    const wire = Header.createOutput(BinaryProtocol);
    // Headers holds Latin-1 only; a THeader peer may send any UTF-8 (and names that are not HTTP tokens).
    writePing(wire, { seqid: 1, headers: new Headers({ who: "José" }) });
    const [r] = decodeAll([flushed(wire)]);
    expect(r!.meta.headers!.get("who")).toBe("José");
    const foreign = hex("00000037 0fff 0000 00000001 0007 0000 0102 0a3a636c69656e742d6964 0161 0176 06e282ac313030 0000 800100010000000470696e670000000100");
    const [f] = decodeAll([foreign]);
    expect(f!.meta.entries).toEqual([
      [":client-id", "a"],
      ["v", "€100"],
    ]);
    expect([...f!.meta.headers!]).toEqual([]);
  });

  test("random and mutated frames are refused only with the runtime's own exceptions", () => {
    const valid = Object.values(GOLDEN).map(hex);
    const mutated = fc
      .tuple(fc.constantFrom(...valid), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.nat(80))
      .map(([frame, edits, cut]) => {
        const b = frame.slice();
        for (const [at, v] of edits) b[at % b.length] = v;
        return b.subarray(0, Math.max(1, b.length - (cut % b.length)));
      });
    fc.assert(
      fc.property(fc.oneof(mutated, fc.uint8Array({ minLength: 1, maxLength: 200 })), fc.boolean(), (bytes, framed) => {
        const decoder = headerFraming({ framed }).createDecoder(BinaryProtocol, { ...LIMITS, maxFrameSize: 4096 }, (b, s, e, meta) => {
          // What comes out is decodable or refused like any message.
          try {
            (meta as HeaderMeta).protocol.createReader(b.subarray(s, e), LIMITS).readMessageBegin();
          } catch (error) {
            if (!(error instanceof TException)) throw error;
          }
        });
        try {
          decoder.push(bytes);
        } catch (error) {
          if (!(error instanceof TException)) throw error;
          expect((error as Error).message.length).toBeGreaterThan(10);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
