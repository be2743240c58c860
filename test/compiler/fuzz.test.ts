/**
 * Robustness properties (fast-check): whatever the input — random unicode, Thrift-ish token soup,
 * corpus files with tokens or characters deleted, duplicated or swapped — `parse` and `compile` never
 * throw; they return diagnostics, and every diagnostic points at a real place in its file.
 */
import fc from "fast-check";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { compile, formatDiagnostic, parse, SourceFile, type Diagnostic, type FileSystem } from "../../compiler/index.js";
import { lex } from "../../compiler/lexer.js";
import { MAX_NESTING } from "../../compiler/parse.js";
import { CORPUS_DIR, corpus, describeWith } from "../support/environment.js";

const FILE = "/fuzz/input.thrift";

/** Asserts that a diagnostic's location is inside `text` and self-consistent. */
function checkLocation(d: Diagnostic, source: SourceFile): void {
  const loc = d.loc;
  if (!loc) throw new Error(`diagnostic without a location: ${d.message}`);
  const text = source.text;
  const where = `${d.message} @ ${loc.line}:${loc.column} (offset ${loc.offset})`;
  expect(loc.file, where).toBe(source.path);
  expect(Number.isInteger(loc.offset) && loc.offset >= 0 && loc.offset <= text.length, where).toBe(true);
  expect(loc.length >= 1, where).toBe(true);
  expect(source.position(loc.offset), where).toEqual({ line: loc.line, column: loc.column });
  expect(loc.column, where).toBeLessThanOrEqual(source.lineText(loc.line).length + 1);
  expect(d.message.length, where).toBeGreaterThan(0);
  // Rendering never fails either.
  expect(formatDiagnostic(d, source, "input.thrift")).toContain(`:${loc.line}:${loc.column}: ${d.severity}: `);
  for (const note of d.notes ?? []) {
    checkLocation({ severity: d.severity, message: note.message, loc: note.loc }, source);
    // The only notes are the openers of brackets a syntax error expected closed: before the error.
    expect(`'${text[note.loc.offset]}' opened here`, where).toBe(note.message);
    expect("{(<[".includes(text[note.loc.offset]!) && note.loc.offset < loc.offset, where).toBe(true);
  }
}

/** parse() and compile() of `text` as one file; both must return normally with well-placed diagnostics. */
function survives(text: string): void {
  const parsed = parse(text, FILE);
  for (const d of parsed.diagnostics) checkLocation(d, parsed.source);
  const fs: FileSystem = { readFile: (p) => (p === FILE ? text : undefined) };
  const r = compile({ files: [FILE], fileSystem: fs });
  for (const d of r.diagnostics) {
    const source = d.loc && r.sources.get(d.loc.file);
    if (!source) throw new Error(`no source for ${d.loc?.file}: ${d.message}`);
    checkLocation(d, source);
  }
  expect(r.hasErrors).toBe(r.diagnostics.some((d) => d.severity === "error"));
}

const fragments = [
  "struct", "union", "exception", "enum", "service", "const", "typedef", "include", "cpp_include", "namespace",
  "extends", "throws", "oneway", "async", "void", "required", "optional", "bool", "byte", "i8", "i16", "i32", "i64",
  "double", "float", "string", "binary", "uuid", "list", "map", "set", "cpp_type", "xsd_all", "xsd_optional",
  "xsd_nillable", "xsd_attrs", "true", "false", "senum", "slist", "package", "stream", "sink", "interaction",
  "hash_map", "java_package", "Foo", "Bar", "shared.Thing", "Enum.VALUE", "x", "e10", "_", "a.b.c",
  "0", "1", "-1", "+7", "010", "0x1F", "-0x10", "0X1", "99999999999999999999", "1.5", ".5", "1e10", "-1.5E+2", "1.",
  "'s'", '"t"', "'it\\'s'", '"bad\\q"', '"unterminated', "'", '"',
  "{", "}", "(", ")", "<", ">", "[", "]", ",", ";", ":", "=", "*", "&", "@", "-", "$", "\\", "/",
  "//c\n", "#c\n", "/* c */", "/** doc */", "/**/", "/*", "*/", "\n", "\r\n", "\r", "\t", " ", "\uFEFF", "é", "😀",
];

const thriftish = fc
  .array(fc.tuple(fc.constantFrom(...fragments), fc.constantFrom("", " ", "\n")), { maxLength: 60 })
  .map((parts) => parts.map(([f, sep]) => f + sep).join(""));

describe("parse and compile never throw", () => {
  test("on random unicode strings", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme", maxLength: 200 }), survives), { numRuns: 300 });
  });

  test("on random strings of arbitrary UTF-16 code units (lone surrogates included)", () => {
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 200 }), survives), { numRuns: 300 });
  });

  test("on strings built from Thrift-ish fragments", () => {
    fc.assert(fc.property(thriftish, survives), { numRuns: 1000 });
  });

  test("on deep nesting, at and past the limit", () => {
    for (const [open, close] of [["list<", ">"], ["[", "]"], ["{", "}"], ["(", ")"]] as const) {
      for (const depth of [MAX_NESTING - 5, MAX_NESTING + 1, 5000]) {
        const text = `const list<i32> X = ${open.repeat(depth)}1${close.repeat(depth)}\ntypedef ${"list<".repeat(depth)}i32${">".repeat(depth)} T`;
        expect(() => survives(text)).not.toThrow();
        const errs = parse(text, FILE).diagnostics.filter((d) => d.message.startsWith("brackets nested too deeply"));
        expect(errs.length, `${open} x ${depth}`).toBe(depth > MAX_NESTING - 5 ? 1 : 0);
      }
    }
  });

  test("on long chains of references", () => {
    const n = 5000;
    const consts = Array.from({ length: n }, (_, i) => `const i32 C${i} = ${i + 1 < n ? `C${i + 1}` : 1}`).join("\n");
    const typedefs = Array.from({ length: n }, (_, i) => `typedef ${i + 1 < n ? `T${i + 1}` : "i32"} T${i}`).join("\n");
    const services = Array.from({ length: 300 }, (_, i) => `service S${i}${i + 1 < 300 ? ` extends S${i + 1}` : ""} {}`).join("\n");
    for (const text of [consts, typedefs, services]) {
      const r = compile({ files: [FILE], fileSystem: { readFile: (p) => (p === FILE ? text : undefined) } });
      expect(r.diagnostics).toEqual([]);
    }
  });
});

const seeds = [
  "apache-thrift/ThriftTest.thrift",
  "apache-thrift/DebugProtoTest.thrift",
  "apache-thrift/ConstantsDemo.thrift",
  "apache-thrift/AnnotationTest.thrift",
  "apache-thrift/DocTest.thrift",
  "apache-thrift/NameConflictTest.thrift",
  "apache-thrift/tutorial.thrift",
  "real-world/scrooge/scrooge-generator-tests/src/test/thrift/standalone/const.thrift",
  "real-world/jaeger-idl/thrift/jaeger.thrift",
].map((p) => join(CORPUS_DIR, p));

/** A corpus file cut into its tokens' spans (with the text between them). */
interface Spans {
  text: string;
  spans: [number, number][];
}

function spansOf(path: string): Spans {
  const text = readFileSync(path, "utf8");
  const spans = lex(text).tokens.map((t): [number, number] => [t.startOffset, t.startOffset + t.image.length]);
  return { text, spans };
}

type Mutation =
  | { kind: "deleteToken" | "duplicateToken"; at: number }
  | { kind: "swapTokens"; at: number; with: number }
  | { kind: "deleteChar" | "duplicateChar"; at: number }
  | { kind: "swapChars"; at: number };

function mutate({ text, spans }: Spans, mutations: readonly Mutation[]): string {
  let out = text;
  for (const m of mutations) {
    // Positions are fractions of the current length, so every mutation lands somewhere valid.
    if (m.kind === "deleteChar" || m.kind === "duplicateChar" || m.kind === "swapChars") {
      if (out.length < 2) continue;
      const i = m.at % (out.length - 1);
      if (m.kind === "deleteChar") out = out.slice(0, i) + out.slice(i + 1);
      else if (m.kind === "duplicateChar") out = out.slice(0, i + 1) + out.slice(i);
      else out = out.slice(0, i) + out[i + 1] + out[i] + out.slice(i + 2);
      continue;
    }
    // Token mutations use the original file's token spans, mapped onto `text` only for the first mutation.
    if (out !== text || spans.length < 2) continue;
    const a = spans[m.at % spans.length]!;
    const piece = text.slice(a[0], a[1]);
    if (m.kind === "deleteToken") out = text.slice(0, a[0]) + text.slice(a[1]);
    else if (m.kind === "duplicateToken") out = text.slice(0, a[1]) + " " + piece + text.slice(a[1]);
    else if (m.kind === "swapTokens") {
      const b = spans[m.with % spans.length]!;
      const [first, second] = a[0] <= b[0] ? [a, b] : [b, a];
      if (first === second || first[1] > second[0]) continue;
      out =
        text.slice(0, first[0]) +
        text.slice(second[0], second[1]) +
        text.slice(first[1], second[0]) +
        text.slice(first[0], first[1]) +
        text.slice(second[1]);
    }
  }
  return out;
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom("deleteToken" as const, "duplicateToken" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("swapTokens" as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ kind: fc.constantFrom("deleteChar" as const, "duplicateChar" as const, "swapChars" as const), at: fc.nat() }),
);

describeWith([corpus])("mutated corpus files", () => {
  const available = seeds.filter((p) => existsSync(p));

  test("the seed files are there and clean", () => {
    expect(available).toEqual(seeds);
    for (const p of available) expect(parse(readFileSync(p, "utf8"), p).diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  const seedSpans = available.map(spansOf);

  test("the mutations change the input", () => {
    const s = seedSpans[0]!;
    expect(mutate(s, [{ kind: "deleteToken", at: 3 }])).not.toBe(s.text);
    expect(mutate(s, [{ kind: "swapTokens", at: 10, with: 40 }])).not.toBe(s.text);
    expect(mutate(s, [{ kind: "duplicateChar", at: 100 }]).length).toBe(s.text.length + 1);
  });

  test("never make parse or compile throw, and every diagnostic is placed in the file", () => {
    fc.assert(
      fc.property(fc.nat({ max: seedSpans.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), (seed, mutations) => {
        survives(mutate(seedSpans[seed]!, mutations));
      }),
      { numRuns: 250 },
    );
  });

  test("a deleted or swapped token in a valid file is reported as an error, or leaves a valid file", () => {
    // Sanity for the property above: mutations do provoke diagnostics, so the property is not vacuous.
    let withErrors = 0;
    fc.assert(
      fc.property(fc.nat({ max: seedSpans.length - 1 }), mutation, (seed, m) => {
        const text = mutate(seedSpans[seed]!, [m]);
        if (parse(text, FILE).diagnostics.some((d) => d.severity === "error")) withErrors++;
      }),
      { numRuns: 100 },
    );
    expect(withErrors).toBeGreaterThan(20);
  });
});
