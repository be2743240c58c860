/**
 * Type descriptions of generated code at run time, as data (protobuf-es's reflection is the model):
 * every struct, union and exception codec, and every method's args and result codec, is a
 * `StructSchema` whose `fields()` lists its fields with their ids, names, requiredness, IDL defaults
 * and type trees. Named types in a tree are the generated values themselves: a struct, union or
 * exception is its codec (or class), an enum is its const object with its name. `fields()` is a
 * function so that recursive and forward references resolve only when asked; it builds a fresh list
 * (fresh default values) on each call.
 *
 * The generated binary codecs never consult any of this: it serves tools that work from types at run
 * time (the JSON mapping, the HTTP JSON routes, dynamic clients).
 */

/** Thrift's scalar types (`byte` is `i8`; typedefs are resolved). */
export type ScalarType = "bool" | "i8" | "i16" | "i32" | "i64" | "double" | "float" | "string" | "binary" | "uuid";

export type StructKind = "struct" | "union" | "exception";

/** A Thrift type: a scalar by name, a container, an enum, or a struct, union or exception. */
export type TypeSchema = ScalarType | ListSchema | SetSchema | MapSchema | EnumSchema | StructSchema;

export interface ListSchema {
  readonly list: TypeSchema;
}

export interface SetSchema {
  readonly set: TypeSchema;
}

export interface MapSchema {
  readonly key: TypeSchema;
  readonly value: TypeSchema;
}

export interface EnumSchema {
  /** The generated const object: member names to values, in declaration order. */
  readonly enum: Readonly<Record<string, number>>;
  /** The enum's IDL name. */
  readonly name: string;
}

/** What every generated struct, union and exception codec (and method args/result codec) is. */
export interface StructSchema {
  /** The IDL name (for an exception class: its TypeScript class name). */
  readonly name: string;
  readonly kind: StructKind;
  /** The fields in ascending id order; a fresh list, with fresh default values, on each call. */
  fields(): readonly FieldSchema[];
  /**
   * Builds the complete decoded value from an input-form one (IDL defaults and zero values applied;
   * an exception's class instance). Method args and result codecs have none.
   */
  create?(init: never): unknown;
}

export interface FieldSchema {
  readonly id: number;
  /** The IDL name (what JSON and Thrift's JSON protocol key the field by). */
  readonly name: string;
  readonly type: TypeSchema;
  /** Absent for default requiredness. Union members carry none: a union holds exactly one. */
  readonly requiredness?: "required" | "optional";
  /** The property in generated TypeScript types, when it differs from `name` (`constructor_`, an exception's `message_`). */
  readonly prop?: string;
  /** The IDL default in decoded form, present when writers and `create` apply one to an omitted field. */
  readonly default?: unknown;
}

/** What kind of type a TypeSchema is, for switching on. */
export type TypeKind = ScalarType | "list" | "set" | "map" | "enum" | "struct";

export function typeKind(t: TypeSchema): TypeKind {
  if (typeof t === "string") return t;
  if (typeof t === "function") return "struct"; // an exception class
  if ("list" in t) return "list";
  if ("set" in t) return "set";
  if ("key" in t) return "map";
  if ("enum" in t) return "enum";
  return "struct";
}

/** A field with what the runtime derives from its schema once. */
export interface FieldInfo {
  readonly schema: FieldSchema;
  /** Its position in `fields()`. */
  readonly index: number;
  readonly prop: string;
  readonly hasDefault: boolean;
}

/** A struct's fields, looked up once per schema. */
export interface StructInfo {
  readonly schema: StructSchema;
  readonly fields: readonly FieldInfo[];
  readonly byName: ReadonlyMap<string, FieldInfo>;
}

const infos = new WeakMap<StructSchema, StructInfo>();

/** The fields of a struct schema, analysed once (types and names only: defaults come fresh from `fields()`). */
export function structInfo(schema: StructSchema): StructInfo {
  let info = infos.get(schema);
  if (info === undefined) {
    const fields = schema.fields().map((f, index): FieldInfo => ({ schema: f, index, prop: f.prop ?? f.name, hasDefault: "default" in f }));
    info = { schema, fields, byName: new Map(fields.map((f) => [f.schema.name, f])) };
    infos.set(schema, info);
  }
  return info;
}

/** A method's parameters, return type and declared exceptions, from its args and result codecs. */
export interface MethodSchema {
  readonly params: readonly FieldSchema[];
  /** Undefined for `void` methods. */
  readonly returns: TypeSchema | undefined;
  readonly throws: readonly FieldSchema[];
}

/** The types of a method descriptor's parameters, result and exceptions. */
export function methodSchema(method: { readonly returnsVoid: boolean; readonly args: StructSchema; readonly result: StructSchema }): MethodSchema {
  const results = method.result.fields();
  const success = method.returnsVoid ? undefined : results.find((f) => f.id === 0 && f.name === "success");
  return { params: method.args.fields(), returns: success?.type, throws: results.filter((f) => f !== success) };
}

/** The scalar types and enums: what GET query parameters can carry. */
export function isScalar(t: TypeSchema): boolean {
  const kind = typeKind(t);
  return kind !== "list" && kind !== "set" && kind !== "map" && kind !== "struct";
}

/** The decoded value a default-requiredness field without an IDL default takes when absent (undefined for structs). */
export function zeroValue(t: TypeSchema): unknown {
  const kind = typeKind(t);
  switch (kind) {
    case "bool":
      return false;
    case "i64":
      return 0n;
    case "string":
      return "";
    case "uuid":
      return "00000000-0000-0000-0000-000000000000";
    case "binary":
      return new Uint8Array(0);
    case "list":
      return [];
    case "set":
      return new Set();
    case "map":
      return new Map();
    case "enum": {
      // The first member, as the generated decoders have it.
      for (const name in (t as EnumSchema).enum) return (t as EnumSchema).enum[name];
      return 0;
    }
    case "struct":
      return undefined;
    default:
      return 0;
  }
}
