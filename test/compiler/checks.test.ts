/**
 * Semantic checks (resolver.ts, checker.ts, loader.ts): each asserts the exact message, severity and
 * line:col, and that nothing else is reported.
 */
import { describe, expect, test } from "vitest";
import { all, compileFiles, compileText, def } from "./helpers.js";

/** Each row: a name, the IDL, and every diagnostic it must produce (`line:col: severity: message`). */
const checks: [string, string, string[]][] = [
  // Names
  ["unknown type, with a suggestion", "struct Persn {}\nstruct S {\n  1: Person p\n}", ["3:6: error: unknown type 'Person' (did you mean 'Persn'?)"]],
  ["unknown type, nothing close", "struct S { 1: Frobnicator f }", ["1:15: error: unknown type 'Frobnicator'"]],
  ["unknown short type: no far-fetched suggestion", "struct S { 1: X x }", ["1:15: error: unknown type 'X'"]],
  ["unknown type in a container, a typedef and a function", "typedef list<Nope> L\nservice S { Nah f(1: map<string, Never> m) }", [
    "1:14: error: unknown type 'Nope'",
    "2:13: error: unknown type 'Nah'",
    "2:34: error: unknown type 'Never'",
  ]],
  ["a service used as a type", "service Svc {}\nstruct T { 1: Svc s }", ["2:15: error: 'Svc' is a service, not a type"]],
  ["a constant used as a type", "const i32 MAX = 1\ntypedef MAX M", ["2:9: error: 'MAX' is a constant, not a type"]],
  ["unknown constant", "const i32 X = MISSING", ["1:15: error: unknown constant 'MISSING'"]],
  ["unknown constant, with a suggestion", "const i32 LIMIT = 1\nconst i32 X = LIMTI", ["2:15: error: unknown constant 'LIMTI' (did you mean 'LIMIT'?)"]],
  ["a declared name with a dot", "struct a.b {}", ["1:8: error: the name 'a.b' cannot contain a dot"]],
  // Duplicates
  ["duplicate definition", "struct A {}\nenum A { X }", ["2:6: error: 'A' is already defined at line 1"]],
  ["duplicate constant", "const i32 X = 1\nconst i32 X = 2", ["2:11: error: 'X' is already defined at line 1"]],
  ["duplicate field id", "struct S {\n  1: i32 a\n  1: i32 b\n}", ["3:3: error: field id 1 of 'b' is already used by 'a' in struct 'S'"]],
  ["duplicate field name", "struct S {\n  1: i32 a\n  2: string a\n}", ["3:13: error: field 'a' is already defined in struct 'S' at line 2"]],
  ["duplicate argument id", "service S {\n  void f(1: i32 a, 1: i32 b)\n}", ["2:20: error: field id 1 of 'b' is already used by 'a' in the arguments of 'f'"]],
  ["duplicate enum value name", "enum E { A, A }", ["1:13: error: enum 'E' already has a value named 'A'"]],
  ["duplicate function", "service S {\n  void f()\n  void f()\n}", ["3:8: error: function 'f' is already defined in service 'S' at line 2"]],
  // Constants against their types
  ["i8 out of range: a warning with the wrapped value", "const i8 X = 200", ["1:14: warning: const 'X' is 200, which does not fit in i8 (-128 to 127); it wraps to -56"]],
  ["i16 out of range", "const i16 X = -40000", ["1:15: warning: const 'X' is -40000, which does not fit in i16 (-32768 to 32767); it wraps to 25536"]],
  ["i32 out of range", "const i32 X = 0xFFFFFFFF", ["1:15: warning: const 'X' is 4294967295, which does not fit in i32 (-2147483648 to 2147483647); it wraps to -1"]],
  ["out of range inside a list", "const list<i8> L = [1, 128]", ["1:24: warning: an element of const 'L' is 128, which does not fit in i8 (-128 to 127); it wraps to -128"]],
  ["a string for an integer", 'const i32 X = "str"', ["1:15: error: const 'X' has type i32 but is a string literal"]],
  ["an integer for a string", "const string S = 5", ["1:18: error: const 'S' has type string but is the integer 5"]],
  ["a double for a bool", "const bool B = 1.5", ["1:16: error: const 'B' has type bool but is the number 1.5"]],
  ["a double for an integer", "const i64 B = 2.0", ["1:15: error: const 'B' has type i64 but is the number 2"]],
  ["a string for a double", 'const double D = "x"', ["1:18: error: const 'D' has type double but is a string literal"]],
  ["a map literal for a list", "const list<i32> L = {1: 2}", ["1:21: error: const 'L' has type list<i32> but is a map literal"]],
  ["a list literal for a map", "const map<i32, i32> M = [1]", ["1:25: error: const 'M' has type map<i32, i32> but is a list literal"]],
  ["a wrong element type", "const list<string> L = ['a', 2]", ["1:30: error: an element of const 'L' has type string but is the integer 2"]],
  ["a wrong map key type", "const map<string, i32> M = {1: 2}", ["1:29: error: a key of const 'M' has type string but is the integer 1"]],
  ["a wrong field default", "struct S {\n  1: i32 n = 'x'\n}", ["2:14: error: default value of 'n' has type i32 but is a string literal"]],
  ["an invalid uuid", 'const uuid U = "nope"', ["1:16: error: const 'U' is not a valid uuid: 'nope'"]],
  ["a struct literal with an unknown field", 'struct P { 1: i32 x }\nconst P V = {"y": 1}', ["2:14: error: struct 'P' has no field 'y'"]],
  ["a struct literal with a misspelt field", 'struct P { 1: i32 count }\nconst P V = {"cuont": 1}', ["2:14: error: struct 'P' has no field 'cuont' (did you mean 'count'?)"]],
  ["a struct literal with an unquoted key", "struct P { 1: i32 x }\nconst P V = {x: 1}", ["2:14: error: the keys of const 'V' must be field names of struct 'P' in quotes"]],
  ["a struct literal with a wrong field value", 'struct P { 1: i32 x }\nconst P V = {"x": "one"}', ["2:19: error: field 'x' of const 'V' has type i32 but is a string literal"]],
  ["a list for a struct", "struct P {}\nconst P V = []", ["2:13: error: const 'V' has type P but is a list literal"]],
  ["unknown enum value", "enum Color { RED }\nconst Color C = Color.BLUE", ["2:17: error: 'BLUE' is not a value of enum 'Color'"]],
  ["unknown enum value, with a suggestion", "enum Color { GREEN }\nconst Color C = Color.GREN", ["2:17: error: 'GREN' is not a value of enum 'Color' (did you mean 'GREEN'?)"]],
  ["unqualified enum value", "enum Color { RED }\nconst Color C = RED", ["2:17: error: enum value 'RED' is unqualified; write 'Color.RED'"]],
  [
    "an unqualified name that is also a constant",
    "enum C { A }\nconst i32 A = 1\nconst C X = A",
    ["3:13: error: 'A' is unqualified where a value of enum 'C' is expected; write a qualified value such as 'C.A'"],
  ],
  ["a value of another enum", "enum Color { RED }\nenum Other { BLUE }\nconst Color C = Other.BLUE", ["3:17: error: const 'C' has enum type Color but 'Other.BLUE' is a value of enum 'Other'"]],
  [
    "a value of another enum with a value of the same name: taken by name, as Apache does",
    "enum Color { RED }\nenum Other { RED = 3 }\nconst Color C = Other.RED",
    ["3:17: warning: const 'C' has enum type Color but 'Other.RED' is a value of enum 'Other'; it is taken as Color.RED (0), the value of the same name, as Apache's compiler does"],
  ],
  ["an enum value for a string", "enum Color { RED }\nconst string S = Color.RED", ["2:18: error: const 'S' has type string but 'Color.RED' is an enum value"]],
  ["an integer that names no enum value", "enum Color { RED }\nconst Color C = 7", ["2:17: error: const 'C' is 7, which is not a value of enum 'Color'"]],
  ["a constant of the wrong type", "const string NAME = 'x'\nconst i32 N = NAME", ["2:15: error: const 'N' has type i32 but const 'NAME' has type string"]],
  ["a constant defined in terms of itself", "const i32 A = B\nconst i32 B = A", [
    "1:11: error: const 'A' is defined in terms of itself (A -> B -> A)",
    "2:11: error: const 'B' is defined in terms of itself (B -> A -> B)",
  ]],
  // Enums
  ["enum value above int32", "enum E { A = 2147483648 }", ["1:14: error: enum value E.A = 2147483648 does not fit in 32 bits"]],
  ["enum value below int32", "enum E { A = -2147483649 }", ["1:14: error: enum value E.A = -2147483649 does not fit in 32 bits"]],
  ["enum auto-numbering past int32", "enum E { A = 2147483647, B }", ["1:26: error: enum value E.B would be 2147483648, which does not fit in 32 bits"]],
  // Services and functions
  ["throws a struct", "struct NotEx {}\nservice S {\n  void f() throws (1: NotEx e)\n}", ["3:23: error: 'f' can only throw exceptions, but 'NotEx' is struct 'NotEx'"]],
  ["throws a base type", "service S {\n  void f() throws (1: string e)\n}", ["2:23: error: 'f' can only throw exceptions, but 'string' is string"]],
  ["oneway with a return type: a warning", "service S {\n  oneway i32 f()\n}", ["2:10: warning: oneway function 'f' cannot return a value; its result is ignored (declare it 'void')"]],
  ["oneway with throws: an error", "exception E {}\nservice S {\n  oneway void f() throws (1: E e)\n}", ["3:27: error: oneway function 'f' cannot throw exceptions: no reply is ever sent"]],
  ["extends a struct", "struct P {}\nservice S extends P {}", ["2:19: error: service 'S' cannot extend 'P': it is struct 'P', not a service"]],
  ["extends an unknown service", "service Base {}\nservice S extends Bsae {}", ["2:19: error: unknown service 'Bsae' (did you mean 'Base'?)"]],
  ["extends in a cycle", "service A extends B {}\nservice B extends A {}", [
    "1:9: error: service 'A' extends itself through its parents",
    "2:9: error: service 'B' extends itself through its parents",
  ]],
  ["typedef cycle", "typedef A B\ntypedef B A", ["1:11: error: typedef 'B' refers to itself", "2:11: error: typedef 'A' refers to itself"]],
  // Unions
  ["a required union field", "union U {\n  1: required string a\n}", ["2:6: warning: union field 'a' cannot be required; it is treated as optional"]],
];

describe("semantic checks", () => {
  test.each(checks)("%s", (_name, text, expected) => {
    expect(all(compileText(text))).toEqual(expected);
  });

  test("a required union field really becomes optional", () => {
    expect(def(compileText("union U { 1: required string a }"), "U", "union").fields[0]!.requiredness).toBe("optional");
  });
});

describe("include checks", () => {
  const show = (r: ReturnType<typeof compileFiles>): string[] =>
    r.diagnostics.map((d) => `${d.loc?.file}:${d.loc?.line}:${d.loc?.column}: ${d.severity}: ${d.message}`);

  test("include not found: the message lists every directory searched, in order", () => {
    const r = compileFiles({ "/a/main.thrift": 'include "missing.thrift"\nstruct S {}' }, { includeDirs: ["/inc1", "/inc2"] });
    expect(show(r)).toEqual(["/a/main.thrift:1:9: error: cannot find included file 'missing.thrift' (looked in: /a, /inc1, /inc2)"]);
  });

  test("include not found: reported once, and nothing that only follows from it; other errors stay", () => {
    const r = compileFiles({
      "/a/main.thrift": [
        'include "common/missing.thrift"',
        "typedef missing.UserId Id",
        "typedef missing.Err MissingErr",
        "struct U {",
        "  1: missing.UserId id",
        "  2: list<missing.UserId> ids = missing.NO_IDS",
        "  3: i32 n = missing.N",
        "  4: map<string, Id> byName",
        "  5: Color c = missing.Color.RED",
        "  6: Nope real",
        "}",
        "enum Color { RED }",
        "const i32 LIMIT = missing.MAX",
        "const Color C = missing.DEFAULT_COLOR",
        "service S extends missing.Base {",
        "  missing.UserId get(1: missing.UserId id, 2: Id other) throws (1: missing.Err e, 2: MissingErr e2)",
        "}",
        'const string WRONG = 5',
        "struct V { 1: missng.Other o }",
      ].join("\n"),
    });
    expect(show(r)).toEqual([
      "/a/main.thrift:1:9: error: cannot find included file 'common/missing.thrift' (looked in: /a/common)",
      "/a/main.thrift:10:6: error: unknown type 'Nope'",
      "/a/main.thrift:18:22: error: const 'WRONG' has type string but is the integer 5",
      "/a/main.thrift:19:15: error: unknown type 'missng.Other'",
    ]);
  });

  test("a name whose prefix is a loaded include is still checked, even with another include missing", () => {
    const r = compileFiles({
      "/a/main.thrift": 'include "a.thrift"\ninclude "a.b.thrift"\nstruct S { 1: a.Nope x, 2: a.b.C y, 3: a.A z }',
      "/a/a.thrift": "struct A {}",
    });
    expect(show(r)).toEqual([
      "/a/main.thrift:2:9: error: cannot find included file 'a.b.thrift' (looked in: /a)",
      "/a/main.thrift:3:15: error: unknown type 'a.Nope'",
    ]);
  });

  test("an include that closes a cycle: names through it are not reported again", () => {
    const r = compileFiles({
      "/a/main.thrift": 'include "b.thrift"',
      "/a/b.thrift": 'include "main.thrift"\nstruct B { 1: main.M m }',
    });
    expect(show(r)).toEqual(["/a/b.thrift:1:9: error: include cycle: main.thrift -> b.thrift -> main.thrift"]);
  });

  test("include not found with a directory in the path", () => {
    const r = compileFiles({ "/a/main.thrift": 'include "sub/missing.thrift"' }, { includeDirs: ["/inc1"] });
    expect(show(r)).toEqual(["/a/main.thrift:1:9: error: cannot find included file 'sub/missing.thrift' (looked in: /a/sub, /inc1/sub)"]);
  });

  test("include cycle", () => {
    const r = compileFiles({
      "/a/main.thrift": 'include "b.thrift"',
      "/a/b.thrift": 'include "c.thrift"',
      "/a/c.thrift": '\ninclude "b.thrift"',
    });
    expect(show(r)).toEqual(["/a/c.thrift:2:9: error: include cycle: b.thrift -> c.thrift -> b.thrift"]);
  });

  test("a file including itself", () => {
    const r = compileFiles({ "/a/main.thrift": 'include "main.thrift"' });
    expect(show(r)).toEqual(["/a/main.thrift:1:9: error: include cycle: main.thrift -> main.thrift"]);
  });

  test("unknown name in an included file, with a qualified suggestion", () => {
    const r = compileFiles({ "/a/main.thrift": 'include "base.thrift"\nstruct S { 1: base.Strct s }', "/a/base.thrift": "struct Struct {}" });
    expect(show(r)).toEqual(["/a/main.thrift:2:15: error: unknown type 'base.Strct' (did you mean 'base.Struct'?)"]);
  });

  test("a prefix that names no include", () => {
    const r = compileFiles({ "/a/main.thrift": "struct S { 1: base.Struct s }" });
    expect(show(r)).toEqual(["/a/main.thrift:1:15: error: unknown type 'base.Struct'"]);
  });

  test("names of an include's include are not visible (includes are not transitive)", () => {
    const r = compileFiles({
      "/a/main.thrift": 'include "b.thrift"\nstruct S { 1: c.C x }',
      "/a/b.thrift": 'include "c.thrift"',
      "/a/c.thrift": "struct C {}",
    });
    expect(show(r)).toEqual(["/a/main.thrift:2:15: error: unknown type 'c.C'"]);
  });

  describe("a type defined in a file and in its include (Apache's is_unique_typename)", () => {
    test("is an error when neither file declares a namespace", () => {
      const r = compileFiles({
        "/a/main.thrift": 'include "base.thrift"\nstruct UUID {}\nenum Kind { A }',
        "/a/base.thrift": "typedef string UUID\nconst i32 Kind = 1",
      });
      // Kind is only a constant in base.thrift: constants live apart from types.
      expect(show(r)).toEqual(["/a/main.thrift:2:8: error: type 'UUID' is already defined in included file 'base.thrift', which has the same namespaces"]);
    });

    test("is an error when both declare the same namespaces", () => {
      const r = compileFiles({
        "/a/main.thrift": 'namespace java a\ninclude "base.thrift"\nstruct UUID {}',
        "/a/base.thrift": "namespace java a\ntypedef string UUID",
      });
      expect(show(r)).toEqual(["/a/main.thrift:3:8: error: type 'UUID' is already defined in included file 'base.thrift', which has the same namespaces"]);
    });

    test("is fine when the namespaces differ", () => {
      const r = compileFiles({
        "/a/main.thrift": 'namespace java a\ninclude "base.thrift"\nstruct UUID { 1: base.UUID id }',
        "/a/base.thrift": "namespace java b\ntypedef string UUID",
      });
      expect(show(r)).toEqual([]);
    });

    test("is fine when only one file declares a namespace", () => {
      const r = compileFiles({
        "/a/main.thrift": 'namespace java a\ninclude "base.thrift"\nstruct UUID {}',
        "/a/base.thrift": "typedef string UUID",
      });
      expect(show(r)).toEqual([]);
    });

    test("compares namespaces the way get_namespace does, falling back to 'namespace *'", () => {
      // main's java namespace equals base's '*' namespace, which base uses for java: same namespaces.
      const r = compileFiles({
        "/a/main.thrift": 'namespace * a\nnamespace java a\ninclude "base.thrift"\nstruct UUID {}',
        "/a/base.thrift": "namespace * a\ntypedef string UUID",
      });
      expect(show(r)).toEqual(["/a/main.thrift:4:8: error: type 'UUID' is already defined in included file 'base.thrift', which has the same namespaces"]);
    });
  });
});
