import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { withOptions } from "./options.js";
import { BinaryProtocolFactory } from "./protocol/binary.js";
import { CompactProtocolFactory } from "./protocol/compact.js";
import { JSONProtocolFactory } from "./protocol/json.js";

describe("withOptions", () => {
  test("each option is the override when it is set, else the base value; inputs are left alone", () => {
    const value = fc.option(fc.integer(), { nil: undefined });
    fc.assert(
      fc.property(fc.record({ a: fc.integer(), b: fc.integer(), c: fc.integer() }), fc.record({ a: value, b: value, c: value }, { requiredKeys: [] }), (base, overrides) => {
        const before = { ...overrides };
        const merged = withOptions(base, overrides);
        expect(merged).toEqual({ a: overrides.a ?? base.a, b: overrides.b ?? base.b, c: overrides.c ?? base.c });
        expect(merged).not.toBe(base);
        expect(overrides).toEqual(before);
      }),
    );
  });
});

describe("protocol factories", () => {
  test.each([
    ["binary", new BinaryProtocolFactory({ maxDepth: 3, strictRead: true })],
    ["compact", new CompactProtocolFactory({ maxDepth: 3 })],
    ["json", new JSONProtocolFactory({ maxDepth: 3 })],
  ] as const)("%s: a reader option given as undefined keeps the factory's value", (_name, factory) => {
    const reader = factory.createReader(new Uint8Array(0), { maxDepth: undefined, maxStringLength: 10 });
    expect(reader.maxDepth).toBe(3);
    expect(reader.maxStringLength).toBe(10);
  });

  test("binary: strictRead given as undefined keeps the factory's value", () => {
    const reader = new BinaryProtocolFactory({ strictRead: true }).createReader(new Uint8Array(0), { strictRead: undefined });
    expect(reader.strictRead).toBe(true);
  });
});
