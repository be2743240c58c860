import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WriteBuffer } from "./write-buffer.js";

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");
const enc = new TextEncoder();

describe("WriteBuffer", () => {
  it("writes fixed-width numbers in both byte orders", () => {
    const b = new WriteBuffer(16);
    b.writeU8(0xab);
    b.writeI8(-1);
    b.writeI16BE(-2);
    b.writeI16LE(0x1234);
    b.writeI32BE(0x01020304);
    b.writeI32LE(-2);
    b.writeU32BE(0xfffffffe);
    b.writeU32LE(0x80000000);
    expect(hex(b.finish())).toBe("ab ff ff fe 34 12 01 02 03 04 fe ff ff ff ff ff ff fe 00 00 00 80");
    b.reset();
    b.writeI64BE(-2n);
    b.writeI64LE(0x0102030405060708n);
    expect(hex(b.finish())).toBe("ff ff ff ff ff ff ff fe 08 07 06 05 04 03 02 01");
    b.reset();
    b.writeF64BE(1.5);
    b.writeF64LE(1.5);
    b.writeF32BE(1.5);
    b.writeF32LE(-2);
    expect(hex(b.finish())).toBe("3f f8 00 00 00 00 00 00 00 00 00 00 00 00 f8 3f 3f c0 00 00 00 00 00 c0");
  });

  it("grows by doubling and keeps earlier content", () => {
    const b = new WriteBuffer(16);
    expect(b.capacity).toBe(16);
    for (let i = 0; i < 1000; i++) b.writeI32BE(i);
    expect(b.length).toBe(4000);
    expect(b.capacity).toBe(4096);
    const out = b.finish();
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    for (let i = 0; i < 1000; i++) expect(view.getInt32(i * 4)).toBe(i);
    // One big write grows straight to what is needed.
    const c = new WriteBuffer(16);
    c.writeBytes(new Uint8Array(100_000).fill(7));
    expect(c.capacity).toBeGreaterThanOrEqual(100_000);
    expect(c.finish().every((x) => x === 7)).toBe(true);
  });

  it("finish() is a view of the internal array, and reset() reuses the memory", () => {
    const b = new WriteBuffer(64);
    b.writeU8(1);
    b.writeU8(2);
    const out = b.finish();
    expect(out.buffer).toBe(b.bytes.buffer);
    expect(out.byteOffset).toBe(0);
    expect(out.length).toBe(2);
    b.reset();
    expect(b.length).toBe(0);
    b.writeU8(9);
    expect(out[0]).toBe(9); // same memory
    expect(b.finish().length).toBe(1);
  });

  it("reserve() returns an offset to patch later (frame length)", () => {
    const b = new WriteBuffer(16);
    b.writeU8(0xee);
    b.writeU8(0xee);
    b.reset();
    const at = b.reserve(4);
    expect(at).toBe(0);
    expect(hex(b.finish())).toBe("00 00 00 00"); // zeroed, even over old content
    for (let i = 0; i < 100; i++) b.writeU8(i); // forces growth after the reservation
    b.patchI32BE(at, b.length - 4);
    const out = b.finish();
    expect(hex(out.subarray(0, 6))).toBe("00 00 00 64 00 01");
    const at2 = b.reserve(1);
    b.patchU8(at2, 0x7f);
    b.patchI32LE(0, 5);
    expect(hex(b.finish().subarray(0, 4))).toBe("05 00 00 00");
    expect(b.finish()[104]).toBe(0x7f);
  });

  it("writes unsigned varints", () => {
    const b = new WriteBuffer(16);
    const cases: [number, string][] = [
      [0, "00"],
      [1, "01"],
      [127, "7f"],
      [128, "80 01"],
      [300, "ac 02"],
      [0xffffffff, "ff ff ff ff 0f"],
      [-1, "ff ff ff ff 0f"],
    ];
    for (const [v, h] of cases) {
      b.reset();
      b.writeVarint32(v);
      expect(hex(b.finish()), String(v)).toBe(h);
    }
    b.reset();
    b.writeVarint64(0xffffffff, 0xffffffff);
    expect(hex(b.finish())).toBe("ff ff ff ff ff ff ff ff ff 01");
    b.reset();
    b.writeVarint64(0, 1);
    expect(hex(b.finish())).toBe("80 80 80 80 10");
    b.reset();
    b.writeVarint64(5, 0);
    expect(hex(b.finish())).toBe("05");
  });

  it("writeVarint64 matches a bigint reference encoder", () => {
    const ref = (v: bigint): string => {
      const out: number[] = [];
      while (v > 0x7fn) {
        out.push(Number(v & 0x7fn) | 0x80);
        v >>= 7n;
      }
      out.push(Number(v));
      return hex(Uint8Array.from(out));
    };
    fc.assert(
      fc.property(fc.bigInt(0n, (1n << 64n) - 1n), (v) => {
        const b = new WriteBuffer(16);
        b.writeVarint64(Number(v & 0xffffffffn), Number(v >> 32n));
        expect(hex(b.finish())).toBe(ref(v));
      }),
      { numRuns: 500 },
    );
  });

  it("writeUtf8 produces exactly TextEncoder's bytes (short, long, lone surrogates)", () => {
    const units = fc.oneof(
      fc.string({ unit: "binary", maxLength: 100 }),
      fc.string({ unit: "grapheme-ascii", maxLength: 200 }),
      fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 100 }),
    );
    fc.assert(
      fc.property(units, (s) => {
        const b = new WriteBuffer(16);
        b.writeU8(0x55);
        const n = b.writeUtf8(s);
        const expected = enc.encode(s);
        expect(n).toBe(expected.length);
        expect(b.length).toBe(1 + expected.length);
        expect(hex(b.finish().subarray(1))).toBe(hex(expected));
      }),
      { numRuns: 1000 },
    );
  });

  it("writeUtf8 handles surrogate pairs, lone surrogates and boundaries", () => {
    const samples = [
      "",
      "a",
      "é",
      "€",
      "😀",
      "a😀b",
      "\ud800",
      "\udc00",
      "\ud800x",
      "x\udbff",
      "\udc00\ud800",
      "😀".repeat(40),
    ];
    for (const s of samples) {
      const b = new WriteBuffer(16);
      b.writeUtf8(s);
      expect(hex(b.finish()), JSON.stringify(s)).toBe(hex(enc.encode(s)));
    }
  });

  it("writeUtf8 encodes huge strings without reserving 3 bytes per unit", () => {
    const s = "x".repeat((1 << 22) + 10) + "é";
    const b = new WriteBuffer(16);
    const n = b.writeUtf8(s);
    expect(n).toBe(s.length + 1);
    expect(b.capacity).toBeLessThan(s.length * 2);
    const out = b.finish();
    expect(out[0]).toBe(0x78);
    expect(hex(out.subarray(out.length - 2))).toBe("c3 a9");
  });
});
