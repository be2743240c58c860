/**
 * Thrift types → TypeScript types, wire type ids and zero values. Output types describe decoded
 * values (i64 → bigint, list → T[], set → Set, map → Map); input types describe what writers and
 * `create` accept (i64 also as a number, readonly containers, `FooInit` for structs).
 */
import { resolveTypedefs, type EnumDef, type TypeRef } from "../model.js";
import type { GeneratedFile } from "./generated-file.js";
import type { Doc } from "./doc.js";
import { stringLiteral } from "./names.js";
import { typeArgs } from "./values.js";

const scalarTypes: Record<string, string> = {
  bool: "boolean",
  byte: "number",
  i8: "number",
  i16: "number",
  i32: "number",
  i64: "bigint",
  double: "number",
  float: "number",
  string: "string",
  uuid: "string",
  binary: "Uint8Array",
};

export function outputType(f: GeneratedFile, t: TypeRef): string {
  switch (t.kind) {
    case "base":
      return scalarTypes[t.name]!;
    case "list":
      return arrayOf(outputType(f, t.elem));
    case "set":
      return `Set<${outputType(f, t.elem)}>`;
    case "map":
      return `Map<${outputType(f, t.key)}, ${outputType(f, t.value)}>`;
    case "named":
      return t.target ? f.ref(t.target, "", true) : "unknown";
  }
}

export function inputType(f: GeneratedFile, t: TypeRef): string {
  const r = resolveTypedefs(t);
  switch (r.kind) {
    case "base":
      return r.name === "i64" ? "bigint | number" : scalarTypes[r.name]!;
    case "list":
      return `readonly ${arrayOf(inputType(f, r.elem))}`;
    case "set":
      return `ReadonlySet<${inputType(f, r.elem)}>`;
    case "map":
      return `ReadonlyMap<${inputType(f, r.key)}, ${inputType(f, r.value)}>`;
    case "named": {
      const def = r.target;
      if (!def) return "unknown";
      if (def.kind === "enum" || def.kind === "typedef") return f.ref(def, "", true);
      return f.ref(def, "Init", true);
    }
  }
}

/** `T[]`, parenthesised only when T is a top-level union (`(bigint | number)[]`). */
function arrayOf(elem: string): string {
  let depth = 0;
  for (let i = 0; i < elem.length; i++) {
    const c = elem[i];
    if (c === "<" || c === "(") depth++;
    else if (c === ">" || c === ")") depth--;
    else if (depth === 0 && c === "|") return `(${elem})[]`;
  }
  return elem.startsWith("readonly ") ? `(${elem})[]` : `${elem}[]`;
}

/** Whether input and output forms differ, so `create` must convert rather than copy. */
export function needsConversion(t: TypeRef): boolean {
  const r = resolveTypedefs(t);
  switch (r.kind) {
    case "base":
      return r.name === "i64" || r.name === "uuid";
    case "list":
    case "set":
    case "map":
      return true;
    case "named":
      return r.target !== undefined && r.target.kind !== "enum";
  }
}

export type WireType = "BOOL" | "BYTE" | "I16" | "I32" | "I64" | "DOUBLE" | "FLOAT" | "STRING" | "UUID" | "STRUCT" | "LIST" | "SET" | "MAP";

export function wireType(t: TypeRef): WireType {
  const r = resolveTypedefs(t);
  switch (r.kind) {
    case "base":
      switch (r.name) {
        case "bool":
          return "BOOL";
        case "byte":
        case "i8":
          return "BYTE";
        case "i16":
          return "I16";
        case "i32":
          return "I32";
        case "i64":
          return "I64";
        case "double":
          return "DOUBLE";
        case "float":
          return "FLOAT";
        case "string":
        case "binary":
          return "STRING";
        case "uuid":
          return "UUID";
      }
    // eslint-disable-next-line no-fallthrough
    case "list":
      return "LIST";
    case "set":
      return "SET";
    case "map":
      return "MAP";
    case "named":
      return r.target?.kind === "enum" ? "I32" : "STRUCT";
  }
}

/** Whether a field of this type always has a value after decoding (a zero value exists). */
export function hasZeroValue(t: TypeRef): boolean {
  const r = resolveTypedefs(t);
  return r.kind !== "named" || r.target?.kind === "enum";
}

/** The value a default-requiredness field takes when absent on the wire. */
export function zeroValue(f: GeneratedFile, t: TypeRef): Doc {
  const r = resolveTypedefs(t);
  switch (r.kind) {
    case "base":
      switch (r.name) {
        case "bool":
          return "false";
        case "i64":
          return "0n";
        case "string":
          return '""';
        case "uuid":
          return stringLiteral("00000000-0000-0000-0000-000000000000");
        case "binary":
          return "new Uint8Array(0)";
        default:
          return "0";
      }
    case "list":
      return "[]";
    case "set":
      return [typeArgs("new Set", [outputType(f, r.elem)]), "()"];
    case "map":
      return [typeArgs("new Map", [outputType(f, r.key), outputType(f, r.value)]), "()"];
    case "named":
      return enumZero(f, r.target as EnumDef);
  }
}

function enumZero(f: GeneratedFile, def: EnumDef): string {
  const first = def.members[0];
  return first ? `${f.ref(def)}.${first.name}` : `0 as ${f.ref(def, "", true)}`;
}
