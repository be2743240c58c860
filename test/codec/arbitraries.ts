/**
 * fast-check arbitraries of rpcgen input-form values, built from the resolved IDL model: every
 * struct, union and exception, depth-bounded so recursive and deeply nested types stay small.
 */
import fc from "fast-check";
import type { StructDef, TypeRef } from "../../compiler/model.js";
import { propOf, ty, type Codec, type Ty } from "./json-values.js";

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

export interface ArbOptions {
  /** Struct and container nesting beyond which optional struct-bearing fields are left out and containers are empty. */
  maxDepth: number;
  /** Exceptions: sometimes hand `write` an instance made by `create` instead of a plain init object. */
  codecOf?: (def: StructDef) => Codec | undefined;
}

const SPECIAL_DOUBLES = [0, -0, NaN, Infinity, -Infinity, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE, 2 ** 53, 2 ** 53 + 2, 0.1, -1.5, 2.2250738585072014e-308];
const SPECIAL_STRINGS = ["", "\0", "\u{10FFFF}", "\u{1F600}", "\uFEFFbom", "\u2028\u2029", "é", "\uFFFD", "a\u0301", "\u{1F468}\u200D\u{1F469}"];

function strings(maxLength: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.string({ unit: "binary", maxLength }) }, // any code point incl. astral, never a lone surrogate
    { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength }) },
    { weight: 2, arbitrary: fc.string({ maxLength }) },
    { weight: 1, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) },
  );
}

function uuidOf(b: Uint8Array): string {
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const scalars = {
  bool: fc.boolean(),
  i8: fc.integer({ min: -0x80, max: 0x7f }),
  i16: fc.integer({ min: -0x8000, max: 0x7fff }),
  i32: fc.oneof(fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.constantFrom(-0x80000000, 0x7fffffff, 0, -1, 63, 64, -64, -65)),
  // bigint over the full range, the edges, and (the other input form) safe-integer numbers.
  i64: fc.oneof(
    { weight: 4, arbitrary: fc.bigInt({ min: I64_MIN, max: I64_MAX }) },
    { weight: 1, arbitrary: fc.constantFrom(I64_MIN, I64_MAX, 0n, -1n, 1n, 2n ** 53n, -(2n ** 53n) - 1n) },
    { weight: 1, arbitrary: fc.oneof(fc.maxSafeInteger(), fc.integer()) },
  ),
  double: fc.oneof({ weight: 3, arbitrary: fc.double() }, { weight: 1, arbitrary: fc.constantFrom(...SPECIAL_DOUBLES) }),
  float: fc.oneof(fc.float(), fc.constantFrom(0, -0, NaN, Infinity, -Infinity)),
  string: strings(24),
  binary: fc.uint8Array({ maxLength: 40 }),
  uuid: fc.oneof(
    { weight: 4, arbitrary: fc.uint8Array({ minLength: 16, maxLength: 16 }).map(uuidOf) },
    { weight: 1, arbitrary: fc.constantFrom("00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff") },
  ),
};

/** True when values of the type can contain a struct (so they must stop at the depth limit). */
function holdsStruct(t: TypeRef | Ty): boolean {
  const r = ty(t);
  switch (r.kind) {
    case "struct":
      return true;
    case "list":
    case "set":
      return holdsStruct(r.elem);
    case "map":
      return holdsStruct(r.key) || holdsStruct(r.value);
    default:
      return false;
  }
}

function isScalar(t: TypeRef | Ty): boolean {
  const r = ty(t);
  return r.kind === "base" || r.kind === "enum";
}

export class ValueArbitraries {
  private readonly memo = new Map<StructDef, Map<number, fc.Arbitrary<unknown>>>();

  constructor(private readonly opts: ArbOptions) {}

  /** An input-form value of the struct, union or exception (what `write` and `create` accept). */
  top(def: StructDef): fc.Arbitrary<unknown> {
    const plain = this.struct(def, 0);
    const codec = def.kind === "exception" ? this.opts.codecOf?.(def) : undefined;
    if (!codec) return plain;
    return fc.tuple(plain, fc.boolean()).map(([init, asInstance]) => (asInstance ? codec.create(init) : init));
  }

  value(t: TypeRef | Ty, depth: number): fc.Arbitrary<unknown> {
    const r = ty(t);
    switch (r.kind) {
      case "base":
        return r.name === "byte" ? scalars.i8 : scalars[r.name];
      case "enum": {
        const members = r.def.members.map((m) => m.value);
        if (members.length === 0) return scalars.i32;
        // Mostly members; any i32 too (readers pass unknown values through).
        return fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...members) }, { weight: 1, arbitrary: scalars.i32 });
      }
      case "list": {
        const maxLength = this.maxLength(r.elem, depth);
        if (maxLength === 0) return fc.constant(null).map(() => []);
        return fc.array(this.value(r.elem, depth + 1), { maxLength });
      }
      case "set": {
        const maxLength = this.maxLength(r.elem, depth);
        if (maxLength === 0) return fc.constant(null).map(() => new Set());
        return fc.array(this.value(r.elem, depth + 1), { maxLength }).map((xs) => new Set(xs));
      }
      case "map": {
        const maxLength = this.maxLength(r.value, depth, r.key);
        if (maxLength === 0) return fc.constant(null).map(() => new Map());
        return fc.array(fc.tuple(this.value(r.key, depth + 1), this.value(r.value, depth + 1)), { maxLength }).map((kv) => new Map(kv));
      }
      case "struct":
        return this.struct(r.def, depth + 1);
    }
  }

  private maxLength(elem: TypeRef, depth: number, key?: TypeRef): number {
    const scalar = isScalar(elem) && (key === undefined || isScalar(key));
    const nested = holdsStruct(elem) || (key !== undefined && holdsStruct(key)) || !scalar;
    if (depth >= this.opts.maxDepth && nested) return 0;
    if (depth === 0) return scalar ? 20 : 4; // 15+ elements take the compact protocol's long header
    if (depth === 1) return scalar ? 8 : 3;
    return scalar ? 4 : depth >= this.opts.maxDepth - 1 ? 1 : 2;
  }

  private struct(def: StructDef, depth: number): fc.Arbitrary<unknown> {
    let byDepth = this.memo.get(def);
    if (!byDepth) this.memo.set(def, (byDepth = new Map()));
    const d = Math.min(depth, this.opts.maxDepth);
    let arb = byDepth.get(d);
    if (!arb) {
      arb = this.build(def, d);
      byDepth.set(d, arb);
    }
    return arb;
  }

  private build(def: StructDef, depth: number): fc.Arbitrary<unknown> {
    const limit = depth >= this.opts.maxDepth;
    if (def.kind === "union") {
      let fields = def.fields;
      if (limit && fields.some((f) => !holdsStruct(f.type))) fields = fields.filter((f) => !holdsStruct(f.type));
      if (fields.length === 0) return fc.constant({});
      return fc.oneof(...fields.map((f) => this.value(f.type, depth).map((x) => ({ [propOf(def, f)]: x }))));
    }
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    const required: string[] = [];
    for (const f of def.fields) {
      if (f.requiredness !== "required" && limit && holdsStruct(f.type)) continue;
      model[propOf(def, f)] = this.value(f.type, depth);
      if (f.requiredness === "required") required.push(propOf(def, f));
    }
    return fc.record(model, { requiredKeys: required });
  }
}
