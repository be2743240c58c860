/**
 * Enum values in consts and field defaults, in every shape real IDL writes them: prefixed and
 * unprefixed enum names, same-named enums in a file and its include, integers, consts of enum type.
 * Apache's compiler 0.17 is the judge: rpcgen accepts what it accepts (with a warning where the IDL is
 * doubtful), rejects what it rejects (save the listed extensions), and gives the value it gives.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { CompileResult, ConstValue } from "../../compiler/index.js";
import { describeWith, thriftCompiler } from "../support/environment.js";
import { compileFiles, def, show } from "./helpers.js";

const INC = [
  "namespace py inc",
  "enum Color { RED = 1, GREEN = 2 }",
  "enum Mode { FAST = 10, SLOW = 11 }",
  "const i32 N = 5",
  "const i32 ONE = 1",
  "const Color CC = Color.GREEN",
  "typedef Color ColorT",
].join("\n");

/** main.thrift: an enum named like one of inc.thrift's, with other values, and two enums sharing a name. */
const PREAMBLE = ['namespace py main', 'include "inc.thrift"', "enum Mode { SLOW = 0, FAST = 1 }", "enum Local { A, B }", "enum Other { A = 5 }"];
const LINE = PREAMBLE.length + 1;

interface Shape {
  type: string;
  value: string;
  /** Every diagnostic, `severity: message`, all placed at the value (or at `at`, a part of it). */
  diagnostics: string[];
  at?: string;
  /** Accepted by rpcgen only: Apache's compiler rejects it (see `extensions`). */
  extension?: true;
}

const shapes: Shape[] = [
  // The enum of an include, named with and without the include's prefix.
  { type: "inc.Color", value: "inc.Color.RED", diagnostics: [] },
  { type: "inc.Color", value: "Color.RED", diagnostics: [] },
  { type: "inc.ColorT", value: "Color.GREEN", diagnostics: [] },
  { type: "inc.ColorT", value: "ColorT.RED", diagnostics: [] },
  { type: "inc.ColorT", value: "inc.ColorT.RED", diagnostics: [] },
  { type: "list<inc.Color>", value: "[Color.RED, inc.Color.GREEN]", diagnostics: [] },
  { type: "map<inc.Color, i32>", value: "{Color.RED: 1}", diagnostics: [] },
  // Apache takes the last name only: anything before it is not checked. Doubtful, so a warning.
  { type: "inc.Color", value: "Whatever.RED", diagnostics: ["warning: const 'X' has enum type inc.Color but 'Whatever' names no enum; 'Whatever.RED' is taken as inc.Color.RED (1), as Apache's compiler does"] },
  { type: "inc.Color", value: "x.y.RED", diagnostics: ["warning: const 'X' has enum type inc.Color but 'x.y' names no enum; 'x.y.RED' is taken as inc.Color.RED (1), as Apache's compiler does"] },
  { type: "inc.Color", value: "inc.RED", diagnostics: ["warning: const 'X' has enum type inc.Color but 'inc' names no enum; 'inc.RED' is taken as inc.Color.RED (1), as Apache's compiler does"] },
  { type: "inc.Color", value: "inc.Colr.RED", diagnostics: ["warning: const 'X' has enum type inc.Color but 'inc.Colr' names no enum; 'inc.Colr.RED' is taken as inc.Color.RED (1), as Apache's compiler does"] },
  { type: "inc.ColorT", value: "Whatever.RED", diagnostics: ["warning: const 'X' has enum type inc.ColorT but 'Whatever' names no enum; 'Whatever.RED' is taken as inc.Color.RED (1), as Apache's compiler does"] },
  { type: "inc.Color", value: "a.b.c.RED", diagnostics: ["error: 'a.b.c.RED' is not a value of enum 'inc.Color'; write 'inc.Color.RED'"] },
  // A value of another enum: Apache takes the target enum's value of the same name (by name, not number).
  { type: "Mode", value: "inc.Mode.FAST", diagnostics: ["warning: const 'X' has enum type Mode but 'inc.Mode.FAST' is a value of enum 'inc.Mode'; it is taken as Mode.FAST (1), the value of the same name, as Apache's compiler does"] },
  { type: "Mode", value: "inc.Mode.SLOW", diagnostics: ["warning: const 'X' has enum type Mode but 'inc.Mode.SLOW' is a value of enum 'inc.Mode'; it is taken as Mode.SLOW (0), the value of the same name, as Apache's compiler does"] },
  { type: "Local", value: "Other.A", diagnostics: ["warning: const 'X' has enum type Local but 'Other.A' is a value of enum 'Other'; it is taken as Local.A (0), the value of the same name, as Apache's compiler does"] },
  { type: "Mode", value: "Mode.FAST", diagnostics: [] },
  { type: "inc.Color", value: "Mode.FAST", diagnostics: ["error: const 'X' has enum type inc.Color but 'Mode.FAST' is a value of enum 'Mode'"] },
  { type: "inc.Color", value: "Local.A", diagnostics: ["error: const 'X' has enum type inc.Color but 'Local.A' is a value of enum 'Local'"] },
  { type: "inc.Color", value: "inc.Mode.FAST", diagnostics: ["error: const 'X' has enum type inc.Color but 'inc.Mode.FAST' is a value of enum 'inc.Mode'"] },
  { type: "Mode", value: "inc.Color.RED", diagnostics: ["error: const 'X' has enum type Mode but 'inc.Color.RED' is a value of enum 'inc.Color'"] },
  { type: "Mode", value: "Local.B", diagnostics: ["error: const 'X' has enum type Mode but 'Local.B' is a value of enum 'Local'"] },
  // Names that are no value at all.
  { type: "inc.Color", value: "RED", diagnostics: ["error: enum value 'RED' is unqualified; write 'inc.Color.RED'"] },
  { type: "Mode", value: "FAST", diagnostics: ["error: enum value 'FAST' is unqualified; write 'Mode.FAST'"] },
  { type: "inc.Color", value: "CC", diagnostics: ["error: 'CC' is not a value of enum 'inc.Color'"] },
  { type: "inc.Color", value: "inc.Color.red", diagnostics: ["error: 'red' is not a value of enum 'inc.Color' (did you mean 'RED'?)"] },
  // Integers: Apache takes one that is a value of the enum, and rejects any other.
  { type: "inc.Color", value: "1", diagnostics: [] },
  { type: "inc.ColorT", value: "2", diagnostics: [] },
  { type: "inc.Color", value: "7", diagnostics: ["error: const 'X' is 7, which is not a value of enum 'inc.Color'"] },
  { type: "inc.ColorT", value: "7", diagnostics: ["error: const 'X' is 7, which is not a value of enum 'inc.Color'"] },
  { type: "list<inc.Color>", value: "[1, 7]", diagnostics: ["error: an element of const 'X' is 7, which is not a value of enum 'inc.Color'"], at: "7" },
  { type: "map<i32, inc.Color>", value: "{1: 9}", diagnostics: ["error: a value of const 'X' is 9, which is not a value of enum 'inc.Color'"], at: "9" },
  // Constants of an enum type, and enum values as integers.
  { type: "inc.Color", value: "inc.CC", diagnostics: [], extension: true },
  { type: "inc.Color", value: "inc.ONE", diagnostics: [], extension: true },
  { type: "inc.Color", value: "inc.N", diagnostics: ["error: const 'X' has type inc.Color but const 'inc.N' has type i32"] },
  { type: "i32", value: "inc.Color.RED", diagnostics: [] },
  { type: "i32", value: "Mode.FAST", diagnostics: [] },
  { type: "i32", value: "inc.CC", diagnostics: [], extension: true },
  { type: "i32", value: "Color.RED", diagnostics: ["error: unknown constant 'Color.RED'"] },
  { type: "i32", value: "Whatever.RED", diagnostics: ["error: unknown constant 'Whatever.RED'"] },
  { type: "string", value: "inc.Color.RED", diagnostics: ["error: const 'X' has type string but 'inc.Color.RED' is an enum value"] },
];

function compileShape(type: string, value: string, as: "const" | "field"): CompileResult {
  const decl = as === "const" ? `const ${type} X = ${value}` : `struct S { 1: optional ${type} x = ${value} }`;
  return compileFiles({ "/e/main.thrift": [...PREAMBLE, decl].join("\n"), "/e/inc.thrift": INC });
}

/** The value at the enum's level: the number of a bound enum member or an integer (a scalar shape only). */
function numberOf(v: ConstValue): number | undefined {
  if (v.kind === "int") return Number(v.value);
  if (v.kind === "identifier" && v.target?.kind === "enum") return v.target.member.value;
  return undefined;
}

describe("enum values in consts and field defaults", () => {
  test.each(shapes)("const $type X = $value", ({ type, value, diagnostics, at }) => {
    const r = compileShape(type, value, "const");
    const column = `const ${type} X = `.length + 1 + value.indexOf(at ?? value);
    expect(r.diagnostics.map(show)).toEqual(diagnostics.map((d) => `main.thrift:${LINE}:${column}: ${d}`));
  });

  test.each(shapes)("1: optional $type x = $value", ({ type, value, diagnostics, at }) => {
    const r = compileShape(type, value, "field");
    const column = `struct S { 1: optional ${type} x = `.length + 1 + value.indexOf(at ?? value);
    const expected = diagnostics.map((d) => `main.thrift:${LINE}:${column}: ${d.replace("const 'X'", "default value of 'x'")}`);
    expect(r.diagnostics.map(show)).toEqual(expected);
  });

  test("the issue's two files: an unprefixed enum name, and a local enum named like an included one", () => {
    const first = compileFiles({
      "/i/main.thrift": 'include "Other.thrift"\nstruct S {\n  1: optional Other.Color c = Color.RED\n}',
      "/i/Other.thrift": "enum Color { RED, GREEN }",
    });
    expect(first.diagnostics.map(show)).toEqual([]);
    const second = compileFiles({
      "/i/main.thrift": 'namespace py main\ninclude "other.thrift"\nenum Mode { SLOW, FAST }\nstruct S {\n  1: optional Mode m = other.Mode.FAST\n}',
      "/i/other.thrift": "namespace py other\nenum Mode { FAST, SLOW }",
    });
    expect(second.diagnostics.map(show)).toEqual([
      "main.thrift:5:24: warning: default value of 'm' has enum type Mode but 'other.Mode.FAST' is a value of enum 'other.Mode'; it is taken as Mode.FAST (1), the value of the same name, as Apache's compiler does",
    ]);
    const m = def(second, "S", "struct").fields[0]!.defaultValue!;
    expect(m.kind === "identifier" && m.target?.kind === "enum" && [m.target.def.program.name, m.target.def.name, m.target.member.name]).toEqual(["main", "Mode", "FAST"]);
  });

  test("a value bound through a warning is the target enum's member, the one Apache's generated code uses", () => {
    const r = compileShape("Mode", "inc.Mode.SLOW", "const");
    const v = def(r, "X", "const").value;
    expect(v.kind === "identifier" && v.target?.kind === "enum" && `${v.target.def.program.name}.${v.target.def.name}.${v.target.member.name}`).toBe("main.Mode.SLOW");
  });

  test("consts referring to enum values across includes keep the value they have where they are declared", () => {
    const r = compileFiles({
      "/e/main.thrift": [
        'include "mid.thrift"',
        'include "inc.thrift"',
        "const inc.Color X = mid.K",
        "const i32 N = mid.K",
        "const list<inc.Color> L = [mid.K, inc.Color.RED]",
        "struct S { 1: inc.Color c = mid.K }",
      ].join("\n"),
      "/e/mid.thrift": 'include "inc.thrift"\nconst inc.Color K = Color.GREEN',
      "/e/inc.thrift": INC,
    });
    expect(r.diagnostics.map(show)).toEqual([]);
    const k = def(r.programs.find((p) => p.name === "mid")!, "K", "const").value;
    expect(k.kind === "identifier" && k.target?.kind === "enum" && `${k.target.def.program.name}.${k.target.def.name}.${k.target.member.name}`).toBe("inc.Color.GREEN");
    const x = def(r, "X", "const").value;
    expect(x.kind === "identifier" && x.target?.kind === "const" && x.target.def.name).toBe("K");
  });

  test("a const of another enum type is not silently converted: only a value written in place is taken by name", () => {
    const r = compileFiles({
      "/e/main.thrift": 'namespace py main\ninclude "inc.thrift"\nenum Mode { SLOW = 0, FAST = 1 }\nconst Mode X = inc.M',
      "/e/inc.thrift": "namespace py inc\nenum Mode { FAST = 10, SLOW = 11 }\nconst Mode M = Mode.FAST",
    });
    expect(r.diagnostics.map(show)).toEqual(["main.thrift:4:16: error: const 'X' has type Mode but const 'inc.M' has type inc.Mode"]);
  });
});

/** Apache's compiler on one file: whether it accepts it, and the value of const X in its Python output. */
function apache(dir: string, type: string, value: string, as: "const" | "field"): { ok: boolean; value?: number; output: string } {
  const decl = as === "const" ? `const ${type} X = ${value}` : `struct S { 1: optional ${type} x = ${value} }`;
  writeFileSync(join(dir, "main.thrift"), [...PREAMBLE, decl].join("\n") + "\n");
  const out = mkdtempSync(join(dir, "out-"));
  const r = spawnSync("thrift", ["--gen", "py", "-out", out, join(dir, "main.thrift")], { encoding: "utf8" });
  if (r.error) throw new Error(`cannot run Apache's 'thrift' compiler (scripts/install-peers installs it): ${r.error.message}`);
  let constValue: number | undefined;
  if (r.status === 0 && as === "const") {
    const m = /^X = (-?\d+)$/m.exec(readFileSync(join(out, "main", "constants.py"), "utf8"));
    if (m) constValue = Number(m[1]);
  }
  rmSync(out, { recursive: true, force: true });
  return { ok: r.status === 0, ...(constValue !== undefined && { value: constValue }), output: r.stdout + r.stderr };
}

describeWith([thriftCompiler])("Apache's compiler 0.17 as the judge", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "rpcgen-enum-judge-"));
    writeFileSync(join(dir, "inc.thrift"), INC + "\n");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each(shapes)("$type = $value: accepted or rejected alike, with the same value", ({ type, value, extension }) => {
    for (const as of ["const", "field"] as const) {
      const theirs = apache(dir, type, value, as);
      const ours = compileShape(type, value, as);
      const accepted = !ours.hasErrors;
      expect(accepted, `${as}: Apache ${theirs.ok ? "accepts" : "rejects"} it:\n${theirs.output}`).toBe(extension ? true : theirs.ok);
      if (extension) expect(theirs.ok, "an extension is something Apache rejects").toBe(false);
      if (as === "const" && theirs.value !== undefined) expect(numberOf(def(ours, "X", "const").value)).toBe(theirs.value);
    }
  });
});
