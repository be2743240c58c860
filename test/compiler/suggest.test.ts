/**
 * Did-you-mean suggestions: the bounded, budgeted search picks exactly what a plain scan over every
 * candidate picks, and a file full of unknown names among thousands of definitions stays fast.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { editDistance, Suggester, SUGGESTION_BUDGET } from "../../compiler/suggest.js";
import { compileText } from "./helpers.js";

/** Textbook optimal string alignment distance, full table, no bound. */
function referenceDistance(a: string, b: string): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) d.push([i]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The rule, stated plainly: the first candidate at the smallest distance within the limit, never the name itself. */
function referenceSuggestion(name: string, candidates: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  const limit = Math.max(1, Math.floor(name.length / 3));
  for (const c of candidates) {
    const d = referenceDistance(name.toLowerCase(), c.toLowerCase());
    if (c !== name && d < bestDistance && d <= limit && d < Math.min(name.length, c.length)) {
      bestDistance = d;
      best = c;
    }
  }
  return best !== undefined ? ` (did you mean '${best}'?)` : "";
}

const word = fc.string({ unit: fc.constantFrom("a", "b", "c", "A", "_", "1"), maxLength: 9 });

describe("suggestions", () => {
  test("the bounded distance equals the full one, or says 'more than max'", () => {
    fc.assert(
      fc.property(word, word, fc.integer({ min: 0, max: 5 }), (a, b, max) => {
        const full = referenceDistance(a, b);
        expect(editDistance(a, b)).toBe(full);
        expect(editDistance(a, b, max)).toBe(Math.min(full, max + 1));
      }),
      { numRuns: 2000 },
    );
  });

  test("the same suggestion as a plain scan of every candidate", () => {
    fc.assert(
      fc.property(word, fc.array(word, { maxLength: 12 }), fc.array(word, { maxLength: 4 }), (name, first, second) => {
        expect(new Suggester().didYouMean(name, first, second)).toBe(referenceSuggestion(name, [...first, ...second]));
      }),
      { numRuns: 2000 },
    );
  });

  test("examples", () => {
    const s = new Suggester();
    expect(s.didYouMean("Strng", ["string", "Sting"])).toBe(" (did you mean 'string'?)");
    expect(s.didYouMean("X", ["S"])).toBe("");
    expect(s.didYouMean("Usre", ["User", "Users"])).toBe(" (did you mean 'User'?)");
    // Never the name itself; another case of it, or a near name, is still offered.
    expect(s.didYouMean("RED", ["RED"])).toBe("");
    expect(s.didYouMean("RED", ["RED", "REDS"])).toBe(" (did you mean 'REDS'?)");
    expect(s.didYouMean("red", ["RED"])).toBe(" (did you mean 'RED'?)");
  });

  test("once the budget is spent, errors come without suggestions", () => {
    const s = new Suggester();
    const names = Array.from({ length: 1000 }, (_, i) => `Name${String(i).padStart(4, "0")}`);
    let suggested = 0;
    for (let i = 0; i < SUGGESTION_BUDGET / 1000 + 10; i++) if (s.didYouMean(`Nome${String(i).padStart(4, "0")}`, names) !== "") suggested++;
    expect(suggested).toBeGreaterThan(0);
    expect(s.didYouMean("Name0001x", names)).toBe("");
  });

  // Before the budget this file took ~30 s (every unknown name against every definition); the test's
  // timeout is the guard against that coming back.
  test("4,000 unknown types among 4,000 similar names: every error reported", () => {
    const defs = Array.from({ length: 4000 }, (_, i) => `struct Known${i} {}`);
    const uses = Array.from({ length: 4000 }, (_, i) => `typedef Knwn${i} T${i}`);
    const errors = compileText([...defs, ...uses].join("\n")).diagnostics.filter((d) => d.severity === "error");
    expect(errors).toHaveLength(4000);
    expect(errors[0]!.message).toBe("unknown type 'Knwn0' (did you mean 'Known0'?)");
    expect(errors[3999]!.message.startsWith("unknown type 'Knwn3999'")).toBe(true);
  });
});
