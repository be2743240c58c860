/**
 * The zlib transport without sockets: a stream written by Apache's Python TZlibTransport is read, what
 * rpcgen writes is one zlib stream with a sync flush per batch (node:zlib reads it), pieces of any size
 * are fine, and a stream that inflates past the frame limit is refused with bounded memory.
 */
import fc from "fast-check";
import { constants, deflateSync, inflateSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import type { MessageMeta } from "../framing/decoder.js";
import { Buffered, Framed, type FrameLimits, type Framing } from "../framing/framing.js";
import type { FramingOutput } from "../framing/output.js";
import { BinaryProtocol } from "../protocol/binary.js";
import { TException } from "../protocol/errors.js";
import { DEFAULT_READER_LIMITS } from "../protocol/protocol.js";
import { MessageType, TType } from "../protocol/ttype.js";
import { Header } from "../header/framing.js";
import { zlibFraming } from "./framing.js";

const hex = (s: string): Uint8Array => Uint8Array.from(s.replace(/[^0-9a-f]/g, "").match(/../g)!, (b) => parseInt(b, 16));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const LIMITS: FrameLimits = { ...DEFAULT_READER_LIMITS, maxFrameSize: 16 * 1024 * 1024 };
const ping = (seqid: number): string => `800100010000000470696e67${seqid.toString(16).padStart(8, "0")}00`;

/** python3-thrift 0.17: TZlibTransport(level 9) over a memory buffer, binary `ping` seqid 0 then 1, a flush after each. */
const PYTHON_STREAM = ["78da6a6064606460606029c8cc4b67000100000000ffff", "6a4015606400000000ffff"];

function decoderOf(framing: Framing, got: string[], limits = LIMITS) {
  return framing.createDecoder(BinaryProtocol, limits, (bytes, start, end, _meta?: MessageMeta) => got.push(toHex(bytes.subarray(start, end))));
}

function writePing(out: FramingOutput, seqid: number): void {
  const mark = out.begin({ seqid });
  out.writer.writeMessageBegin("ping", MessageType.CALL, seqid);
  out.writer.writeStructBegin("a");
  out.writer.writeFieldStop();
  out.writer.writeStructEnd();
  out.writer.writeMessageEnd();
  out.end(mark);
}

function flushed(out: FramingOutput): Uint8Array {
  const parts: Uint8Array[] = [];
  out.flushTo({ write: (data) => (parts.push(data.slice()), true), writableLength: 0 });
  return Buffer.concat(parts);
}

describe("the zlib transport's stream", () => {
  test("reads what Apache's Python TZlibTransport writes, flush by flush", () => {
    const got: string[] = [];
    const decoder = decoderOf(zlibFraming(Buffered), got);
    decoder.push(hex(PYTHON_STREAM[0]!));
    expect(got).toEqual([ping(0)]);
    decoder.push(hex(PYTHON_STREAM[1]!));
    expect(got).toEqual([ping(0), ping(1)]);
    expect(decoder.partial).toBe(0);
  });

  test("writes one zlib stream: a header once, a sync flush per batch, readable at each flush", () => {
    const out = zlibFraming(Buffered, { level: 9 }).createOutput(BinaryProtocol);
    writePing(out, 0);
    const first = flushed(out);
    writePing(out, 1);
    writePing(out, 2);
    const second = flushed(out);
    expect(toHex(first.subarray(0, 2))).toBe("78da");
    for (const batch of [first, second]) expect(toHex(batch.subarray(-4))).toBe("0000ffff");
    // node:zlib reads it as one stream cut at a sync point (no end, as Apache's peers never finish it).
    const opts = { finishFlush: constants.Z_SYNC_FLUSH };
    expect(toHex(inflateSync(first, opts))).toBe(ping(0));
    expect(toHex(inflateSync(Buffer.concat([first, second]), opts))).toBe(ping(0) + ping(1) + ping(2));
    // The second batch refers back to the first (one stream, one window): compressed smaller than alone.
    expect(second.length).toBeLessThan(first.length);
  });

  test("level: 0 stores, 6 is the default, 9 compresses best", () => {
    const header = (level?: number): string => {
      const out = zlibFraming(Framed, level === undefined ? {} : { level }).createOutput(BinaryProtocol);
      writePing(out, 0);
      return toHex(flushed(out).subarray(0, 2));
    };
    expect([header(0), header(), header(9)]).toEqual(["7801", "789c", "78da"]);
    expect(() => zlibFraming(Framed, { level: 10 })).toThrow("zlib level must be an integer from 0 to 9, got 10");
  });

  test("discard (a lost connection) starts a new stream", () => {
    const out = zlibFraming(Framed).createOutput(BinaryProtocol);
    writePing(out, 0);
    flushed(out);
    writePing(out, 1);
    out.discard();
    writePing(out, 2);
    const again = flushed(out);
    expect(toHex(inflateSync(again, { finishFlush: constants.Z_SYNC_FLUSH }))).toBe("00000011" + ping(2));
  });

  test("any framing inside, fed in pieces of any size", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(Buffered, Framed, Header),
        fc.array(fc.integer({ min: -0x80000000, max: 0x7fffffff }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 9 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 30 }),
        (inner, seqids, batchSize, cuts) => {
          const framing = zlibFraming(inner);
          const out = framing.createOutput(BinaryProtocol);
          const wire: Uint8Array[] = [];
          seqids.forEach((s, i) => {
            writePing(out, s);
            if ((i + 1) % batchSize === 0) wire.push(flushed(out));
          });
          wire.push(flushed(out));
          const stream = Buffer.concat(wire);
          const got: string[] = [];
          const decoder = decoderOf(framing, got);
          let at = 0;
          for (const c of cuts) {
            decoder.push(stream.subarray(at, Math.min(stream.length, at + c)));
            at = Math.min(stream.length, at + c);
          }
          decoder.push(stream.subarray(at));
          expect(got).toEqual(seqids.map((s) => ping(s >>> 0)));
          expect(decoder.partial).toBe(0);
        },
      ),
      { numRuns: 100 },
    );
  });

  test("bytes that are not zlib, and bytes after the end of the stream, are refused", () => {
    const got: string[] = [];
    expect(() => decoderOf(zlibFraming(Framed), got).push(hex("0000001180010001"))).toThrow(
      /^the zlib stream does not inflate \(.+\) within its first 8 bytes$/,
    );
    const finished = decoderOf(zlibFraming(Framed), got);
    finished.push(deflateSync(hex("00000011" + ping(5))));
    expect(got).toEqual([ping(5)]);
    expect(() => finished.push(hex("00"))).toThrow("1 bytes arrived after the end of the zlib stream");
  });
});

describe("a zlib bomb", () => {
  /** A stream of one message whose binary argument is `size` zero bytes: tiny compressed, huge inflated. */
  function bomb(framed: boolean, size: number): Uint8Array {
    const w = BinaryProtocol.createWriter();
    w.writeMessageBegin("bomb", MessageType.CALL, 1);
    w.writeStructBegin("args");
    w.writeFieldBegin("data", TType.STRING, 1);
    w.writeBinary(new Uint8Array(size));
    w.writeFieldEnd();
    w.writeFieldStop();
    w.writeStructEnd();
    w.writeMessageEnd();
    const message = w.buffer.finish();
    const payload = framed ? Buffer.concat([hex((message.length >>> 0).toString(16).padStart(8, "0")), message]) : message;
    return deflateSync(payload, { level: 9, finishFlush: constants.Z_SYNC_FLUSH });
  }

  for (const [name, inner, size] of [
    ["framed (refused at the frame length)", Framed, 20 * 1024 * 1024],
    ["buffered (refused at the string length)", Buffered, 20 * 1024 * 1024],
    ["buffered (refused as the message outgrows the limit)", Buffered, 8 * 1024 * 1024],
  ] as const) {
    test(`${name}: closes after a small part of it is inflated`, () => {
      const stream = bomb(inner === Framed, size);
      expect(stream.length).toBeLessThan(100 * 1024);
      let inflated = 0;
      const counting: Framing = {
        name: "counting",
        createOutput: (p) => inner.createOutput(p),
        createDecoder: (p, l, on) => {
          const d = inner.createDecoder(p, l, on);
          return {
            push: (chunk: Uint8Array) => {
              inflated += chunk.length;
              d.push(chunk);
            },
            get partial() {
              return d.partial;
            },
            get capacity() {
              return d.capacity;
            },
            reset: () => d.reset(),
          };
        },
      };
      const decoder = decoderOf(zlibFraming(counting), [], { ...LIMITS, maxFrameSize: 256 * 1024 });
      let error: unknown;
      try {
        for (let at = 0; at < stream.length; at += 16 * 1024) decoder.push(stream.subarray(at, at + 16 * 1024));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TException);
      expect((error as Error).message).toMatch(/exceeds|maximum|limit/);
      // At most the limit plus one chunk of inflated output, of the megabytes the stream holds.
      expect(inflated).toBeLessThanOrEqual(256 * 1024 + 64 * 1024);
      expect(decoder.capacity).toBeLessThanOrEqual(256 * 1024);
    });
  }
});
