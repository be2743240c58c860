/**
 * Constants: every literal form (Apache's lexer rules), list/set/map/struct literals, references to
 * other constants and enum values, across includes, and the separators allowed inside literals.
 * Type errors in constants are in checks.test.ts.
 */
import { describe, expect, test } from "vitest";
import type { ConstValue } from "../../compiler/index.js";
import { all, compileFiles, compileOk, def, shape, warnings, compileText } from "./helpers.js";

/** The value of const `name`, without locations. */
function value(text: string, name: string): unknown {
  return shape(def(compileOk(text), name, "const").value);
}

/** A literal as plain data: ints as bigint strings, lists as arrays, maps as entry arrays. */
function plain(v: ConstValue): unknown {
  switch (v.kind) {
    case "int":
      return `${v.value}n`;
    case "double":
    case "string":
      return v.value;
    case "identifier":
      return `<${v.name}>`;
    case "list":
      return v.items.map(plain);
    case "map":
      return v.entries.map(([k, x]) => [plain(k), plain(x)]);
  }
}

function plainOf(text: string, name: string): unknown {
  return plain(def(compileOk(text), name, "const").value);
}

describe("integer literals", () => {
  test.each([
    ["42", 42n],
    ["-7", -7n],
    ["+7", 7n],
    ["0x10", 16n],
    ["0xFF", 255n],
    ["0xabcdef", 0xabcdefn],
    ["-0x10", -16n],
    ["+0x10", 16n],
    ["010", 10n],
    ["098325", 98325n],
    ["-0010", -10n],
    ["true", 1n],
    ["false", 0n],
  ])("%s", (literal, expected) => {
    expect(value(`const i64 X = ${literal}`, "X")).toEqual({ kind: "int", value: `${expected}n` });
  });

  test("the int64 extremes are exact (bigint, not a lossy number)", () => {
    const r = compileOk("const i64 MAX = 9223372036854775807\nconst i64 MIN = -9223372036854775808\nconst i64 HEX = 0x7fffffffffffffff");
    expect(def(r, "MAX", "const").value).toMatchObject({ kind: "int", value: 9223372036854775807n });
    expect(def(r, "MIN", "const").value).toMatchObject({ kind: "int", value: -9223372036854775808n });
    expect(def(r, "HEX", "const").value).toMatchObject({ kind: "int", value: 9223372036854775807n });
  });

  test("true and false are integers: accepted for i32, and any integer is accepted for bool", () => {
    const r = compileOk("const i32 T = true\nconst bool B = 2\nconst bool F = false");
    expect(def(r, "T", "const").value).toMatchObject({ kind: "int", value: 1n });
    expect(def(r, "B", "const").value).toMatchObject({ kind: "int", value: 2n });
    expect(def(r, "F", "const").value).toMatchObject({ kind: "int", value: 0n });
  });
});

describe("double literals", () => {
  test.each([
    ["1.5", 1.5],
    ["-1.5", -1.5],
    [".5", 0.5],
    ["-.5", -0.5],
    ["1e10", 1e10],
    ["1E10", 1e10],
    ["-1.5E+2", -150],
    ["2.5e-3", 0.0025],
    ["085.2355", 85.2355],
    ["+3.25", 3.25],
  ])("%s", (literal, expected) => {
    expect(value(`const double X = ${literal}`, "X")).toEqual({ kind: "double", value: expected });
  });

  test("a double constant also accepts an integer", () => {
    expect(value("const double X = 3", "X")).toEqual({ kind: "int", value: "3n" });
  });
});

describe("string literals", () => {
  test.each([
    ['"plain"', "plain"],
    ["'single'", "single"],
    [`"it's"`, "it's"],
    [`'say "hi"'`, 'say "hi"'],
    [String.raw`"a\"b"`, 'a"b'],
    [String.raw`'a\'b'`, "a'b"],
    [String.raw`"tab\there"`, "tab\there"],
    [String.raw`"line\nbreak\rreturn"`, "line\nbreak\rreturn"],
    [String.raw`"back\\slash"`, "back\\slash"],
    ['""', ""],
    ['"ünïcødé ✓"', "ünïcødé ✓"],
  ])("%s", (literal, expected) => {
    expect(value(`const string X = ${literal}`, "X")).toEqual({ kind: "string", value: expected });
  });

  test("uuid constants, plain and braced", () => {
    const r = compileOk(
      "const uuid A = '00112233-4455-6677-8899-aabbccddeeff'\nconst uuid B = \"{00112233-4455-6677-8899-AABBCCDDEEFF}\"",
    );
    expect(def(r, "A", "const").value).toMatchObject({ kind: "string", value: "00112233-4455-6677-8899-aabbccddeeff" });
    expect(def(r, "B", "const").value).toMatchObject({ kind: "string", value: "{00112233-4455-6677-8899-AABBCCDDEEFF}" });
  });

  test("binary constants take a string literal", () => {
    expect(value("const binary X = 'raw'", "X")).toEqual({ kind: "string", value: "raw" });
  });
});

describe("container literals", () => {
  test("lists, sets and maps, nested", () => {
    const text = [
      "const list<i32> L = [1, 2, 3]",
      "const set<string> S = ['a', \"b\"]",
      "const map<string, i32> M = {'one': 1, 'two': 2}",
      "const map<string, list<set<i64>>> N = {'x': [[1, 2], []], 'y': [[3]]}",
      "const list<map<i32, string>> LM = [{1: 'a'}, {}]",
    ].join("\n");
    expect(plainOf(text, "L")).toEqual(["1n", "2n", "3n"]);
    expect(plainOf(text, "S")).toEqual(["a", "b"]);
    expect(plainOf(text, "M")).toEqual([
      ["one", "1n"],
      ["two", "2n"],
    ]);
    expect(plainOf(text, "N")).toEqual([
      ["x", [["1n", "2n"], []]],
      ["y", [["3n"]]],
    ]);
    expect(plainOf(text, "LM")).toEqual([[["1n", "a"]], []]);
  });

  test("separators inside literals are optional: [1 2; 3,] and {1:2 3:4;}", () => {
    const text = "const list<i32> L = [1 2; 3,]\nconst map<i32, i32> M = {1:2 3:4;}\nconst list<string> E = ['a';]";
    expect(plainOf(text, "L")).toEqual(["1n", "2n", "3n"]);
    expect(plainOf(text, "M")).toEqual([
      ["1n", "2n"],
      ["3n", "4n"],
    ]);
    expect(plainOf(text, "E")).toEqual(["a"]);
  });

  test("empty {} is accepted as an empty list or set, and [] as an empty map", () => {
    const r = compileOk(
      [
        "const list<i32> L = {}",
        "const set<binary> S = {}",
        "const map<i32, i32> M = []",
        "struct T { 1: optional set<binary> bin_set = {} }",
      ].join("\n"),
    );
    expect(def(r, "L", "const").value).toMatchObject({ kind: "map", entries: [] });
    expect(def(r, "S", "const").value).toMatchObject({ kind: "map", entries: [] });
    expect(def(r, "M", "const").value).toMatchObject({ kind: "list", items: [] });
    expect(def(r, "T", "struct").fields[0]!.defaultValue).toMatchObject({ kind: "map", entries: [] });
  });
});

describe("struct literals", () => {
  test("a map with quoted field names, nested structs, and structs in containers", () => {
    const text = [
      "struct Point { 1: i32 x, 2: i32 y }",
      "struct Line { 1: Point from, 2: Point to, 3: string label }",
      "const Point ORIGIN = {'x': 0, 'y': 0}",
      "const Line DIAG = {'from': {'x': 0, 'y': 0}, 'to': {'x': 1, 'y': 1}, 'label': 'd'}",
      "const list<Point> PTS = [{'x': 1}, {'y': 2}]",
      "struct WithDefault { 1: Point p = {'x': 5} }",
    ].join("\n");
    expect(plainOf(text, "ORIGIN")).toEqual([
      ["x", "0n"],
      ["y", "0n"],
    ]);
    expect(plainOf(text, "DIAG")).toEqual([
      [
        "from",
        [
          ["x", "0n"],
          ["y", "0n"],
        ],
      ],
      [
        "to",
        [
          ["x", "1n"],
          ["y", "1n"],
        ],
      ],
      ["label", "d"],
    ]);
    expect(plainOf(text, "PTS")).toEqual([[["x", "1n"]], [["y", "2n"]]]);
    const r = compileOk(text);
    expect(plain(def(r, "WithDefault", "struct").fields[0]!.defaultValue!)).toEqual([["x", "5n"]]);
  });

  test("a typedef of a struct takes a struct literal too", () => {
    const r = compileOk("struct P { 1: i32 x }\ntypedef P Q\nconst Q ONE = {'x': 1}");
    expect(plain(def(r, "ONE", "const").value)).toEqual([["x", "1n"]]);
  });
});

describe("references", () => {
  test("to enum values, qualified Enum.NAME, bound to the member", () => {
    const r = compileOk(
      "enum Color { RED = 1, GREEN = 2 }\nconst Color C = Color.GREEN\nconst list<Color> ALL = [Color.RED, Color.GREEN]\nconst i32 AS_INT = Color.RED",
    );
    const c = def(r, "C", "const").value;
    if (c.kind !== "identifier") throw new Error("not an identifier");
    expect(c.name).toBe("Color.GREEN");
    expect(c.target).toMatchObject({ kind: "enum", member: { name: "GREEN", value: 2 } });
    expect(plain(def(r, "ALL", "const").value)).toEqual(["<Color.RED>", "<Color.GREEN>"]);
    const asInt = def(r, "AS_INT", "const").value;
    expect(asInt.kind === "identifier" && asInt.target?.kind).toBe("enum");
  });

  test("an enum typed constant may also be a plain integer naming a member", () => {
    const r = compileText("enum Color { RED = 1 }\nconst Color C = 1");
    expect(all(r)).toEqual([]);
  });

  test("an enum value reached through a typedef of the enum", () => {
    const r = compileOk("enum Color { RED }\ntypedef Color Colour\nconst Colour C = Colour.RED");
    const c = def(r, "C", "const").value;
    expect(c.kind === "identifier" && c.target?.kind).toBe("enum");
  });

  test("to other constants, also inside containers and struct literals", () => {
    const r = compileOk(
      [
        "const i32 A = 5",
        "const i32 B = A",
        "const list<i32> L = [A, B, 7]",
        "const map<string, i32> M = {'a': A}",
        "struct S { 1: i32 n = B, 2: list<i32> ns = L }",
        "const S SV = {'n': A, 'ns': L}",
        "const string NAME = 'x'",
        "const map<string, string> BY_NAME = {NAME: NAME}",
      ].join("\n"),
    );
    const b = def(r, "B", "const").value;
    expect(b.kind === "identifier" && b.target?.kind === "const" && b.target.def.name).toBe("A");
    expect(plain(def(r, "L", "const").value)).toEqual(["<A>", "<B>", "7n"]);
    expect(plain(def(r, "SV", "const").value)).toEqual([
      ["n", "<A>"],
      ["ns", "<L>"],
    ]);
    const field = def(r, "S", "struct").fields[0]!.defaultValue!;
    expect(field.kind === "identifier" && field.target?.kind).toBe("const");
  });

  test("across includes: constants, enum values and struct types of the included file", () => {
    const r = compileFiles({
      "/c/main.thrift": [
        'include "shared.thrift"',
        "const i32 LIMIT = shared.MAX",
        "const shared.Color FAV = shared.Color.BLUE",
        "const shared.Pair P = {'a': shared.MAX, 'b': 2}",
        "const list<shared.Color> CS = [shared.Color.BLUE]",
        "struct S { 1: shared.Color c = shared.Color.BLUE }",
      ].join("\n"),
      "/c/shared.thrift": "const i32 MAX = 100\nenum Color { RED, BLUE }\nstruct Pair { 1: i32 a, 2: i32 b }",
    });
    expect(all(r)).toEqual([]);
    const limit = def(r, "LIMIT", "const").value;
    expect(limit.kind === "identifier" && limit.target?.kind === "const" && limit.target.def.program.name).toBe("shared");
    const fav = def(r, "FAV", "const").value;
    expect(fav.kind === "identifier" && fav.target?.kind === "enum" && fav.target.member.value).toBe(1);
    expect(plain(def(r, "P", "const").value)).toEqual([
      ["a", "<shared.MAX>"],
      ["b", "2n"],
    ]);
  });

  test("a constant used before it is declared", () => {
    const r = compileOk("const i32 B = A\nconst i32 A = 1");
    const b = def(r, "B", "const").value;
    expect(b.kind === "identifier" && b.target?.kind).toBe("const");
  });
});

test("an i64 constant outside the int32 range is accepted without a warning", () => {
  // Apache warns here unless -allow-64bit-consts; rpcgen targets JavaScript bigints, so it does not.
  const r = compileText("const i64 BIG = 0x7fffffffffff");
  expect(all(r)).toEqual([]);
  expect(warnings(r)).toEqual([]);
});
