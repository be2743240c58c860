/**
 * Every construct of the IDL, by small focused cases: headers and includes, namespaces, typedefs,
 * enums, structs/unions/exceptions, services and functions, fields, types, annotations, comments and
 * lexical details, and the legacy/foreign syntax that is rejected with a named replacement.
 * Consts have their own file (consts.test.ts).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { compile, parse, type Field, type FunctionDef, type TypeRef } from "../../compiler/index.js";
import { all, compileFiles, compileOk, compileText, def, errors, memFs, root, shape, warnings } from "./helpers.js";

/** A compact rendering of a type reference, e.g. `list<map<string, set<i64>>>`. */
function typeText(t: TypeRef): string {
  switch (t.kind) {
    case "base":
    case "named":
      return t.name;
    case "list":
    case "set":
      return `${t.kind}<${typeText(t.elem)}>`;
    case "map":
      return `map<${typeText(t.key)}, ${typeText(t.value)}>`;
  }
}

/** `id:requiredness type name` for each field. */
function fieldsText(fields: readonly Field[]): string[] {
  return fields.map((f) => `${f.id}:${f.requiredness} ${typeText(f.type)} ${f.name}`);
}

describe("include", () => {
  test("resolves relative to the including file first", () => {
    const r = compileFiles(
      {
        "/a/main.thrift": 'include "x.thrift"\nstruct S { 1: x.T t }',
        "/a/x.thrift": "struct T {}",
        "/inc/x.thrift": "struct T {}",
      },
      { includeDirs: ["/inc"] },
    );
    expect(all(r)).toEqual([]);
    expect(root(r).includes.map((i) => i.program?.path)).toEqual(["/a/x.thrift"]);
    const t = def(r, "S", "struct").fields[0]!.type;
    expect(t.kind === "named" && t.target?.program.path).toBe("/a/x.thrift");
  });

  test("then searches each -I directory in the order given", () => {
    const files = {
      "/a/main.thrift": 'include "x.thrift"',
      "/inc1/x.thrift": "struct One {}",
      "/inc2/x.thrift": "struct Two {}",
    };
    const first = compileFiles(files, { includeDirs: ["/inc1", "/inc2"] });
    expect(all(first)).toEqual([]);
    expect(root(first).includes[0]!.program?.path).toBe("/inc1/x.thrift");
    const reversed = compileFiles(files, { includeDirs: ["/inc2", "/inc1"] });
    expect(root(reversed).includes[0]!.program?.path).toBe("/inc2/x.thrift");
  });

  test("a nested include resolves relative to the file that contains it, not the root", () => {
    const r = compileFiles(
      {
        "/a/main.thrift": 'include "lib/x.thrift"\nstruct S { 1: x.X v }',
        "/a/lib/x.thrift": 'include "y.thrift"\nstruct X { 1: y.Y y }',
        "/a/lib/y.thrift": "struct Y {}",
        "/a/y.thrift": "struct WRONG {}",
      },
      {},
    );
    expect(all(r)).toEqual([]);
    expect(r.programs.map((p) => p.path)).toEqual(["/a/lib/y.thrift", "/a/lib/x.thrift", "/a/main.thrift"]);
  });

  test("a path with directories gives the prefix of its base name; programs come after their includes", () => {
    const r = compileFiles({
      "/p/main.thrift": 'include "sub/dir/shared.thrift"\nconst shared.Id ID = 7\nservice S extends shared.Base {}',
      "/p/sub/dir/shared.thrift": "typedef i64 Id\nservice Base { void ping() }",
    });
    expect(all(r)).toEqual([]);
    expect(r.programs.map((p) => p.name)).toEqual(["shared", "main"]);
    expect(def(r, "S", "service").extends?.target?.name).toBe("Base");
  });

  test("a file name with dots is a prefix with dots; the longest matching prefix wins", () => {
    const r = compileFiles({
      "/d/main.thrift": 'include "a.thrift"\ninclude "a.b.thrift"\nstruct S { 1: a.b.X x, 2: a.Y y, 3: a.b.E e = a.b.E.V }',
      "/d/a.thrift": "struct Y {}",
      "/d/a.b.thrift": "struct X {}\nenum E { V }",
    });
    expect(all(r)).toEqual([]);
    const [x, y] = def(r, "S", "struct").fields;
    expect(x!.type.kind === "named" && x!.type.target?.program.name).toBe("a.b");
    expect(y!.type.kind === "named" && y!.type.target?.program.name).toBe("a");
  });

  test("each file is loaded once even when included twice", () => {
    const fs = memFs({
      "/d/main.thrift": 'include "a.thrift"\ninclude "b.thrift"',
      "/d/a.thrift": 'include "common.thrift"',
      "/d/b.thrift": 'include "common.thrift"',
      "/d/common.thrift": "struct C {}",
    });
    const r = compile({ files: ["/d/main.thrift"], fileSystem: fs });
    expect(all(r)).toEqual([]);
    expect(r.programs.map((p) => p.name)).toEqual(["common", "a", "b", "main"]);
    const [a, b] = r.programs.filter((p) => p.name === "a" || p.name === "b");
    expect(a!.includes[0]!.program).toBe(b!.includes[0]!.program);
  });

  test("cpp_include is recorded and does not load anything", () => {
    const fs = memFs({ "/d/main.thrift": 'cpp_include "<unordered_map>"\ncpp_include \'foo/bar.h\'' });
    const r = compile({ files: ["/d/main.thrift"], fileSystem: fs });
    expect(all(r)).toEqual([]);
    expect(root(r).cppIncludes).toEqual(["<unordered_map>", "foo/bar.h"]);
    expect(fs.reads).toEqual(["/d/main.thrift"]);
  });
});

describe("namespace", () => {
  test("every form: language, *, dotted scopes, dotted names, annotations", () => {
    const r = compileOk(
      [
        "namespace java com.example.api",
        "namespace * everything",
        "namespace py.twisted example.twisted",
        "namespace cpp.noexist foo",
        "namespace xsd test (uri = 'http://thrift.apache.org/ns/ThriftTest', bare)",
        "namespace netstd ThriftTest",
      ].join("\n"),
    );
    const ns = root(r).namespaces;
    expect(ns.map((n) => [n.scope, n.name])).toEqual([
      ["java", "com.example.api"],
      ["*", "everything"],
      ["py.twisted", "example.twisted"],
      ["cpp.noexist", "foo"],
      ["xsd", "test"],
      ["netstd", "ThriftTest"],
    ]);
    expect(ns[4]!.annotations.map((a) => [a.key, a.value])).toEqual([
      ["uri", "http://thrift.apache.org/ns/ThriftTest"],
      ["bare", "1"],
    ]);
    expect(ns[0]!.loc).toMatchObject({ line: 1, column: 16 });
  });
});

describe("typedef", () => {
  test("of base, container and named types, with annotations, and used before its target is declared", () => {
    const r = compileOk(
      [
        "typedef i64 UserId (js.type = 'bigint');",
        "typedef map<string, list<Later>> Index,",
        "typedef Later Alias",
        "typedef Alias AliasOfAlias",
        "typedef uuid myUUID",
        "struct Later { 1: UserId id, 2: AliasOfAlias next }",
      ].join("\n"),
    );
    expect(typeText(def(r, "UserId", "typedef").type)).toBe("i64");
    expect(def(r, "UserId", "typedef").annotations.map((a) => [a.key, a.value])).toEqual([["js.type", "bigint"]]);
    expect(typeText(def(r, "Index", "typedef").type)).toBe("map<string, list<Later>>");
    const alias = def(r, "Alias", "typedef").type;
    expect(alias.kind === "named" && alias.target?.name).toBe("Later");
    const later = def(r, "Later", "struct");
    const next = later.fields[1]!.type;
    expect(next.kind === "named" && next.target?.name).toBe("AliasOfAlias");
    expect(typeText(def(r, "myUUID", "typedef").type)).toBe("uuid");
  });
});

describe("enum", () => {
  test("implicit values count from 0; explicit values reset the counter; negatives and hex allowed", () => {
    const r = compileOk("enum E { A=-1, B, C=0x10, D }\nenum F { X, Y, Z = 10; W }\nenum Empty {}");
    expect(def(r, "E", "enum").members.map((m) => [m.name, m.value, m.explicit])).toEqual([
      ["A", -1, true],
      ["B", 0, false],
      ["C", 16, true],
      ["D", 17, false],
    ]);
    expect(def(r, "F", "enum").members.map((m) => m.value)).toEqual([0, 1, 10, 11]);
    expect(def(r, "Empty", "enum").members).toEqual([]);
  });

  test("int32 extremes are accepted", () => {
    const r = compileOk("enum E { MIN = -2147483648, MAX = 2147483647 }");
    expect(def(r, "E", "enum").members.map((m) => m.value)).toEqual([-2147483648, 2147483647]);
  });

  test("annotations on the enum and on its values; a bare key means '1'", () => {
    const r = compileOk('enum E { A (deprecated = "use B"), B (x.y) } (cpp.name = "EE")');
    const e = def(r, "E", "enum");
    expect(e.annotations.map((a) => [a.key, a.value])).toEqual([["cpp.name", "EE"]]);
    expect(e.members.map((m) => m.annotations.map((a) => [a.key, a.value]))).toEqual([[["deprecated", "use B"]], [["x.y", "1"]]]);
  });
});

describe("struct, union, exception", () => {
  test("kinds, field lists, xsd_all, empty bodies and trailing annotations", () => {
    const r = compileOk(
      [
        "struct Point { 1: i32 x; 2: i32 y, }",
        "struct Empty {}",
        "struct Xsd xsd_all { 1: string a }",
        "union Shape { 1: Point p, 2: string name } (final)",
        "exception Oops { 1: string message, 2: i32 code }",
      ].join("\n"),
    );
    expect(fieldsText(def(r, "Point", "struct").fields)).toEqual(["1:default i32 x", "2:default i32 y"]);
    expect(def(r, "Empty", "struct").fields).toEqual([]);
    expect(def(r, "Xsd", "struct").xsdAll).toBe(true);
    expect(def(r, "Point", "struct").xsdAll).toBe(false);
    const shapeDef = def(r, "Shape", "union");
    expect(shapeDef.annotations.map((a) => [a.key, a.value])).toEqual([["final", "1"]]);
    // Union fields are always optional.
    expect(fieldsText(shapeDef.fields)).toEqual(["1:optional Point p", "2:optional string name"]);
    expect(fieldsText(def(r, "Oops", "exception").fields)).toEqual(["1:default string message", "2:default i32 code"]);
  });

  test("requiredness: required, optional and default", () => {
    const r = compileOk("struct S { 1: required i32 a, 2: optional i32 b, 3: i32 c }");
    expect(def(r, "S", "struct").fields.map((f) => f.requiredness)).toEqual(["required", "optional", "default"]);
  });

  test("a required union field is forced optional with a warning", () => {
    const r = compileText("union U {\n  1: required string a\n  2: i32 b\n}");
    expect(errors(r)).toEqual([]);
    expect(warnings(r)).toEqual(["2:6: warning: union field 'a' cannot be required; it is treated as optional"]);
    expect(def(r, "U", "union").fields.map((f) => f.requiredness)).toEqual(["optional", "optional"]);
  });

  test("reference fields (&), default values and xsd extras are kept", () => {
    const r = compileOk(
      "struct Node { 1: i32 v = 3, 2: optional Node & next, 3: string s xsd_optional xsd_nillable xsd_attrs { 1: i32 attr } }",
    );
    const [v, next, s] = def(r, "Node", "struct").fields;
    expect(v!.defaultValue).toMatchObject({ kind: "int", value: 3n });
    expect(next!.reference).toBe(true);
    expect(v!.reference).toBe(false);
    expect(s).toMatchObject({ xsdOptional: true, xsdNillable: true });
    expect(fieldsText(s!.xsdAttrs ?? [])).toEqual(["1:default i32 attr"]);
  });
});

describe("field ids", () => {
  test("missing and non-positive ids get -1, -2, ... in order, with a warning each", () => {
    const r = compileText("struct S { i32 x, 0: i32 y, 5: i32 z, i32 w }");
    expect(errors(r)).toEqual([]);
    const fields = def(r, "S", "struct").fields;
    expect(fields.map((f) => f.id)).toEqual([-1, -2, 5, -3]);
    expect(fields.map((f) => f.idAssigned)).toEqual([true, true, false, true]);
    expect(warnings(r)).toEqual([
      "1:16: warning: no field id given for 'x'; an id is assigned automatically, which is not backwards compatible",
      "1:19: warning: field id 0 of 'y' is not positive; an id is assigned automatically",
      "1:43: warning: no field id given for 'w'; an id is assigned automatically, which is not backwards compatible",
    ]);
  });

  test("numbering restarts for every field list: struct, arguments and throws", () => {
    const r = compileText(
      "exception E {}\nstruct A { i32 a, i32 b }\nstruct B { i32 c }\nservice S { void f(i32 p, i32 q) throws (E e1, E e2) }",
    );
    expect(errors(r)).toEqual([]);
    expect(def(r, "A", "struct").fields.map((f) => f.id)).toEqual([-1, -2]);
    expect(def(r, "B", "struct").fields.map((f) => f.id)).toEqual([-1]);
    const f = def(r, "S", "service").functions[0]!;
    expect(f.params.map((p) => p.id)).toEqual([-1, -2]);
    expect(f.throws.map((p) => p.id)).toEqual([-1, -2]);
  });

  test("a negative explicit id is replaced like 0; ids past 16 bits warn", () => {
    const r = compileText("struct S { -4: i32 a, 40000: i32 b }");
    expect(def(r, "S", "struct").fields.map((f) => f.id)).toEqual([-1, 40000]);
    expect(warnings(r)).toEqual([
      "1:12: warning: field id -4 of 'a' is not positive; an id is assigned automatically",
      "1:23: warning: field id 40000 of 'b' is outside the 16-bit range",
    ]);
  });
});

describe("types", () => {
  test("all base types, uuid and float included", () => {
    const names = ["bool", "byte", "i8", "i16", "i32", "i64", "double", "float", "string", "binary", "uuid"];
    const r = compileText(`struct S { ${names.map((n, i) => `${i + 1}: ${n} f${i}`).join(", ")} }`);
    expect(errors(r)).toEqual([]);
    const fields = def(r, "S", "struct").fields;
    expect(fields.map((f) => f.type.kind)).toEqual(names.map(() => "base"));
    expect(fields.map((f) => typeText(f.type))).toEqual(names);
  });

  test("nested containers", () => {
    const r = compileOk("struct S { 1: list<map<string, set<i64>>> deep, 2: map<set<i32>, list<list<binary>>> keyed }");
    const [deep, keyed] = def(r, "S", "struct").fields;
    expect(typeText(deep!.type)).toBe("list<map<string, set<i64>>>");
    expect(typeText(keyed!.type)).toBe("map<set<i32>, list<list<binary>>>");
    const t = deep!.type;
    if (t.kind !== "list" || t.elem.kind !== "map" || t.elem.value.kind !== "set") throw new Error("wrong shape");
    expect(t.elem.value.elem).toMatchObject({ kind: "base", name: "i64" });
  });

  test("annotations on base and container types; cpp_type in both list positions", () => {
    const r = compileOk(
      [
        "struct S {",
        "  1: list<double (cpp.fixed_point = '16')> a",
        '  2: string (unicode.encoding = "UTF-16") b',
        '  3: map<i32, i32> (python.immutable = "") c',
        '  4: list cpp_type "std::vector<int>" <i32> d',
        '  5: list<i32> cpp_type "std::deque<int>" e',
        "}",
      ].join("\n"),
    );
    const [a, b, c, d, e] = def(r, "S", "struct").fields;
    const aType = a!.type;
    if (aType.kind !== "list") throw new Error("not a list");
    expect(aType.elem.annotations.map((x) => [x.key, x.value])).toEqual([["cpp.fixed_point", "16"]]);
    expect(b!.type.annotations.map((x) => [x.key, x.value])).toEqual([["unicode.encoding", "UTF-16"]]);
    expect(c!.type.annotations.map((x) => [x.key, x.value])).toEqual([["python.immutable", ""]]);
    expect(d!.type).toMatchObject({ kind: "list", cppType: "std::vector<int>" });
    expect(e!.type).toMatchObject({ kind: "list", cppType: "std::deque<int>" });
  });

  test("'byte' warns and stays byte; list<byte> suggests binary", () => {
    const r = compileText("struct S {\n  1: byte b\n  2: list<byte> l\n}");
    expect(errors(r)).toEqual([]);
    expect(warnings(r)).toEqual([
      "2:6: warning: 'byte' is deprecated; use 'i8'",
      "3:6: warning: consider 'binary' instead of 'list<byte>'",
      "3:11: warning: 'byte' is deprecated; use 'i8'",
    ]);
    expect(typeText(def(r, "S", "struct").fields[0]!.type)).toBe("byte");
  });

  test("qualified type names (identifiers with dots) resolve through the include prefix", () => {
    const r = compileFiles({
      "/x/main.thrift": 'include "shared.thrift"\nstruct S { 1: shared.Inner a, 2: list<shared.Kind> b }',
      "/x/shared.thrift": "struct Inner {}\nenum Kind { A }",
    });
    expect(all(r)).toEqual([]);
    const [a, b] = def(r, "S", "struct").fields;
    expect(a!.type.kind === "named" && a!.type.target?.kind).toBe("struct");
    const bt = b!.type;
    expect(bt.kind === "list" && bt.elem.kind === "named" && bt.elem.target?.kind).toBe("enum");
  });
});

describe("service and functions", () => {
  test("oneway, void, return types, throws, default argument values and function annotations", () => {
    const r = compileOk(
      [
        "exception NotFound { 1: string what }",
        "exception Denied {}",
        "service Store {",
        "  void ping(),",
        "  oneway void fire(1: string event);",
        "  i64 count(1: string prefix = 'a', 2: i32 limit = 10) throws (1: NotFound nf, 2: Denied d)",
        '  list<string> keys() (http.method = "GET", cached)',
        "} (version = '2')",
      ].join("\n"),
    );
    const s = def(r, "Store", "service");
    expect(s.annotations.map((a) => [a.key, a.value])).toEqual([["version", "2"]]);
    const [ping, fire, count, keys] = s.functions as FunctionDef[];
    expect(ping).toMatchObject({ name: "ping", oneway: false, params: [], throws: [] });
    expect(ping!.returnType).toBeUndefined();
    expect(fire).toMatchObject({ name: "fire", oneway: true });
    expect(fieldsText(fire!.params)).toEqual(["1:default string event"]);
    expect(typeText(count!.returnType!)).toBe("i64");
    expect(count!.params.map((p) => shape(p.defaultValue))).toEqual([
      { kind: "string", value: "a" },
      { kind: "int", value: "10n" },
    ]);
    expect(fieldsText(count!.throws)).toEqual(["1:default NotFound nf", "2:default Denied d"]);
    expect(count!.throws.map((t) => t.type.kind === "named" && t.type.target?.kind)).toEqual(["exception", "exception"]);
    expect(keys!.annotations.map((a) => [a.key, a.value])).toEqual([
      ["http.method", "GET"],
      ["cached", "1"],
    ]);
  });

  test("'async' is accepted as oneway with a warning", () => {
    const r = compileText("service S {\n  async void f()\n}");
    expect(errors(r)).toEqual([]);
    expect(warnings(r)).toEqual(["2:3: warning: 'async' is deprecated; use 'oneway'"]);
    expect(def(r, "S", "service").functions[0]!.oneway).toBe(true);
  });

  test("'optional' in an argument list is ignored with a warning", () => {
    const r = compileText("service S { void f(1: optional i32 a, 2: required i32 b) }");
    expect(warnings(r)).toEqual(["1:23: warning: 'optional' is ignored in argument lists"]);
    expect(def(r, "S", "service").functions[0]!.params.map((p) => p.requiredness)).toEqual(["default", "required"]);
  });

  test("extends a local service and an included one (shared.SharedService)", () => {
    const r = compileFiles({
      "/t/tutorial.thrift": [
        'include "shared.thrift"',
        "service Calculator extends shared.SharedService { i32 add(1: i32 a, 2: i32 b) }",
        "service Scientific extends Calculator { double sqrt(1: double x) }",
      ].join("\n"),
      "/t/shared.thrift": "struct SharedStruct { 1: i32 key }\nservice SharedService { SharedStruct getStruct(1: i32 key) }",
    });
    expect(all(r)).toEqual([]);
    const calc = def(r, "Calculator", "service");
    expect(calc.extends?.name).toBe("shared.SharedService");
    expect(calc.extends?.target?.program.name).toBe("shared");
    expect(def(r, "Scientific", "service").extends?.target).toBe(calc);
  });
});

describe("the design card's one-line service form", () => {
  const oneLiner =
    "exception InvalidOperation { 1: string message }\n" +
    "service Calc < float divide(1:i32 num1, 2:i32 num2 = 1) throws InvalidOperation >\n";
  const braceForm =
    "exception InvalidOperation { 1: string message }\n" +
    "service Calc { float divide(1:i32 num1, 2:i32 num2 = 1) throws (1: InvalidOperation e) }\n";

  function divide(text: string): FunctionDef {
    const r = compileText(text);
    expect(all(r)).toEqual([]);
    return def(r, "Calc", "service").functions[0]!;
  }

  test("produces the same model as the brace form", () => {
    const a = divide(oneLiner);
    const b = divide(braceForm);
    expect(shape(a)).toEqual(shape(b));
    // And that model is what the card means.
    expect(a.name).toBe("divide");
    expect(typeText(a.returnType!)).toBe("float");
    expect(fieldsText(a.params)).toEqual(["1:default i32 num1", "2:default i32 num2"]);
    expect(a.params[1]!.defaultValue).toMatchObject({ kind: "int", value: 1n });
    expect(a.throws).toHaveLength(1);
    expect(a.throws[0]).toMatchObject({ id: 1, idAssigned: false, name: "e" });
    expect(a.throws[0]!.type.kind === "named" && a.throws[0]!.type.target?.name).toBe("InvalidOperation");
    expect(a.throws[0]!.type.kind === "named" && a.throws[0]!.type.target?.kind).toBe("exception");
  });

  test("a bare throws list numbers its exceptions 1, 2, ...", () => {
    const r = compileOk("exception A {}\nexception B {}\nservice S < void f() throws A, B >");
    expect(fieldsText(def(r, "S", "service").functions[0]!.throws)).toEqual(["1:default A e1", "2:default B e2"]);
  });

  const here = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));
  const calcIdl = here("../../idl/calc.idl");
  const oneLinerIdl = here("fixtures/calc-oneliner.idl");

  test("the fixture file holds the one-liner exactly as written on the card", () => {
    expect(readFileSync(oneLinerIdl, "utf8")).toBe(oneLiner);
  });

  test("idl/calc.idl and the one-liner fixture both compile cleanly and describe the same service", () => {
    const brace = compile({ files: [calcIdl] });
    const line = compile({ files: [oneLinerIdl] });
    expect(all(brace)).toEqual([]);
    expect(all(line)).toEqual([]);
    const strip = (fn: FunctionDef): unknown => {
      const { doc: _doc, ...rest } = fn;
      return shape({ ...rest, params: rest.params.map(({ doc: _d, ...p }) => p), throws: rest.throws.map(({ doc: _d, ...p }) => p) });
    };
    const braceCalc = def(brace, "Calc", "service");
    const lineCalc = def(line, "Calc", "service");
    expect(braceCalc.functions.map(strip)).toEqual(lineCalc.functions.map(strip));
    const stripStruct = (d: ReturnType<typeof def<"exception">>): unknown =>
      shape({ name: d.name, kind: d.kind, fields: d.fields.map(({ doc: _d, ...f }) => f) });
    expect(stripStruct(def(brace, "InvalidOperation", "exception"))).toEqual(stripStruct(def(line, "InvalidOperation", "exception")));
    // The example file is the brace form, and documented.
    expect(readFileSync(calcIdl, "utf8")).toMatch(/service Calc \{/);
    const docs = [root(brace).doc, ...root(brace).definitions.map((d) => d.doc), ...braceCalc.functions.map((f) => f.doc)];
    expect(docs.filter(Boolean).length).toBeGreaterThan(0);
  });
});

describe("annotations", () => {
  test("on typedefs, structs, fields, enums, enum values, functions and services; bare keys mean '1'", () => {
    const r = compileOk(
      [
        "typedef string Name (a = 'typedef')",
        "struct S { 1: i32 f (b = 'field', flag) } (c = 'struct')",
        "enum E { V (d = 'value') } (e = 'enum')",
        "service Svc { void m() (f = 'function') } (g = 'service')",
      ].join("\n"),
    );
    const kv = (xs: readonly { key: string; value: string }[]): string[][] => xs.map((a) => [a.key, a.value]);
    expect(kv(def(r, "Name", "typedef").annotations)).toEqual([["a", "typedef"]]);
    expect(kv(def(r, "S", "struct").fields[0]!.annotations)).toEqual([
      ["b", "field"],
      ["flag", "1"],
    ]);
    expect(kv(def(r, "S", "struct").annotations)).toEqual([["c", "struct"]]);
    expect(kv(def(r, "E", "enum").members[0]!.annotations)).toEqual([["d", "value"]]);
    expect(kv(def(r, "E", "enum").annotations)).toEqual([["e", "enum"]]);
    expect(kv(def(r, "Svc", "service").functions[0]!.annotations)).toEqual([["f", "function"]]);
    expect(kv(def(r, "Svc", "service").annotations)).toEqual([["g", "service"]]);
  });

  test("separators between annotations are optional; keys may be keywords; values use either quote", () => {
    const r = compileOk(`struct S {} (a = "1", b = '2'; c d = "4" string = "kw")`);
    expect(def(r, "S", "struct").annotations.map((a) => [a.key, a.value])).toEqual([
      ["a", "1"],
      ["b", "2"],
      ["c", "1"],
      ["d", "4"],
      ["string", "kw"],
    ]);
  });
});

describe("comments and doc comments", () => {
  test("//, # and /* */ comments are skipped anywhere", () => {
    const r = compileOk(
      [
        "// line comment",
        "# shell comment",
        "/* block",
        "   comment */ struct /* inline */ S { // trailing",
        "  1: i32 a # trailing",
        "  /* between */ 2: i32 b",
        "}",
      ].join("\n"),
    );
    expect(fieldsText(def(r, "S", "struct").fields)).toEqual(["1:default i32 a", "2:default i32 b"]);
    expect(def(r, "S", "struct").doc).toBeUndefined();
  });

  test("doc comments attach to the next definition, field, enum value and function, without * decoration", () => {
    const r = compileOk(
      [
        "/**",
        " * A point.",
        " *   Indented second line.",
        " */",
        "struct Point {",
        "  /** The x coordinate. */",
        "  1: i32 x",
        "  2: i32 y",
        "}",
        "/** Colours. */",
        "enum Color {",
        "  /** Red. */ RED,",
        "  GREEN",
        "}",
        "/** A service. */",
        "service S {",
        "  /**",
        "   * Does things.",
        "   */",
        "  void doIt()",
        "}",
        "/** A constant. */ const i32 K = 1",
        "/** A typedef. */ typedef i32 T",
      ].join("\n"),
    );
    const point = def(r, "Point", "struct");
    expect(point.doc).toBe("A point.\n  Indented second line.");
    expect(point.fields.map((f) => f.doc)).toEqual(["The x coordinate.", undefined]);
    const color = def(r, "Color", "enum");
    expect(color.doc).toBe("Colours.");
    expect(color.members.map((m) => m.doc)).toEqual(["Red.", undefined]);
    const s = def(r, "S", "service");
    expect(s.doc).toBe("A service.");
    expect(s.functions[0]!.doc).toBe("Does things.");
    expect(def(r, "K", "const").doc).toBe("A constant.");
    expect(def(r, "T", "typedef").doc).toBe("A typedef.");
  });

  test("of consecutive doc comments the last one wins; /**/ is an ordinary empty comment", () => {
    const r = compileOk("/** first */\n/** second */\nstruct A {}\n/**/\nstruct B {}\n/**/ /** real */ struct C {}");
    expect(def(r, "A", "struct").doc).toBe("second");
    expect(def(r, "B", "struct").doc).toBeUndefined();
    expect(def(r, "C", "struct").doc).toBe("real");
  });

  test("a doc comment before the first header documents the program", () => {
    const r = compileOk("/** The program. */\nnamespace java x\nstruct A {}");
    expect(root(r).doc).toBe("The program.");
  });
});

describe("separators", () => {
  test("',' and ';' are optional after typedefs, consts, enum values, fields and functions", () => {
    const r = compileOk(
      [
        "typedef i32 A; typedef i32 B, typedef i32 C",
        "const i32 X = 1; const i32 Y = 2, const i32 Z = 3",
        "enum E { P; Q, R }",
        "struct S { 1: i32 a; 2: i32 b, 3: i32 c }",
        "service Svc { void f(); void g(), void h() }",
      ].join("\n"),
    );
    expect(root(r).definitions.map((d) => d.name)).toEqual(["A", "B", "C", "X", "Y", "Z", "E", "S", "Svc"]);
    expect(def(r, "Svc", "service").functions.map((f) => f.name)).toEqual(["f", "g", "h"]);
  });
});

describe("lexical details", () => {
  test("keywords may be field names (Apache 0.18+)", () => {
    const r = compileOk("struct S { 1: string string, 2: i32 list, 3: bool required, 4: i8 oneway, 5: uuid service }");
    expect(def(r, "S", "struct").fields.map((f) => f.name)).toEqual(["string", "list", "required", "oneway", "service"]);
    expect(typeText(def(r, "S", "struct").fields[0]!.type)).toBe("string");
  });

  test("keywords are whole words: identifiers that start with one stay identifiers", () => {
    const r = compileOk("struct structure { 1: i32 listing, 2: i32 i32x }\ntypedef structure includes");
    expect(def(r, "structure", "struct").fields.map((f) => f.name)).toEqual(["listing", "i32x"]);
    expect(def(r, "includes", "typedef")).toBeTruthy();
  });

  test("'e10' is an identifier, '1e10' a double", () => {
    const r = compileOk("const i32 e10 = 5\nconst i32 X = e10\nconst double D = 1e10");
    expect(def(r, "X", "const").value).toMatchObject({ kind: "identifier", name: "e10" });
    expect(def(r, "X", "const").value.kind === "identifier" && (def(r, "X", "const").value as { target?: { kind: string } }).target?.kind).toBe(
      "const",
    );
    expect(def(r, "D", "const").value).toMatchObject({ kind: "double", value: 1e10 });
  });

  test("a UTF-8 byte order mark at the start is skipped", () => {
    const r = compileText("\uFEFFstruct A { 1: i32 a }");
    expect(all(r)).toEqual([]);
    expect(def(r, "A", "struct").nameLoc).toMatchObject({ line: 1, column: 9 });
  });

  test("CRLF and lone CR line breaks count as lines", () => {
    const r = compileText("struct A {\r\n  1: i32 a\r\n}\rstruct B { 1: Nope n }");
    expect(errors(r)).toEqual(["4:15: error: unknown type 'Nope'"]);
  });

  test("parse() works on text alone and names the program after the file", () => {
    const out = parse("struct A {}", "/some/where/my_file.thrift");
    expect(out.diagnostics).toEqual([]);
    expect(out.program.name).toBe("my_file");
    expect(out.program.path).toBe("/some/where/my_file.thrift");
    expect(out.program.definitions.map((d) => d.name)).toEqual(["A"]);
  });
});

describe("legacy and foreign syntax is rejected with the replacement named", () => {
  const cases: [string, string, string][] = [
    ["senum", 'senum Letters { "a", "b" }', "1:1: error: 'senum' is no longer supported; use 'string' (or an enum)"],
    ["slist", "struct S { 1: slist names }", "1:15: error: 'slist' is no longer supported; use 'string'"],
    ["slist in a typedef", "typedef slist Names", "1:9: error: 'slist' is no longer supported; use 'string'"],
    ["slist in a container", "struct S { 1: list<slist> names }", "1:20: error: 'slist' is no longer supported; use 'string'"],
    [
      "@annotation",
      "@cpp.Name{value = 'x'}\nstruct S {}",
      "1:1: error: fbthrift syntax is not supported: structured annotation '@cpp.Name'; use an annotation list '(key = \"value\")' after the definition",
    ],
    ["package", 'package "meta.com/foo"\nstruct S {}', "1:1: error: fbthrift syntax is not supported: 'package'; use 'namespace <language> <name>'"],
    [
      "stream",
      "service S {\n  stream<i32> numbers()\n}",
      "2:3: error: fbthrift syntax is not supported: 'stream<...>' return types; use a list or a paged method",
    ],
    [
      "sink",
      "service S {\n  sink<i32, i32> upload()\n}",
      "2:3: error: fbthrift syntax is not supported: 'sink<...>' return types; use a list or a paged method",
    ],
    ["interaction", "interaction Counter {\n  i32 next()\n}", "1:1: error: fbthrift syntax is not supported: 'interaction'; use a service"],
    ["hash_map", "struct S { 1: hash_map<i32, i32> m }", "1:15: error: fbthrift syntax is not supported: 'hash_map'; use 'map'"],
    ["old namespace keyword", "java_package com.example\nstruct S {}", "1:1: error: unsupported declaration 'java_package'; use 'namespace java <name>'"],
  ];
  test.each(cases)("%s", (_name, text, expected) => {
    const r = compileText(text);
    // The foreign construct's own message comes first; cascading syntax errors after it are suppressed.
    expect(errors(r)[0]).toBe(expected);
    expect(r.hasErrors).toBe(true);
  });

  test("headers after an fbthrift 'package' line are still read, without a cascade of errors", () => {
    const r = compileText('package "meta.com/foo"\nnamespace java com.foo\ninclude "other.thrift"\nstruct S {}');
    expect(all(r)).toEqual([
      "1:1: error: fbthrift syntax is not supported: 'package'; use 'namespace <language> <name>'",
      "3:9: error: cannot find included file 'other.thrift' (looked in: /idl)",
    ]);
    expect(root(r).namespaces.map((n) => [n.scope, n.name])).toEqual([["java", "com.foo"]]);
    expect(root(r).definitions.map((d) => d.name)).toEqual(["S"]);
  });

  test("a file that merely uses these words as names is fine", () => {
    const r = compileOk(
      [
        "struct S { 1: i32 package, 2: string stream, 3: i32 sink, 4: i32 interaction, 5: list<i32> slist, 6: i32 hash_map }",
        "const i32 senum = 1",
        "typedef i32 java_package",
        "const i32 constructor = 2",
        "struct slist {}",
      ].join("\n"),
    );
    expect(def(r, "S", "struct").fields.map((f) => f.name)).toEqual(["package", "stream", "sink", "interaction", "slist", "hash_map"]);
    expect(root(r).definitions.map((d) => d.name)).toEqual(["S", "senum", "java_package", "constructor", "slist"]);
  });
});
