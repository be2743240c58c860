/**
 * The struct costs generated code passes to readStructBegin are made of the runtime's estimates
 * (runtime/protocol/decode-cost.ts), repeated in the compiler (compiler/emit/decode-cost.ts): both
 * must agree, and a struct's cost counts its object and the defaults of its absent fields.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import * as compiler from "../../compiler/emit/decode-cost.js";
import * as runtime from "../../runtime/protocol/decode-cost.js";

test("the compiler's copy of the estimates is the runtime's", () => {
  for (const name of ["STRUCT_COST", "EXCEPTION_COST", "LIST_COST", "SET_COST", "MAP_COST", "BINARY_COST"] as const) {
    expect(compiler[name], name).toBe(runtime[name]);
  }
  for (let fields = 0; fields <= 64; fields++) expect(compiler.objectCost(fields)).toBe(runtime.objectCost(fields));
});

test("generated reads pass their object's cost with the defaults of absent fields", () => {
  const source = readFileSync(join(import.meta.dirname, "../../interop/thrift-test/ThriftTest.v0.16-nouuid.ts"), "utf8");
  const costOf = (name: string): number => {
    const m = new RegExp(`read\\(r: ProtocolReader\\): ${name} \\{[^]*?r\\.readStructBegin\\((\\d+)\\);`).exec(source);
    if (!m) throw new Error(`no read method for ${name}`);
    return Number(m[1]);
  };
  // Xtruct: four fields, with string, number and bigint defaults (constants: nothing allocated).
  expect(costOf("Xtruct")).toBe(runtime.objectCost(4));
  // Insanity: two fields, whose absent values are a new Map and a new array.
  expect(costOf("Insanity")).toBe(runtime.objectCost(2) + runtime.MAP_COST + runtime.LIST_COST);
  // Xtruct2: its struct field has no default (left undefined).
  expect(costOf("Xtruct2")).toBe(runtime.objectCost(3));
});
