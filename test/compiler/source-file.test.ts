/** SourceFile's line index: line and column for any offset, in any order, with every line-break style. */
import fc from "fast-check";
import { expect, test } from "vitest";
import { SourceFile } from "../../compiler/source-file.js";

/** Line and column by walking the text from the start: \r\n, \n and a lone \r each end a line. */
function naivePosition(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  for (let i = 0; i < offset; i++) {
    const c = text[i];
    if (c === "\n" || (c === "\r" && text[i + 1] !== "\n")) {
      line++;
      column = 1;
    } else {
      column++;
    }
  }
  return { line, column };
}

test("position() agrees with a walk from the start, for offsets asked in any order", () => {
  const text = fc.string({ unit: fc.constantFrom("a", " ", "\n", "\r", "\r\n", "é"), maxLength: 60 });
  fc.assert(
    fc.property(text, fc.array(fc.nat(), { maxLength: 20 }), (t, picks) => {
      const file = new SourceFile("f.thrift", t);
      for (const p of picks) {
        const offset = t.length === 0 ? 0 : p % (t.length + 1);
        expect(file.position(offset)).toEqual(naivePosition(t, offset));
      }
    }),
    { numRuns: 1000 },
  );
});

test("lineText() returns each line without its break", () => {
  const file = new SourceFile("f.thrift", "one\r\ntwo\rthree\nfour");
  expect([1, 2, 3, 4, 5].map((n) => file.lineText(n))).toEqual(["one", "two", "three", "four", ""]);
});
