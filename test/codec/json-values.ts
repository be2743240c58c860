/**
 * The JSON value convention of test/vectors/py_vectors.py, converted to and from rpcgen's values,
 * driven by the resolved IDL model (compiler/model.ts), never by the shape of the data:
 *
 *   struct / union / exception  object keyed by IDL field name, only the fields that are set
 *   bool                        true / false
 *   i8, i16, i32, enum          number
 *   i64                         decimal string             <-> bigint (input form: bigint | number)
 *   double                      number | "NaN" | "Infinity" | "-Infinity" | "-0"
 *   string                      string
 *   binary                      {"$hex": "..."}            <-> Uint8Array
 *   list                        array                      <-> array
 *   set                         {"$set": [...]}            <-> Set, in the listed order
 *   map                         {"$map": [[k, v], ...]}    <-> Map, in the listed order
 *   uuid (rpcgen only)          canonical string           <-> string
 *
 * Also here: IDL const values (field defaults) in the convention, a canonical order-insensitive
 * form for comparing, and a model-driven deep comparison of rpcgen values (Object.is semantics for
 * numbers, exact types, ordered sets/maps, exception classes).
 */
import { compile } from "../../compiler/compile.js";
import { propertyName } from "../../compiler/emit/names.js";
import {
  resolveTypedefs,
  type BaseType,
  type ConstValue,
  type EnumDef,
  type Field,
  type ListType,
  type MapType,
  type Program,
  type SetType,
  type StructDef,
  type TypeRef,
} from "../../compiler/model.js";
import type { ProtocolReader, ProtocolWriter } from "../../runtime/index.js";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A type with typedefs followed and named types replaced by their definitions. */
export type Ty = BaseType | ListType | SetType | MapType | { kind: "enum"; def: EnumDef } | { kind: "struct"; def: StructDef };

export function ty(t: TypeRef | Ty): Ty {
  if (t.kind === "enum" || t.kind === "struct") return t;
  const r = resolveTypedefs(t);
  if (r.kind !== "named") return r;
  const target = r.target;
  if (target === undefined) throw new Error(`unresolved type ${r.name}`);
  if (target.kind === "enum") return { kind: "enum", def: target };
  if (target.kind === "typedef") throw new Error(`typedef loop at ${r.name}`);
  return { kind: "struct", def: target };
}

export function structTy(def: StructDef): Ty {
  return { kind: "struct", def };
}

/** The property a field has in generated code (the emitter's own naming rule). */
export function propOf(def: StructDef, field: Field): string {
  const r = ty(field.type);
  return propertyName(field.name, { inException: def.kind === "exception", isString: r.kind === "base" && r.name === "string" });
}

/** What the generated module exports for a struct, union or exception (a codec object or a class). */
export interface Codec {
  readonly name: string;
  create(init: unknown): unknown;
  write(w: ProtocolWriter, value: unknown): void;
  read(r: ProtocolReader): unknown;
}

/** One IDL file: its model, its struct/union/exception definitions and the generated codecs. */
export interface SchemaModule {
  name: string;
  program: Program;
  /** Every struct, union and exception, in declaration order. */
  structs: StructDef[];
  codec(def: StructDef): Codec;
}

export function loadSchema(name: string, idlPath: string, generated: Record<string, unknown>): SchemaModule {
  const result = compile({ files: [idlPath] });
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  if (errors.length) throw new Error(`${idlPath}: ${errors.map((e) => e.message).join("; ")}`);
  const program = result.roots[0]!;
  const structs = program.definitions.filter((d): d is StructDef => d.kind === "struct" || d.kind === "union" || d.kind === "exception");
  const codecs = new Map<StructDef, Codec>();
  for (const def of structs) {
    const c = generated[def.name] as Partial<Codec> | undefined;
    if (!c || typeof c.create !== "function" || typeof c.write !== "function" || typeof c.read !== "function") {
      throw new Error(`${name}: the generated module has no codec for ${def.kind} ${def.name}`);
    }
    codecs.set(def, c as Codec);
  }
  return {
    name,
    program,
    structs,
    codec(def) {
      const c = codecs.get(def);
      if (!c) throw new Error(`${name}: no codec for ${def.name} (not declared in this file)`);
      return c;
    },
  };
}

// ------------------------------------------------------------------------------------------------
// scalars

export function hexOf(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

export function bytesOfHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new Error(`bad hex ${JSON.stringify(hex.slice(0, 40))}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function doubleToJson(x: number): Json {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "-Infinity";
  if (Object.is(x, -0)) return "-0";
  return x;
}

export function doubleFromJson(j: Json, where: string): number {
  if (typeof j === "number") return j;
  switch (j) {
    case "NaN":
      return NaN;
    case "Infinity":
      return Infinity;
    case "-Infinity":
      return -Infinity;
    case "-0":
      return -0;
  }
  throw new Error(`${where}: double expected, got ${JSON.stringify(j)}`);
}

const INT_RANGES: Record<string, [number, number]> = {
  i8: [-0x80, 0x7f],
  byte: [-0x80, 0x7f],
  i16: [-0x8000, 0x7fff],
  i32: [-0x80000000, 0x7fffffff],
};

function isObject(j: Json | undefined): j is { [key: string]: Json } {
  return typeof j === "object" && j !== null && !Array.isArray(j);
}

function only(j: Json, key: string, where: string): Json {
  if (!isObject(j) || Object.keys(j).length !== 1 || !(key in j)) throw new Error(`${where}: {"${key}": ...} expected, got ${JSON.stringify(j).slice(0, 80)}`);
  return j[key]!;
}

function arrayOf(j: Json, where: string): Json[] {
  if (!Array.isArray(j)) throw new Error(`${where}: array expected`);
  return j;
}

// ------------------------------------------------------------------------------------------------
// JSON -> rpcgen input form

/**
 * The rpcgen input-form value of a JSON-convention value: i64 → bigint, binary → Uint8Array,
 * set → Set and map → Map in the listed order, enums → numbers, structs, unions and exceptions →
 * plain objects keyed by property name (the `XInit` form; exceptions as their Init objects, which
 * the class's static `create`/`write` accept). Throws on anything the type does not allow,
 * including a set or map that JavaScript would collapse (e.g. -0 and 0).
 */
export function fromJson(t: TypeRef | Ty, j: Json, where = "value"): unknown {
  const r = ty(t);
  switch (r.kind) {
    case "base":
      switch (r.name) {
        case "bool":
          if (typeof j !== "boolean") throw new Error(`${where}: bool expected`);
          return j;
        case "byte":
        case "i8":
        case "i16":
        case "i32": {
          const [lo, hi] = INT_RANGES[r.name]!;
          if (typeof j !== "number" || !Number.isInteger(j) || j < lo || j > hi) throw new Error(`${where}: ${r.name} expected, got ${JSON.stringify(j)}`);
          return j;
        }
        case "i64": {
          if (typeof j !== "string" || !/^-?\d+$/.test(j)) throw new Error(`${where}: i64 string expected, got ${JSON.stringify(j)}`);
          const v = BigInt(j);
          if (v < -(2n ** 63n) || v >= 2n ** 63n) throw new Error(`${where}: i64 out of range`);
          return v;
        }
        case "double":
        case "float":
          return doubleFromJson(j, where);
        case "string":
        case "uuid":
          if (typeof j !== "string") throw new Error(`${where}: string expected`);
          return j;
        case "binary": {
          const hex = only(j, "$hex", where);
          if (typeof hex !== "string") throw new Error(`${where}: hex string expected`);
          return bytesOfHex(hex);
        }
      }
      throw new Error(`${where}: unknown base type ${r.name}`);
    case "enum":
      if (typeof j !== "number" || !Number.isInteger(j)) throw new Error(`${where}: enum value expected`);
      return j;
    case "list":
      return arrayOf(j, where).map((x, i) => fromJson(r.elem, x, `${where}[${i}]`));
    case "set": {
      const items = arrayOf(only(j, "$set", where), where);
      const out = new Set(items.map((x, i) => fromJson(r.elem, x, `${where}{${i}}`)));
      if (out.size !== items.length) throw new Error(`${where}: ${items.length} set elements collapse to ${out.size} in a JavaScript Set`);
      return out;
    }
    case "map": {
      const entries = arrayOf(only(j, "$map", where), where);
      const out = new Map(
        entries.map((e, i) => {
          const pair = arrayOf(e, `${where}[${i}]`);
          if (pair.length !== 2) throw new Error(`${where}[${i}]: [key, value] expected`);
          return [fromJson(r.key, pair[0]!, `${where}.key${i}`), fromJson(r.value, pair[1]!, `${where}.value${i}`)] as const;
        }),
      );
      if (out.size !== entries.length) throw new Error(`${where}: ${entries.length} map keys collapse to ${out.size} in a JavaScript Map`);
      return out;
    }
    case "struct": {
      const def = r.def;
      if (!isObject(j)) throw new Error(`${where}: object expected for ${def.name}`);
      const byName = new Map(def.fields.map((f) => [f.name, f]));
      const out: Record<string, unknown> = {};
      for (const [name, x] of Object.entries(j)) {
        const f = byName.get(name);
        if (!f) throw new Error(`${where}: ${def.name} has no field ${name}`);
        out[propOf(def, f)] = fromJson(f.type, x, `${where}.${name}`);
      }
      if (def.kind === "union" && Object.keys(out).length !== 1) throw new Error(`${where}: union ${def.name} with ${Object.keys(out).length} fields`);
      return out;
    }
  }
}

// ------------------------------------------------------------------------------------------------
// rpcgen value -> JSON

/** The JSON-convention value of an rpcgen value (input or decoded form, exception instances too). */
export function toJson(t: TypeRef | Ty, v: unknown, where = "value"): Json {
  const r = ty(t);
  const fail = (what: string): never => {
    throw new Error(`${where}: ${what} expected, got ${typeof v === "bigint" ? `${v}n` : String(v)}`);
  };
  switch (r.kind) {
    case "base":
      switch (r.name) {
        case "bool":
          return typeof v === "boolean" ? v : fail("boolean");
        case "byte":
        case "i8":
        case "i16":
        case "i32":
          return typeof v === "number" && Number.isInteger(v) ? v : fail("integer");
        case "i64":
          if (typeof v === "bigint") return v.toString();
          return typeof v === "number" && Number.isSafeInteger(v) ? BigInt(v).toString() : fail("i64");
        case "double":
        case "float":
          return typeof v === "number" ? doubleToJson(v) : fail("number");
        case "string":
        case "uuid":
          return typeof v === "string" ? v : fail("string");
        case "binary":
          return v instanceof Uint8Array ? { $hex: hexOf(v) } : fail("Uint8Array");
      }
      return fail(r.name);
    case "enum":
      return typeof v === "number" ? v : fail("enum number");
    case "list":
      if (!Array.isArray(v)) return fail("array");
      return v.map((x: unknown, i) => toJson(r.elem, x, `${where}[${i}]`));
    case "set":
      if (!(v instanceof Set)) return fail("Set");
      return { $set: [...v].map((x: unknown, i) => toJson(r.elem, x, `${where}{${i}}`)) };
    case "map":
      if (!(v instanceof Map)) return fail("Map");
      return {
        $map: [...v].map(([k, x]: [unknown, unknown], i) => [toJson(r.key, k, `${where}.key${i}`), toJson(r.value, x, `${where}.value${i}`)]),
      };
    case "struct": {
      const def = r.def;
      if (typeof v !== "object" || v === null) return fail(`object (${def.name})`);
      const obj = v as Record<string, unknown>;
      const out: { [key: string]: Json } = {};
      for (const f of def.fields) {
        const x = obj[propOf(def, f)];
        if (x !== undefined) out[f.name] = toJson(f.type, x, `${where}.${f.name}`);
      }
      return out;
    }
  }
}

/**
 * What rpcgen's `write` puts on the wire for the input form of a JSON-convention value: every
 * struct field that is absent but has an IDL default (any requiredness, but not in a union)
 * appears with that default, as `write` sends `v.x ?? default` (Apache's constructors set it too). Works on the JSON alone, from the
 * model; nothing else changes.
 */
export function fillDefaults(t: TypeRef | Ty, j: Json, where = "value"): Json {
  const r = ty(t);
  switch (r.kind) {
    case "base":
    case "enum":
      return j;
    case "list":
      return arrayOf(j, where).map((x, i) => fillDefaults(r.elem, x, `${where}[${i}]`));
    case "set":
      return { $set: arrayOf(only(j, "$set", where), where).map((x, i) => fillDefaults(r.elem, x, `${where}{${i}}`)) };
    case "map":
      return {
        $map: arrayOf(only(j, "$map", where), where).map((e, i) => {
          const [k, x] = arrayOf(e, `${where}[${i}]`);
          return [fillDefaults(r.key, k!, `${where}.key${i}`), fillDefaults(r.value, x!, `${where}.value${i}`)];
        }),
      };
    case "struct": {
      if (!isObject(j)) throw new Error(`${where}: object expected for ${r.def.name}`);
      const out: { [key: string]: Json } = {};
      for (const f of r.def.fields) {
        const x = j[f.name];
        if (x !== undefined) out[f.name] = fillDefaults(f.type, x, `${where}.${f.name}`);
        else if (writesDefault(r.def, f)) out[f.name] = constToJson(f.defaultValue!, f.type, `${where}.${f.name}`);
      }
      for (const k of Object.keys(j)) if (!(k in out)) throw new Error(`${where}: ${r.def.name} has no field ${k}`);
      return out;
    }
  }
}

/** rpcgen writes this field's IDL default when the input leaves it undefined. */
export function writesDefault(def: StructDef, f: Field): boolean {
  return f.defaultValue !== undefined && def.kind !== "union";
}

/** An IDL const value (as the model holds it) in the JSON convention, for the given type. */
export function constToJson(c: ConstValue, t: TypeRef | Ty, where = "const"): Json {
  if (c.kind === "identifier") {
    const target = c.target;
    if (target?.kind === "const") return constToJson(target.def.value, t, where);
    if (target?.kind === "enum") return target.member.value;
    throw new Error(`${where}: unresolved identifier ${c.name}`);
  }
  const r = ty(t);
  const bad = (): never => {
    throw new Error(`${where}: ${c.kind} const for ${r.kind}`);
  };
  switch (r.kind) {
    case "base":
      switch (r.name) {
        case "bool":
          return c.kind === "int" ? c.value !== 0n : bad();
        case "byte":
        case "i8":
        case "i16":
        case "i32":
          return c.kind === "int" ? Number(c.value) : bad();
        case "i64":
          return c.kind === "int" ? c.value.toString() : bad();
        case "double":
        case "float":
          return c.kind === "int" ? Number(c.value) : c.kind === "double" ? doubleToJson(c.value) : bad();
        case "string":
          return c.kind === "string" ? c.value : bad();
        case "uuid":
          return c.kind === "string" ? c.value.replace(/^\{|\}$/g, "").toLowerCase() : bad();
        case "binary":
          return c.kind === "string" ? { $hex: hexOf(new TextEncoder().encode(c.value)) } : bad();
      }
      return bad();
    case "enum":
      return c.kind === "int" ? Number(c.value) : bad();
    case "list":
      // `{}` is also an empty list or set in Apache's IDL.
      if (c.kind === "map" && c.entries.length === 0) return [];
      return c.kind === "list" ? c.items.map((x, i) => constToJson(x, r.elem, `${where}[${i}]`)) : bad();
    case "set":
      if (c.kind === "map" && c.entries.length === 0) return { $set: [] };
      return c.kind === "list" ? { $set: c.items.map((x, i) => constToJson(x, r.elem, `${where}{${i}}`)) } : bad();
    case "map":
      if (c.kind === "list" && c.items.length === 0) return { $map: [] };
      return c.kind === "map" ? { $map: c.entries.map(([k, x], i) => [constToJson(k, r.key, `${where}.key${i}`), constToJson(x, r.value, `${where}.value${i}`)]) } : bad();
    case "struct": {
      if (c.kind !== "map") return bad();
      const out: { [key: string]: Json } = {};
      for (const [k, x] of c.entries) {
        const f = k.kind === "string" ? r.def.fields.find((fd) => fd.name === k.value) : undefined;
        if (!f) throw new Error(`${where}: ${r.def.name} has no field ${k.kind === "string" ? k.value : "?"}`);
        out[f.name] = constToJson(x, f.type, `${where}.${f.name}`);
      }
      for (const f of r.def.fields) {
        if (!(f.name in out) && writesDefault(r.def, f)) out[f.name] = constToJson(f.defaultValue!, f.type, `${where}.${f.name}`);
      }
      return out;
    }
  }
}

// ------------------------------------------------------------------------------------------------
// comparing

function sortKey(j: Json): string {
  return JSON.stringify(j);
}

/** An order-insensitive form: set elements and map entries sorted, object keys sorted. */
export function canonJson(j: Json): Json {
  if (Array.isArray(j)) return j.map(canonJson);
  if (!isObject(j)) return j;
  const keys = Object.keys(j);
  if (keys.length === 1 && keys[0] === "$set" && Array.isArray(j.$set)) {
    return { $set: j.$set.map(canonJson).sort((a, b) => cmp(sortKey(a), sortKey(b))) };
  }
  if (keys.length === 1 && keys[0] === "$map" && Array.isArray(j.$map)) {
    return { $map: j.$map.map(canonJson).sort((a, b) => cmp(sortKey(a), sortKey(b))) };
  }
  const out: { [key: string]: Json } = {};
  for (const k of keys.sort()) out[k] = canonJson(j[k]!);
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sameJsonUnordered(a: Json, b: Json): boolean {
  return JSON.stringify(canonJson(a)) === JSON.stringify(canonJson(b));
}

function show(v: unknown): string {
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  if (typeof v === "string") return JSON.stringify(v.length > 60 ? v.slice(0, 60) + "…" : v);
  if (v instanceof Uint8Array) return `Uint8Array(${v.length})`;
  if (v === undefined || v === null) return String(v);
  return Object.prototype.toString.call(v);
}

/**
 * Deep comparison of two rpcgen values of type `t`; returns where and how they differ, or undefined.
 * Strict: numbers by Object.is (NaN equals NaN, -0 differs from 0), no number/bigint mixing,
 * binary as exact Uint8Array bytes, sets and maps element by element in iteration order, struct
 * fields by property (undefined = absent), no extra own properties, union with exactly one field,
 * exceptions of the same class with the same message.
 */
export function diffValues(t: TypeRef | Ty, a: unknown, b: unknown, where = "value"): string | undefined {
  const r = ty(t);
  const differ = (): string => `${where}: ${show(a)} vs ${show(b)}`;
  switch (r.kind) {
    case "base":
      switch (r.name) {
        case "bool":
          return typeof a === "boolean" && a === b ? undefined : differ();
        case "byte":
        case "i8":
        case "i16":
        case "i32":
          return typeof a === "number" && typeof b === "number" && Number.isInteger(a) && Object.is(a, b) ? undefined : differ();
        case "i64":
          return typeof a === "bigint" && a === b ? undefined : differ();
        case "double":
        case "float":
          return typeof a === "number" && typeof b === "number" && Object.is(a, b) ? undefined : differ();
        case "string":
        case "uuid":
          return typeof a === "string" && a === b ? undefined : differ();
        case "binary": {
          if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.length !== b.length) return differ();
          for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `${where}: bytes differ at ${i}`;
          return undefined;
        }
      }
      return differ();
    case "enum":
      return typeof a === "number" && Object.is(a, b) ? undefined : differ();
    case "list": {
      if (!Array.isArray(a) || !Array.isArray(b)) return differ();
      if (a.length !== b.length) return `${where}: length ${a.length} vs ${b.length}`;
      for (let i = 0; i < a.length; i++) {
        const d = diffValues(r.elem, a[i], b[i], `${where}[${i}]`);
        if (d) return d;
      }
      return undefined;
    }
    case "set": {
      if (!(a instanceof Set) || !(b instanceof Set)) return differ();
      if (a.size !== b.size) return `${where}: size ${a.size} vs ${b.size}`;
      const bs = [...b];
      let i = 0;
      for (const x of a) {
        const d = diffValues(r.elem, x, bs[i], `${where}{${i}}`);
        if (d) return d;
        i++;
      }
      return undefined;
    }
    case "map": {
      if (!(a instanceof Map) || !(b instanceof Map)) return differ();
      if (a.size !== b.size) return `${where}: size ${a.size} vs ${b.size}`;
      const bs = [...b];
      let i = 0;
      for (const [k, x] of a) {
        const d = diffValues(r.key, k, bs[i]![0], `${where}.key${i}`) ?? diffValues(r.value, x, bs[i]![1], `${where}.value${i}`);
        if (d) return d;
        i++;
      }
      return undefined;
    }
    case "struct": {
      const def = r.def;
      if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) return differ();
      if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${where}: different prototypes (${a.constructor.name} vs ${b.constructor.name})`;
      const ao = a as Record<string, unknown>;
      const bo = b as Record<string, unknown>;
      const props = new Set(def.fields.map((f) => propOf(def, f)));
      if (def.kind === "exception") {
        if (!(a instanceof Error)) return `${where}: not an Error`;
        if (a.name !== (b as Error).name) return `${where}.name: ${show(a.name)} vs ${show((b as Error).name)}`;
        if (a.message !== (b as Error).message) return `${where}.message: ${show(a.message)} vs ${show((b as Error).message)}`;
        props.add("name");
        props.add("message");
      } else if (Object.getPrototypeOf(a) !== Object.prototype) {
        return `${where}: not a plain object`;
      }
      for (const o of [ao, bo]) {
        for (const k of Object.keys(o)) {
          if (!props.has(k) && o[k] !== undefined) return `${where}: unexpected property ${k}`;
        }
      }
      for (const f of def.fields) {
        const p = propOf(def, f);
        const x = ao[p];
        const y = bo[p];
        if (x === undefined && y === undefined) continue;
        if (x === undefined || y === undefined) return `${where}.${f.name}: ${show(x)} vs ${show(y)}`;
        const d = diffValues(f.type, x, y, `${where}.${f.name}`);
        if (d) return d;
      }
      if (def.kind === "union") {
        const set = def.fields.filter((f) => ao[propOf(def, f)] !== undefined).length;
        if (set !== 1) return `${where}: union ${def.name} holds ${set} fields`;
      }
      return undefined;
    }
  }
}

/** JSON text with object keys sorted (array, set and map order kept). */
export function stableStringify(j: Json): string {
  if (Array.isArray(j)) return `[${j.map(stableStringify).join(",")}]`;
  if (!isObject(j)) return JSON.stringify(j);
  return `{${Object.keys(j)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableStringify(j[k]!)}`)
    .join(",")}}`;
}

/**
 * Where two JSON values first differ, or undefined. Object keys are unordered; arrays are ordered;
 * sets and maps are ordered unless `unordered`, when their elements are compared as sorted wholes.
 */
export function jsonDiff(a: Json | undefined, b: Json | undefined, where = "value", unordered = false): string | undefined {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${where}: length ${a.length} vs ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = jsonDiff(a[i], b[i], `${where}[${i}]`, unordered);
      if (d) return d;
    }
    return undefined;
  }
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    if (unordered && keys.size === 1 && (keys.has("$set") || keys.has("$map"))) {
      const sa = stableStringify(canonJson(a));
      const sb = stableStringify(canonJson(b));
      return sa === sb ? undefined : `${where} (sorted): ${sa.slice(0, 300)} vs ${sb.slice(0, 300)}`;
    }
    for (const k of keys) {
      const d = jsonDiff(a[k], b[k], `${where}.${k}`, unordered);
      if (d) return d;
    }
    return undefined;
  }
  const sa = a === undefined ? "(absent)" : JSON.stringify(a);
  const sb = b === undefined ? "(absent)" : JSON.stringify(b);
  return sa === sb ? undefined : `${where}: ${sa.slice(0, 100)} vs ${sb.slice(0, 100)}`;
}
