/**
 * The JSON mapping: rpcgen values to and from plain JSON (what a person types into curl), driven by
 * the run-time type descriptions (schema.ts). Not Thrift's JSON protocol (protocol/json.ts), which
 * keys fields by id and tags every value with its wire type.
 *
 *   bool                      true / false
 *   i8, i16, i32              a number (an integer within the type's range)
 *   i64                       a number when a safe integer (|v| < 2^53), else a decimal string; both read
 *   double                    a number; NaN, Infinity, -Infinity and -0 as those strings
 *   float                     the shortest decimal that reads back as the same float32 (100/7 → 14.285714)
 *   string                    a string
 *   uuid                      a string, canonical lowercase (any form the codecs accept is read)
 *   binary                    base64, standard alphabet, padded (URL-safe and unpadded are read too)
 *   enum                      the member name (an unknown value: its number); names and numbers read
 *   list, set                 an array
 *   map                       keys string, uuid, number or enum: an object (keys as decimal text or
 *                             names); other keys: an array of [key, value] pairs
 *   struct, exception         an object keyed by IDL field names; unset optional fields left out
 *   union                     an object with exactly one key
 *
 * Reading is strict: unknown fields, wrong JSON types, out-of-range integers and missing required
 * fields throw a JsonMappingError naming the path (`args.thing.i64_thing`) and what was expected.
 * `null` reads as an absent field. Nothing else is ever thrown, whatever the input.
 */
import { canonicalUuid } from "../codec.js";
import { decodeBase64, encodeBase64 } from "./base64.js";
import { structInfo, typeKind, zeroValue, type EnumSchema, type MapSchema, type StructInfo, type StructSchema, type TypeKind, type TypeSchema } from "./schema.js";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A value that does not fit its type, in either direction; `path` says where. */
export class JsonMappingError extends Error {
  override name = "JsonMappingError";

  constructor(
    /** Where in the value: `args.thing.i64_thing`, `result[3]`, `value.m["k"]`. */
    readonly path: string,
    /** What is wrong there (the message without the path). */
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

export interface JsonMappingOptions {
  /** The name of the value in error paths. Default: the struct's name, or `value`. */
  path?: string | undefined;
  /** Deepest nesting of structs and containers. Default 64 (the protocol readers' default). */
  maxDepth?: number | undefined;
}

const DEFAULT_MAX_DEPTH = 64;

const INT_RANGE: Partial<Record<TypeKind, readonly [number, number]>> = {
  i8: [-0x80, 0x7f],
  i16: [-0x8000, 0x7fff],
  i32: [-0x80000000, 0x7fffffff],
};
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^-?(0|[1-9][0-9]*)$/;
const NUMBER_TEXT = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

/** Key types a map is written as a JSON object for. */
const OBJECT_KEYS: ReadonlySet<TypeKind> = new Set<TypeKind>(["string", "uuid", "i8", "i16", "i32", "i64", "double", "float", "enum"]);

/** True when maps with keys of this type are JSON objects (else arrays of [key, value] pairs). */
export function mapsAsObjects(key: TypeSchema): boolean {
  return OBJECT_KEYS.has(typeKind(key));
}

function rootPath(t: TypeSchema, options: JsonMappingOptions | undefined): string {
  if (options?.path !== undefined) return options.path;
  return typeKind(t) === "struct" ? (t as StructSchema).name : "value";
}

function maxDepthOf(options: JsonMappingOptions | undefined): number {
  return options?.maxDepth ?? DEFAULT_MAX_DEPTH;
}

// ------------------------------------------------------------------------------------------------
// numbers

/** The shortest decimal that reads back (through Math.fround) as the same float32 as `x` rounds to. */
export function float32Decimal(x: number): number {
  const f = Math.fround(x);
  if (!Number.isFinite(f) || f === 0) return f;
  for (let digits = 1; digits < 9; digits++) {
    const y = Number(f.toPrecision(digits));
    if (Math.fround(y) === f) return y;
  }
  return Number(f.toPrecision(9)); // nine significant digits always identify a float32
}

function specialToJson(x: number): string | undefined {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "-Infinity";
  if (Object.is(x, -0)) return "-0";
  return undefined;
}

function specialFromJson(s: string): number | undefined {
  switch (s) {
    case "NaN":
      return NaN;
    case "Infinity":
      return Infinity;
    case "-Infinity":
      return -Infinity;
    case "-0":
      return -0;
  }
  return undefined;
}

// ------------------------------------------------------------------------------------------------
// showing what was found

function show(j: unknown): string {
  if (j === null) return "null";
  if (j === undefined) return "nothing";
  switch (typeof j) {
    case "string":
      return JSON.stringify(j.length > 40 ? `${j.slice(0, 40)}…` : j);
    case "number":
      return String(j);
    case "bigint":
      return `${j}n`;
    case "boolean":
      return String(j);
    case "function":
      return "a function";
    case "symbol":
      return "a symbol";
  }
  if (Array.isArray(j)) return `an array of ${j.length}`;
  if (j instanceof Map) return `a Map of ${j.size}`;
  if (j instanceof Set) return `a Set of ${j.size}`;
  if (j instanceof Uint8Array) return `a Uint8Array of ${j.length}`;
  return "an object";
}

function fail(path: string, expected: string, got: unknown): never {
  throw new JsonMappingError(path, `expected ${expected}, got ${show(got)}`);
}

function enumNames(e: EnumSchema): string {
  const names = Object.keys(e.enum);
  const shown = names.length > 8 ? [...names.slice(0, 8), "..."] : names;
  return shown.join(", ");
}

const enumByValue = new WeakMap<object, Map<number, string>>();

/** The name of an enum value (the first member with it), or undefined for an unknown value. */
function enumName(e: EnumSchema, value: number): string | undefined {
  let byValue = enumByValue.get(e.enum);
  if (byValue === undefined) {
    byValue = new Map();
    for (const name of Object.keys(e.enum)) if (!byValue.has(e.enum[name]!)) byValue.set(e.enum[name]!, name);
    enumByValue.set(e.enum, byValue);
  }
  return byValue.get(value);
}

function isPlainObject(j: unknown): j is Record<string, unknown> {
  return typeof j === "object" && j !== null && !Array.isArray(j);
}

/** Sets a key on an object meant for JSON, `__proto__` included (as an own property). */
function put(out: Record<string, JsonValue>, key: string, value: JsonValue): void {
  if (key === "__proto__") Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

// ------------------------------------------------------------------------------------------------
// JSON → value

/**
 * The decoded (output-form) value of `json` as a value of type `t`: what the binary decoder would
 * produce for the same data (IDL defaults and zero values applied, exceptions as class instances).
 * Throws JsonMappingError, and nothing else, for anything that does not fit.
 */
export function fromJson(t: TypeSchema, json: unknown, options?: JsonMappingOptions): unknown {
  return read(t, json, rootPath(t, options), maxDepthOf(options));
}

function read(t: TypeSchema, j: unknown, path: string, depth: number): unknown {
  const kind = typeKind(t);
  switch (kind) {
    case "bool":
      return typeof j === "boolean" ? j : fail(path, "true or false", j);
    case "i8":
    case "i16":
    case "i32": {
      const [lo, hi] = INT_RANGE[kind]!;
      if (typeof j !== "number" || !Number.isInteger(j) || j < lo || j > hi) fail(path, `an integer within ${kind}`, j);
      return j + 0; // -0 is 0
    }
    case "i64":
      return readI64(j, path);
    case "double":
      if (typeof j === "number") return j;
      if (typeof j === "string") {
        const special = specialFromJson(j);
        if (special !== undefined) return special;
      }
      return fail(path, `a number (or "NaN", "Infinity", "-Infinity", "-0")`, j);
    case "float":
      if (typeof j === "number") {
        const f = Math.fround(j);
        if (!Number.isFinite(f)) fail(path, "a number within float32", j);
        return f;
      }
      if (typeof j === "string") {
        const special = specialFromJson(j);
        if (special !== undefined) return special;
      }
      return fail(path, `a number (or "NaN", "Infinity", "-Infinity", "-0")`, j);
    case "string":
      return typeof j === "string" ? j : fail(path, "a string", j);
    case "uuid":
      if (typeof j !== "string") fail(path, "a uuid string", j);
      try {
        return canonicalUuid(j);
      } catch {
        return fail(path, "a uuid (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", j);
      }
    case "binary": {
      const bytes = typeof j === "string" ? decodeBase64(j) : undefined;
      return bytes ?? fail(path, "base64 text", j);
    }
    case "enum": {
      const e = t as EnumSchema;
      if (typeof j === "string" && Object.hasOwn(e.enum, j)) return e.enum[j];
      if (typeof j === "number" && Number.isInteger(j) && j >= -0x80000000 && j <= 0x7fffffff) return j + 0;
      return fail(path, `one of ${enumNames(e)} (${e.name}) or an i32`, j);
    }
    case "list":
    case "set": {
      if (!Array.isArray(j)) fail(path, `an array (${kind})`, j);
      if (depth <= 0) tooDeep(path);
      const elem = kind === "list" ? (t as { list: TypeSchema }).list : (t as { set: TypeSchema }).set;
      const items = j.map((x: unknown, i) => read(elem, x, `${path}[${i}]`, depth - 1));
      return kind === "list" ? items : new Set(items);
    }
    case "map":
      if (depth <= 0) tooDeep(path);
      return readMap(t as MapSchema, j, path, depth - 1);
    case "struct":
      if (depth <= 0) tooDeep(path);
      return readStruct(t as StructSchema, j, path, depth - 1);
  }
}

function tooDeep(path: string): never {
  throw new JsonMappingError(path, "nested too deeply");
}

function readI64(j: unknown, path: string): bigint {
  if (typeof j === "number") {
    if (Number.isSafeInteger(j)) return BigInt(j);
    if (Number.isInteger(j) && j >= -(2 ** 63) && j < 2 ** 63) {
      fail(path, "an integer within i64 (beyond 2^53 as a decimal string: a JSON number loses the digits)", j);
    }
    return fail(path, "an integer within i64", j);
  }
  if (typeof j === "string" && INTEGER_TEXT.test(j)) {
    const v = BigInt(j);
    if (v >= I64_MIN && v <= I64_MAX) return v;
  }
  return fail(path, "an integer within i64", j);
}

function readMap(t: MapSchema, j: unknown, path: string, depth: number): Map<unknown, unknown> {
  const out = new Map<unknown, unknown>();
  if (mapsAsObjects(t.key)) {
    if (!isPlainObject(j)) fail(path, "an object (map)", j);
    for (const k of Object.keys(j)) {
      const key = read(t.key, scalarFromText(t.key, k), `${path} key ${JSON.stringify(k)}`, depth);
      out.set(key, read(t.value, j[k], `${path}[${JSON.stringify(k)}]`, depth));
    }
    return out;
  }
  if (!Array.isArray(j)) fail(path, "an array of [key, value] pairs (map)", j);
  for (let i = 0; i < j.length; i++) {
    const pair: unknown = j[i];
    if (!Array.isArray(pair) || pair.length !== 2) fail(`${path}[${i}]`, "a [key, value] pair", pair);
    out.set(read(t.key, pair[0], `${path}[${i}][0]`, depth), read(t.value, pair[1], `${path}[${i}][1]`, depth));
  }
  return out;
}

function readStruct(t: StructSchema, j: unknown, path: string, depth: number): unknown {
  const info = structInfo(t);
  if (!isPlainObject(j)) fail(path, `an object (${t.name})`, j);
  const init: Record<string, unknown> = {};
  let set = 0;
  for (const k of Object.keys(j)) {
    const field = info.byName.get(k);
    if (field === undefined) throw new JsonMappingError(path, `${t.name} has no field ${JSON.stringify(k)} (its fields: ${fieldNames(info)})`);
    const x = j[k];
    if (x === null) continue; // null: absent
    init[field.prop] = read(field.schema.type, x, `${path}.${k}`, depth);
    set++;
  }
  if (t.kind === "union") {
    if (set !== 1) throw new JsonMappingError(path, `a union (${t.name}) holds exactly one of ${fieldNames(info)}, got ${set === 0 ? "none" : `${set} fields`}`);
  } else {
    for (const f of info.fields) {
      if (f.schema.requiredness === "required" && !f.hasDefault && init[f.prop] === undefined) {
        throw new JsonMappingError(`${path}.${f.schema.name}`, "required field missing");
      }
    }
  }
  if (t.create !== undefined) return (t.create as (init: Record<string, unknown>) => unknown)(init);
  return complete(info, init);
}

function fieldNames(info: StructInfo): string {
  return info.fields.length === 0 ? "none" : info.fields.map((f) => f.schema.name).join(", ");
}

/**
 * The decoded form of a struct without `create` (a method's args): each absent field takes its IDL
 * default (fresh), else, with default requiredness, its type's zero value, as the decoder does.
 */
function complete(info: StructInfo, init: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let fresh: readonly { default?: unknown }[] | undefined;
  for (const f of info.fields) {
    let v = init[f.prop];
    if (v === undefined && info.schema.kind !== "union") {
      if (f.hasDefault) v = (fresh ??= info.schema.fields())[f.index]!.default;
      else if (f.schema.requiredness === undefined) v = zeroValue(f.schema.type);
    }
    if (v !== undefined || info.schema.kind !== "union") out[f.prop] = v;
  }
  return out;
}

/**
 * The JSON value a text stands for as a scalar of type `t` (a map key in a JSON object, a GET query
 * parameter): numbers parsed (i64 kept as its text, read exactly), `true`/`false` for bool, the text
 * itself otherwise. `fromJson` then checks it as usual, so a bad text gets the usual error.
 */
export function scalarFromText(t: TypeSchema, text: string): unknown {
  const kind = typeKind(t);
  switch (kind) {
    case "bool":
      return text === "true" ? true : text === "false" ? false : text;
    case "i8":
    case "i16":
    case "i32":
      return INTEGER_TEXT.test(text) ? Number(text) : text;
    case "double":
    case "float":
      return NUMBER_TEXT.test(text) ? Number(text) : text;
    case "enum":
      return INTEGER_TEXT.test(text) ? Number(text) : text;
    default:
      return text;
  }
}

// ------------------------------------------------------------------------------------------------
// value → JSON

/**
 * The JSON value of `value` (decoded or input form) as a value of type `t`: what `write` would send,
 * in the JSON mapping (fields omitted with an IDL default are written with it). Throws JsonMappingError
 * for a value that does not fit its type (what `write` would refuse or mangle).
 */
export function toJson(t: TypeSchema, value: unknown, options?: JsonMappingOptions): JsonValue {
  return write(t, value, rootPath(t, options), maxDepthOf(options));
}

function write(t: TypeSchema, v: unknown, path: string, depth: number): JsonValue {
  const kind = typeKind(t);
  switch (kind) {
    case "bool":
      return typeof v === "boolean" ? v : fail(path, "a boolean", v);
    case "i8":
    case "i16":
    case "i32": {
      const [lo, hi] = INT_RANGE[kind]!;
      if (typeof v !== "number" || !Number.isInteger(v) || v < lo || v > hi) fail(path, `an integer within ${kind}`, v);
      return v + 0;
    }
    case "i64":
      if (typeof v === "bigint") {
        if (v < I64_MIN || v > I64_MAX) fail(path, "an integer within i64", v);
        const n = Number(v);
        return Number.isSafeInteger(n) ? n : v.toString();
      }
      return typeof v === "number" && Number.isSafeInteger(v) ? v + 0 : fail(path, "a bigint within i64 (or a safe integer)", v);
    case "double":
      return typeof v === "number" ? (specialToJson(v) ?? v) : fail(path, "a number", v);
    case "float": {
      if (typeof v !== "number") fail(path, "a number", v);
      const f = Math.fround(v);
      return specialToJson(f) ?? float32Decimal(f);
    }
    case "string":
      return typeof v === "string" ? v : fail(path, "a string", v);
    case "uuid":
      if (typeof v !== "string") fail(path, "a uuid string", v);
      try {
        return canonicalUuid(v);
      } catch {
        return fail(path, "a uuid (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", v);
      }
    case "binary":
      return v instanceof Uint8Array ? encodeBase64(v) : fail(path, "a Uint8Array", v);
    case "enum": {
      if (typeof v !== "number" || !Number.isInteger(v)) fail(path, `a ${(t as EnumSchema).name} value`, v);
      return enumName(t as EnumSchema, v) ?? v;
    }
    case "list": {
      if (!Array.isArray(v)) fail(path, "an array", v);
      if (depth <= 0) tooDeep(path);
      const elem = (t as { list: TypeSchema }).list;
      return v.map((x: unknown, i) => write(elem, x, `${path}[${i}]`, depth - 1));
    }
    case "set": {
      if (!(v instanceof Set)) fail(path, "a Set", v);
      if (depth <= 0) tooDeep(path);
      const elem = (t as { set: TypeSchema }).set;
      const out: JsonValue[] = [];
      for (const x of v) out.push(write(elem, x, `${path}[${out.length}]`, depth - 1));
      return out;
    }
    case "map":
      if (!(v instanceof Map)) fail(path, "a Map", v);
      if (depth <= 0) tooDeep(path);
      return writeMap(t as MapSchema, v, path, depth - 1);
    case "struct":
      if (depth <= 0) tooDeep(path);
      return writeStruct(t as StructSchema, v, path, depth - 1);
  }
}

function writeMap(t: MapSchema, v: Map<unknown, unknown>, path: string, depth: number): JsonValue {
  if (mapsAsObjects(t.key)) {
    const out: Record<string, JsonValue> = {};
    for (const [k, x] of v) {
      const key = keyText(write(t.key, k, `${path} key`, depth));
      put(out, key, write(t.value, x, `${path}[${JSON.stringify(key)}]`, depth));
    }
    return out;
  }
  const out: JsonValue[] = [];
  let i = 0;
  for (const [k, x] of v) {
    out.push([write(t.key, k, `${path}[${i}][0]`, depth), write(t.value, x, `${path}[${i}][1]`, depth)]);
    i++;
  }
  return out;
}

/** A scalar's JSON value as an object key (the text `scalarFromText` reads back). */
function keyText(j: JsonValue): string {
  return typeof j === "string" ? j : String(j);
}

function writeStruct(t: StructSchema, v: unknown, path: string, depth: number): JsonValue {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(path, `an object (${t.name})`, v);
  const info = structInfo(t);
  const obj = v as Record<string, unknown>;
  const out: Record<string, JsonValue> = {};
  let set = 0;
  let fresh: readonly { default?: unknown }[] | undefined;
  for (const f of info.fields) {
    let x = obj[f.prop];
    if (x === undefined && t.kind !== "union") {
      // As `write` does: an omitted field with an IDL default goes out with it; a required one may not be omitted.
      if (f.hasDefault) x = (fresh ??= t.fields())[f.index]!.default;
      else if (f.schema.requiredness === "required") throw new JsonMappingError(`${path}.${f.schema.name}`, "required field unset");
    }
    if (x === undefined) continue;
    put(out, f.schema.name, write(f.schema.type, x, `${path}.${f.schema.name}`, depth));
    set++;
  }
  if (t.kind === "union" && set !== 1) {
    throw new JsonMappingError(path, `a union (${t.name}) holds exactly one field, got ${set === 0 ? "none" : `${set} fields`}`);
  }
  return out;
}
