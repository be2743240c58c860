/**
 * Straight-line write/read code for values of a Thrift type: one protocol call per primitive,
 * explicit loops for containers, a nested codec call per struct. No reflection at run time.
 */
import { resolveTypedefs, type TypeRef } from "../model.js";
import type { GeneratedFile } from "./generated-file.js";
import { block, call, callStatement, declaration, rhs } from "./layout.js";
import { typeDoc } from "./type-doc.js";
import { typeArgs } from "./values.js";
import type { Doc } from "./doc.js";
import { outputType, wireType } from "./types.js";

const writeMethod: Record<string, string> = {
  bool: "writeBool",
  byte: "writeByte",
  i8: "writeByte",
  i16: "writeI16",
  i32: "writeI32",
  i64: "writeI64",
  double: "writeDouble",
  float: "writeFloat",
  string: "writeString",
  binary: "writeBinary",
  uuid: "writeUuid",
};

const readMethod: Record<string, string> = {
  bool: "readBool",
  byte: "readByte",
  i8: "readByte",
  i16: "readI16",
  i32: "readI32",
  i64: "readI64",
  double: "readDouble",
  float: "readFloat",
  string: "readString",
  binary: "readBinary",
  uuid: "readUuid",
};

export function ttype(f: GeneratedFile, t: TypeRef): string {
  return `${f.runtime("TType")}.${wireType(t)}`;
}

/** Statements writing `expr` (an input-form value of type `t`) with writer `w`. */
export function writeValue(f: GeneratedFile, expr: string, t: TypeRef, depth: number): Doc[] {
  const r = resolveTypedefs(t);
  switch (r.kind) {
    case "base":
      return [callStatement(`w.${writeMethod[r.name]!}`, [expr])];
    case "named": {
      const def = r.target;
      if (!def || def.kind === "typedef") return [];
      if (def.kind === "enum") return [callStatement("w.writeI32", [expr])];
      return [callStatement(`${f.ref(def)}.write`, ["w", expr])];
    }
    case "list":
    case "set": {
      const e = `$e${depth}`;
      const size = r.kind === "list" ? `${expr}.length` : `${expr}.size`;
      const begin = r.kind === "list" ? "writeListBegin" : "writeSetBegin";
      const end = r.kind === "list" ? "writeListEnd" : "writeSetEnd";
      return [
        [call(`w.${begin}`, [ttype(f, r.elem), size]), ";"],
        [`for (const ${e} of ${expr}) `, block(writeValue(f, e, r.elem, depth + 1))],
        `w.${end}();`,
      ];
    }
    case "map": {
      const k = `$k${depth}`;
      const v = `$v${depth}`;
      return [
        [call("w.writeMapBegin", [ttype(f, r.key), ttype(f, r.value), `${expr}.size`]), ";"],
        [`for (const [${k}, ${v}] of ${expr}) `, block([...writeValue(f, k, r.key, depth + 1), ...writeValue(f, v, r.value, depth + 1)])],
        "w.writeMapEnd();",
      ];
    }
  }
}

export interface ReadCode {
  /** Statements to run first (container loops). */
  statements: Doc[];
  /** The expression holding the value afterwards. */
  expr: string;
}

/**
 * Code reading a value of type `t` with reader `r`, as its output form. Container temporaries are
 * numbered from `ids` so a map's key and value code can share one block.
 */
export function readValue(f: GeneratedFile, t: TypeRef, ids: { next: number } = { next: 0 }): ReadCode {
  const r = resolveTypedefs(t);
  switch (r.kind) {
    case "base":
      return { statements: [], expr: `r.${readMethod[r.name]!}()` };
    case "named": {
      const def = r.target;
      if (!def || def.kind === "typedef") return { statements: [], expr: "undefined" };
      if (def.kind === "enum") return { statements: [], expr: `r.readI32() as ${f.ref(def, "", true)}` };
      return { statements: [], expr: `${f.ref(def)}.read(r)` };
    }
    case "list":
    case "set": {
      const id = ids.next++;
      const n = `$n${id}`;
      const i = `$i${id}`;
      const c = `$c${id}`;
      const elem = readValue(f, r.elem, ids);
      const isList = r.kind === "list";
      const add = isList ? `${c}.push` : `${c}.add`;
      return {
        statements: [
          `const ${n} = r.${isList ? "readListBegin" : "readSetBegin"}();`,
          isList ? declaration("const", [`${c}: `, typeDoc(outputType(f, r))], rhs("[]")) : declaration("const", c, rhs([typeArgs("new Set", [outputType(f, r.elem)]), "()"])),
          [`for (let ${i} = 0; ${i} < ${n}; ${i}++) `, block([...elem.statements, [call(add, [elem.expr]), ";"]])],
          `r.${isList ? "readListEnd" : "readSetEnd"}();`,
        ],
        expr: c,
      };
    }
    case "map": {
      const id = ids.next++;
      const n = `$n${id}`;
      const i = `$i${id}`;
      const c = `$c${id}`;
      const key = readValue(f, r.key, ids);
      const value = readValue(f, r.value, ids);
      // The key is read into a local first: the wire order is key, then value.
      const k = `$k${id}`;
      const body: Doc[] = [...key.statements, `const ${k} = ${key.expr};`, ...value.statements, [call(`${c}.set`, [k, value.expr]), ";"]];
      return {
        statements: [
          `const ${n} = r.readMapBegin();`,
          declaration("const", c, rhs([typeArgs("new Map", [outputType(f, r.key), outputType(f, r.value)]), "()"])),
          [`for (let ${i} = 0; ${i} < ${n}; ${i}++) `, block(body)],
          "r.readMapEnd();",
        ],
        expr: c,
      };
    }
  }
}
