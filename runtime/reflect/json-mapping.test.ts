import { describe, expect, it } from "vitest";
import { Calc } from "../../generated/calc.js";
import {
  CrazyNesting,
  Insanity,
  Numberz,
  OptionalBinary,
  OptionalSetDefaultTest,
  SomeUnion,
  ThriftTest,
  Xception,
  Xtruct,
} from "../../test/golden/cases/apache-ThriftTest/expected/ThriftTest.js";
import { decodeBase64, encodeBase64 } from "./base64.js";
import { float32Decimal, fromJson, JsonMappingError, toJson } from "./json-mapping.js";
import { methodSchema, type StructSchema, type TypeSchema } from "./schema.js";

/** The error fromJson throws for `json` (failing when it throws none or another kind). */
function errorOf(t: TypeSchema, json: unknown, path?: string): string {
  try {
    fromJson(t, json, { path });
  } catch (e) {
    expect(e).toBeInstanceOf(JsonMappingError);
    return (e as JsonMappingError).message;
  }
  throw new Error(`no error for ${JSON.stringify(json)}`);
}

function roundTrip(t: TypeSchema, value: unknown): unknown {
  return fromJson(t, JSON.parse(JSON.stringify(toJson(t, value))));
}

describe("float", () => {
  it("is written as the shortest decimal that reads back as the same float32", () => {
    expect(float32Decimal(100 / 7)).toBe(14.285714);
    expect(toJson("float", 100 / 7)).toBe(14.285714);
    expect(toJson("float", 0.1)).toBe(0.1);
    expect(toJson("float", 3.4028234663852886e38)).toBe(3.4028235e38);
    expect(toJson("float", 1.401298464324817e-45)).toBe(1e-45);
    expect(toJson("float", 1e39)).toBe("Infinity"); // rounds to float32 infinity, as on the wire
  });

  it("is read as the nearest float32", () => {
    expect(fromJson("float", 14.285714)).toBe(Math.fround(100 / 7));
    expect(fromJson("float", 14.285714)).toBe(14.285714149475098);
    expect(fromJson("float", "NaN")).toBeNaN();
    expect(Object.is(fromJson("float", "-0"), -0)).toBe(true);
    expect(errorOf("float", 1e39)).toBe("value: expected a number within float32, got 1e+39");
  });
});

describe("scalars", () => {
  it("i64: a number when a safe integer, a string otherwise; both read", () => {
    expect(toJson("i64", 2n ** 53n - 1n)).toBe(9007199254740991);
    expect(toJson("i64", 2n ** 53n)).toBe("9007199254740992");
    expect(toJson("i64", -(2n ** 63n))).toBe("-9223372036854775808");
    expect(toJson("i64", 42)).toBe(42);
    expect(fromJson("i64", "9223372036854775807")).toBe(2n ** 63n - 1n);
    expect(fromJson("i64", -5)).toBe(-5n);
    expect(errorOf("i64", "9223372036854775808")).toBe('value: expected an integer within i64, got "9223372036854775808"');
    expect(errorOf("i64", 2 ** 60)).toMatch(/beyond 2\^53 as a decimal string/);
    expect(errorOf("i64", 1.5)).toBe("value: expected an integer within i64, got 1.5");
    expect(errorOf("i64", "012")).toBe('value: expected an integer within i64, got "012"');
    expect(() => toJson("i64", 2n ** 63n)).toThrow("value: expected an integer within i64, got 9223372036854775808n");
  });

  it("names the field path in errors", () => {
    const args = ThriftTest.methods.testStruct!.args;
    const json = { thing: { i64_thing: 1e30 } };
    expect(errorOf(args, json, "args")).toBe("args.thing.i64_thing: expected an integer within i64, got 1e+30");
    try {
      fromJson(args, json, { path: "args" });
    } catch (e) {
      expect((e as JsonMappingError).path).toBe("args.thing.i64_thing");
      expect((e as JsonMappingError).reason).toBe("expected an integer within i64, got 1e+30");
    }
  });

  it("i8, i16, i32: integers within range", () => {
    expect(fromJson("i8", -128)).toBe(-128);
    expect(errorOf("i8", 128)).toBe("value: expected an integer within i8, got 128");
    expect(errorOf("i16", "1")).toBe('value: expected an integer within i16, got "1"');
    expect(errorOf("i32", 2 ** 31)).toBe("value: expected an integer within i32, got 2147483648");
    expect(Object.is(fromJson("i32", -0), 0)).toBe(true);
    expect(() => toJson("i32", 2.5)).toThrow("expected an integer within i32, got 2.5");
  });

  it("double: numbers, and the special values as strings", () => {
    expect(toJson("double", 0.1)).toBe(0.1);
    expect([NaN, Infinity, -Infinity, -0].map((x) => toJson("double", x))).toEqual(["NaN", "Infinity", "-Infinity", "-0"]);
    expect(Object.is(roundTrip("double", -0), -0)).toBe(true);
    expect(errorOf("double", "1.5")).toBe('value: expected a number (or "NaN", "Infinity", "-Infinity", "-0"), got "1.5"');
  });

  it("bool, string, uuid", () => {
    expect(errorOf("bool", 1)).toBe("value: expected true or false, got 1");
    expect(errorOf("string", null)).toBe("value: expected a string, got null");
    expect(fromJson("uuid", "{00112233-4455-6677-8899-AABBCCDDEEFF}")).toBe("00112233-4455-6677-8899-aabbccddeeff");
    expect(errorOf("uuid", "0011")).toBe('value: expected a uuid (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx), got "0011"');
  });

  it("binary: base64, standard alphabet with padding out; URL-safe and unpadded in", () => {
    const bytes = Uint8Array.from([0xfb, 0xff, 0xbf, 0x00, 0x01]);
    expect(toJson("binary", bytes)).toBe("+/+/AAE=");
    expect(fromJson("binary", "+/+/AAE=")).toEqual(bytes);
    expect(fromJson("binary", "-_-_AAE")).toEqual(bytes);
    expect(fromJson("binary", "")).toEqual(new Uint8Array(0));
    expect(errorOf("binary", "abcde")).toBe('value: expected base64 text, got "abcde"');
    expect(errorOf("binary", "ab$=")).toBe('value: expected base64 text, got "ab$="');
  });

  it("base64 agrees with Node's for every length and byte", () => {
    for (let n = 0; n < 70; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 73 + n * 31) & 255);
      const text = Buffer.from(bytes).toString("base64");
      expect(encodeBase64(bytes)).toBe(text);
      expect(decodeBase64(text)).toEqual(bytes);
      expect(decodeBase64(Buffer.from(bytes).toString("base64url"))).toEqual(bytes);
    }
  });
});

describe("enums", () => {
  const numberz: TypeSchema = { enum: Numberz, name: "Numberz" };
  it("are written by name; names and numbers are read", () => {
    expect(toJson(numberz, Numberz.FIVE)).toBe("FIVE");
    expect(fromJson(numberz, "FIVE")).toBe(5);
    expect(fromJson(numberz, 5)).toBe(5);
  });
  it("unknown values pass as numbers; unknown names are refused", () => {
    expect(toJson(numberz, 4)).toBe(4);
    expect(fromJson(numberz, 4)).toBe(4);
    expect(errorOf(numberz, "SEVEN")).toBe('value: expected one of ONE, TWO, THREE, FIVE, SIX, EIGHT (Numberz) or an i32, got "SEVEN"');
    expect(errorOf(numberz, "toString")).toMatch(/expected one of/);
  });
});

describe("containers", () => {
  it("lists and sets are arrays", () => {
    expect(toJson({ set: "i32" }, new Set([3, 1]))).toEqual([3, 1]);
    expect(fromJson({ set: "i32" }, [3, 1, 3])).toEqual(new Set([3, 1]));
    expect(errorOf({ list: "i32" }, [1, "2"], "xs")).toBe('xs[1]: expected an integer within i32, got "2"');
  });

  it("maps with string, number or enum keys are objects", () => {
    expect(toJson({ key: "i32", value: "string" }, new Map([[1, "a"], [-2, "b"]]))).toEqual({ "1": "a", "-2": "b" });
    expect(fromJson({ key: "i64", value: "bool" }, { "9223372036854775807": true })).toEqual(new Map([[2n ** 63n - 1n, true]]));
    const userMap = Insanity.fields()[0]!.type;
    expect(toJson(userMap, new Map([[Numberz.FIVE, 5n]]))).toEqual({ FIVE: 5 });
    expect(fromJson(userMap, { FIVE: "5", "8": 8 })).toEqual(new Map([[5, 5n], [8, 8n]]));
    expect(toJson({ key: "double", value: "i8" }, new Map([[NaN, 1], [0.5, 2]]))).toEqual({ NaN: 1, "0.5": 2 });
    expect(errorOf({ key: "i32", value: "i32" }, { x: 1 }, "m")).toBe('m key "x": expected an integer within i32, got "x"');
    expect(errorOf({ key: "string", value: "i32" }, { x: "1" }, "m")).toBe('m["x"]: expected an integer within i32, got "1"');
  });

  it("a __proto__ map key is an ordinary key both ways", () => {
    const m = new Map([["__proto__", 1]]);
    const json = toJson({ key: "string", value: "i32" }, m);
    expect(JSON.stringify(json)).toBe('{"__proto__":1}');
    expect(fromJson({ key: "string", value: "i32" }, JSON.parse('{"__proto__":1}'))).toEqual(m);
  });

  it("maps with other keys are arrays of [key, value] pairs", () => {
    const t: TypeSchema = { key: { set: "i32" }, value: "string" };
    const m = new Map([[new Set([1, 2]), "a"]]);
    expect(toJson(t, m)).toEqual([[[1, 2], "a"]]);
    expect(roundTrip(t, m)).toEqual(m);
    expect(toJson({ key: "bool", value: "i32" }, new Map([[true, 1]]))).toEqual([[true, 1]]);
    expect(toJson({ key: "binary", value: "i32" }, new Map([[Uint8Array.of(1), 1]]))).toEqual([["AQ==", 1]]);
    expect(errorOf(t, [[[1], "a", 3]], "m")).toBe("m[0]: expected a [key, value] pair, got an array of 3");
    expect(errorOf(t, { a: 1 }, "m")).toBe("m: expected an array of [key, value] pairs (map), got an object");
  });
});

describe("structs, unions, exceptions", () => {
  it("objects keyed by IDL names; unset optional fields left out", () => {
    const v = Xtruct.create({ string_thing: "s", byte_thing: 1, i32_thing: 2, i64_thing: 3n });
    expect(toJson(Xtruct, v)).toEqual({ string_thing: "s", byte_thing: 1, i32_thing: 2, i64_thing: 3 });
    expect(toJson(OptionalBinary, { bin_set: undefined, bin_map: new Map() })).toEqual({ bin_set: [], bin_map: [] });
    expect(fromJson(Xtruct, { i32_thing: 5 })).toEqual(Xtruct.create({ i32_thing: 5 }));
    expect(fromJson(Xtruct, { i32_thing: 5, string_thing: null })).toEqual(Xtruct.create({ i32_thing: 5 }));
    expect(toJson(OptionalSetDefaultTest, { with_default: undefined })).toEqual({ with_default: ["test"] });
  });

  it("unknown fields, missing required fields and non-objects are refused", () => {
    expect(errorOf(Xtruct, { i32: 1 })).toBe('Xtruct: Xtruct has no field "i32" (its fields: string_thing, byte_thing, i32_thing, i64_thing)');
    expect(errorOf(CrazyNesting, {})).toBe("CrazyNesting.list_field: required field missing");
    expect(errorOf(Xtruct, [])).toBe("Xtruct: expected an object (Xtruct), got an array of 0");
    expect(() => toJson(CrazyNesting, {})).toThrow("CrazyNesting.list_field: required field unset");
  });

  it("a union is an object with exactly one key", () => {
    expect(toJson(SomeUnion, { i32_thing: 3 })).toEqual({ i32_thing: 3 });
    expect(fromJson(SomeUnion, { string_thing: "x" })).toEqual({ string_thing: "x" });
    expect(errorOf(SomeUnion, {})).toMatch(/^SomeUnion: a union \(SomeUnion\) holds exactly one of map_thing, .*, got none$/);
    expect(errorOf(SomeUnion, { i32_thing: 1, string_thing: "x" })).toMatch(/got 2 fields$/);
    expect(() => toJson(SomeUnion, {})).toThrow("SomeUnion: a union (SomeUnion) holds exactly one field, got none");
  });

  it("exceptions are read as instances of their class", () => {
    const e = fromJson(Xception, { errorCode: 1001, message: "Xception" });
    expect(e).toBeInstanceOf(Xception);
    expect(e).toMatchObject({ errorCode: 1001, message: "Xception" });
    expect(toJson(Xception, new Xception({ errorCode: 1, message: "m" }))).toEqual({ errorCode: 1, message: "m" });
  });

  it("a method's args get IDL defaults and zero values, as the decoder gives them", () => {
    const args = Calc.methods.divide!.args;
    expect(fromJson(args, { num1: 100 })).toEqual({ num1: 100, num2: 1 });
    expect(fromJson(args, {})).toEqual({ num1: 0, num2: 1 });
    const multi = ThriftTest.methods.testMulti!.args;
    expect(fromJson(multi, {})).toEqual({ arg0: 0, arg1: 0, arg2: 0n, arg3: new Map(), arg4: Numberz.ONE, arg5: 0n });
  });

  it("nesting is bounded", () => {
    const list: TypeSchema = { list: { list: { list: "i32" } } };
    expect(fromJson(list, [[[1]]], { maxDepth: 3 })).toEqual([[[1]]]);
    expect(() => fromJson(list, [[[1]]], { maxDepth: 2 })).toThrow("value[0][0]: nested too deeply");
  });
});

describe("method schemas", () => {
  it("give params, return type and exceptions", () => {
    const m = methodSchema(Calc.methods.divide!);
    expect(m.params.map((p) => [p.name, p.type])).toEqual([
      ["num1", "i32"],
      ["num2", "i32"],
    ]);
    expect(m.params[1]!.default).toBe(1);
    expect(m.returns).toBe("float");
    expect(m.throws.map((t) => [t.id, t.name, (t.type as StructSchema).kind])).toEqual([[1, "e", "exception"]]);
    expect(methodSchema(ThriftTest.methods.testVoid!).returns).toBeUndefined();
  });
});
