/**
 * The run-time type description of a struct's fields (runtime/reflect/schema.ts): a `fields()`
 * method returning plain data. Named types are the generated values themselves (a struct's codec, an
 * exception's class, an enum's const object), so the list is built only when asked for, after every
 * declaration it refers to exists.
 */
import { resolveTypedefs, type TypeRef } from "../model.js";
import type { Doc } from "./doc.js";
import type { GeneratedFile } from "./generated-file.js";
import { method, objectLiteral, property, rhs } from "./layout.js";
import { stringLiteral } from "./names.js";
import type { FieldPlan } from "./struct.js";
import { arrayLiteral } from "./values.js";

/** The TypeSchema expression of a type: `"i32"`, `{ list: Xtruct }`, `{ enum: Numberz, name: "Numberz" }`, ... */
export function typeSchema(f: GeneratedFile, t: TypeRef): Doc {
  const r = resolveTypedefs(t);
  switch (r.kind) {
    case "base":
      return stringLiteral(r.name === "byte" ? "i8" : r.name);
    case "list":
      return objectLiteral([property("list", rhs(typeSchema(f, r.elem)))]);
    case "set":
      return objectLiteral([property("set", rhs(typeSchema(f, r.elem)))]);
    case "map":
      return objectLiteral([property("key", rhs(typeSchema(f, r.key))), property("value", rhs(typeSchema(f, r.value)))]);
    case "named": {
      const def = r.target;
      // Unresolved names stop compilation before anything is emitted.
      if (!def || def.kind === "typedef") throw new Error(`unresolved type ${r.name}`);
      if (def.kind === "enum") return objectLiteral([`enum: ${f.ref(def)}`, `name: ${stringLiteral(def.name)}`]);
      return f.ref(def);
    }
  }
}

/** `fields(): readonly FieldSchema[] { return [...]; }` for a struct, union, exception or args/result struct. */
export function fieldsMethod(f: GeneratedFile, kind: string, plans: readonly FieldPlan[], isStatic: boolean): Doc {
  const entries = plans.map((p) => {
    const props: Doc[] = [`id: ${p.field.id}`, `name: ${stringLiteral(p.field.name)}`, property("type", rhs(typeSchema(f, p.field.type)))];
    if (kind !== "union" && p.field.requiredness !== "default") props.push(`requiredness: ${stringLiteral(p.field.requiredness)}`);
    if (p.prop !== p.field.name) props.push(`prop: ${stringLiteral(p.prop)}`);
    // Only what writers and `create` apply: union members take no default.
    if (p.fallback !== undefined && !p.zeroFallback) props.push(property("default", rhs(p.fallback)));
    return objectLiteral(props);
  });
  const returns = `readonly ${f.runtime("FieldSchema", true)}[]`;
  return method(`${isStatic ? "static " : ""}fields`, [], returns, [["return ", arrayLiteral(entries, true), ";"]]);
}
