/**
 * What users see for invalid input: the exact formatted text (`path:line:col: severity: message`, the
 * source line and a caret) for syntax, lexer and semantic errors; every error of a file in one run;
 * and messages in plain words, never the parser's token class names.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { compile, formatDiagnostic, parse, SourceFile, type CompileResult } from "../../compiler/index.js";
import { allTokens } from "../../compiler/lexer.js";
import { memFs } from "./helpers.js";

const FILE = "/idl/bad.thrift";

function compileBad(text: string): CompileResult {
  return compile({ files: [FILE], fileSystem: memFs({ [FILE]: text }) });
}

/** Every error, formatted as the CLI prints it, with the display path `bad.thrift`. */
function formatted(text: string): string {
  const r = compileBad(text);
  return r.diagnostics
    .filter((d) => d.severity === "error")
    .map((d) => formatDiagnostic(d, d.loc && r.sources.get(d.loc.file), "bad.thrift"))
    .join("\n");
}

/** [what, IDL source, expected output]. The output lines are joined with newlines. */
const table: [string, string, string[]][] = [
  // Syntax errors
  ["missing field type", "struct S {\n  1: }\n", [
    "bad.thrift:2:6: error: expected a field type after ':' but found '}'",
    " 2 |   1: }",
    "   |      ^",
  ]],
  ["missing field name", "struct S {\n  1: i32\n}\n", [
    "bad.thrift:3:1: error: expected a field name after 'i32' but found '}'",
    " 3 | }",
    "   | ^",
  ]],
  ["missing ':' after a field id", "struct S {\n  1 i32 a\n}\n", [
    "bad.thrift:2:5: error: expected ':' after '1' but found 'i32'",
    " 2 |   1 i32 a",
    "   |     ^^^",
  ]],
  // An unclosed bracket: the error where the closer is missing, and a note at the opener.
  ["unclosed struct at the end of the file", "struct S {\n  1: i32 a\n", [
    "bad.thrift:2:11: error: expected '}' after 'a' but reached the end of the file",
    " 2 |   1: i32 a",
    "   |           ^",
    "bad.thrift:1:10: note: '{' opened here",
    " 1 | struct S {",
    "   |          ^",
  ]],
  ["unclosed struct before the next definition", "struct S {\n  1: string name\n\nservice Svc {\n  void ping()\n}\n", [
    "bad.thrift:4:1: error: expected '}' after 'name' but found 'service'",
    " 4 | service Svc {",
    "   | ^^^^^^^",
    "bad.thrift:1:10: note: '{' opened here",
    " 1 | struct S {",
    "   |          ^",
  ]],
  ["unclosed enum", "enum E {\n  A,\n  B\n\nstruct S {}\n", [
    "bad.thrift:5:1: error: expected '}' after 'B' but found 'struct'",
    " 5 | struct S {}",
    "   | ^^^^^^",
    "bad.thrift:1:8: note: '{' opened here",
    " 1 | enum E {",
    "   |        ^",
  ]],
  ["unclosed service", "service Svc {\n  void ping()\n\nstruct S {}\n", [
    "bad.thrift:4:1: error: expected '}' after ')' but found 'struct'",
    " 4 | struct S {}",
    "   | ^^^^^^",
    "bad.thrift:1:13: note: '{' opened here",
    " 1 | service Svc {",
    "   |             ^",
  ]],
  ["unclosed throws clause", "exception X {}\nservice Svc {\n  void f() throws (1: X e\n}\n", [
    "bad.thrift:4:1: error: expected ')' after 'e' but found '}'",
    " 4 | }",
    "   | ^",
    "bad.thrift:3:19: note: '(' opened here",
    " 3 |   void f() throws (1: X e",
    "   |                   ^",
  ]],
  ["unclosed annotations", 'struct S {\n  1: i32 a (x = "1"\n}\n', [
    "bad.thrift:3:1: error: expected ')' after '\"1\"' but found '}'",
    " 3 | }",
    "   | ^",
    "bad.thrift:2:12: note: '(' opened here",
    ' 2 |   1: i32 a (x = "1"',
    "   |            ^",
  ]],
  ["unclosed map type", "struct S {\n  1: map<i32, string m\n}\n", [
    "bad.thrift:2:22: error: expected '>' after 'string' but found 'm'",
    " 2 |   1: map<i32, string m",
    "   |                      ^",
    "bad.thrift:2:9: note: '<' opened here",
    " 2 |   1: map<i32, string m",
    "   |         ^",
  ]],
  ["unclosed map literal", 'const map<i32, string> M = {1: "a"\n', [
    "bad.thrift:1:35: error: expected '}' after '\"a\"' but reached the end of the file",
    ' 1 | const map<i32, string> M = {1: "a"',
    "   |                                   ^",
    "bad.thrift:1:28: note: '{' opened here",
    ' 1 | const map<i32, string> M = {1: "a"',
    "   |                            ^",
  ]],
  ["unclosed inner list literal: the innermost opener", "const list<list<i32>> L = [[1, 2], [3\n", [
    "bad.thrift:1:38: error: expected ']' after '3' but reached the end of the file",
    " 1 | const list<list<i32>> L = [[1, 2], [3",
    "   |                                      ^",
    "bad.thrift:1:36: note: '[' opened here",
    " 1 | const list<list<i32>> L = [[1, 2], [3",
    "   |                                    ^",
  ]],
  ["struct without a name", "struct {\n}\n", [
    "bad.thrift:1:8: error: expected a name after 'struct' but found '{'",
    " 1 | struct {",
    "   |        ^",
  ]],
  ["enum value that is not an integer", 'enum E {\n  A = "x"\n}\n', [
    "bad.thrift:2:7: error: expected an integer after '=' but found '\"x\"'",
    ' 2 |   A = "x"',
    "   |       ^^^",
  ]],
  ["const without a name", "const i32 = 5\n", [
    "bad.thrift:1:11: error: expected a constant name after 'i32' but found '='",
    " 1 | const i32 = 5",
    "   |           ^",
  ]],
  ["const without a value", "const i32 X =\n", [
    "bad.thrift:1:14: error: expected a constant value after '=' but reached the end of the file",
    " 1 | const i32 X =",
    "   |              ^",
  ]],
  ["typedef without a name", "typedef i32\n", [
    "bad.thrift:1:12: error: expected a name for the typedef after 'i32' but reached the end of the file",
    " 1 | typedef i32",
    "   |            ^",
  ]],
  ["unclosed argument list", "service S {\n  void f(\n}\n", [
    "bad.thrift:3:1: error: expected ')' after '(' but found '}'",
    " 3 | }",
    "   | ^",
    "bad.thrift:2:9: note: '(' opened here",
    " 2 |   void f(",
    "   |         ^",
  ]],
  ["throws with nothing after it", "service S {\n  void f() throws\n}\n", [
    "bad.thrift:3:1: error: expected '(' or an exception type after 'throws' but found '}'",
    " 3 | }",
    "   | ^",
  ]],
  ["function without a name", "service S {\n  void (1: i32 a)\n}\n", [
    "bad.thrift:2:8: error: expected a function name after 'void' but found '('",
    " 2 |   void (1: i32 a)",
    "   |        ^",
  ]],
  ["map with one type argument", "struct S {\n  1: map<i32> m\n}\n", [
    "bad.thrift:2:13: error: expected ',' after 'i32' but found '>'",
    " 2 |   1: map<i32> m",
    "   |             ^",
  ]],
  ["unclosed list type", "struct S {\n  1: list<i32 l\n}\n", [
    "bad.thrift:2:15: error: expected '>' after 'i32' but found 'l'",
    " 2 |   1: list<i32 l",
    "   |               ^",
    "bad.thrift:2:10: note: '<' opened here",
    " 2 |   1: list<i32 l",
    "   |          ^",
  ]],
  ["include without a string", "include foo\n", [
    "bad.thrift:1:9: error: expected a string literal after 'include' but found 'foo'",
    " 1 | include foo",
    "   |         ^^^",
  ]],
  ["namespace without a name", "namespace java\n", [
    "bad.thrift:1:15: error: expected a namespace name after 'java' but reached the end of the file",
    " 1 | namespace java",
    "   |               ^",
  ]],
  ["header after a definition", "struct A {}\nnamespace java x\n", [
    "bad.thrift:2:1: error: 'namespace' must come before all definitions",
    " 2 | namespace java x",
    "   | ^^^^^^^^^",
  ]],
  ["stray closing brace", "struct A {}\n}\n", [
    "bad.thrift:2:1: error: expected a definition (const, typedef, enum, struct, union, exception or service) but found '}'",
    " 2 | }",
    "   | ^",
  ]],
  ["stray word between definitions", "struct A {} garbage\n", [
    "bad.thrift:1:13: error: expected a definition (const, typedef, enum, struct, union, exception or service) but found 'garbage'",
    " 1 | struct A {} garbage",
    "   |             ^^^^^^^",
  ]],
  ["field default without a value", "struct S {\n  1: i32 a = \n}\n", [
    "bad.thrift:3:1: error: expected a constant value after '=' but found '}'",
    " 3 | }",
    "   | ^",
  ]],
  ["unclosed list literal", "const list<i32> L = [1, 2\n", [
    "bad.thrift:1:26: error: expected ']' after '2' but reached the end of the file",
    " 1 | const list<i32> L = [1, 2",
    "   |                          ^",
    "bad.thrift:1:21: note: '[' opened here",
    " 1 | const list<i32> L = [1, 2",
    "   |                     ^",
  ]],
  ["map literal entry without ':'", "const map<i32, i32> M = {1 2}\n", [
    "bad.thrift:1:28: error: expected ':' after '1' but found '2'",
    " 1 | const map<i32, i32> M = {1 2}",
    "   |                            ^",
  ]],
  ["annotation value that is not a string", "struct S { 1: i32 a } (x = 5)\n", [
    "bad.thrift:1:28: error: expected a string literal after '=' but found '5'",
    " 1 | struct S { 1: i32 a } (x = 5)",
    "   |                            ^",
  ]],
  ["unclosed one-line service", "service Calc < void f()\n", [
    "bad.thrift:1:24: error: expected '>' after ')' but reached the end of the file",
    " 1 | service Calc < void f()",
    "   |                        ^",
    "bad.thrift:1:14: note: '<' opened here",
    " 1 | service Calc < void f()",
    "   |              ^",
  ]],
  ["annotations on a named type in a typedef (fbthrift)", 'struct S {}\ntypedef S (ann = "x") T\n', [
    "bad.thrift:2:11: error: expected a name for the typedef after 'S' but found '('",
    ' 2 | typedef S (ann = "x") T',
    "   |           ^",
    "bad.thrift:2:23: error: expected a definition (const, typedef, enum, struct, union, exception or service) but found 'T'",
    ' 2 | typedef S (ann = "x") T',
    "   |                       ^",
  ]],
  // A misspelt container keyword: the whole type is parsed, and gets one error.
  ["a misspelt list", "struct S {\n  1: lst<string> names\n  2: i32 count\n}\n", [
    "bad.thrift:2:6: error: unknown type 'lst' (did you mean 'list'?)",
    " 2 |   1: lst<string> names",
    "   |      ^^^",
  ]],
  ["a misspelt map, in a container", "struct S {\n  1: map<string, mpa<string, i32>> m\n}\n", [
    "bad.thrift:2:18: error: unknown type 'mpa' (did you mean 'map'?)",
    " 2 |   1: map<string, mpa<string, i32>> m",
    "   |                  ^^^",
  ]],
  ["a misspelt set in a typedef, used later", "typedef sett<i32> Ids\nstruct S { 1: Ids ids }\n", [
    "bad.thrift:1:9: error: unknown type 'sett' (did you mean 'set'?)",
    " 1 | typedef sett<i32> Ids",
    "   |         ^^^^",
  ]],
  ["a capitalised List as a return type", "service S {\n  List<i64> ids()\n}\n", [
    "bad.thrift:2:3: error: unknown type 'List' (did you mean 'list'?)",
    " 2 |   List<i64> ids()",
    "   |   ^^^^",
  ]],
  ["type arguments after a name that is no container", "struct P {}\nconst Pair<i32, P> X = {}\n", [
    "bad.thrift:2:7: error: 'Pair<...>' is not a type: only list, set and map take type arguments",
    " 2 | const Pair<i32, P> X = {}",
    "   |       ^^^^",
  ]],
  ["a misspelt container with a misspelt type inside: both reported", "struct S { 1: lst<Strng> s }\n", [
    "bad.thrift:1:15: error: unknown type 'lst' (did you mean 'list'?)",
    " 1 | struct S { 1: lst<Strng> s }",
    "   |               ^^^",
    "bad.thrift:1:19: error: unknown type 'Strng' (did you mean 'string'?)",
    " 1 | struct S { 1: lst<Strng> s }",
    "   |                   ^^^^^",
  ]],
  ["a misspelt type without type arguments", "struct S { 1: strng s }\n", [
    "bad.thrift:1:15: error: unknown type 'strng' (did you mean 'string'?)",
    " 1 | struct S { 1: strng s }",
    "   |               ^^^^^",
  ]],
  // Lexer errors
  ["unterminated string", 'const string S = "abc\n', [
    "bad.thrift:1:18: error: unterminated string literal: missing closing quote on this line",
    ' 1 | const string S = "abc',
    "   |                  ^^^^",
  ]],
  ["unterminated string inside a struct: one error, parsing goes on", 'struct S {\n  1: string s = "abc\n  2: i32 b\n}\nstruct T { 1: Nope n }\n', [
    "bad.thrift:2:17: error: unterminated string literal: missing closing quote on this line",
    ' 2 |   1: string s = "abc',
    "   |                 ^^^^",
    "bad.thrift:5:15: error: unknown type 'Nope'",
    " 5 | struct T { 1: Nope n }",
    "   |               ^^^^",
  ]],
  ["unterminated comment", "struct A {}\n/* never closed\n", [
    "bad.thrift:2:1: error: unterminated comment: '/*' has no matching '*/'",
    " 2 | /* never closed",
    "   | ^^",
  ]],
  ["bad escape", String.raw`const string S = "a\qb"` + "\n", [
    String.raw`bad.thrift:1:20: error: bad escape character '\q' in string literal; allowed escapes are \n \r \t \" \' \\`,
    String.raw` 1 | const string S = "a\qb"`,
    "   |                    ^^",
  ]],
  ["\\u escapes are not Thrift", String.raw`const string S = '\u0041'` + "\n", [
    String.raw`bad.thrift:1:19: error: bad escape character '\u' in string literal; allowed escapes are \n \r \t \" \' \\`,
    String.raw` 1 | const string S = '\u0041'`,
    "   |                   ^^",
  ]],
  ["unexpected character", "struct A {\n  1: i32 a $\n}\n", [
    "bad.thrift:2:12: error: unexpected character '$'",
    " 2 |   1: i32 a $",
    "   |            ^",
  ]],
  ["control character", "struct A {}\u0007\n", [
    "bad.thrift:1:12: error: unexpected character U+0007",
    " 1 | struct A {}\u0007",
    "   |            ^",
  ]],
  ["integer too big", "const i64 X = 9223372036854775808\n", [
    "bad.thrift:1:15: error: integer constant 9223372036854775808 is too big: it does not fit in 64 bits",
    " 1 | const i64 X = 9223372036854775808",
    "   |               ^^^^^^^^^^^^^^^^^^^",
  ]],
  ["hex integer too big", "const i32 X = 0x1FFFFFFFFFFFFFFFF\n", [
    "bad.thrift:1:15: error: integer constant 0x1FFFFFFFFFFFFFFFF is too big: it does not fit in 64 bits",
    " 1 | const i32 X = 0x1FFFFFFFFFFFFFFFF",
    "   |               ^^^^^^^^^^^^^^^^^^^",
  ]],
  // Semantic errors
  ["unknown type", "struct Nested {}\nstruct S { 1: Nestd s }\n", [
    "bad.thrift:2:15: error: unknown type 'Nestd' (did you mean 'Nested'?)",
    " 2 | struct S { 1: Nestd s }",
    "   |               ^^^^^",
  ]],
  ["const of the wrong kind", 'const i32 X = "x"\n', [
    "bad.thrift:1:15: error: const 'X' has type i32 but is a string literal",
    ' 1 | const i32 X = "x"',
    "   |               ^^^",
  ]],
  ["unknown parent service", "service S extends Missing {}\n", [
    "bad.thrift:1:19: error: unknown service 'Missing'",
    " 1 | service S extends Missing {}",
    "   |                   ^^^^^^^",
  ]],
  ["enum value too big", "enum E { A = 4294967296 }\n", [
    "bad.thrift:1:14: error: enum value E.A = 4294967296 does not fit in 32 bits",
    " 1 | enum E { A = 4294967296 }",
    "   |              ^^^^^^^^^^",
  ]],
  ["oneway that throws", "exception E {}\nservice S {\n  oneway void f() throws (1: E e)\n}\n", [
    "bad.thrift:3:27: error: oneway function 'f' cannot throw exceptions: no reply is ever sent",
    " 3 |   oneway void f() throws (1: E e)",
    "   |                           ^",
  ]],
  ["duplicate union field", "union U {\n  1: i32 a,\n  2: i32 a\n}\n", [
    "bad.thrift:3:10: error: field 'a' is already defined in union 'U' at line 2",
    " 3 |   2: i32 a",
    "   |          ^",
  ]],
  ["senum", 'senum Letters { "a" }\n', [
    "bad.thrift:1:1: error: 'senum' is no longer supported; use 'string' (or an enum)",
    ' 1 | senum Letters { "a" }',
    "   | ^^^^^",
  ]],
  ["a tab in the quoted line keeps the caret aligned", "\tstruct S { 1: Tabbed t }\n", [
    "bad.thrift:1:16: error: unknown type 'Tabbed'",
    " 1 |  struct S { 1: Tabbed t }",
    "   |                ^^^^^^",
  ]],
  ["a wide gutter for line 10", "\n".repeat(9) + "struct S { 1: X x }\n", [
    "bad.thrift:10:15: error: unknown type 'X'",
    " 10 | struct S { 1: X x }",
    "    |               ^",
  ]],
];

describe("formatted diagnostics for invalid input", () => {
  test("the table is big enough", () => {
    expect(table.length).toBeGreaterThanOrEqual(25);
  });

  test.each(table)("%s", (_what, text, expected) => {
    expect(formatted(text)).toBe(expected.join("\n"));
  });
});

describe("formatDiagnostic", () => {
  test("a warning, and a diagnostic without a location", () => {
    const source = new SourceFile("/x/a.thrift", "service S {\n  async void f()\n}\n");
    expect(formatDiagnostic({ severity: "warning", message: "w", loc: source.location(14, 5) }, source, "a.thrift")).toBe(
      ["a.thrift:2:3: warning: w", " 2 |   async void f()", "   |   ^^^^^"].join("\n"),
    );
    expect(formatDiagnostic({ severity: "error", message: "cannot read 'x.thrift': no such file" })).toBe(
      "rpcgen: error: cannot read 'x.thrift': no such file",
    );
  });

  test("without the source, only the heading line; the path defaults to the file", () => {
    const source = new SourceFile("/x/a.thrift", "struct");
    expect(formatDiagnostic({ severity: "error", message: "m", loc: source.location(0, 6) })).toBe("/x/a.thrift:1:1: error: m");
  });

  test("a note in another file is shown with its own path, and its line only when that file is the source", () => {
    const source = new SourceFile("/x/a.thrift", "struct S {\n");
    const other = new SourceFile("/x/b.thrift", "x\n");
    const d = {
      severity: "error" as const,
      message: "m",
      loc: source.location(9, 1),
      notes: [
        { message: "here", loc: source.location(7, 1) },
        { message: "there", loc: other.location(0, 1) },
      ],
    };
    expect(formatDiagnostic(d, source, "a.thrift")).toBe(
      ["a.thrift:1:10: error: m", " 1 | struct S {", "   |          ^", "a.thrift:1:8: note: here", " 1 | struct S {", "   |        ^", "/x/b.thrift:1:1: note: there"].join("\n"),
    );
  });

  test("a caret never runs past the end of the line", () => {
    const source = new SourceFile("/x/a.thrift", "ab\ncd");
    expect(formatDiagnostic({ severity: "error", message: "m", loc: source.location(1, 40) }, source, "a")).toBe(
      ["a:1:2: error: m", " 1 | ab", "   |  ^"].join("\n"),
    );
  });
});

describe("every error of a file is reported in one run", () => {
  test("three independent syntax errors in three definitions give three errors", () => {
    const text = [
      "struct A {",
      "  1: i32 a",
      "  2: }", // missing type
      "struct B { 1: i32 b }",
      "enum E { X = }", // missing value
      "service S {",
      "  void f(1: i32 x", // missing ')'
      "}",
      "struct C { 1: i32 c }",
    ].join("\n");
    const r = compileBad(text);
    const errs = r.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.loc?.line}:${d.loc?.column}: ${d.message}`);
    expect(errs).toEqual([
      "3:6: expected a field type after ':' but found '}'",
      "5:14: expected an integer after '=' but found '}'",
      "8:1: expected ')' after 'x' but found '}'",
    ]);
    // Recovery keeps the definitions around the errors.
    expect(r.roots[0]!.definitions.map((d) => d.name)).toEqual(["A", "B", "E", "S", "C"]);
  });

  test("syntax, lexer and semantic errors together", () => {
    const text = ["struct A { 1: Missing m }", "const string S = 'x\\q'", "struct B { 1: }", "struct C { 1: i32 c } $"].join("\n");
    const r = compileBad(text);
    expect(r.diagnostics.map((d) => `${d.loc?.line}:${d.loc?.column}: ${d.severity}: ${d.message}`)).toEqual([
      "1:15: error: unknown type 'Missing'",
      String.raw`2:20: error: bad escape character '\q' in string literal; allowed escapes are \n \r \t \" \' \\`,
      "3:15: error: expected a field type after ':' but found '}'",
      "4:23: error: unexpected character '$'",
    ]);
  });

  test("errors in several files are all reported, sorted by file and position", () => {
    const r = compile({
      files: ["/m/main.thrift"],
      fileSystem: memFs({
        "/m/main.thrift": 'include "a.thrift"\nstruct M { 1: Nope n }',
        "/m/a.thrift": "struct A { 1: }\nstruct B { 1: Nah n }",
      }),
    });
    expect(r.diagnostics.map((d) => `${d.loc?.file}:${d.loc?.line}:${d.loc?.column}: ${d.message}`)).toEqual([
      "/m/a.thrift:1:15: expected a field type after ':' but found '}'",
      "/m/a.thrift:2:15: unknown type 'Nah'",
      "/m/main.thrift:2:15: unknown type 'Nope'",
    ]);
  });
});

/** Fragments that make plausible, often broken, IDL. */
const fragments = [
  "struct", "union", "exception", "enum", "service", "const", "typedef", "include", "namespace", "extends", "throws",
  "oneway", "void", "required", "optional", "i32", "string", "list", "map", "set", "binary", "uuid", "cpp_type",
  "xsd_all", "true", "Foo", "bar.baz", "x", "1", "-2", "0x1F", "1.5", "'s'", '"t"', "{", "}", "(", ")", "<", ">",
  "[", "]", ",", ";", ":", "=", "*", "&", "@", "\n",
];

/** Token class names of the lexer (Identifier, RCurly, ...) and chevrotain's own wording. */
const internalNames = [...allTokens.map((t) => t.name), "EOF", "NOT_ALL_INPUT_PARSED", "MismatchedToken", "NoViableAlt"];
const chevrotainWording = /Expecting|Token sequences|token of type|-->|<\w+>\s*but found/;

function leakedNames(message: string): string[] {
  // User text is quoted; only the words of the message itself count.
  const words = message.replace(/'[^']*'/g, "''");
  const leaked = internalNames.filter((name) => new RegExp(`\\b${name}\\b`).test(words));
  if (chevrotainWording.test(words)) leaked.push("chevrotain wording");
  return leaked;
}

describe("messages are plain words", () => {
  test("the check itself catches token class names", () => {
    expect(leakedNames("expected RCurly but found Identifier")).toEqual(["Identifier", "RCurly"]);
    expect(leakedNames("Expecting: one of these possible Token sequences")).toEqual(["chevrotain wording"]);
    expect(leakedNames("unknown type 'Identifier'")).toEqual([]);
  });

  test("no message ever contains a token class name (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...fragments), { maxLength: 40 }), (parts) => {
        const text = parts.join(" ");
        for (const d of parse(text, "/p/fuzz.thrift").diagnostics) {
          expect(leakedNames(d.message), `${d.message}\n--- in ---\n${text}`).toEqual([]);
        }
      }),
      { numRuns: 400 },
    );
  });

  test("nor does any message about a truncated prefix of a valid file (property)", () => {
    const valid = [
      'namespace java x.y include "a.thrift"',
      "const map<string, list<i32>> M = {'a': [1, 2]}",
      "typedef list<Foo> L (a = 'b')",
      "enum E { A = 1, B } struct S { 1: required i32 a = 5, 2: optional E e }",
      "exception X { 1: string m } service Svc extends Base { oneway void f(1: i32 a) i32 g() throws (1: X x) }",
    ].join("\n");
    fc.assert(
      fc.property(fc.integer({ min: 0, max: valid.length }), (cut) => {
        for (const d of parse(valid.slice(0, cut), "/p/cut.thrift").diagnostics) {
          expect(leakedNames(d.message), d.message).toEqual([]);
        }
      }),
      { numRuns: 300 },
    );
  });
});
