import { expect, test } from "vitest";
import { validateGrammar } from "../../compiler/parser.js";

test("the grammar passes chevrotain's self-analysis validations (skipped at run time for start-up speed)", () => {
  expect(() => validateGrammar()).not.toThrow();
});
