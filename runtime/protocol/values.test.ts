import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TProtocolException, TProtocolExceptionType } from "./errors.js";
import { formatUuid, i64OutOfRange, writeUuidBytes } from "./values.js";

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

describe("uuid text <-> bytes", () => {
  it("parses canonical, upper-case and braced forms into RFC 4122 byte order", () => {
    for (const s of [
      "00112233-4455-6677-8899-aabbccddeeff",
      "00112233-4455-6677-8899-AABBCCDDEEFF",
      "{00112233-4455-6677-8899-aabbccddeeff}",
    ]) {
      const out = new Uint8Array(18);
      writeUuidBytes(s, out, 1);
      expect(hex(out)).toBe("00" + "00112233445566778899aabbccddeeff" + "00");
      expect(formatUuid(out, 1)).toBe("00112233-4455-6677-8899-aabbccddeeff");
    }
  });

  it("round-trips every 16-byte value and fc.uuid()", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
        const s = formatUuid(b, 0);
        expect(s).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        const out = new Uint8Array(16);
        writeUuidBytes(s.toUpperCase(), out, 0);
        expect(hex(out)).toBe(hex(b));
      }),
    );
    fc.assert(
      fc.property(fc.uuid(), (s) => {
        const out = new Uint8Array(16);
        writeUuidBytes(s, out, 0);
        expect(formatUuid(out, 0)).toBe(s.toLowerCase());
      }),
    );
  });

  it("rejects malformed uuids with TProtocolException INVALID_DATA", () => {
    const bad = [
      "",
      "00112233445566778899aabbccddeeff",
      "00112233-4455-6677-8899-aabbccddeef",
      "00112233-4455-6677-8899-aabbccddeeff0",
      "0011223-34455-6677-8899-aabbccddeeff",
      "00112233-4455-6677-8899-aabbccddeefg",
      "00112233-4455-6677-8899_aabbccddeeff",
      "{00112233-4455-6677-8899-aabbccddeeff",
      "(00112233-4455-6677-8899-aabbccddeeff)",
      "0011223\u0663-4455-6677-8899-aabbccddeeff",
      " 0112233-4455-6677-8899-aabbccddeeff",
    ];
    for (const s of bad) {
      const out = new Uint8Array(16);
      let err: unknown;
      try {
        writeUuidBytes(s, out, 0);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(s)).toBeInstanceOf(TProtocolException);
      expect((err as TProtocolException).type).toBe(TProtocolExceptionType.INVALID_DATA);
      expect((err as TProtocolException).message).toContain("invalid uuid");
    }
    expect(() => writeUuidBytes(42 as unknown as string, new Uint8Array(16), 0)).toThrow(TProtocolException);
  });

  it("describes i64 range errors", () => {
    expect(i64OutOfRange(1n << 63n).message).toBe("i64 value 9223372036854775808 is outside the signed 64-bit range");
    expect(i64OutOfRange(1.5).message).toBe("i64 value 1.5 is not a safe integer; pass a bigint");
    expect(i64OutOfRange("5").message).toBe("i64 value must be a bigint or a safe integer, got string");
  });
});
