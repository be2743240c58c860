import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MANUAL_DECODE_MAX, decodeUtf8, utf8Length } from "./utf8.js";

const td = new TextDecoder("utf-8", { ignoreBOM: true });
const enc = new TextEncoder();

describe("decodeUtf8", () => {
  it("decodes ASCII, multi-byte and astral characters on both paths", () => {
    const samples = [
      "",
      "a",
      "testI32",
      "abcdefgh",
      "abcdefghi",
      "é",
      "aé",
      "€uro",
      "日本語",
      "😀",
      "a😀b",
      "x".repeat(MANUAL_DECODE_MAX),
      "x".repeat(MANUAL_DECODE_MAX + 1),
      "é".repeat(30),
      "Zero",
    ];
    for (const s of samples) {
      const bytes = enc.encode(s);
      expect(decodeUtf8(bytes, 0, bytes.length)).toBe(s);
    }
  });

  it("keeps a leading byte order mark", () => {
    const short = Uint8Array.of(0xef, 0xbb, 0xbf, 0x41);
    expect(decodeUtf8(short, 0, short.length)).toBe("\ufeffA");
    const long = enc.encode("\ufeff" + "a".repeat(100));
    expect(decodeUtf8(long, 0, long.length)).toBe("\ufeff" + "a".repeat(100));
  });

  it("decodes a sub-range", () => {
    const bytes = enc.encode("hello, wörld");
    expect(decodeUtf8(bytes, 7, bytes.length)).toBe("wörld");
    expect(decodeUtf8(bytes, 2, 2)).toBe("");
  });

  it("round-trips arbitrary strings (valid UTF-16)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 80 }), fc.nat(5), (s, pad) => {
        const raw = enc.encode(s);
        const bytes = new Uint8Array(raw.length + 2 * pad).fill(0x41);
        bytes.set(raw, pad);
        expect(decodeUtf8(bytes, pad, pad + raw.length)).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });

  it("replaces invalid UTF-8 exactly like TextDecoder", () => {
    const nasty = [
      [0x80],
      [0xc0, 0x80],
      [0xc2],
      [0xe0, 0x80, 0x80],
      [0xed, 0xa0, 0x80],
      [0xf0, 0x80, 0x80, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xf5],
      [0xff],
      [0x41, 0xe2, 0x82],
      [0xe2, 0x82, 0x41],
      [0xf0, 0x9f, 0x98],
    ];
    for (const n of nasty) {
      const b = Uint8Array.from(n);
      expect(decodeUtf8(b, 0, b.length), n.join(",")).toBe(td.decode(b));
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        expect(decodeUtf8(b, 0, b.length)).toBe(td.decode(b));
      }),
      { numRuns: 3000 },
    );
    // Biased toward the multi-byte lead/continuation ranges.
    const hi = fc.uint8Array({ maxLength: 30, min: 0x7e, max: 0xf6 });
    fc.assert(
      fc.property(hi, (b) => {
        expect(decodeUtf8(b, 0, b.length)).toBe(td.decode(b));
      }),
      { numRuns: 3000 },
    );
  });
});

describe("utf8Length", () => {
  it("matches TextEncoder, lone surrogates included", () => {
    const anyUnits = fc.string({
      unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
      maxLength: 50,
    });
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), anyUnits), (s) => {
        expect(utf8Length(s)).toBe(enc.encode(s).length);
      }),
      { numRuns: 2000 },
    );
  });
});
