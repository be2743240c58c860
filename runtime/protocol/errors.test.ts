import { describe, expect, it } from "vitest";
import { BinaryReader, BinaryWriter } from "./binary.js";
import { CompactReader, CompactWriter } from "./compact.js";
import {
  TApplicationException,
  TApplicationExceptionType,
  TException,
  TProtocolException,
  TProtocolExceptionType,
} from "./errors.js";
import { TType } from "./ttype.js";

describe("exception classes", () => {
  it("exports Apache's type codes", () => {
    expect(TProtocolExceptionType).toEqual({
      UNKNOWN: 0,
      INVALID_DATA: 1,
      NEGATIVE_SIZE: 2,
      SIZE_LIMIT: 3,
      BAD_VERSION: 4,
      NOT_IMPLEMENTED: 5,
      DEPTH_LIMIT: 6,
    });
    expect(TApplicationExceptionType).toEqual({
      UNKNOWN: 0,
      UNKNOWN_METHOD: 1,
      INVALID_MESSAGE_TYPE: 2,
      WRONG_METHOD_NAME: 3,
      BAD_SEQUENCE_ID: 4,
      MISSING_RESULT: 5,
      INTERNAL_ERROR: 6,
      PROTOCOL_ERROR: 7,
      INVALID_TRANSFORM: 8,
      INVALID_PROTOCOL: 9,
      UNSUPPORTED_CLIENT_TYPE: 10,
    });
  });

  it("supports instanceof, name and stack", () => {
    const p = new TProtocolException(TProtocolExceptionType.SIZE_LIMIT, "too big");
    expect(p).toBeInstanceOf(TProtocolException);
    expect(p).toBeInstanceOf(TException);
    expect(p).toBeInstanceOf(Error);
    expect(p).not.toBeInstanceOf(TApplicationException);
    expect(p.name).toBe("TProtocolException");
    expect(p.type).toBe(3);
    expect(p.truncated).toBe(false);
    expect(p.message).toBe("too big");
    expect(String(p)).toBe("TProtocolException: too big");
    expect(p.stack?.split("\n")[0]).toBe("TProtocolException: too big");
    expect(Object.keys(p)).toEqual(["type", "truncated"]);

    const a = new TApplicationException(TApplicationExceptionType.UNKNOWN_METHOD, "Unknown function nope");
    expect(a).toBeInstanceOf(TApplicationException);
    expect(a).toBeInstanceOf(TException);
    expect(a.name).toBe("TApplicationException");
    expect(a.type).toBe(1);
    expect(String(a)).toBe("TApplicationException: Unknown function nope");
    const d = new TApplicationException();
    expect(d.type).toBe(TApplicationExceptionType.UNKNOWN);
    expect(d.message).toBe("");
    const c = new TApplicationException(6, "wrapped", { cause: p });
    expect(c.cause).toBe(p);

    const t = new TException("base");
    expect(t.name).toBe("TException");
    expect(t).toBeInstanceOf(Error);
  });

  it("gives generated user exceptions their class name", () => {
    class Xception extends TException {
      errorCode: number;
      constructor(errorCode: number, message: string) {
        super(message);
        this.errorCode = errorCode;
      }
    }
    const x = new Xception(1001, "Xception");
    expect(x).toBeInstanceOf(Xception);
    expect(x).toBeInstanceOf(TException);
    expect(x.name).toBe("Xception");
    expect(String(x)).toBe("Xception: Xception");
    class Named extends TException {}
    Object.defineProperty(Named.prototype, "name", { value: "my.Named", configurable: true, writable: true });
    expect(new Named("m").name).toBe("my.Named");
  });
});

describe("TApplicationException.write / read", () => {
  for (const [label, mkW, mkR] of [
    ["binary", () => new BinaryWriter(), (b: Uint8Array) => new BinaryReader(b)],
    ["compact", () => new CompactWriter(), (b: Uint8Array) => new CompactReader(b)],
  ] as const) {
    it(`round-trips through ${label}`, () => {
      const w = mkW();
      TApplicationException.write(w, new TApplicationException(TApplicationExceptionType.INTERNAL_ERROR, "boom ☃"));
      const r = mkR(w.buffer.finish());
      const e = TApplicationException.read(r);
      expect(e).toBeInstanceOf(TApplicationException);
      expect(e.type).toBe(6);
      expect(e.message).toBe("boom ☃");
      expect(r.remaining).toBe(0);
    });

    it(`skips unknown and mistyped fields (${label})`, () => {
      const w = mkW();
      w.writeStructBegin("x");
      w.writeFieldBegin("junk", TType.LIST, 7);
      w.writeListBegin(TType.STRUCT, 1);
      w.writeStructBegin("inner");
      w.writeFieldBegin("s", TType.STRING, 1);
      w.writeString("ignored");
      w.writeFieldEnd();
      w.writeFieldStop();
      w.writeStructEnd();
      w.writeListEnd();
      w.writeFieldEnd();
      w.writeFieldBegin("message", TType.I32, 1); // wrong type: skipped
      w.writeI32(5);
      w.writeFieldEnd();
      w.writeFieldBegin("type", TType.I32, 2);
      w.writeI32(TApplicationExceptionType.MISSING_RESULT);
      w.writeFieldEnd();
      w.writeFieldBegin("type2", TType.STRING, 2); // wrong type: skipped
      w.writeString("nope");
      w.writeFieldEnd();
      w.writeFieldBegin("flag", TType.BOOL, 3);
      w.writeBool(true);
      w.writeFieldEnd();
      w.writeFieldStop();
      w.writeStructEnd();
      const r = mkR(w.buffer.finish());
      const e = TApplicationException.read(r);
      expect(e.type).toBe(5);
      expect(e.message).toBe("");
      expect(r.remaining).toBe(0);
    });
  }
});
